import Foundation

/// The operations of `FakeVirtDriver` that faults and delays can be injected into.
public enum FakeDriverOperation: String, Sendable, CaseIterable {
    case hostResources = "host_resources"
    case spawn, destroy, reboot
    case powerOff = "power_off"
    case powerOn = "power_on"
    case pause, unpause, suspend, resume, rescue, unrescue, resize
    case confirmResize = "confirm_resize"
    case revertResize = "revert_resize"
    case snapshot
    case attachInterface = "attach_interface"
    case detachInterface = "detach_interface"
    case attachVolume = "attach_volume"
    case detachVolume = "detach_volume"
    case consoleOutput = "console_output"
    case preLiveMigration = "pre_live_migration"
    case liveMigration = "live_migration"
    case setAdminPassword = "set_admin_password"
    case injectNMI = "inject_nmi"
}

/// Faults and delays for the fake driver: an operation can fail its next N calls (or every
/// call) and wait a while before it answers. Written in configuration as comma-separated
/// entries, e.g. `spawn=fail*2,reboot=delay:0.5,snapshot=fail`:
///
/// - `OP=fail` every call of OP fails; `OP=fail*N` only the next N calls do;
/// - `OP=delay:SECONDS` every call of OP waits that long first.
public struct FakeDriverFaultPlan: Sendable, Equatable {
    public struct Fault: Sendable, Equatable {
        /// Calls left to fail; nil: every call.
        public var remaining: Int?
        public var message: String
    }

    public private(set) var failures: [FakeDriverOperation: Fault] = [:]
    public private(set) var delays: [FakeDriverOperation: Duration] = [:]

    public init() {}

    /// Parses the configuration form; throws a message naming the entry it cannot read.
    public init(parsing text: String) throws(ParseError) {
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let operation = FakeDriverOperation(rawValue: parts[0]) else {
                throw ParseError(entry: entry, reason: "expected OPERATION=fail, OPERATION=fail*N or OPERATION=delay:SECONDS with OPERATION one of \(FakeDriverOperation.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let action = parts[1]
            if action == "fail" {
                fail(operation)
            } else if action.hasPrefix("fail*"), let count = Int(action.dropFirst(5)), count > 0 {
                fail(operation, times: count)
            } else if action.hasPrefix("delay:"), let seconds = Double(action.dropFirst(6)), seconds >= 0, seconds.isFinite {
                delay(operation, by: .milliseconds(Int64((seconds * 1000).rounded())))
            } else {
                throw ParseError(entry: entry, reason: "the action must be fail, fail*N (N > 0) or delay:SECONDS")
            }
        }
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var entry: String
        public var reason: String
        public var description: String { "cannot read fake driver fault '\(entry)': \(reason)" }
    }

    /// Makes `operation` fail (the next `times` calls, or every call when nil).
    public mutating func fail(_ operation: FakeDriverOperation, times: Int? = nil, message: String? = nil) {
        failures[operation] = Fault(
            remaining: times, message: message ?? "Injected fault: \(operation.rawValue) failed on purpose (fake driver).")
    }

    public mutating func delay(_ operation: FakeDriverOperation, by duration: Duration) {
        delays[operation] = duration
    }

    /// What the next call of `operation` meets, counting a limited fault down.
    mutating func take(_ operation: FakeDriverOperation) -> (delay: Duration?, failure: String?) {
        let delay = delays[operation]
        guard var fault = failures[operation] else { return (delay, nil) }
        if let remaining = fault.remaining {
            fault.remaining = remaining - 1
            failures[operation] = remaining - 1 > 0 ? fault : nil
        }
        return (delay, fault.message)
    }
}
