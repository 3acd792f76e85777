import CTIFF
import Foundation

/// TIFF decoding and encoding through libtiff, entirely in memory (see `TIFFMemoryStream`).
///
/// Reading, first page only:
/// - 8- and 16-bit unsigned gray (min-is-black or min-is-white) and RGB, with or without an alpha
///   channel, strips or tiles, contiguous or separate planes, any compression libtiff was built
///   with (none, LZW, Deflate, PackBits, JPEG, ...): read sample by sample, 16-bit precision kept;
/// - everything else libtiff's RGBA interface understands (1/2/4-bit gray, palette, YCbCr, CMYK,
///   CIE Lab, ...): read through `TIFFReadRGBAImageOriented` at 8 bits per sample;
/// - the Orientation tag is applied and alpha is composited over white, as for the other formats;
/// - gray sources give a 1-channel image, everything else 3 channels.
///
/// Writing: 8- or 16-bit gray or RGB, LZW with horizontal prediction by default (see
/// `TIFFWriteOptions` for the other layouts the tests use).
enum TIFFCodec {
    static func decode(_ data: Data, limits: DecodeLimits) throws -> DecodedImage {
        let stream = TIFFMemoryStream(bytes: [UInt8](data))
        return try withExtendedLifetime(stream) {
            // libtiff's own allocations (strips, tiles, directories) stay below what the largest
            // accepted image could need; our buffers are checked against the header in
            // `checkDecoderMemory` before they exist.
            let maxAllocation = max(64 << 20, limits.maxBufferBytes)
            guard let tif = stream.open(mode: "rm", maxSingleAllocation: maxAllocation) else {
                throw ImageError.corrupt(format: .tiff, detail: stream.firstError ?? "libtiff could not open the file")
            }
            defer { TIFFClose(tif) }
            return try decode(tif, stream: stream, limits: limits)
        }
    }

    /// The facts about a TIFF page that decide how to read it.
    private struct PageInfo {
        var width = 0, height = 0
        var bitsPerSample = 1, samplesPerPixel = 1, sampleFormat = Int(SAMPLEFORMAT_UINT)
        var photometric = Int(PHOTOMETRIC_MINISBLACK)
        var separatePlanes = false
        var orientation = 1
        var alphaIndex: Int? = nil
        var associatedAlpha = false

        var colorChannels: Int { photometric == Int(PHOTOMETRIC_RGB) ? 3 : 1 }

        /// Whether the page can be read sample by sample at full precision.
        var isDirectlyReadable: Bool {
            [8, 16].contains(bitsPerSample)
                && [Int(SAMPLEFORMAT_UINT), Int(SAMPLEFORMAT_VOID)].contains(sampleFormat)
                && [Int(PHOTOMETRIC_MINISBLACK), Int(PHOTOMETRIC_MINISWHITE), Int(PHOTOMETRIC_RGB)].contains(photometric)
                && samplesPerPixel >= colorChannels
        }

        var layout: SourceLayout {
            switch photometric {
            case Int(PHOTOMETRIC_MINISBLACK), Int(PHOTOMETRIC_MINISWHITE):
                return alphaIndex == nil ? .gray : .grayAlpha
            case Int(PHOTOMETRIC_RGB):
                return alphaIndex == nil ? .rgb : .rgba
            case Int(PHOTOMETRIC_PALETTE):
                return .palette
            case Int(PHOTOMETRIC_SEPARATED):
                return .cmyk
            default:
                return .other
            }
        }
    }

    private static func pageInfo(_ tif: OpaquePointer) throws -> PageInfo {
        var info = PageInfo()
        guard let width = TIFFTags.uint32(tif, TIFFTAG_IMAGEWIDTH),
              let height = TIFFTags.uint32(tif, TIFFTAG_IMAGELENGTH) else {
            throw ImageError.corrupt(format: .tiff, detail: "the image width or height tag is missing")
        }
        info.width = Int(width)
        info.height = Int(height)
        info.bitsPerSample = Int(TIFFTags.uint16(tif, TIFFTAG_BITSPERSAMPLE, defaulted: true) ?? 1)
        info.samplesPerPixel = Int(TIFFTags.uint16(tif, TIFFTAG_SAMPLESPERPIXEL, defaulted: true) ?? 1)
        info.sampleFormat = Int(TIFFTags.uint16(tif, TIFFTAG_SAMPLEFORMAT, defaulted: true) ?? UInt16(SAMPLEFORMAT_UINT))
        info.separatePlanes = TIFFTags.uint16(tif, TIFFTAG_PLANARCONFIG, defaulted: true) == UInt16(PLANARCONFIG_SEPARATE)
        info.orientation = Int(TIFFTags.uint16(tif, TIFFTAG_ORIENTATION, defaulted: true) ?? 1)
        if let photometric = TIFFTags.uint16(tif, TIFFTAG_PHOTOMETRIC, defaulted: false) {
            info.photometric = Int(photometric)
        } else {
            // The tag is required, but some writers omit it: guess from the sample count.
            info.photometric = Int(info.samplesPerPixel >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK)
        }
        let extras = TIFFTags.extraSamples(tif)
        if let first = extras.first, info.samplesPerPixel > info.colorChannels,
           first == UInt16(EXTRASAMPLE_ASSOCALPHA) || first == UInt16(EXTRASAMPLE_UNASSALPHA) {
            info.alphaIndex = info.colorChannels
            info.associatedAlpha = first == UInt16(EXTRASAMPLE_ASSOCALPHA)
        }
        return info
    }

    private static func decode(_ tif: OpaquePointer, stream: TIFFMemoryStream, limits: DecodeLimits) throws -> DecodedImage {
        let info = try pageInfo(tif)
        try limits.check(width: info.width, height: info.height, format: .tiff)
        try checkDecoderMemory(tif, info, limits: limits, stream: stream)

        var image: PlanarImage
        let bitDepth: Int
        if info.isDirectlyReadable {
            image = try readSamples(tif, info, stream: stream)
            bitDepth = info.bitsPerSample
        } else {
            image = try readRGBA(tif, info, stream: stream)
            bitDepth = 8
        }
        image = image.applyingOrientation(info.orientation)
        return DecodedImage(image: image, format: .tiff, sourceLayout: info.layout, bitDepth: bitDepth,
                            orientation: (1...8).contains(info.orientation) ? info.orientation : 1)
    }

    /// Checks every size the directory declares (samples, bits, the whole image, scanlines, strips,
    /// tiles) against the memory budget, with overflow-checked arithmetic, before any buffer is
    /// allocated: a few hundred bytes can declare 64 GB tiles. A strip or tile may not cost more than
    /// the decoded image itself, or `DecodeLimits.minimumBufferBytes` (ordinary 256×256 tiles of a
    /// tiny image).
    private static func checkDecoderMemory(_ tif: OpaquePointer, _ info: PageInfo, limits: DecodeLimits,
                                           stream: TIFFMemoryStream) throws {
        // libtiff's 64-bit sizes: 0 means it could not compute one (and said why).
        func libtiffSize(_ value: UInt64, _ what: String) throws -> Int? {
            guard value > 0 else {
                throw ImageError.corrupt(format: .tiff, detail: stream.firstError ?? "cannot compute the size of \(what)")
            }
            return value <= UInt64(Int.max) ? Int(value) : nil
        }
        let w = info.width, h = info.height, spp = info.samplesPerPixel, bits = info.bitsPerSample
        guard (1...64).contains(bits) else {
            throw ImageError.unsupported(format: .tiff, detail: "\(bits) bits per sample")
        }
        guard spp >= 1 else { throw ImageError.corrupt(format: .tiff, detail: "0 samples per pixel") }
        // What this page costs once decoded: the interleaved samples (direct path) or the RGBA raster.
        let imageBytes: Int?
        if info.isDirectlyReadable {
            imageBytes = DecodeLimits.product(w, h, spp, bits / 8)
        } else {
            imageBytes = DecodeLimits.product(w, h, 4)
        }
        let size = "\(w)×\(h)"
        try limits.checkBuffer(imageBytes, what: "the decoded \(size) TIFF (\(spp) samples of \(bits) bits per pixel)",
                               format: .tiff)
        let chunkCap = max(imageBytes ?? 0, DecodeLimits.minimumBufferBytes)
        let because = "for a \(size) image"
        try limits.checkBuffer(try libtiffSize(TIFFScanlineSize64(tif), "a row"),
                               what: "one row of the \(size) TIFF", format: .tiff, allowed: chunkCap, because: because)
        if TIFFIsTiled(tif) != 0 {
            guard let tileW = TIFFTags.uint32(tif, TIFFTAG_TILEWIDTH).map(Int.init),
                  let tileH = TIFFTags.uint32(tif, TIFFTAG_TILELENGTH).map(Int.init), tileW > 0, tileH > 0 else {
                throw ImageError.corrupt(format: .tiff, detail: "the tile size tags are missing or zero")
            }
            let samplesPerChunk = info.separatePlanes ? 1 : spp
            let declared = DecodeLimits.product(tileW, tileH, samplesPerChunk, bits).map { ($0 + 7) / 8 }
            let libtiffBytes = try libtiffSize(TIFFTileSize64(tif), "a tile")
            try limits.checkBuffer(declared.flatMap { d in libtiffBytes.map { max(d, $0) } },
                                   what: "one \(tileW)×\(tileH) tile", format: .tiff, allowed: chunkCap, because: because)
        } else {
            try limits.checkBuffer(try libtiffSize(TIFFStripSize64(tif), "a strip"),
                                   what: "one strip of the \(size) TIFF", format: .tiff, allowed: chunkCap, because: because)
        }
    }

    // MARK: - Direct reading (8/16-bit gray and RGB)

    /// Reads all samples into one interleaved buffer (pixel by pixel, `samplesPerPixel` samples each),
    /// whatever the on-file organisation, then converts to planar floats.
    private static func readSamples(_ tif: OpaquePointer, _ info: PageInfo, stream: TIFFMemoryStream) throws -> PlanarImage {
        let w = info.width, h = info.height, spp = info.samplesPerPixel
        let sampleBytes = info.bitsPerSample / 8
        let pixelBytes = spp * sampleBytes
        var pixels = [UInt8](repeating: 0, count: w * h * pixelBytes)
        let planes = info.separatePlanes ? spp : 1
        // Samples per pixel inside one strip/tile of one plane.
        let chunkSamples = info.separatePlanes ? 1 : spp

        func failure(_ what: String) -> ImageError {
            .corrupt(format: .tiff, detail: stream.firstError ?? what)
        }

        try pixels.withUnsafeMutableBytes { out in
            let dst = out.baseAddress!
            // Copies `count` pixels of plane `plane` from `src` (chunk layout) to row `y`, column `x`.
            func scatter(_ src: UnsafeRawPointer, plane: Int, y: Int, x: Int, count: Int) {
                if !info.separatePlanes {
                    (dst + (y * w + x) * pixelBytes).copyMemory(from: src, byteCount: count * pixelBytes)
                } else {
                    for i in 0..<count {
                        (dst + ((y * w + x + i) * spp + plane) * sampleBytes)
                            .copyMemory(from: src + i * sampleBytes, byteCount: sampleBytes)
                    }
                }
            }

            if TIFFIsTiled(tif) != 0 {
                guard let tileW = TIFFTags.uint32(tif, TIFFTAG_TILEWIDTH).map(Int.init),
                      let tileH = TIFFTags.uint32(tif, TIFFTAG_TILELENGTH).map(Int.init), tileW > 0, tileH > 0 else {
                    throw failure("the tile size tags are missing")
                }
                let tileBytes = Int(TIFFTileSize(tif)) // within the budget: see checkDecoderMemory
                guard let needed = DecodeLimits.product(tileW, tileH, chunkSamples, sampleBytes), tileBytes >= needed else {
                    throw failure("inconsistent tile size")
                }
                var tile = [UInt8](repeating: 0, count: tileBytes)
                try tile.withUnsafeMutableBytes { t in
                    for plane in 0..<planes {
                        for ty in stride(from: 0, to: h, by: tileH) {
                            for tx in stride(from: 0, to: w, by: tileW) {
                                guard TIFFReadTile(tif, t.baseAddress, UInt32(tx), UInt32(ty), 0, UInt16(plane)) >= 0 else {
                                    throw failure("could not read the tile at (\(tx), \(ty))")
                                }
                                let rowBytes = tileW * chunkSamples * sampleBytes
                                for row in 0..<min(tileH, h - ty) {
                                    scatter(t.baseAddress! + row * rowBytes, plane: plane, y: ty + row, x: tx,
                                            count: min(tileW, w - tx))
                                }
                            }
                        }
                    }
                }
            } else {
                let lineBytes = Int(TIFFScanlineSize(tif))
                guard lineBytes >= w * chunkSamples * sampleBytes else { throw failure("inconsistent scanline size") }
                var line = [UInt8](repeating: 0, count: lineBytes)
                try line.withUnsafeMutableBytes { l in
                    // Plane by plane, top to bottom: the order compressed strips must be read in.
                    for plane in 0..<planes {
                        for y in 0..<h {
                            guard TIFFReadScanline(tif, l.baseAddress, UInt32(y), UInt16(plane)) == 1 else {
                                throw failure("could not read row \(y)")
                            }
                            scatter(l.baseAddress!, plane: plane, y: y, x: 0, count: w)
                        }
                    }
                }
            }
        }

        let alpha: SampleConversion.Alpha = info.alphaIndex == nil ? .none : (info.associatedAlpha ? .premultiplied : .straight)
        let invert = info.photometric == Int(PHOTOMETRIC_MINISWHITE)
        return pixels.withUnsafeBytes { raw in
            if sampleBytes == 2 {
                return SampleConversion.planar(from: raw.bindMemory(to: UInt16.self).baseAddress!, width: w, height: h,
                                               storedChannels: spp, colorChannels: info.colorChannels,
                                               alpha: alpha, alphaIndex: info.alphaIndex, invert: invert)
            } else {
                return SampleConversion.planar(from: raw.bindMemory(to: UInt8.self).baseAddress!, width: w, height: h,
                                               storedChannels: spp, colorChannels: info.colorChannels,
                                               alpha: alpha, alphaIndex: info.alphaIndex, invert: invert)
            }
        }
    }

    // MARK: - Everything else, through libtiff's RGBA interface

    private static func readRGBA(_ tif: OpaquePointer, _ info: PageInfo, stream: TIFFMemoryStream) throws -> PlanarImage {
        var reason = [CChar](repeating: 0, count: 1024)
        guard TIFFRGBAImageOK(tif, &reason) != 0 else {
            let text = String(cString: reason)
            throw ImageError.unsupported(format: .tiff, detail: text.isEmpty ? (stream.firstError ?? "unknown layout") : text)
        }
        // Ask libtiff for the stored layout (no flips); the orientation is applied afterwards, the
        // same way as for every other image (libtiff's RGBA reader ignores the rotations 5...8).
        _ = TIFFTags.setUInt16(tif, TIFFTAG_ORIENTATION, UInt16(ORIENTATION_TOPLEFT))
        let w = info.width, h = info.height
        var raster = [UInt32](repeating: 0, count: w * h)
        let ok = raster.withUnsafeMutableBufferPointer {
            TIFFReadRGBAImageOriented(tif, UInt32(w), UInt32(h), $0.baseAddress, Int32(ORIENTATION_TOPLEFT), 1)
        }
        guard ok != 0 else {
            throw ImageError.corrupt(format: .tiff, detail: stream.firstError ?? "libtiff could not decode the image")
        }
        // Each UInt32 is A<<24 | B<<16 | G<<8 | R: in memory (little-endian) the bytes are R, G, B, A.
        // libtiff returns colour premultiplied by alpha (and A = 255 when there is no alpha).
        let gray = info.photometric == Int(PHOTOMETRIC_MINISBLACK) || info.photometric == Int(PHOTOMETRIC_MINISWHITE)
        for i in raster.indices { raster[i] = UInt32(littleEndian: raster[i]) }
        return raster.withUnsafeBytes { raw in
            SampleConversion.planar(from: raw.bindMemory(to: UInt8.self).baseAddress!, width: w, height: h,
                                    storedChannels: 4, colorChannels: gray ? 1 : 3,
                                    alpha: .premultiplied, alphaIndex: 3)
        }
    }

    // MARK: - Writing

    static func encode(_ image: PlanarImage, bitDepth: Int, options: TIFFWriteOptions = TIFFWriteOptions()) throws -> Data {
        try OutputFormat.tiff(bitDepth: bitDepth).validate()
        guard image.channels == 1 || image.channels == 3 else {
            throw ImageError.invalidArgument("TIFF output needs a 1- or 3-channel image, got \(image.channels) channels")
        }
        guard image.width > 0, image.height > 0 else { throw ImageError.invalidArgument("cannot encode an empty image") }
        try OutputFormat.tiff(bitDepth: bitDepth).checkCanEncode(width: image.width, height: image.height)
        if case .jpeg = options.compression, bitDepth != 8 {
            throw ImageError.invalidArgument("JPEG-compressed TIFF needs 8-bit samples")
        }

        let stream = TIFFMemoryStream()
        return try withExtendedLifetime(stream) {
            guard let tif = stream.open(mode: "w") else {
                throw ImageError.encodingFailed(format: .tiff, detail: stream.firstError ?? "libtiff could not create the file")
            }
            var isOpen = true
            defer { if isOpen { TIFFClose(tif) } }

            try writePage(tif, image, bitDepth: bitDepth, options: options, stream: stream)

            TIFFClose(tif) // flushes the last strip and writes the directory
            isOpen = false
            if let error = stream.firstError { throw ImageError.encodingFailed(format: .tiff, detail: error) }
            return Data(stream.bytes)
        }
    }

    private static func writePage(_ tif: OpaquePointer, _ image: PlanarImage, bitDepth: Int,
                                  options: TIFFWriteOptions, stream: TIFFMemoryStream) throws {
        let w = image.width, h = image.height, channels = image.channels
        let rgb = channels == 3
        var tagsOK = true
        func set32(_ tag: Int32, _ value: Int) { tagsOK = TIFFTags.setUInt32(tif, tag, UInt32(value)) && tagsOK }
        func set16(_ tag: Int32, _ value: Int32) { tagsOK = TIFFTags.setUInt16(tif, tag, UInt16(value)) && tagsOK }
        func setInt(_ tag: Int32, _ value: Int32) { tagsOK = TIFFTags.setInt(tif, tag, value) && tagsOK }

        set32(TIFFTAG_IMAGEWIDTH, w)
        set32(TIFFTAG_IMAGELENGTH, h)
        set16(TIFFTAG_BITSPERSAMPLE, Int32(bitDepth))
        set16(TIFFTAG_SAMPLESPERPIXEL, Int32(channels))
        set16(TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_UINT)
        set16(TIFFTAG_PLANARCONFIG, options.separatePlanes ? PLANARCONFIG_SEPARATE : PLANARCONFIG_CONTIG)
        set16(TIFFTAG_ORIENTATION, Int32(options.orientation))
        switch options.compression {
        case .none:
            set16(TIFFTAG_COMPRESSION, COMPRESSION_NONE)
            set16(TIFFTAG_PHOTOMETRIC, rgb ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK)
        case .lzw, .deflate:
            set16(TIFFTAG_COMPRESSION, options.compression == .lzw ? COMPRESSION_LZW : COMPRESSION_ADOBE_DEFLATE)
            set16(TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL)
            set16(TIFFTAG_PHOTOMETRIC, rgb ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK)
        case .jpeg(let quality):
            set16(TIFFTAG_COMPRESSION, COMPRESSION_JPEG)
            set16(TIFFTAG_PHOTOMETRIC, rgb ? PHOTOMETRIC_YCBCR : PHOTOMETRIC_MINISBLACK)
            setInt(TIFFTAG_JPEGQUALITY, Int32(quality))
            if rgb { setInt(TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB) } // we hand over RGB; libtiff converts
        }
        if let tile = options.tileSize {
            set32(TIFFTAG_TILEWIDTH, tile)
            set32(TIFFTAG_TILELENGTH, tile)
        } else {
            var rows = Int(TIFFDefaultStripSize(tif, 0))
            if case .jpeg = options.compression { rows = max(16, rows / 16 * 16) } // whole MCU rows
            set32(TIFFTAG_ROWSPERSTRIP, min(max(rows, 1), h))
        }
        guard tagsOK else {
            throw ImageError.encodingFailed(format: .tiff, detail: stream.firstError ?? "libtiff rejected a tag")
        }

        // Sample bytes: one interleaved buffer (contiguous) or one buffer per channel (separate planes).
        let sampleBytes = bitDepth / 8
        let buffers: [[UInt8]] = (options.separatePlanes ? (0..<channels).map { image.channel($0) } : [image]).map { part in
            if bitDepth == 16 {
                return SampleConversion.interleaved(part, as: UInt16.self).withUnsafeBytes { Array($0) }
            } else {
                return SampleConversion.interleaved(part, as: UInt8.self)
            }
        }
        let pixelBytes = (options.separatePlanes ? 1 : channels) * sampleBytes

        func failure(_ what: String) -> ImageError {
            .encodingFailed(format: .tiff, detail: stream.firstError ?? what)
        }
        for (plane, buffer) in buffers.enumerated() {
            try buffer.withUnsafeBytes { src in
                if let tileSize = options.tileSize {
                    var tile = [UInt8](repeating: 0, count: tileSize * tileSize * pixelBytes)
                    for ty in stride(from: 0, to: h, by: tileSize) {
                        for tx in stride(from: 0, to: w, by: tileSize) {
                            tile.withUnsafeMutableBytes { t in
                                t.initializeMemory(as: UInt8.self, repeating: 0)
                                for row in 0..<min(tileSize, h - ty) {
                                    (t.baseAddress! + row * tileSize * pixelBytes)
                                        .copyMemory(from: src.baseAddress! + ((ty + row) * w + tx) * pixelBytes,
                                                    byteCount: min(tileSize, w - tx) * pixelBytes)
                                }
                            }
                            let written = tile.withUnsafeMutableBytes {
                                TIFFWriteTile(tif, $0.baseAddress, UInt32(tx), UInt32(ty), 0, UInt16(plane))
                            }
                            guard written >= 0 else { throw failure("could not write the tile at (\(tx), \(ty))") }
                        }
                    }
                } else {
                    // libtiff may modify the row in place (predictor), so hand it a scratch copy.
                    var row = [UInt8](repeating: 0, count: w * pixelBytes)
                    for y in 0..<h {
                        let ok = row.withUnsafeMutableBytes { r -> Int32 in
                            r.baseAddress!.copyMemory(from: src.baseAddress! + y * w * pixelBytes, byteCount: w * pixelBytes)
                            return TIFFWriteScanline(tif, r.baseAddress, UInt32(y), UInt16(plane))
                        }
                        guard ok == 1 else { throw failure("could not write row \(y)") }
                    }
                }
            }
        }
    }
}

/// Layout choices for TIFF output. `ImageCodec` uses the defaults (LZW + predictor, contiguous
/// strips, no rotation); the others exist so that the reader can be tested on every organisation.
struct TIFFWriteOptions: Sendable {
    enum Compression: Equatable, Sendable {
        case none, lzw, deflate
        /// JPEG-in-TIFF (YCbCr for RGB), 8-bit only; read back through the RGBA path.
        case jpeg(quality: Int)
    }

    var compression: Compression = .lzw
    var separatePlanes = false
    /// Tile edge (a multiple of 16), or nil for strips.
    var tileSize: Int? = nil
    /// Orientation tag to record (the pixels are written as given).
    var orientation = 1
}

/// Typed access to libtiff's variadic tag getters and setters (Swift cannot call C variadic
/// functions, so these go through the `va_list` variants).
enum TIFFTags {
    static func uint32(_ tif: OpaquePointer, _ tag: Int32) -> UInt32? {
        var value: UInt32 = 0
        let ok = withUnsafeMutablePointer(to: &value) { p in
            withVaList([p]) { TIFFVGetField(tif, UInt32(tag), $0) }
        }
        return ok == 1 ? value : nil
    }

    static func uint16(_ tif: OpaquePointer, _ tag: Int32, defaulted: Bool) -> UInt16? {
        var value: UInt16 = 0
        let ok = withUnsafeMutablePointer(to: &value) { p in
            withVaList([p]) { defaulted ? TIFFVGetFieldDefaulted(tif, UInt32(tag), $0) : TIFFVGetField(tif, UInt32(tag), $0) }
        }
        return ok == 1 ? value : nil
    }

    /// The ExtraSamples tag: what each sample beyond the colour ones means.
    static func extraSamples(_ tif: OpaquePointer) -> [UInt16] {
        var count: UInt16 = 0
        var list: UnsafeMutablePointer<UInt16>? = nil
        let ok = withUnsafeMutablePointer(to: &count) { c in
            withUnsafeMutablePointer(to: &list) { l in
                withVaList([c, l]) { TIFFVGetFieldDefaulted(tif, UInt32(TIFFTAG_EXTRASAMPLES), $0) }
            }
        }
        guard ok == 1, let list else { return [] }
        return Array(UnsafeBufferPointer(start: list, count: Int(count)))
    }

    // Variadic promotion: uint16 values travel as int, uint32 as uint32.
    static func setUInt16(_ tif: OpaquePointer, _ tag: Int32, _ value: UInt16) -> Bool {
        withVaList([Int32(value)]) { TIFFVSetField(tif, UInt32(tag), $0) } == 1
    }

    static func setUInt32(_ tif: OpaquePointer, _ tag: Int32, _ value: UInt32) -> Bool {
        withVaList([value]) { TIFFVSetField(tif, UInt32(tag), $0) } == 1
    }

    static func setInt(_ tif: OpaquePointer, _ tag: Int32, _ value: Int32) -> Bool {
        withVaList([value]) { TIFFVSetField(tif, UInt32(tag), $0) } == 1
    }
}
