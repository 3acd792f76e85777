// libFuzzer target: the image decode path (`ImageCodec.decode` and `decodeLightness`, JPEG/PNG/TIFF).
//
// Every input must either throw (an `ImageError`) or decode to a well-formed image; anything
// else — a crash, an ASan report, a broken invariant below (checked with `fatalError`), a
// timeout or an out-of-memory — is a finding. The pixel limit is modest (1 MP) so that the
// fuzzer spends its time in the parsers, not in decoding large images: a few hundred bytes of
// progressive JPEG can declare 65044×20 pixels, which take about a second to decode under ASan,
// and at 4 MP such inputs filled the corpus and cut the rate from ~1,600 to ~200 runs/s. The
// decoders' buffer checks scale with the limit (`DecodeLimits.maxBufferBytes`, at least
// `minimumBufferBytes`), so declared sizes beyond it still take the refusal paths.
import FindColorImage
import CLibFuzzer
import Foundation

let fuzzLimits = DecodeLimits(maxPixels: 1_000_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecode(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()

    // The EXIF reader runs on every JPEG; call it on arbitrary bytes as well.
    if let orientation = EXIF.orientation(inJPEG: data), !(1...8).contains(orientation) {
        fatalError("EXIF.orientation returned \(orientation), outside 1...8")
    }

    let decoded: DecodedImage
    do {
        decoded = try ImageCodec.decode(data, limits: fuzzLimits)
    } catch is ImageError {
        return 0
    } catch {
        fatalError("ImageCodec.decode threw a \(type(of: error)), not an ImageError: \(error)")
    }
    check(decoded, data)
    // The L*-only path (`decodeLightness`: a colour JPEG's L* from its 8-bit samples) must give the
    // same L* as the whole decode, or fail where it fails.
    do {
        let direct = try ImageCodec.decodeLightness(data, limits: fuzzLimits)
        if direct != lightness(of: decoded.image) {
            fatalError("decodeLightness differs from lightness(of: decode(...).image)")
        }
    } catch {
        fatalError("decodeLightness threw (\(error)) where decode succeeded")
    }
    return 0
}

/// What `DecodedImage` promises: 1 or 3 channels of finite sRGB samples in [0, 1], a size within
/// the limit, the format that the first bytes announce, 8 or 16 bits, an orientation in 1...8.
func check(_ decoded: DecodedImage, _ data: Data) {
    let image = decoded.image
    guard image.width > 0, image.height > 0, image.width * image.height <= fuzzLimits.maxPixels else {
        fatalError("decoded size \(image.width)×\(image.height) is empty or over the limit")
    }
    guard image.channels == 1 || image.channels == 3 else {
        fatalError("decoded image has \(image.channels) channels")
    }
    guard image.data.count == image.width * image.height * image.channels else {
        fatalError("decoded image has \(image.data.count) samples for \(image.width)×\(image.height)×\(image.channels)")
    }
    guard decoded.format == ImageFormat(detecting: data) else {
        fatalError("decoded as \(decoded.format), detected as \(String(describing: ImageFormat(detecting: data)))")
    }
    guard decoded.bitDepth == 8 || decoded.bitDepth == 16 else {
        fatalError("bit depth \(decoded.bitDepth)")
    }
    guard (1...8).contains(decoded.orientation) else {
        fatalError("orientation \(decoded.orientation)")
    }
    // Reading every sample also lets ASan check the whole buffer.
    for (i, v) in image.data.enumerated() where !(v >= 0 && v <= 1) {
        fatalError("sample \(i) is \(v), outside [0, 1] (\(decoded.format), \(decoded.sourceLayout), \(decoded.bitDepth) bits)")
    }
}

/// The program's entry point. SwiftPM links executables with `--defsym main=FuzzDecode_main` (so that
/// tests can call them), and `-parse-as-library` leaves that symbol undefined: defined here, it
/// hands over to libFuzzer's driver, which parses the libFuzzer options as its own `main` would.
@_cdecl("FuzzDecode_main")
public func fuzzDecodeMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzDecode(data.map(UnsafeRawPointer.init), size) }
}
