import Compute
import XCTest

/// The fault message when no host is left: Nova's opening sentence, then one sentence per
/// filter that removed hosts with its deciding numbers.
final class NoValidHostMessageTests: XCTestCase {
    typealias F = SchedulerFixtures

    func failure(
        _ spec: RequestSpec, _ hosts: [HostState], candidates: Set<String>? = nil,
        scheduler: FilterScheduler = F.scheduler()
    ) -> NoValidHost? {
        guard case .failure(let error) = F.outcome(scheduler, spec, hosts, candidates: candidates) else {
            XCTFail("a host was found")
            return nil
        }
        return error
    }

    func testRamExampleFromTheIssue() {
        var host3 = F.host("host3", ramMB: 2048)
        host3.serviceEnabled = false
        host3.disabledReason = "maintenance"
        let hosts = [F.host("host1", ramMB: 2048), F.host("host2", ramMB: 1024), host3, F.host("host4", ramMB: 2048)]
        let error = failure(F.spec(F.flavor(ramMB: 4096)), hosts)
        XCTAssertEqual(
            error?.message,
            "No valid host was found. ComputeFilter removed 1 of 4 hosts: host3 disabled (maintenance). "
                + "RamFilter removed 3 of 3 hosts: 4096 MB requested, most free 2048 MB.")
        XCTAssertEqual(error?.description, error?.message)
        XCTAssertEqual(
            error?.removals,
            [
                FilterRemoval(filter: "ComputeFilter", removed: 1, of: 4, detail: "host3 disabled (maintenance)"),
                FilterRemoval(filter: "RamFilter", removed: 3, of: 3, detail: "4096 MB requested, most free 2048 MB"),
            ])
    }

    func testRamFreeIsReportedAfterTheRatio() {
        let hosts = [F.host("host1", ramMB: 2048, usedRamMB: 1024, ramRatio: 1.5)]
        XCTAssertEqual(
            failure(F.spec(F.flavor(ramMB: 4096)), hosts)?.message,
            "No valid host was found. RamFilter removed 1 of 1 host: 4096 MB requested, most free 2048 MB.")
    }

    func testAntiAffinityNamesTheHostsRunningMembers() {
        let hosts = [F.host("host1"), F.host("host2")]
        let group = SchedulerServerGroup(uuid: "g", name: "web", policy: .antiAffinity, memberHosts: ["host1", "host2"])
        XCTAssertEqual(
            failure(F.spec(group: group), hosts)?.message,
            "No valid host was found. ServerGroupAntiAffinityFilter removed 2 of 2 hosts: "
                + "hosts already running members of group web: host1, host2.")
        var two = group
        two.maxServerPerHost = 2
        two.memberHosts = ["host1", "host1", "host2", "host2"]
        XCTAssertEqual(
            failure(F.spec(group: two), hosts)?.message,
            "No valid host was found. ServerGroupAntiAffinityFilter removed 2 of 2 hosts: "
                + "hosts already running max_server_per_host 2 members of group web: host1, host2.")
    }

    func testAffinityNamesWhereTheGroupRuns() {
        var full = F.host("host1", ramMB: 1024)
        full.usedMemoryMB = 1024
        let hosts = [full, F.host("host2")]
        let group = SchedulerServerGroup(uuid: "g", name: "db", policy: .affinity, memberHosts: ["host1"])
        XCTAssertEqual(
            failure(F.spec(group: group), hosts)?.message,
            "No valid host was found. RamFilter removed 1 of 2 hosts: 512 MB requested, most free 0 MB. "
                + "ServerGroupAffinityFilter removed 1 of 1 host: members of group db run on host1 only.")
    }

    func testComputeFilterReasons() {
        var down = F.host("host1")
        down.serviceUp = false
        var forced = F.host("host2")
        forced.forcedDown = true
        var disabled = F.host("host3")
        disabled.serviceEnabled = false
        XCTAssertEqual(
            failure(F.spec(), [down, forced, disabled])?.message,
            "No valid host was found. ComputeFilter removed 3 of 3 hosts: host1 down, host2 forced down, host3 disabled.")
    }

    func testCoreAndDiskNumbers() {
        XCTAssertEqual(
            failure(F.spec(F.flavor(vcpus: 8)), [F.host("host1", vcpus: 4, usedVCPUs: 62, cpuRatio: 16)])?.message,
            "No valid host was found. CoreFilter removed 1 of 1 host: 8 vCPUs requested, most free 2.")
        XCTAssertEqual(
            failure(F.spec(F.flavor(vcpus: 8)), [F.host("host1", vcpus: 4, cpuRatio: 16)])?.message,
            "No valid host was found. CoreFilter removed 1 of 1 host: "
                + "8 vCPUs requested, more than the 4 physical CPUs of the largest host.")
        XCTAssertEqual(
            failure(F.spec(F.flavor(diskGB: 40)), [F.host("host1", diskGB: 20), F.host("host2", diskGB: 30)])?.message,
            "No valid host was found. DiskFilter removed 2 of 2 hosts: 40 GB requested, most free 30 GB.")
    }

    func testZoneRetryAndHintNumbers() {
        let east = AggregateInfo(uuid: "a", name: "east", metadata: ["availability_zone": "az-east"])
        let hosts = [F.host("host1", aggregates: [east]), F.host("host2"), F.host("host3")]
        XCTAssertEqual(
            failure(F.spec(zone: "az-west"), hosts)?.message,
            "No valid host was found. AvailabilityZoneFilter removed 3 of 3 hosts: "
                + "availability zone az-west requested, hosts are in az-east, nova.")
        XCTAssertEqual(
            failure(F.spec(differentHost: ["host3"], ignoreHosts: ["host1", "host2"]), hosts)?.message,
            "No valid host was found. RetryFilter removed 2 of 3 hosts: hosts already tried: host1, host2. "
                + "DifferentHostFilter removed 1 of 1 host: different_host excludes host3.")
        XCTAssertEqual(
            failure(F.spec(sameHost: ["host9"]), hosts)?.message,
            "No valid host was found. SameHostFilter removed 3 of 3 hosts: same_host asks for host9.")
    }

    func testImageAndExtraSpecMismatchesNameTheProperty() {
        var arm = F.host("host2")
        arm.architecture = "aarch64"
        let hosts = [F.host("host1"), arm]
        XCTAssertEqual(
            failure(F.spec(image: SchedulerImage(properties: ["hw_architecture": "ppc64le"])), hosts)?.message,
            "No valid host was found. ImagePropertiesFilter removed 2 of 2 hosts: "
                + "image hw_architecture ppc64le requested, hosts offer x86_64, aarch64.")
        let capabilities = F.spec(F.flavor(extraSpecs: ["capabilities:cpu_info:arch": "s== s390x"]))
        XCTAssertEqual(
            failure(capabilities, hosts)?.message,
            "No valid host was found. ComputeCapabilitiesFilter removed 2 of 2 hosts: "
                + "capabilities:cpu_info:arch=s== s390x not met, hosts have x86_64, aarch64.")
        let ssd = AggregateInfo(uuid: "a", name: "fast", metadata: ["ssd": "false"])
        let aggregate = F.spec(F.flavor(extraSpecs: ["aggregate_instance_extra_specs:ssd": "true"]))
        XCTAssertEqual(
            failure(aggregate, [F.host("host1", aggregates: [ssd]), F.host("host2")])?.message,
            "No valid host was found. AggregateInstanceExtraSpecsFilter removed 2 of 2 hosts: "
                + "aggregate_instance_extra_specs:ssd=true not met, hosts have false, none.")
    }

    func testPlacementIsNamedOnlyForHostsTheFiltersKept() {
        let hosts = [F.host("host1", ramMB: 1024), F.host("host2"), F.host("host3")]
        let error = failure(F.spec(F.flavor(ramMB: 2048)), hosts, candidates: ["rp-host1"])
        XCTAssertEqual(
            error?.message,
            "No valid host was found. RamFilter removed 1 of 3 hosts: 2048 MB requested, most free 1024 MB. "
                + "Placement offered no allocation candidate on 2 of 2 hosts.")
        XCTAssertEqual(error?.removals.last?.filter, FilterRemoval.placement)
    }

    func testNoHostsAtAll() {
        XCTAssertEqual(failure(F.spec(), [])?.message, "No valid host was found. There are no compute hosts.")
    }

    func testLongHostListsAreShortened() {
        let hosts = (1...12).map { F.host("host\($0)") }
        XCTAssertEqual(
            failure(F.spec(ignoreHosts: Set(hosts.map(\.host))), hosts)?.message,
            "No valid host was found. RetryFilter removed 12 of 12 hosts: "
                + "hosts already tried: host1, host2, host3, host4, host5 and 7 more.")
    }
}
