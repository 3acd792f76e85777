import Dispatch
import Foundation

/// Multithreading for the image code and the reference kernels, with one thread count for both
/// (the CLI's `--threads`; oneDNN reads it too, see `OneDNNRuntime.withExclusiveAccess`).
///
/// Small jobs run inline on the calling thread: starting threads costs more than it saves below a
/// few tens of thousands of samples.
public enum Parallel {
    nonisolated(unsafe) private static var configuredThreads = ProcessInfo.processInfo.activeProcessorCount

    /// Threads used by the image code, the reference kernels and oneDNN. Defaults to the number of
    /// active cores.
    public static var threadCount: Int {
        get { configuredThreads }
        set { configuredThreads = Swift.max(1, newValue) }
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

    /// Below this many work units (samples, typically) `forEachChunk` runs on the calling thread.
    public static let minimumParallelWork = 1 << 16

    /// Calls `body` with disjoint sub-ranges that together cover `0..<count`, a few per thread
    /// (which balances uneven rows without much scheduling overhead).
    ///
    /// - Parameters:
    ///   - count: number of items (usually rows).
    ///   - workPerItem: rough cost of one item (usually the row width times channels); decides whether
    ///     going parallel is worth it.
    ///   - body: processes one sub-range; called concurrently, so it must only write to memory that
    ///     belongs to its own items.
    public static func forEachChunk(count: Int, workPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let threads = threadCount
        let totalWork = count * Swift.max(1, workPerItem)
        if threads <= 1 || count == 1 || totalWork < minimumParallelWork {
            body(0..<count)
            return
        }
        let chunks = Swift.min(count, threads * 4)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * count / chunks
            let end = (chunk + 1) * count / chunks
            if start < end { body(start..<end) }
        }
    }
}
