import FindColorImage
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash-safe file writes for the store: `ImageCodec.writeAtomically` (temporary file in the same
/// folder, fsync, rename, folder flush), so a reader sees either the old file or the complete new
/// one, never a partial file; failures are `StoreError.io`.
enum AtomicFile {
    static func write(_ data: Data, to url: URL) throws {
        do {
            try ImageCodec.writeAtomically(data, to: url)
        } catch let error as ImageError {
            throw StoreError.io(error.description)
        }
    }

    /// Whether `name` is a temporary file a crash left behind (cleaned up at startup): the writer's
    /// `.<name>.<UUID>.tmp`, and the `.tmp-` names of earlier versions.
    static func isTemporary(_ name: String) -> Bool {
        ImageCodec.isTemporaryFile(name) || name.hasPrefix(".tmp-")
    }

    /// Removes a file if it exists (no error when it is already gone).
    static func remove(_ url: URL) {
        unlink(url.path)
    }
}
