import Compute
import XCTest

/// Scheduling over many hosts gives the same answer as over few: the best host by the
/// weighers, the right alternates, the right counts in the fault message. (Speed is measured
/// by benchmarks/scheduler, not asserted here.)
final class SchedulerScaleTests: XCTestCase {
    typealias F = SchedulerFixtures

    /// 10,000 hosts with free RAM scattered by a fixed permutation; every tenth disabled.
    static let hosts: [HostState] = (0..<10_000).map { index in
        var host = F.host("host\(index)", ramMB: 65536, vcpus: 32, diskGB: 1000, usedRamMB: (index * 7919) % 10_000 * 6)
        host.serviceEnabled = index % 10 != 0
        return host
    }

    func testTenThousandHostsPickTheMostFreeRAM() throws {
        let scheduler = F.scheduler()
        let chosen = try scheduler.selectHosts(for: F.spec(F.flavor(ramMB: 4096)), among: Self.hosts, placementCandidates: nil)
        let expected = Self.hosts.filter(\.serviceEnabled).sorted { $0.freeRamMB > $1.freeRamMB }.prefix(3).map(\.host)
        XCTAssertEqual(chosen.map(\.host), expected)
    }

    func testTenThousandHostsWithPlacementCandidates() throws {
        let candidates = Set(Self.hosts.enumerated().filter { $0.offset % 3 == 0 }.map(\.element.providerUUID))
        let chosen = try F.scheduler().selectHosts(
            for: F.spec(), among: Self.hosts, placementCandidates: candidates)
        XCTAssertEqual(chosen.count, 3)
        XCTAssertTrue(chosen.allSatisfy { candidates.contains($0.providerUUID) && $0.serviceEnabled })
        let expected = Self.hosts.filter { $0.serviceEnabled && candidates.contains($0.providerUUID) }
            .sorted { $0.freeRamMB > $1.freeRamMB }.first
        XCTAssertEqual(chosen.first?.host, expected?.host)
    }

    func testTenThousandHostsExplainedWhenNoneFits() {
        XCTAssertThrowsError(
            try F.scheduler().selectHosts(for: F.spec(F.flavor(ramMB: 100_000)), among: Self.hosts, placementCandidates: nil)
        ) { error in
            let expected =
                "No valid host was found. ComputeFilter removed 1000 of 10000 hosts: "
                + "host0 disabled, host10 disabled, host20 disabled, host30 disabled, host40 disabled and 995 more. "
                + "RamFilter removed 9000 of 9000 hosts: 100000 MB requested, most free 65530 MB."
            XCTAssertEqual((error as? NoValidHost)?.message, expected)
        }
    }
}
