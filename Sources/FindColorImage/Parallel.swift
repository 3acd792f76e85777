import Dispatch
import Foundation

/// Splits row-oriented work over the available cores.
///
/// Small jobs run inline on the calling thread: starting threads costs more than it saves below a
/// few tens of thousands of samples.
enum Parallel {
    /// Below this many work units (samples, typically) everything runs on the calling thread.
    static let minimumParallelWork = 1 << 16

    /// Calls `body` with disjoint sub-ranges that together cover `0..<count`.
    ///
    /// - Parameters:
    ///   - count: number of items (usually rows).
    ///   - workPerItem: rough cost of one item (usually the row width times channels); decides whether
    ///     going parallel is worth it.
    ///   - body: processes one sub-range; called concurrently, so it must only write to memory that
    ///     belongs to its own items.
    static func forEachChunk(count: Int, workPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let totalWork = count * max(1, workPerItem)
        if cores <= 1 || count == 1 || totalWork < minimumParallelWork {
            body(0..<count)
            return
        }
        // A few chunks per core balances uneven rows without much scheduling overhead.
        let chunks = min(count, cores * 4)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * count / chunks
            let end = (chunk + 1) * count / chunks
            if start < end { body(start..<end) }
        }
    }
}
