import Compute
import XCTest

/// Weigher ordering: normalization across hosts, multipliers, soft (anti-)affinity, the host
/// subset and the alternates returned.
final class SchedulerWeigherTests: XCTestCase {
    typealias F = SchedulerFixtures

    func order(_ scheduler: FilterScheduler, _ spec: RequestSpec, _ hosts: [HostState]) throws -> [String] {
        try scheduler.selectHosts(for: spec, among: hosts, placementCandidates: nil).map(\.host)
    }

    let hosts = [
        F.host("host1", ramMB: 4096, vcpus: 16, diskGB: 100),
        F.host("host2", ramMB: 16384, vcpus: 4, diskGB: 50),
        F.host("host3", ramMB: 8192, vcpus: 8, diskGB: 400),
    ]

    func testRAMWeigherPrefersMostFreeRAM() throws {
        let scheduler = F.scheduler(filters: []) {
            $0.cpuWeightMultiplier = 0
            $0.diskWeightMultiplier = 0
        }
        XCTAssertEqual(try order(scheduler, F.spec(), hosts), ["host2", "host3", "host1"])
    }

    func testNegativeRAMMultiplierStacksInsteadOfSpreading() throws {
        let scheduler = F.scheduler(filters: []) {
            $0.ramWeightMultiplier = -1
            $0.cpuWeightMultiplier = 0
            $0.diskWeightMultiplier = 0
        }
        XCTAssertEqual(try order(scheduler, F.spec(), hosts), ["host1", "host3", "host2"])
    }

    func testCPUAndDiskWeighers() throws {
        let cpu = F.scheduler(filters: []) {
            $0.ramWeightMultiplier = 0
            $0.diskWeightMultiplier = 0
        }
        XCTAssertEqual(try order(cpu, F.spec(), hosts), ["host1", "host3", "host2"])
        let disk = F.scheduler(filters: []) {
            $0.ramWeightMultiplier = 0
            $0.cpuWeightMultiplier = 0
        }
        XCTAssertEqual(try order(disk, F.spec(), hosts), ["host3", "host1", "host2"])
    }

    func testWeightsAreNormalizedBeforeTheMultipliersAdd() throws {
        // Normalized RAM: host1 0, host2 1, host3 1/3. Normalized CPU: host1 1, host2 0, host3 1/3.
        // RAM × 1 + CPU × 1.5: host1 1.5, host2 1, host3 0.83 — host1 wins although its raw RAM
        // is the smallest.
        let scheduler = F.scheduler(filters: []) {
            $0.cpuWeightMultiplier = 1.5
            $0.diskWeightMultiplier = 0
        }
        XCTAssertEqual(try order(scheduler, F.spec(), hosts), ["host1", "host2", "host3"])
    }

    func testEqualWeightsKeepHostOrder() throws {
        let equal = [F.host("host2"), F.host("host3"), F.host("host1")]
        XCTAssertEqual(try order(F.scheduler(filters: []), F.spec(), equal), ["host2", "host3", "host1"])
    }

    func testRatioCountsInFreeRAMWeight() throws {
        let overcommitted = [F.host("host1", ramMB: 4096, ramRatio: 1.5), F.host("host2", ramMB: 5000, ramRatio: 1.0)]
        let scheduler = F.scheduler(filters: [])
        XCTAssertEqual(try order(scheduler, F.spec(), overcommitted), ["host1", "host2"])
    }

    func testSoftAffinityGathersAndSoftAntiAffinitySpreads() throws {
        let equal = [F.host("host1"), F.host("host2"), F.host("host3")]
        let scheduler = F.scheduler()
        let gather = SchedulerServerGroup(uuid: "g", name: "g", policy: .softAffinity, memberHosts: ["host3", "host3", "host2"])
        XCTAssertEqual(try order(scheduler, F.spec(group: gather), equal), ["host3", "host2", "host1"])
        var spread = gather
        spread.policy = .softAntiAffinity
        XCTAssertEqual(try order(scheduler, F.spec(group: spread), equal), ["host1", "host2", "host3"])
        // A soft policy never removes a host, even where every host runs members.
        let crowded = SchedulerServerGroup(uuid: "g", name: "g", policy: .softAntiAffinity, memberHosts: ["host1", "host2", "host3", "host1"])
        XCTAssertEqual(try order(scheduler, F.spec(group: crowded), equal), ["host2", "host3", "host1"])
    }

    func testSoftAffinityMultiplierCanOutweighFreeRAM() throws {
        let scheduler = F.scheduler(filters: []) { $0.softAffinityWeightMultiplier = 10 }
        let group = SchedulerServerGroup(uuid: "g", name: "g", policy: .softAffinity, memberHosts: ["host1"])
        XCTAssertEqual(try order(scheduler, F.spec(group: group), hosts).first, "host1")
        let weak = F.scheduler(filters: []) { $0.softAffinityWeightMultiplier = 0 }
        XCTAssertNotEqual(try order(weak, F.spec(group: group), hosts).first, "host1")
    }

    func testMaxAttemptsBoundsTheAlternates() throws {
        let many = (1...10).map { F.host("host\($0)", ramMB: 1024 * $0) }
        XCTAssertEqual(try order(F.scheduler(filters: []), F.spec(), many), ["host10", "host9", "host8"])
        let one = F.scheduler(filters: []) { $0.maxAttempts = 1 }
        XCTAssertEqual(try order(one, F.spec(), many), ["host10"])
    }

    func testHostSubsetSizeDrawsAmongTheBest() throws {
        let many = (1...10).map { F.host("host\($0)", ramMB: 1024 * $0) }
        let scheduler = F.scheduler(filters: []) { $0.hostSubsetSize = 3 }
        var chosen = Set<String>()
        for _ in 0..<60 {
            let ranked = try order(scheduler, F.spec(), many)
            XCTAssertEqual(ranked.count, 3)
            XCTAssertEqual(Set(ranked).count, 3, "alternates never repeat the chosen host")
            chosen.insert(ranked[0])
            XCTAssertTrue(["host10", "host9", "host8"].contains(ranked[0]))
            XCTAssertTrue(ranked.allSatisfy { ["host10", "host9", "host8", "host7"].contains($0) })
        }
        XCTAssertGreaterThan(chosen.count, 1, "60 draws from 3 hosts pick more than one (chance of failure 3 × 3^-60)")
    }

    func testMultiCreateConsumesResourcesAndGroupsBetweenServers() throws {
        let two = [F.host("host1", ramMB: 4096), F.host("host2", ramMB: 3072)]
        let scheduler = F.scheduler()
        let spread = try scheduler.selectDestinations(
            for: F.spec(F.flavor(ramMB: 2048), numInstances: 3), among: two, placementCandidates: nil)
        XCTAssertEqual(spread.map { $0[0].host }, ["host1", "host2", "host1"], "each server takes RAM from its host")
        let group = SchedulerServerGroup(uuid: "g", name: "web", policy: .antiAffinity)
        let apart = try scheduler.selectDestinations(
            for: F.spec(group: group, numInstances: 2), among: two, placementCandidates: nil)
        XCTAssertEqual(apart.map { $0[0].host }, ["host1", "host2"])
        XCTAssertThrowsError(
            try scheduler.selectDestinations(for: F.spec(group: group, numInstances: 3), among: two, placementCandidates: nil))
    }
}
