import Dispatch
import Foundation

/// Multithreading for the image code and the reference kernels, with one thread count for both
/// (the CLI's `--threads`; oneDNN reads it too, see `OneDNNRuntime.withExclusiveAccess`).
///
/// Small jobs run inline on the calling thread: starting threads costs more than it saves below a
/// few tens of thousands of samples.
///
/// On the thread that runs the network (`useOpenMPTeam()`: the CLI's main thread, the web app's
/// inference thread) the threads are OpenMP's: libgomp's team of that thread, the one oneDNN runs
/// on. One pool for both matters on a few cores: with libdispatch beside OpenMP, a 256² forward
/// pass was 1.5× slower (docs/speed.md, "One pool of threads"). Other threads use libdispatch: each thread
/// that starts OpenMP work gets a team of its own, and once libgomp manages more threads than
/// there are cores it stops spinning at all (the web app's previews lost the gain that way).
/// Work started inside a team's work runs on the calling thread.
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
        run(chunks: chunks) { chunk in
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
        run(chunks: chunks) { chunk in
            let start = chunk * count / chunks
            let end = (chunk + 1) * count / chunks
            if start < end { body(start..<end) }
        }
    }

    /// Which threads `forEachRange` and `forEachChunk` run on.
    public enum Pool: String, Sendable {
        /// The OpenMP runtime's team (found in the process at run time).
        case openMP
        /// libdispatch's `concurrentPerform` (threads other than the network's, or a process
        /// without the OpenMP runtime).
        case dispatch
    }

    /// The pool the calling thread's parallel work runs on.
    public static var pool: Pool { OpenMPTeam.entryPoints != nil && OpenMPTeam.isOwner ? .openMP : .dispatch }

    /// Makes the calling thread's parallel work run on its OpenMP team (where the process has the
    /// OpenMP runtime), or (`false`) on libdispatch again. For the one thread that runs the network
    /// and the image code around it.
    public static func useOpenMPTeam(_ enabled: Bool = true) {
        OpenMPTeam.isOwner = enabled
    }

    /// Calls `body(0..<chunks)` concurrently, on at most `threadCount` threads (each thread takes
    /// every n-th chunk).
    static func run(chunks: Int, _ body: (Int) -> Void) {
        guard chunks > 1 else {
            if chunks == 1 { body(0) }
            return
        }
        if let omp = OpenMPTeam.entryPoints, omp.inParallel() != 0 {
            for chunk in 0..<chunks { body(chunk) }  // inside a team's work: on this thread
            return
        }
        guard let omp = OpenMPTeam.entryPoints, OpenMPTeam.isOwner else {
            DispatchQueue.concurrentPerform(iterations: chunks, execute: body)
            return
        }
        withoutActuallyEscaping(body) { body in
            var job = OpenMPTeam.Job(body: body, chunks: chunks)
            withUnsafeMutablePointer(to: &job) { p in
                omp.parallel({ raw in
                    guard let raw, let omp = OpenMPTeam.entryPoints else { return }
                    let job = raw.assumingMemoryBound(to: OpenMPTeam.Job.self)
                    let n = max(1, Int(omp.threadCount())), chunks = job.pointee.chunks
                    var chunk = Int(omp.threadNumber())
                    while chunk < chunks {
                        job.pointee.body(chunk)
                        chunk += n
                    }
                }, UnsafeMutableRawPointer(p), UInt32(Swift.min(chunks, threadCount)), 0)
            }
        }
    }
}

/// libgomp's entry points, looked up in the process at run time (this module does not link
/// OpenMP; the binaries that link oneDNN have it).
enum OpenMPTeam {
    typealias Function = @convention(c) (UnsafeMutableRawPointer?) -> Void
    /// `GOMP_parallel(fn, data, num_threads, flags)`: runs `fn(data)` on every thread of a team
    /// (the calling thread included) and returns when all have.
    typealias ParallelFunction = @convention(c) (Function, UnsafeMutableRawPointer?, UInt32, UInt32) -> Void
    typealias IntFunction = @convention(c) () -> Int32

    struct EntryPoints: @unchecked Sendable {
        let parallel: ParallelFunction
        let threadNumber: IntFunction
        let threadCount: IntFunction
        let inParallel: IntFunction
    }

    /// Whether the calling thread runs its parallel work on its team (a thread-specific flag).
    static var isOwner: Bool {
        get { pthread_getspecific(ownerKey) != nil }
        set { pthread_setspecific(ownerKey, newValue ? UnsafeRawPointer(bitPattern: 1) : nil) }
    }

    private static let ownerKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create")
        return key
    }()

    struct Job {
        let body: (Int) -> Void
        let chunks: Int
    }

    static let entryPoints: EntryPoints? = {
        if ProcessInfo.processInfo.environment["FINDCOLOR_THREADS_POOL"] == "dispatch" { return nil }
        guard let process = dlopen(nil, RTLD_NOW),
              let parallel = dlsym(process, "GOMP_parallel"),
              let number = dlsym(process, "omp_get_thread_num"),
              let count = dlsym(process, "omp_get_num_threads"),
              let inParallel = dlsym(process, "omp_in_parallel") else { return nil }
        return EntryPoints(parallel: unsafeBitCast(parallel, to: ParallelFunction.self),
                           threadNumber: unsafeBitCast(number, to: IntFunction.self),
                           threadCount: unsafeBitCast(count, to: IntFunction.self),
                           inParallel: unsafeBitCast(inParallel, to: IntFunction.self))
    }()
}
