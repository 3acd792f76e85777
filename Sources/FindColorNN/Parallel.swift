import Dispatch
import Foundation

/// Multithreading for the reference kernels and the thread count handed to oneDNN (OpenMP).
public enum Parallel {
    nonisolated(unsafe) private static var configuredThreads = ProcessInfo.processInfo.activeProcessorCount

    /// Threads used by the reference kernels and by oneDNN. Defaults to the number of active cores.
    /// Setting it also sets OpenMP's thread count for oneDNN (`omp_set_num_threads`).
    public static var threadCount: Int {
        get { configuredThreads }
        set {
            configuredThreads = Swift.max(1, newValue)
            OpenMP.setThreadCount(configuredThreads)
        }
    }

    /// Runs `body` over `0..<count` split into at most `threadCount` contiguous ranges, concurrently.
    /// Ranges are never smaller than `minimumChunk` items (small jobs stay on the calling thread).
    public static func forEachRange(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = Swift.min(threadCount, Swift.max(1, count / Swift.max(1, minimumChunk)))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }
}

/// Access to the OpenMP runtime that oneDNN is linked against, looked up at run time so that
/// this module does not link OpenMP itself.
enum OpenMP {
    private typealias SetThreads = @convention(c) (Int32) -> Void

    private static let setNumThreads: SetThreads? = {
        guard let process = dlopen(nil, RTLD_NOW),
              let symbol = dlsym(process, "omp_set_num_threads") else { return nil }
        return unsafeBitCast(symbol, to: SetThreads.self)
    }()

    static func setThreadCount(_ count: Int) {
        setNumThreads?(Int32(count))
    }
}
