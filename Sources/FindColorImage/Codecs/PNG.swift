import CPNG
import FindColorParallel
import Foundation

/// PNG decoding and encoding through libpng's "simplified" API (`png_image_*`), which reports
/// errors in `png_image.message` instead of `longjmp`ing into the caller (Swift cannot `setjmp`).
///
/// Reading:
/// - every PNG colour type and bit depth is accepted; 1/2/4-bit gray is expanded to 8 bits and
///   palette images to RGB(A) by libpng;
/// - gray files give a 1-channel image, everything else 3 channels;
/// - alpha (an alpha channel or a tRNS chunk) is composited over white;
/// - 16-bit samples are kept exact. The simplified API only hands out 16-bit samples as *linear*
///   light, converting from the file's encoding on the way; that conversion would lose precision in
///   the shadows. So for 16-bit files the colour-encoding chunks (gAMA, sRGB, iCCP) are removed before
///   libpng sees the stream (it then treats the samples as already linear and passes them through
///   untouched) and the encoding is applied here, in Float: sRGB chunk, iCCP, gAMA ≈ 1/2.2 or no
///   chunk at all → the samples are sRGB-encoded as they are; gAMA = 1 → linear, sRGB-encoded here;
///   any other gAMA g → v^(1/g) is linear, sRGB-encoded here. ICC profiles are not applied.
///
/// Writing: 8-bit or 16-bit, gray or RGB, no alpha. 16-bit output, which the simplified API tags as
/// linear (gAMA 1.0), is re-tagged as sRGB (sRGB chunk plus gAMA 45455), because the samples written
/// are sRGB-encoded.
enum PNGCodec {
    /// How the samples of a 16-bit file are encoded, from its colour chunks.
    enum SampleEncoding: Equatable {
        case sRGB
        case linear
        /// Power-law encoding with the file gamma g of the gAMA chunk (encoded = linear^g).
        case power(Double)
    }

    static func decode(_ data: Data, limits: DecodeLimits) throws -> DecodedImage {
        // The declared size, straight from IHDR, before libpng reads (and allocates for) anything.
        if let (width, height) = declaredSize(data) {
            try limits.check(width: width, height: height, format: .png)
        }
        // Look at IHDR and the colour chunks first; for 16-bit files, strip the colour chunks.
        let (encoding, input): (SampleEncoding, Data) = data.withUnsafeBytes { raw in
            let chunks = PNGChunks.chunks(in: raw)
            guard let ihdr = chunks.first, ihdr.type == "IHDR", ihdr.data.count == 13,
                  raw[ihdr.data.lowerBound + 8] == 16 else {
                return (.sRGB, data)
            }
            return (sampleEncoding(chunks, raw), PNGChunks.removing(["gAMA", "sRGB", "iCCP"], from: raw))
        }
        return try input.withUnsafeBytes { raw in
            try decodeWithLibpng(raw, limits: limits, encoding16: encoding)
        }
    }

    /// Width and height from an IHDR chunk right after the signature (nil if there is none: libpng
    /// then reports the damage).
    static func declaredSize(_ data: Data) -> (Int, Int)? {
        let head = [UInt8](data.prefix(24))
        guard head.count == 24, head[12...15].elementsEqual(Array("IHDR".utf8)) else { return nil }
        func u32(_ at: Int) -> Int { Int(head[at]) << 24 | Int(head[at + 1]) << 16 | Int(head[at + 2]) << 8 | Int(head[at + 3]) }
        return (u32(16), u32(20))
    }

    static func sampleEncoding(_ chunks: [PNGChunks.Chunk], _ raw: UnsafeRawBufferPointer) -> SampleEncoding {
        if chunks.contains(where: { $0.type == "sRGB" || $0.type == "iCCP" }) { return .sRGB }
        guard let gama = chunks.first(where: { $0.type == "gAMA" }), gama.data.count == 4 else { return .sRGB }
        let g = Double(PNGChunks.readUInt32(raw, at: gama.data.lowerBound)) / 100_000
        if abs(g - 1) < 0.01 { return .linear }
        if g <= 0 || abs(g - 1 / 2.2) < 0.01 { return .sRGB }
        return .power(g)
    }

    private static func decodeWithLibpng(_ raw: UnsafeRawBufferPointer, limits: DecodeLimits,
                                         encoding16: SampleEncoding) throws -> DecodedImage {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&png) }

        guard png_image_begin_read_from_memory(&png, raw.baseAddress, raw.count) != 0 else {
            throw ImageError.corrupt(format: .png, detail: message(of: png))
        }
        let width = Int(png.width), height = Int(png.height)
        try limits.check(width: width, height: height, format: .png)

        let fileFormat = png.format
        let isColor = fileFormat & PNG_FORMAT_FLAG_COLOR != 0
        let hasAlpha = fileFormat & PNG_FORMAT_FLAG_ALPHA != 0
        let is16 = fileFormat & PNG_FORMAT_FLAG_LINEAR != 0
        let layout: SourceLayout = fileFormat & PNG_FORMAT_FLAG_COLORMAP != 0 ? .palette
            : isColor ? (hasAlpha ? .rgba : .rgb) : (hasAlpha ? .grayAlpha : .gray)

        // Ask for the same layout without the colour map, at 8 or 16 bits.
        png.format = (isColor ? PNG_FORMAT_FLAG_COLOR : 0) | (hasAlpha ? PNG_FORMAT_FLAG_ALPHA : 0)
            | (is16 ? PNG_FORMAT_FLAG_LINEAR : 0)
        let colorChannels = isColor ? 3 : 1
        let stored = colorChannels + (hasAlpha ? 1 : 0)
        let sampleBytes = is16 ? 2 : 1
        try limits.checkBuffer(DecodeLimits.product(width, height, stored, sampleBytes),
                               what: "the decoded \(width)×\(height) PNG", format: .png)
        guard let rowBytes = DecodeLimits.product(width, stored, sampleBytes), rowBytes <= Int(Int32.max) else {
            throw ImageError.unsupported(format: .png, detail: "rows of \(width) pixels are too long to decode")
        }
        let rowStride = Int32(width * stored) // in components, not bytes

        var image: PlanarImage
        if is16 {
            var samples = [UInt16](repeating: 0, count: width * height * stored)
            let ok = samples.withUnsafeMutableBytes { png_image_finish_read(&png, nil, $0.baseAddress, rowStride, nil) }
            guard ok != 0 else { throw ImageError.corrupt(format: .png, detail: message(of: png)) }
            // With linear output libpng returns colour premultiplied by alpha ("associated alpha").
            image = samples.withUnsafeBufferPointer {
                SampleConversion.planar(from: $0.baseAddress!, width: width, height: height, storedChannels: stored,
                                        colorChannels: colorChannels, alpha: hasAlpha ? .premultiplied : .none)
            }
            applyEncoding(encoding16, to: &image)
        } else {
            var samples = [UInt8](repeating: 0, count: width * height * stored)
            let ok = samples.withUnsafeMutableBytes { png_image_finish_read(&png, nil, $0.baseAddress, rowStride, nil) }
            guard ok != 0 else { throw ImageError.corrupt(format: .png, detail: message(of: png)) }
            // 8-bit output is sRGB-encoded with straight (non-premultiplied) alpha.
            image = samples.withUnsafeBufferPointer {
                SampleConversion.planar(from: $0.baseAddress!, width: width, height: height, storedChannels: stored,
                                        colorChannels: colorChannels, alpha: hasAlpha ? .straight : .none)
            }
        }
        return DecodedImage(image: image, format: .png, sourceLayout: layout, bitDepth: is16 ? 16 : 8)
    }

    /// Converts samples decoded in the file's own encoding to sRGB encoding.
    private static func applyEncoding(_ encoding: SampleEncoding, to image: inout PlanarImage) {
        let transform: (Float) -> Float
        switch encoding {
        case .sRGB:
            return
        case .linear:
            transform = { SRGBTransfer.encode($0) }
        case .power(let g):
            let exponent = Float(1 / g)
            transform = { SRGBTransfer.encode(powf($0, exponent)) }
        }
        let width = image.width, channels = image.channels, height = image.height
        image.data.withUnsafeMutableBufferPointer { buffer in
            let p = buffer.baseAddress!
            Parallel.forEachChunk(count: channels * height, workPerItem: width) { rows in
                for i in rows.lowerBound * width ..< rows.upperBound * width {
                    p[i] = min(max(transform(p[i]), 0), 1)
                }
            }
        }
    }

    /// The checks of every PNG encoding (`encode`, `FastPNG.encode`).
    static func checkEncodable(_ image: PlanarImage, bitDepth: Int) throws {
        try checkEncodable(width: image.width, height: image.height, channels: image.channels, bitDepth: bitDepth)
    }

    static func checkEncodable(width: Int, height: Int, channels: Int, bitDepth: Int) throws {
        try OutputFormat.png(bitDepth: bitDepth).validate()
        guard channels == 1 || channels == 3 else {
            throw ImageError.invalidArgument("PNG output needs a 1- or 3-channel image, got \(channels) channels")
        }
        guard width > 0, height > 0 else { throw ImageError.invalidArgument("cannot encode an empty image") }
        try OutputFormat.png(bitDepth: bitDepth).checkCanEncode(width: width, height: height)
    }

    static func encode(_ image: PlanarImage, bitDepth: Int) throws -> Data {
        try checkEncodable(image, bitDepth: bitDepth)
        if bitDepth == 16 {
            let samples = SampleConversion.interleaved(image, as: UInt16.self)
            let bytes = try samples.withUnsafeBytes {
                try write($0.baseAddress!, width: image.width, height: image.height, channels: image.channels, bitDepth: 16)
            }
            return tagAsSRGB(bytes)
        }
        return try encode(InterleavedImage8(image))
    }

    /// An 8-bit PNG of 8-bit samples (1 or 3 channels).
    static func encode(_ image: InterleavedImage8) throws -> Data {
        try checkEncodable(width: image.width, height: image.height, channels: image.channels, bitDepth: 8)
        return Data(try image.samples.withUnsafeBytes {
            try write($0.baseAddress!, width: image.width, height: image.height, channels: image.channels, bitDepth: 8)
        })
    }

    /// libpng's simplified writer on interleaved samples (8-bit, or 16-bit linear-flagged).
    private static func write(_ samples: UnsafeRawPointer, width: Int, height: Int, channels: Int, bitDepth: Int) throws -> [UInt8] {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        png.width = UInt32(width)
        png.height = UInt32(height)
        png.format = (channels == 3 ? PNG_FORMAT_FLAG_COLOR : 0) | (bitDepth == 16 ? PNG_FORMAT_FLAG_LINEAR : 0)
        defer { png_image_free(&png) }

        let bytesPerSample = bitDepth / 8
        let rowBytes = width * channels * bytesPerSample
        // Worst case from png.h (PNG_IMAGE_PNG_SIZE_MAX): raw data + filter bytes, zlib's bound, chunk overheads.
        let rawSize = height * (rowBytes + 1)
        let zlibMax = rawSize + (rawSize + 7) >> 3 + (rawSize + 63) >> 6 + 11
        var capacity = zlibMax + 12 * (zlibMax / 4096 + 1) + 512

        for _ in 0..<2 {
            // Not zero-filled: libpng writes the bytes it reports, and the worst-case tail is never
            // touched, so its pages are never made resident (a 24 MP result's buffer is ~80 MB).
            var out = [UInt8](unsafeUninitializedCapacity: capacity) { _, count in count = capacity }
            var size = png_alloc_size_t(capacity)
            let ok = out.withUnsafeMutableBytes {
                png_image_write_to_memory(&png, $0.baseAddress, &size, 0, samples, 0, nil)
            }
            if ok != 0 {
                out.removeSubrange(Int(size)...)
                return out
            }
            guard Int(size) > capacity else { break } // a real error, not a short buffer
            capacity = Int(size)
            png_image_free(&png)
            png.warning_or_error = 0
        }
        throw ImageError.encodingFailed(format: .png, detail: message(of: png))
    }

    /// Replaces the linear gAMA chunk that the simplified API writes for 16-bit data by an sRGB chunk
    /// (rendering intent: perceptual) and the matching gAMA 45455, as the PNG specification recommends.
    static func tagAsSRGB(_ bytes: [UInt8]) -> Data {
        bytes.withUnsafeBytes { raw in
            let chunks = PNGChunks.chunks(in: raw)
            var gammaValue: [UInt8] = []
            PNGChunks.appendUInt32(45_455, to: &gammaValue)
            let replacement = PNGChunks.makeChunk(type: "sRGB", data: [0]) + PNGChunks.makeChunk(type: "gAMA", data: gammaValue)
            var out = Data(capacity: bytes.count + replacement.count)
            if let gama = chunks.first(where: { $0.type == "gAMA" }) {
                out.append(contentsOf: raw[0..<gama.whole.lowerBound])
                out.append(contentsOf: replacement)
                out.append(contentsOf: raw[gama.whole.upperBound...])
            } else if let ihdr = chunks.first, ihdr.type == "IHDR" {
                out.append(contentsOf: raw[0..<ihdr.whole.upperBound])
                out.append(contentsOf: replacement)
                out.append(contentsOf: raw[ihdr.whole.upperBound...])
            } else {
                out.append(contentsOf: raw)
            }
            return out
        }
    }

    /// The NUL-terminated message libpng left in the `png_image`.
    private static func message(of png: png_image) -> String {
        var copy = png.message
        let text = withUnsafeBytes(of: &copy) { raw -> String in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        return text.isEmpty ? "libpng reported an unknown error" : text
    }
}
