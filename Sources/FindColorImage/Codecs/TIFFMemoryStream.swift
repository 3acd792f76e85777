import CTIFF
import Foundation

/// An in-memory file for libtiff: `TIFFClientOpenExt` is given this object (as the opaque
/// `thandle_t`) and the C callbacks below, which read, write and seek in `bytes`.
///
/// It also collects libtiff's error messages: the per-file error handler (libtiff ≥ 4.5) formats the
/// message and keeps the first one, so that a failure can be reported as a one-line `ImageError`
/// instead of being printed to stderr. Warnings are dropped.
final class TIFFMemoryStream {
    var bytes: [UInt8]
    var position = 0
    /// The first error libtiff reported for this file.
    var firstError: String?

    init(bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    /// Opens `bytes` with libtiff. `mode` is a libtiff mode string ("rm": read without memory
    /// mapping, "w": write). Returns nil on failure (see `firstError`). The stream must outlive the
    /// returned handle (until `TIFFClose`).
    func open(mode: String, maxSingleAllocation: Int? = nil) -> OpaquePointer? {
        TIFFLibrary.silenceGlobalHandlers()
        guard let options = TIFFOpenOptionsAlloc() else { return nil }
        defer { TIFFOpenOptionsFree(options) }
        let me = Unmanaged.passUnretained(self).toOpaque()
        TIFFOpenOptionsSetErrorHandlerExtR(options, TIFFMemoryStream.errorHandler, me)
        TIFFOpenOptionsSetWarningHandlerExtR(options, TIFFMemoryStream.warningHandler, me)
        if let limit = maxSingleAllocation {
            TIFFOpenOptionsSetMaxSingleMemAlloc(options, tmsize_t(limit))
        }
        return TIFFClientOpenExt("memory", mode, me,
                                 TIFFMemoryStream.readProc, TIFFMemoryStream.writeProc,
                                 TIFFMemoryStream.seekProc, TIFFMemoryStream.closeProc,
                                 TIFFMemoryStream.sizeProc, TIFFMemoryStream.mapProc,
                                 TIFFMemoryStream.unmapProc, options)
    }

    // MARK: - libtiff I/O callbacks (C function pointers: they capture nothing)

    private static let readProc: TIFFReadWriteProc = { handle, buffer, size in
        let s = memoryStream(handle)
        guard size > 0, s.position < s.bytes.count, let buffer else { return 0 }
        let n = min(Int(size), s.bytes.count - s.position)
        s.bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress! + s.position, byteCount: n) }
        s.position += n
        return tmsize_t(n)
    }

    private static let writeProc: TIFFReadWriteProc = { handle, buffer, size in
        let s = memoryStream(handle)
        guard size > 0, let buffer else { return 0 }
        let n = Int(size)
        if s.position + n > s.bytes.count {
            s.bytes.append(contentsOf: repeatElement(0, count: s.position + n - s.bytes.count))
        }
        s.bytes.withUnsafeMutableBytes { ($0.baseAddress! + s.position).copyMemory(from: buffer, byteCount: n) }
        s.position += n
        return size
    }

    private static let seekProc: TIFFSeekProc = { handle, offset, whence in
        let s = memoryStream(handle)
        let base: Int
        switch whence {
        case SEEK_SET: base = 0
        case SEEK_CUR: base = s.position
        case SEEK_END: base = s.bytes.count
        default: return toff_t.max
        }
        // toff_t is unsigned; relative seeks backwards arrive as two's-complement values.
        let (target, overflow) = base.addingReportingOverflow(Int(truncatingIfNeeded: offset))
        guard !overflow, target >= 0 else { return toff_t.max }
        s.position = target
        return toff_t(target)
    }

    private static let closeProc: TIFFCloseProc = { _ in 0 }

    private static let sizeProc: TIFFSizeProc = { handle in toff_t(memoryStream(handle).bytes.count) }

    private static let mapProc: TIFFMapFileProc = { _, _, _ in 0 } // no memory mapping

    private static let unmapProc: TIFFUnmapFileProc = { _, _, _ in }

    // MARK: - Error and warning handlers

    private static let errorHandler: TIFFErrorHandlerExtR = { _, userData, module, format, arguments in
        guard let userData else { return 0 }
        let s = memoryStream(userData)
        if s.firstError == nil {
            var text = [CChar](repeating: 0, count: 512)
            if let format, let arguments { _ = vsnprintf(&text, text.count, format, arguments) }
            let message = String(cString: text)
            if let module, case let name = String(cString: module), !name.isEmpty, name != "memory" {
                s.firstError = "\(name): \(message)"
            } else {
                s.firstError = message
            }
        }
        return 1 // handled: do not call the global handler
    }

    private static let warningHandler: TIFFErrorHandlerExtR = { _, _, _, _, _ in 1 }
}

/// The stream behind libtiff's opaque client handle (a free function, so that the C callbacks
/// above can call it without capturing anything).
private func memoryStream(_ handle: UnsafeMutableRawPointer?) -> TIFFMemoryStream {
    Unmanaged<TIFFMemoryStream>.fromOpaque(handle!).takeUnretainedValue()
}

/// Process-wide libtiff set-up.
enum TIFFLibrary {
    private static let silenced: Void = {
        // libtiff prints errors and warnings to stderr by default; per-file handlers (above) get the
        // messages instead, and anything reported without a file goes nowhere.
        _ = TIFFSetErrorHandler(nil)
        _ = TIFFSetWarningHandler(nil)
    }()

    static func silenceGlobalHandlers() {
        _ = silenced
    }
}
