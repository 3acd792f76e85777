import FindColor
import Foundation

/// How much memory a piece of server work needs, estimated before it runs from the pixel counts
/// in the image headers. Every rate the server uses is here, in one place.
///
/// A colourization holds the photo's full-resolution planes (the decoded photo, L*, the guided
/// filter's coefficients and ab, the sRGB result, the encoder's rows) and runs the network at its
/// working resolution, whose activations dominate for small or very elongated photos.
public enum MemoryCost {
    /// Network working memory per pixel of its working resolution: activations, hint planes and
    /// kernel scratch (about 230 bytes per pixel measured on a 65535×256 photo, issue 11).
    public static let networkBytesPerPixel = 250
    /// Full-resolution planes of one colourization, per pixel of the photo (16 Float planes).
    public static let fullResolutionBytesPerPixel = 64
    /// Decoding alone (project creation, reference and mask uploads, PNG conversion, renders that
    /// decode the photo): the decoded Float planes plus the codec's rows, per pixel.
    public static let decodeBytesPerPixel = 16
    /// The short side of the network's working resolution (the presets' image-wise pass).
    public static let workingShortSide = 256
    /// Fixed cost of any job (buffers that do not scale with the photo).
    public static let jobOverheadBytes = 16 << 20
    /// The model, the runtime and the server's own structures, counted once out of the budget.
    public static let serverBaseBytes = 192 << 20
    /// The colorizer's `PassCache` (the preview's pass, reused by the full render that follows).
    public static let passCacheBytes = 32 << 20
    /// The same cache's encodings (models whose encoder does not see the hints: a hint change
    /// reruns only the decoder); counted only for such a model (`ColorizationEngine.keepsEncodings`).
    public static let encodingCacheBytes = 32 << 20
    /// A request body is held about this many times while it is parsed (received bytes, parsed
    /// parts, one working copy).
    public static let bodyCopies = 3

    /// Pixels of the network's working resolution for a `width × height` photo (as the colorizer
    /// computes it), padded to the network's multiple of 32.
    static func networkPixels(width: Int, height: Int, shortSide: Int = workingShortSide) -> Int {
        guard width > 0, height > 0 else { return 0 }
        let (w, h) = Colorizer.fit(width: width, height: height, shortSide: shortSide)
        return padded(w, h)
    }

    /// Pixels of a `w × h` network input padded to the network's multiple of 32.
    static func padded(_ w: Int, _ h: Int) -> Int { (w + 31) / 32 * 32 * ((h + 31) / 32 * 32) }

    /// Bytes of a full-resolution colourization (`POST /api/colorize`, a project's result).
    static func colorize(width: Int, height: Int, ensemble spec: EnsembleSpec, reference: (width: Int, height: Int)?, region: Bool) -> Int {
        let pixels = width * height
        var network = networkPixels(width: width, height: height, shortSide: spec.shortSide)
        var extra = 0
        let zooms = spec.zooms(photoShortSide: min(width, height))
        if let finest = zooms.last {
            // Detail passes: windows (`spec.windowSize`) through the network; every pass kept as
            // [a, b, confidence] at the finest pass's resolution until they are fused, plus the
            // window accumulators and the fused ab.
            let finestSize = spec.passSize(zoom: finest, width: width, height: height)
            let fused = finestSize.width * finestSize.height
            for z in zooms {
                let side = spec.windowSize(zoom: z, width: width, height: height)
                network = max(network, padded(side.width, side.height))
            }
            extra += fused * (12 * (zooms.count + 1) + 12 + 4 + 8)
        }
        var bytes = jobOverheadBytes + pixels * fullResolutionBytesPerPixel + network * networkBytesPerPixel + extra
        if let reference {
            bytes += referenceBytes(width: reference.width, height: reference.height)
        }
        if region {
            bytes += pixels * decodeBytesPerPixel
        }
        return bytes
    }

    /// Bytes of a preview or a colour suggestion: the decoded photo, its L* at full size (the
    /// preview's input is that plane downscaled, `Colorizer.previewLightness`) and one network
    /// pass at `shortSide`.
    static func preview(width: Int, height: Int, shortSide: Int, reference: (width: Int, height: Int)?, region: Bool) -> Int {
        let pixels = width * height
        var bytes = jobOverheadBytes + pixels * (decodeBytesPerPixel + MemoryLayout<Float>.size)
            + networkPixels(width: width, height: height, shortSide: shortSide) * networkBytesPerPixel
        if let reference {
            bytes += referenceBytes(width: reference.width, height: reference.height)
        }
        if region {
            bytes += pixels * decodeBytesPerPixel
        }
        return bytes
    }

    /// Bytes of decoding (and re-encoding) one image.
    static func decode(width: Int, height: Int) -> Int {
        jobOverheadBytes + width * height * decodeBytesPerPixel
    }

    /// A reference photo: decoded, and matched at the working resolution.
    static func referenceBytes(width: Int, height: Int) -> Int {
        width * height * decodeBytesPerPixel + networkPixels(width: width, height: height) * networkBytesPerPixel
    }

    /// The size of an uploaded image from its header, bounded by `maxPixels`: an unreadable header
    /// counts as the largest image allowed (the decoder will refuse it, but it must not be
    /// admitted on the hope that it is small).
    static func uploadSize(_ data: Data, maxPixels: Int) -> (width: Int, height: Int) {
        let side = Int(Double(maxPixels).squareRoot())
        guard let (width, height) = ImageHeader.size(of: data) else { return (side, side) }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > maxPixels { return (side, side) }
        return (width, height)
    }
}

/// The server's memory budget: request bodies and jobs reserve their estimated bytes before they
/// use them, and work whose reservation does not fit is refused at once.
public final class MemoryBudget: @unchecked Sendable {
    /// The work does not fit now; answered `503` with `Retry-After`.
    public struct Exhausted: Error, CustomStringConvertible, Sendable {
        public let what: String
        public let needed: Int
        public let inUse: Int
        public let capacity: Int
        public let retryAfterSeconds: Int

        public var description: String {
            "the server is at its memory budget: \(what) needs about \(ServerLimits.describeBytes(needed)) "
                + "and \(ServerLimits.describeBytes(inUse)) of \(ServerLimits.describeBytes(capacity)) are in use; "
                + "try again in \(retryAfterSeconds) s"
        }
    }

    /// The work alone is larger than the budget; answered `413`.
    public struct TooLarge: Error, CustomStringConvertible, Sendable {
        public let what: String
        public let needed: Int
        public let capacity: Int

        public var description: String {
            "\(what) needs about \(ServerLimits.describeBytes(needed)) of memory, more than this server's budget of "
                + "\(ServerLimits.describeBytes(capacity)) for one request (start it with a larger --memory-budget)"
        }
    }

    /// What `GET /health` reports.
    public struct Status: Codable, Equatable, Sendable {
        public var budgetBytes: Int
        /// Out of the budget for good: the model, the server and the decoded-image cache.
        public var fixedBytes: Int
        public var reservedBytes: Int
        public var peakReservedBytes: Int
        public var refused: Int
    }

    /// The whole budget.
    public let budget: Int
    /// The part of it that is always in use (model, server, decoded-image cache).
    public let fixed: Int
    /// What requests and jobs may reserve together: `budget − fixed`.
    public var capacity: Int { max(budget - fixed, 0) }

    private let lock = NSLock()
    private var reserved = 0
    private var peak = 0
    private var refused = 0

    public init(budget: Int, fixed: Int) {
        self.budget = budget
        self.fixed = fixed
    }

    public var status: Status {
        lock.lock()
        defer { lock.unlock() }
        return Status(budgetBytes: budget, fixedBytes: fixed, reservedBytes: reserved, peakReservedBytes: peak, refused: refused)
    }

    /// Bytes reserved now.
    public var inUse: Int {
        lock.lock()
        defer { lock.unlock() }
        return reserved
    }

    /// Reserves `bytes` for `what` ("this photo", "the request body"), or throws `Exhausted` (it
    /// does not fit now) or `TooLarge` (it never fits). The reservation is returned when it is
    /// released or deallocated.
    public func reserve(_ bytes: Int, for what: String, retryAfterSeconds: @autoclosure () -> Int) throws -> MemoryReservation {
        let bytes = max(bytes, 0)
        lock.lock()
        if bytes > capacity {
            refused += 1
            lock.unlock()
            throw TooLarge(what: what, needed: bytes, capacity: capacity)
        }
        if reserved + bytes > capacity {
            refused += 1
            let inUse = reserved
            lock.unlock()
            throw Exhausted(what: what, needed: bytes, inUse: inUse, capacity: capacity,
                            retryAfterSeconds: min(max(retryAfterSeconds(), 1), 120))
        }
        reserved += bytes
        peak = max(peak, reserved)
        lock.unlock()
        return MemoryReservation(budget: self, bytes: bytes)
    }

    fileprivate func release(_ bytes: Int) {
        lock.lock()
        reserved -= bytes
        lock.unlock()
    }
}

/// Bytes reserved from a `MemoryBudget`; given back by `release()` or when deallocated.
public final class MemoryReservation: @unchecked Sendable {
    private let budget: MemoryBudget
    public let bytes: Int
    private let lock = NSLock()
    private var released = false

    fileprivate init(budget: MemoryBudget, bytes: Int) {
        self.budget = budget
        self.bytes = bytes
    }

    public func release() {
        lock.lock()
        let first = !released
        released = true
        lock.unlock()
        if first { budget.release(bytes) }
    }

    deinit { release() }
}

/// The declared size of a JPEG, PNG or TIFF image, read from its header without decoding.
enum ImageHeader {
    static func size(of data: Data) -> (width: Int, height: Int)? {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> (Int, Int)? in
            let bytes = raw.bindMemory(to: UInt8.self)
            if bytes.count >= 24, bytes[0] == 0x89, bytes[1] == 0x50, bytes[2] == 0x4E, bytes[3] == 0x47 {
                return png(bytes)
            }
            if bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 {
                return jpeg(bytes)
            }
            if bytes.count >= 8, (bytes[0] == 0x49 && bytes[1] == 0x49) || (bytes[0] == 0x4D && bytes[1] == 0x4D) {
                return tiff(bytes)
            }
            return nil
        }
    }

    private static func png(_ b: UnsafeBufferPointer<UInt8>) -> (Int, Int)? {
        // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4).
        guard b[12] == 0x49, b[13] == 0x48, b[14] == 0x44, b[15] == 0x52 else { return nil }
        let width = readBE(b, 16, 4), height = readBE(b, 20, 4)
        return width > 0 && height > 0 ? (width, height) : nil
    }

    private static func jpeg(_ b: UnsafeBufferPointer<UInt8>) -> (Int, Int)? {
        var i = 2
        while i + 1 < b.count {
            guard b[i] == 0xFF else { return nil }
            var marker = b[i + 1]
            i += 2
            while marker == 0xFF, i < b.count {  // fill bytes
                marker = b[i]
                i += 1
            }
            switch marker {
            case 0x01, 0xD0...0xD8:
                continue  // no length
            case 0xD9, 0xDA:
                return nil  // end of image or scan before any frame header
            default:
                break
            }
            guard i + 2 <= b.count else { return nil }
            let length = readBE(b, i, 2)
            guard length >= 2 else { return nil }
            let isFrame = (0xC0...0xCF).contains(marker) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
            if isFrame {
                guard i + 7 <= b.count else { return nil }
                let height = readBE(b, i + 3, 2), width = readBE(b, i + 5, 2)
                return width > 0 && height > 0 ? (width, height) : nil
            }
            i += length
        }
        return nil
    }

    private static func tiff(_ b: UnsafeBufferPointer<UInt8>) -> (Int, Int)? {
        let little = b[0] == 0x49
        func read(_ offset: Int, _ count: Int) -> Int? {
            guard offset >= 0, count <= 8, offset + count <= b.count else { return nil }
            var value: UInt64 = 0
            for k in 0..<count {
                let byte = UInt64(little ? b[offset + count - 1 - k] : b[offset + k])
                value = value << 8 | byte
            }
            return value > UInt64(Int.max) ? nil : Int(value)
        }
        guard let magic = read(2, 2) else { return nil }
        let big = magic == 43
        guard magic == 42 || big else { return nil }
        guard let ifd = big ? read(8, 8) : read(4, 4), let count = big ? read(ifd, 8) : read(ifd, 2) else { return nil }
        let entrySize = big ? 20 : 12
        let first = ifd + (big ? 8 : 2)
        var width: Int?, height: Int?
        for e in 0..<min(count, 4096) {
            let entry = first + e * entrySize
            guard let tag = read(entry, 2), let type = read(entry + 2, 2) else { return nil }
            guard tag == 256 || tag == 257 else { continue }
            let valueOffset = entry + (big ? 12 : 8)
            let value: Int?
            switch type {
            case 3: value = read(valueOffset, 2)  // SHORT
            case 4: value = read(valueOffset, 4)  // LONG
            case 16: value = big ? read(valueOffset, 8) : nil  // LONG8
            default: value = nil
            }
            if tag == 256 { width = value } else { height = value }
            if let width, let height { return width > 0 && height > 0 ? (width, height) : nil }
        }
        return nil
    }

    private static func readBE(_ b: UnsafeBufferPointer<UInt8>, _ offset: Int, _ count: Int) -> Int {
        guard offset + count <= b.count else { return 0 }
        var value = 0
        for k in 0..<count { value = value << 8 | Int(b[offset + k]) }
        return value
    }
}
