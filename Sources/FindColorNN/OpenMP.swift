import Foundation

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
