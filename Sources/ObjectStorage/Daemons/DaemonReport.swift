import Foundation
import Synchronization

/// What one pass of a daemon did: named counts (objects checked, files pushed, failures …) and
/// how long it took. Printed by `stratus object … --once` and logged after every pass.
public struct DaemonReport: Sendable, CustomStringConvertible {
    public let daemon: String
    public let seconds: Double
    /// Counts in the order they first happened.
    public let counts: [(name: String, value: Int)]

    public subscript(_ name: String) -> Int { counts.first { $0.name == name }?.value ?? 0 }

    public var description: String {
        let parts = counts.map { "\($0.value) \($0.name)" }
        return "\(daemon): " + (parts.isEmpty ? "nothing to do" : parts.joined(separator: ", "))
            + String(format: " in %.2f s", seconds)
    }
}

/// Counts of a pass in progress, shared by its concurrent jobs.
final class DaemonTally: Sendable {
    private let state = Mutex<[(name: String, value: Int)]>([])
    private let started = ContinuousClock.now
    let daemon: String

    init(_ daemon: String) { self.daemon = daemon }

    func add(_ name: String, _ amount: Int = 1) {
        state.withLock { counts in
            if let index = counts.firstIndex(where: { $0.name == name }) {
                counts[index].value += amount
            } else {
                counts.append((name, amount))
            }
        }
    }

    func report() -> DaemonReport {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return DaemonReport(daemon: daemon, seconds: seconds, counts: state.withLock { $0 })
    }
}
