import Dispatch
import FindColorParallel
import Foundation

/// A bounded, serial queue for the heavy work (decoding, colorizing, encoding).
///
/// The colorizer already uses every core for one image and must not be called concurrently, so jobs
/// run one at a time on a dedicated worker thread (never on a NIO event loop or on the Swift
/// concurrency pool: the caller suspends in `withCheckedThrowingContinuation` until its job is done).
/// The worker runs at a lower scheduling priority (`nice` +10, and the compute threads it starts
/// inherit it), so that a busy colorizer does not starve the threads that accept connections and
/// answer requests such as `GET /health`; on an otherwise idle machine that costs nothing.
/// At most `maxWaiting` jobs may wait behind the running one; a request arriving when the queue is full
/// is refused at once with `Busy` (answered as `503` with `Retry-After`) instead of piling up.
public final class InferenceQueue: @unchecked Sendable {
    /// Thrown by `run` when the queue is full.
    public struct Busy: Error, CustomStringConvertible, Sendable {
        /// Jobs running or waiting when the request was refused.
        public let pending: Int
        /// Suggested wait before retrying, from the recent average job duration.
        public let retryAfterSeconds: Int

        public var description: String {
            "the server is busy: \(pending) colorization request\(pending == 1 ? " is" : "s are") already "
                + "running or waiting; try again in \(retryAfterSeconds) s"
        }
    }

    /// A snapshot of the queue, reported by `GET /health`.
    public struct Status: Codable, Equatable, Sendable {
        public var running: Int
        public var waiting: Int
        public var maxWaiting: Int
        public var completed: Int
        public var rejected: Int
        /// Moving average of recent job durations, in milliseconds (nil before the first job).
        public var averageMilliseconds: Double?
    }

    public let maxWaiting: Int
    private let lock = NSLock()
    private let worker = InferenceWorker(niceIncrement: 10)
    private var running = 0
    private var waiting = 0
    private var completed = 0
    private var rejected = 0
    private var averageMilliseconds: Double?

    /// - Parameter maxWaiting: jobs allowed to wait behind the running one (0 = refuse while busy).
    public init(maxWaiting: Int = ServerLimits.default.maxWaitingJobs) {
        precondition(maxWaiting >= 0, "maxWaiting must not be negative")
        self.maxWaiting = maxWaiting
    }

    public var status: Status {
        locked {
            Status(running: running, waiting: waiting, maxWaiting: maxWaiting, completed: completed,
                   rejected: rejected, averageMilliseconds: averageMilliseconds)
        }
    }

    /// Jobs running or waiting.
    public var depth: Int { locked { running + waiting } }

    /// Runs `job` when its turn comes and returns its result, or throws `Busy` at once when the queue
    /// is full. Errors thrown by the job are rethrown to the caller.
    public func run<T: Sendable>(_ job: @escaping @Sendable () throws -> T) async throws -> T {
        try admit()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            worker.submit {
                self.locked {
                    self.waiting -= 1
                    self.running += 1
                }
                let start = DispatchTime.now().uptimeNanoseconds
                let result = Result { try job() }
                let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
                self.locked {
                    self.running -= 1
                    self.completed += 1
                    if let average = self.averageMilliseconds {
                        self.averageMilliseconds = 0.7 * average + 0.3 * milliseconds
                    } else {
                        self.averageMilliseconds = milliseconds
                    }
                }
                continuation.resume(with: result)
            }
        }
    }

    /// Runs `job` on the worker thread outside the queue's accounting (not a request: no admission,
    /// not counted in `status`): `findcolor serve` loads its model this way, on the thread that
    /// will run it, so that the compute library keeps one thread team.
    public func prepare<T: Sendable>(_ job: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            worker.submit { continuation.resume(with: Result { try job() }) }
        }
    }

    private func admit() throws {
        try locked {
            let pending = running + waiting
            guard pending < 1 + maxWaiting else {
                rejected += 1
                throw Busy(pending: pending, retryAfterSeconds: retryAfter(pending: pending))
            }
            waiting += 1
        }
    }

    /// A suggested wait, in seconds, before retrying work refused now: the time the queue needs to
    /// finish what it holds, from the recent average job duration (1…120 s).
    public var suggestedRetryAfterSeconds: Int {
        locked { retryAfter(pending: max(running + waiting, 1)) }
    }

    private func retryAfter(pending: Int) -> Int {
        let perJob = (averageMilliseconds ?? 2000) / 1000
        let seconds = Int((perJob * Double(pending)).rounded(.up))
        return min(max(seconds, 1), 120)
    }

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

/// One thread that runs submitted closures in order, at a lower priority. Its thread ends when the
/// worker is released (after the jobs already submitted).
final class InferenceWorker: @unchecked Sendable {
    private let inbox = Inbox()

    init(niceIncrement: Int32) {
        let inbox = self.inbox
        let thread = Thread {
            #if os(Linux)
            // Linux schedules threads individually: this lowers only this thread (and the threads
            // it creates from now on, such as the compute library's thread team).
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceIncrement)  // 0: this thread
            Thread.current.name = "findcolor-infer"
            #endif
            Parallel.useOpenMPTeam()  // the network and the image code around it: one pool of threads
            while let job = inbox.next() {
                job()
            }
        }
        thread.stackSize = 16 << 20
        thread.start()
    }

    deinit { inbox.stop() }

    func submit(_ job: @escaping () -> Void) { inbox.submit(job) }

    private final class Inbox: @unchecked Sendable {
        private let condition = NSCondition()
        private var jobs: [() -> Void] = []
        private var head = 0
        private var stopped = false

        func submit(_ job: @escaping () -> Void) {
            condition.lock()
            jobs.append(job)
            condition.signal()
            condition.unlock()
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.signal()
            condition.unlock()
        }

        /// The next job, waiting for one; nil once stopped and empty.
        func next() -> (() -> Void)? {
            condition.lock()
            defer { condition.unlock() }
            while head == jobs.count && !stopped {
                condition.wait()
            }
            if head == jobs.count { return nil }
            let job = jobs[head]
            head += 1
            if head > 64 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }
    }
}
