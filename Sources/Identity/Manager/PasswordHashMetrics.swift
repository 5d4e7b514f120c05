import Glibc
import Prometheus
import StratusKit

/// How much CPU password hashing costs: the thread CPU time of every hash and check, and
/// their count, as Prometheus counters. The benchmark subtracts this from the process's CPU
/// to show what a password token issue costs besides the hash itself.
enum PasswordHashMetrics {
    static let cpuSeconds = MetricsRegistry.shared.makeCounter(
        name: "stratus_identity_password_hash_cpu_seconds_total")
    static let operations = MetricsRegistry.shared.makeCounter(
        name: "stratus_identity_password_hash_operations_total")

    /// Runs `work` on the calling thread and adds its thread CPU time to the counters.
    static func measure<Result>(_ work: () throws -> Result) rethrows -> Result {
        let start = threadCPUSeconds()
        defer {
            cpuSeconds.increment(by: threadCPUSeconds() - start)
            operations.increment()
        }
        return try work()
    }

    private static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
