import Foundation
import Logging
import ServiceLifecycle
import StratusKit

/// The processes behind the Compute API that `stratus up` runs in its own process: the
/// conductor and scheduler RPC servers and one compute agent per host, all on one bus.
public struct ComputeWorkers: Sendable {
    /// The services to run next to the API servers (RPC servers and agents' loops).
    public let services: [any Service]
    let agents: [ComputeAgent]

    /// Waits until every compute host has its service record, compute node and Placement
    /// inventory (or `timeout` passes); true when all did.
    public func waitUntilRegistered(timeout: Duration = .seconds(30)) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            var ready = true
            for agent in agents where !(await agent.isRegistered) { ready = false }
            if ready { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}

/// How compute hosts are made: the driver and, for the fake driver, how many hosts.
public struct ComputeHostPlan: Sendable {
    public var driver: String
    public var fakeHosts: Int
    /// Injected faults of the fake driver (`spawn=fail*2,reboot=delay:0.5`), for every host.
    public var fakeFaults: String?

    public init(driver: String = "fake", fakeHosts: Int = 1, fakeFaults: String? = nil) {
        self.driver = driver
        self.fakeHosts = fakeHosts
        self.fakeFaults = fakeFaults
    }

    public init(config: StratusConfig) throws {
        driver = config.string("compute.driver", default: "fake")
        fakeHosts = try config.int("compute.fake_hosts", default: 1)
        fakeFaults = config.string("compute.fake_faults")
    }

    /// Host names `compute1` … `computeN` (none for 0: an API-only cloud).
    var hostNames: [String] { fakeHosts < 1 ? [] : (1...fakeHosts).map { "compute\($0)" } }
}
