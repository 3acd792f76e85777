import Foundation

/// The entry point for reading and writing image files.
///
///     let decoded = try ImageCodec.read(url: input)            // JPEG, PNG or TIFF
///     let gray = decoded.image                                   // 1 or 3 channels, sRGB in [0, 1]
///     ...
///     try ImageCodec.write(result, to: output)                   // format from the extension
///
/// Bad input of any kind (empty, truncated, corrupt, unsupported, too large) throws an `ImageError`
/// with a one-line message; nothing here crashes or exits on untrusted data.
public enum ImageCodec {
    /// Decodes a JPEG, PNG or TIFF image (format detected from its first bytes).
    ///
    /// The header is checked against `limits` before any pixel memory is allocated.
    /// See `DecodedImage` for what the returned pixels look like.
    public static func decode(_ data: Data, limits: DecodeLimits = .default) throws -> DecodedImage {
        let format = try ImageFormat.detect(data)
        switch format {
        case .jpeg: return try JPEGCodec.decode(data, limits: limits)
        case .png: return try PNGCodec.decode(data, limits: limits)
        case .tiff: return try TIFFCodec.decode(data, limits: limits)
        }
    }

    /// L\* of an encoded image: `lightness(of: decode(data).image)`, the same values, but a colour
    /// JPEG's L\* comes straight from its 8-bit samples (no float RGB planes, 288 MB for 24 MP;
    /// measured in docs/speed.md, "The tensor arena").
    public static func decodeLightness(_ data: Data, limits: DecodeLimits = .default) throws -> LightnessImage {
        switch try ImageFormat.detect(data) {
        case .jpeg: return try JPEGCodec.decodeLightness(data, limits: limits)
        case .png, .tiff: return lightness(of: try decode(data, limits: limits).image)
        }
    }

    /// Encodes a 1-channel (gray) or 3-channel (RGB) sRGB image with samples in [0, 1] (values
    /// outside are clamped, NaN becomes 0).
    public static func encode(_ image: PlanarImage, as format: OutputFormat) throws -> Data {
        try format.validate()
        switch format {
        case .png(let depth): return try PNGCodec.encode(image, bitDepth: depth)
        case .jpeg(let quality): return try JPEGCodec.encode(image, quality: quality)
        case .tiff(let depth): return try TIFFCodec.encode(image, bitDepth: depth)
        }
    }

    /// Encodes 8-bit samples as JPEG or 8-bit PNG (the same file as `encode(_:as:)` of the float
    /// image they were quantised from); 16-bit PNG and TIFF need the float image.
    public static func encode(_ image: InterleavedImage8, as format: OutputFormat) throws -> Data {
        try format.validate()
        guard encodesFrom8Bit(format) else {
            throw ImageError.invalidArgument("\(format) needs the full-precision image, not 8-bit samples")
        }
        if case .jpeg(let quality) = format { return try JPEGCodec.encode(image, quality: quality) }
        return try PNGCodec.encode(image)
    }

    /// Whether `encode(_: InterleavedImage8, as:)` can write `format` (JPEG, 8-bit PNG).
    public static func encodesFrom8Bit(_ format: OutputFormat) -> Bool {
        switch format {
        case .png(bitDepth: 8), .jpeg: return true
        default: return false
        }
    }

    /// 8-bit PNG written for speed rather than size (see `FastPNG`): the same pixels as
    /// `encode(image, as: .png(bitDepth: 8))`, several times faster, the file a little larger. For
    /// images shown once (the web app's renders), not for files that are kept.
    public static func encodeFastPNG(_ image: PlanarImage) throws -> Data {
        try FastPNG.encode(image)
    }

    /// `encodeFastPNG` from 8-bit samples (e.g. `Colorizer.colorize8`'s): the same file as from the
    /// float image they were quantised from.
    public static func encodeFastPNG(_ image: InterleavedImage8) throws -> Data {
        try FastPNG.encode(image)
    }

    /// Reads and decodes an image file.
    ///
    /// A file that cannot be read throws `ImageError.io` with the system's reason (from `open(2)`:
    /// "No such file or directory", "Permission denied", ...). Regular files are mapped; anything
    /// else that can be opened (a pipe such as /dev/stdin, a device) is read to its end, but given
    /// up after its first bytes if they are no image's and after `maxStreamBytes(limits)` bytes.
    public static func read(url: URL, limits: DecodeLimits = .default) throws -> DecodedImage {
        try decode(readData(url: url, limits: limits), limits: limits)
    }

    /// Reads an image file's L\* (`decodeLightness`), with `read`'s errors.
    public static func readLightness(url: URL, limits: DecodeLimits = .default) throws -> LightnessImage {
        try decodeLightness(readData(url: url, limits: limits), limits: limits)
    }

    /// The bytes of an image file (mapped when it is a regular file), with `read`'s errors.
    static func readData(url: URL, limits: DecodeLimits) throws -> Data {
        let path = url.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageError.io(path: path, detail: posixReason(errno)) }
        defer { _ = close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ImageError.io(path: path, detail: posixReason(errno)) }
        let data: Data
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            throw ImageError.io(path: path, detail: "is a folder, not an image file")
        case S_IFREG:
            do {
                data = try Data(contentsOf: url, options: .mappedIfSafe)
            } catch {
                throw ImageError.io(path: path, detail: ImageError.reason(error))
            }
        default:
            data = try readStream(fd, path: path, maxBytes: maxStreamBytes(limits))
        }
        return data
    }

    /// The most bytes read from a stream: no compressed image is larger than its decoded buffer.
    static func maxStreamBytes(_ limits: DecodeLimits) -> Int {
        max(limits.maxBufferBytes, 64 << 20)
    }

    /// Reads `fd` to its end (e.g. /dev/stdin); stops as soon as the first bytes are not an image's
    /// (so /dev/zero or /dev/urandom end at once) or the stream passes `maxBytes`.
    static func readStream(_ fd: Int32, path: String, maxBytes: Int) throws -> Data {
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var checkedMagic = false
        while true {
            let n = chunk.withUnsafeMutableBytes { readBytes(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageError.io(path: path, detail: posixReason(errno))
            }
            if n == 0 { return data }
            data.append(contentsOf: chunk[0..<n])
            if !checkedMagic && data.count >= 8 {
                checkedMagic = true
                guard ImageFormat(detecting: data) != nil else { throw ImageError.unrecognizedFormat }
            }
            guard data.count <= maxBytes else {
                throw ImageError.io(path: path, detail: "the stream is longer than \(DecodeLimits.describeBytes(maxBytes)), more than any image within the size limit takes")
            }
        }
    }

    /// Encodes `image` and writes it to `url` atomically: the bytes go to a temporary file in the
    /// same directory, which is then renamed over the destination, so readers never see a partial
    /// file. Without `format`, the format is chosen from the file extension (see
    /// `OutputFormat.init(fileExtension:)`).
    public static func write(_ image: PlanarImage, to url: URL, format: OutputFormat? = nil) throws {
        guard let format = format ?? OutputFormat(fileExtension: url.pathExtension) else {
            throw ImageError.invalidArgument(
                "\(url.path): cannot tell the image format from the extension \"\(url.pathExtension)\"; use .jpg, .png or .tif")
        }
        let data = try encode(image, as: format)
        try writeAtomically(data, to: url)
    }

    /// Writes `data` to a temporary file next to `url`, flushes it to the disk (`fsync`), renames it
    /// to `url` and flushes the folder, so that neither a crash nor a power cut leaves a torn file
    /// under the final name. Failures name the file and give the system's reason (errno); the
    /// temporary file is removed. The one crash-safe writer of the project (outputs, the server's store).
    public static func writeAtomically(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        // A short temporary name: a final name near NAME_MAX (255 bytes) must not fail for its length.
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent.prefix(32)).\(UUID().uuidString).tmp")
        func failure(_ what: String, _ code: Int32) -> ImageError {
            .io(path: url.path, detail: "\(what): \(posixReason(code))")
        }
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            let code = errno
            throw failure(code == ENOENT || code == ENOTDIR ? "cannot create a file in \(directory.path)" : "cannot create the file", code)
        }
        var isOpen = true, renamed = false
        defer {
            if isOpen { _ = close(fd) }
            if !renamed { _ = unlink(temporary.path) }
        }
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = writeBytes(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure("cannot write the file", errno)
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw failure("cannot flush the file to the disk", errno) }
        isOpen = false
        guard close(fd) == 0 else { throw failure("cannot write the file", errno) }
        guard rename(temporary.path, url.path) == 0 else {
            throw failure("could not move the new file into place", errno)
        }
        renamed = true
        // The rename itself is durable once the folder is flushed (some file systems refuse; the
        // file is in place either way).
        let dfd = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            _ = close(dfd)
        }
    }

    /// Whether `name` is one of `writeAtomically`'s temporary files, `.<name>.<UUID>.tmp` (what a
    /// process killed between creating and renaming leaves behind).
    public static func isTemporaryFile(_ name: String) -> Bool {
        name.hasPrefix(".") && name.hasSuffix(".tmp")
    }

    /// The system's message for an errno value ("Permission denied", ...).
    static func posixReason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

/// write(2) and read(2), under names that `ImageCodec.write` and `.read` do not shadow.
private func writeBytes(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

private func readBytes(_ fd: Int32, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, bytes, count)
}
