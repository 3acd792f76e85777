import Dispatch

/// Runs blocking file I/O (reading or writing photos of tens of megabytes, hashing them) on a
/// Dispatch worker thread, so that request handlers never block a NIO event loop or the Swift
/// concurrency pool with it.
enum BlockingIO {
    private static let queue = DispatchQueue(label: "findcolor.io", qos: .userInitiated, attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
