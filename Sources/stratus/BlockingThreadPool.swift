import Foundation
import NIOCore

/// Sizes NIO's shared blocking thread pool before anything uses it. File-system work
/// (object writes with their fsyncs, image data, SQLite through SQLiteNIO) and password
/// hashing all wait on that pool; NIO's default of one thread per core leaves a 2-core
/// machine with two threads, so a few fsyncs in flight stall every other disk request.
/// `NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT` in the environment still wins.
enum BlockingThreadPool {
    static let defaultThreadCount = 16

    static func configure(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard environment["NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT"] == nil else { return }
        NIOSingletons.blockingPoolThreadCountSuggestion = max(defaultThreadCount, System.coreCount * 2)
    }
}
