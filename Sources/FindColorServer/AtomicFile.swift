import Foundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// Crash-safe file writes: the data goes to a temporary file in the same folder, is flushed to disk,
/// and is then renamed over the destination, so a reader sees either the old file or the complete new
/// one, never a partial file.
enum AtomicFile {
    /// Prefix of temporary files (cleaned up at startup if a crash left any behind).
    static let temporaryPrefix = ".tmp-"

    static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent("\(temporaryPrefix)\(UUID().uuidString)-\(url.lastPathComponent)")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError.io("cannot create \(temporary.path): \(lastErrno())")
        }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do {
            try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                var offset = 0
                while offset < buffer.count {
                    let written = systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw StoreError.io("cannot write \(url.path): \(lastErrno())")
                    }
                    offset += written
                }
            }
            guard fsync(fd) == 0 else {
                throw StoreError.io("cannot flush \(url.path): \(lastErrno())")
            }
            closed = true
            guard close(fd) == 0 else {
                throw StoreError.io("cannot close \(url.path): \(lastErrno())")
            }
            guard rename(temporary.path, url.path) == 0 else {
                throw StoreError.io("cannot move the new file to \(url.path): \(lastErrno())")
            }
        } catch {
            unlink(temporary.path)
            throw error
        }
    }

    /// Removes a file if it exists (no error when it is already gone).
    static func remove(_ url: URL) {
        unlink(url.path)
    }

    private static func lastErrno() -> String {
        String(cString: strerror(errno))
    }
}
