import Compute
import XCTest

/// Each filter's pass and fail semantics, through FilterScheduler with only that filter on.
final class SchedulerFilterTests: XCTestCase {
    typealias F = SchedulerFixtures

    func testComputeFilterKeepsOnlyUpEnabledHosts() {
        var disabled = F.host("host2")
        disabled.serviceEnabled = false
        disabled.disabledReason = "maintenance"
        var down = F.host("host3")
        down.serviceUp = false
        var forced = F.host("host4")
        forced.forcedDown = true
        let hosts = [F.host("host1"), disabled, down, forced]
        XCTAssertEqual(F.passing(["ComputeFilter"], F.spec(), hosts), ["host1"])
    }

    func testRetryFilterRemovesHostsAlreadyTried() {
        let hosts = [F.host("host1"), F.host("host2"), F.host("host3")]
        XCTAssertEqual(F.passing(["RetryFilter"], F.spec(ignoreHosts: ["host1", "host3"]), hosts), ["host2"])
        XCTAssertEqual(F.passing(["RetryFilter"], F.spec(), hosts), ["host1", "host2", "host3"])
    }

    func testAvailabilityZoneFilterUsesAggregateZonesAndTheDefault() {
        let east = AggregateInfo(uuid: "a1", name: "east", metadata: ["availability_zone": "az-east"])
        let plain = AggregateInfo(uuid: "a2", name: "ssd", metadata: ["ssd": "true"])
        let hosts = [F.host("host1", aggregates: [east]), F.host("host2", aggregates: [plain]), F.host("host3")]
        XCTAssertEqual(hosts[0].availabilityZone, "az-east")
        XCTAssertEqual(hosts[1].availabilityZone, "nova")
        XCTAssertEqual(F.passing(["AvailabilityZoneFilter"], F.spec(zone: "az-east"), hosts), ["host1"])
        XCTAssertEqual(F.passing(["AvailabilityZoneFilter"], F.spec(zone: "nova"), hosts), ["host2", "host3"])
        XCTAssertEqual(F.passing(["AvailabilityZoneFilter"], F.spec(zone: "elsewhere"), hosts), [])
        XCTAssertEqual(F.passing(["AvailabilityZoneFilter"], F.spec(), hosts), ["host1", "host2", "host3"])
    }

    func testAvailabilityZoneFilterHonoursTheConfiguredDefaultZone() {
        let scheduler = F.scheduler(filters: ["AvailabilityZoneFilter"]) { $0.defaultAvailabilityZone = "home" }
        let hosts = [F.host("host1")]
        XCTAssertEqual(try scheduler.selectHosts(for: F.spec(zone: "home"), among: hosts, placementCandidates: nil).map(\.host), ["host1"])
        XCTAssertThrowsError(try scheduler.selectHosts(for: F.spec(zone: "nova"), among: hosts, placementCandidates: nil))
    }

    func testRamFilterAppliesTheAllocationRatio() {
        // 4096 MB at ratio 1.5 gives 6144; 5000 used leaves 1144.
        let hosts = [
            F.host("host1", ramMB: 4096, usedRamMB: 5000, ramRatio: 1.5),
            F.host("host2", ramMB: 4096, usedRamMB: 4096, ramRatio: 1.5),
            F.host("host3", ramMB: 4096, usedRamMB: 0, ramRatio: 1.0),
        ]
        XCTAssertEqual(hosts[0].freeRamMB, 1144)
        let spec = F.spec(F.flavor(ramMB: 2048))
        XCTAssertEqual(F.passing(["RamFilter"], spec, hosts), ["host2", "host3"])
        XCTAssertEqual(F.passing(["RamFilter"], F.spec(F.flavor(ramMB: 1144)), [hosts[0]]), ["host1"], "exactly enough fits")
    }

    func testRamFilterCountsReservedMemory() {
        var host = F.host("host1", ramMB: 4096)
        host.reservedMemoryMB = 512
        XCTAssertEqual(F.passing(["RamFilter"], F.spec(F.flavor(ramMB: 3584)), [host]), ["host1"])
        XCTAssertEqual(F.passing(["RamFilter"], F.spec(F.flavor(ramMB: 3585)), [host]), [])
    }

    func testCoreFilterAppliesTheRatioButNeverExceedsPhysicalCPUs() {
        let hosts = [
            F.host("host1", vcpus: 4, usedVCPUs: 60, cpuRatio: 16),  // 64 - 60 = 4 free
            F.host("host2", vcpus: 4, usedVCPUs: 62, cpuRatio: 16),  // 2 free
            F.host("host3", vcpus: 2, usedVCPUs: 0, cpuRatio: 16),  // 32 free but 2 physical
        ]
        XCTAssertEqual(F.passing(["CoreFilter"], F.spec(F.flavor(vcpus: 4)), hosts), ["host1"])
        XCTAssertEqual(F.passing(["CoreFilter"], F.spec(F.flavor(vcpus: 2)), hosts), ["host1", "host2", "host3"])
    }

    func testDiskFilterCountsRootEphemeralAndSwap() {
        // 10 root + 5 ephemeral + 1025 MB swap (rounded up to 2 GB) = 17 GB.
        let flavor = SchedulerFlavor(name: "big", memoryMB: 512, vcpus: 1, rootGB: 10, ephemeralGB: 5, swapMB: 1025)
        XCTAssertEqual(flavor.diskGB, 17)
        let hosts = [F.host("host1", diskGB: 17), F.host("host2", diskGB: 16), F.host("host3", diskGB: 10, diskRatio: 2.0)]
        XCTAssertEqual(F.passing(["DiskFilter"], F.spec(flavor), hosts), ["host1", "host3"])
    }

    func testComputeCapabilitiesFilterMatchesScopedAndUnscopedKeys() {
        let hosts = [
            F.host("host1", capabilities: ["cpu_info:arch": "x86_64", "cpu_info:features": "avx avx2 sse4.2"]),
            F.host("host2", capabilities: ["cpu_info:arch": "aarch64", "cpu_info:features": "neon"]),
        ]
        let filter = ["ComputeCapabilitiesFilter"]
        XCTAssertEqual(F.passing(filter, F.spec(F.flavor(extraSpecs: ["capabilities:cpu_info:arch": "x86_64"])), hosts), ["host1"])
        XCTAssertEqual(F.passing(filter, F.spec(F.flavor(extraSpecs: ["capabilities:cpu_info:features": "<in> avx2"])), hosts), ["host1"])
        XCTAssertEqual(
            F.passing(filter, F.spec(F.flavor(extraSpecs: ["capabilities:cpu_info:arch": "<or> aarch64 <or> ppc64le"])), hosts),
            ["host2"])
        // Host attributes answer too: hypervisor_type is "QEMU" on both.
        XCTAssertEqual(F.passing(filter, F.spec(F.flavor(extraSpecs: ["hypervisor_type": "s== QEMU"])), hosts), ["host1", "host2"])
        XCTAssertEqual(F.passing(filter, F.spec(F.flavor(extraSpecs: ["capabilities:vcpus_total": ">= 8"])), hosts), [])
        // A missing capability never matches.
        XCTAssertEqual(F.passing(filter, F.spec(F.flavor(extraSpecs: ["capabilities:gpu": "<in> nvidia"])), hosts), [])
        // Other scopes are not this filter's business.
        XCTAssertEqual(
            F.passing(filter, F.spec(F.flavor(extraSpecs: ["hw:cpu_policy": "dedicated", "trait:HW_CPU_X86_AVX2": "required"])), hosts),
            ["host1", "host2"])
    }

    func testAggregateInstanceExtraSpecsFilterMatchesAggregateMetadata() {
        let ssd = AggregateInfo(uuid: "a1", name: "fast", metadata: ["ssd": "true", "tier": "2"])
        let hdd = AggregateInfo(uuid: "a2", name: "slow", metadata: ["ssd": "false", "tier": "1"])
        let hosts = [F.host("host1", aggregates: [ssd]), F.host("host2", aggregates: [hdd]), F.host("host3")]
        let filter = ["AggregateInstanceExtraSpecsFilter"]
        XCTAssertEqual(F.passing(filter, F.spec(F.flavor(extraSpecs: ["aggregate_instance_extra_specs:ssd": "true"])), hosts), ["host1"])
        XCTAssertEqual(F.passing(filter, F.spec(F.flavor(extraSpecs: ["ssd": "false"])), hosts), ["host2"], "unscoped keys count")
        XCTAssertEqual(F.passing(filter, F.spec(F.flavor(extraSpecs: ["aggregate_instance_extra_specs:tier": "= 1"])), hosts), ["host1", "host2"])
        XCTAssertEqual(F.passing(filter, F.spec(F.flavor(extraSpecs: ["capabilities:cpu_info:arch": "x86_64"])), hosts), ["host1", "host2", "host3"])
        XCTAssertEqual(F.passing(filter, F.spec(), hosts), ["host1", "host2", "host3"])
    }

    func testAggregateInstanceExtraSpecsFilterAcceptsAnyOfSeveralAggregates() {
        let one = AggregateInfo(uuid: "a1", name: "one", metadata: ["pool": "blue"])
        let two = AggregateInfo(uuid: "a2", name: "two", metadata: ["pool": "green"])
        let hosts = [F.host("host1", aggregates: [one, two]), F.host("host2", aggregates: [one])]
        let spec = F.spec(F.flavor(extraSpecs: ["aggregate_instance_extra_specs:pool": "green"]))
        XCTAssertEqual(F.passing(["AggregateInstanceExtraSpecsFilter"], spec, hosts), ["host1"])
    }

    func testImagePropertiesFilter() {
        var arm = F.host("host2")
        arm.architecture = "aarch64"
        var xen = F.host("host3")
        xen.hypervisorType = "xen"
        xen.vmMode = "xen"
        let hosts = [F.host("host1"), arm, xen]
        let filter = ["ImagePropertiesFilter"]
        func image(_ properties: [String: String]) -> RequestSpec { F.spec(image: SchedulerImage(properties: properties)) }
        XCTAssertEqual(F.passing(filter, image([:]), hosts), ["host1", "host2", "host3"])
        XCTAssertEqual(F.passing(filter, image(["hw_architecture": "aarch64"]), hosts), ["host2"])
        XCTAssertEqual(F.passing(filter, image(["architecture": "AArch64"]), hosts), ["host2"], "legacy name, any case")
        XCTAssertEqual(F.passing(filter, image(["hw_architecture": "amd64"]), hosts), ["host1", "host3"])
        XCTAssertEqual(F.passing(filter, image(["img_hv_type": "qemu"]), hosts), ["host1", "host2"], "case does not matter")
        XCTAssertEqual(F.passing(filter, image(["hw_vm_mode": "pv"]), hosts), ["host3"], "pv is xen")
        XCTAssertEqual(F.passing(filter, image(["hw_vm_mode": "hvm", "img_hv_type": "xen"]), hosts), [])
        var old32 = F.host("host4")
        old32.architecture = "i686"
        XCTAssertEqual(F.passing(filter, image(["hw_architecture": "i386"]), hosts + [old32]), ["host4"], "i386 is i686")
    }

    func testImagePropertiesFilterChecksTheRequestedHypervisorVersion() {
        var old = F.host("host1")
        old.hypervisorVersion = 2_006_000
        var new = F.host("host2")
        new.hypervisorVersion = 8_002_001
        let filter = ["ImagePropertiesFilter"]
        let spec = F.spec(image: SchedulerImage(properties: ["img_hv_type": "qemu", "img_hv_requested_version": ">= 6.0"]))
        XCTAssertEqual(F.passing(filter, spec, [old, new]), ["host2"])
        let range = F.spec(image: SchedulerImage(properties: ["img_hv_type": "qemu", "img_hv_requested_version": ">=2.6, <3"]))
        XCTAssertEqual(F.passing(filter, range, [old, new]), ["host1"])
    }

    func testServerGroupAntiAffinityFilter() {
        let hosts = [F.host("host1"), F.host("host2"), F.host("host3")]
        let group = SchedulerServerGroup(uuid: "g", name: "web", policy: .antiAffinity, memberHosts: ["host1", "host3", "host3"])
        XCTAssertEqual(F.passing(["ServerGroupAntiAffinityFilter"], F.spec(group: group), hosts), ["host2"])
        var roomier = group
        roomier.maxServerPerHost = 2
        XCTAssertEqual(F.passing(["ServerGroupAntiAffinityFilter"], F.spec(group: roomier), hosts), ["host1", "host2"])
        var soft = group
        soft.policy = .softAntiAffinity
        XCTAssertEqual(F.passing(["ServerGroupAntiAffinityFilter"], F.spec(group: soft), hosts), ["host1", "host2", "host3"])
    }

    func testServerGroupAffinityFilter() {
        let hosts = [F.host("host1"), F.host("host2"), F.host("host3")]
        let group = SchedulerServerGroup(uuid: "g", name: "db", policy: .affinity, memberHosts: ["host2"])
        XCTAssertEqual(F.passing(["ServerGroupAffinityFilter"], F.spec(group: group), hosts), ["host2"])
        let first = SchedulerServerGroup(uuid: "g", name: "db", policy: .affinity)
        XCTAssertEqual(F.passing(["ServerGroupAffinityFilter"], F.spec(group: first), hosts), ["host1", "host2", "host3"], "the first member goes anywhere")
    }

    func testSameHostAndDifferentHostHints() {
        let hosts = [F.host("host1"), F.host("host2"), F.host("host3")]
        XCTAssertEqual(F.passing(["SameHostFilter"], F.spec(sameHost: ["host2", "host3"]), hosts), ["host2", "host3"])
        XCTAssertEqual(F.passing(["DifferentHostFilter"], F.spec(differentHost: ["host2"]), hosts), ["host1", "host3"])
        XCTAssertEqual(F.passing(["SameHostFilter", "DifferentHostFilter"], F.spec(), hosts), ["host1", "host2", "host3"])
    }

    func testPlacementCandidatesIntersectTheFilteredHosts() {
        let hosts = [F.host("host1"), F.host("host2"), F.host("host3")]
        XCTAssertEqual(F.passing([], F.spec(), hosts, candidates: ["rp-host1", "rp-host3", "rp-other"]), ["host1", "host3"])
        XCTAssertEqual(F.passing([], F.spec(), hosts, candidates: nil), ["host1", "host2", "host3"], "nil means Placement was not asked")
        XCTAssertEqual(F.passing([], F.spec(), hosts, candidates: []), [])
    }

    func testDefaultFiltersTogether() {
        var disabled = F.host("host1", ramMB: 65536)
        disabled.serviceEnabled = false
        let hosts = [disabled, F.host("host2", ramMB: 2048), F.host("host3", ramMB: 16384), F.host("host4", ramMB: 8192)]
        let scheduler = F.scheduler()
        let chosen = try? scheduler.selectHosts(for: F.spec(F.flavor(ramMB: 4096)), among: hosts, placementCandidates: nil)
        XCTAssertEqual(chosen?.map(\.host), ["host3", "host4"], "up, big enough, most free RAM first")
    }
}
