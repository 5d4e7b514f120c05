import Compute
import XCTest

/// The Placement request a flavor and image make.
final class PlacementResourceRequestTests: XCTestCase {
    func testStandardClassesFromTheFlavor() {
        let flavor = SchedulerFlavor(name: "m1.small", memoryMB: 2048, vcpus: 1, rootGB: 20, ephemeralGB: 5, swapMB: 512)
        let request = PlacementResourceRequest(flavor: flavor, image: SchedulerImage())
        XCTAssertEqual(request.resources, ["VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 26])
        XCTAssertEqual(request.requiredTraits, [])
        XCTAssertEqual(request.forbiddenTraits, [])
        XCTAssertEqual(request.allocationCandidatesQuery.map(\.name), ["resources"])
        XCTAssertEqual(request.allocationCandidatesQuery.map(\.value), ["DISK_GB:26,MEMORY_MB:2048,VCPU:1"])
    }

    func testZeroDiskIsLeftOut() {
        let flavor = SchedulerFlavor(name: "diskless", memoryMB: 512, vcpus: 1, rootGB: 0)
        XCTAssertEqual(PlacementResourceRequest(flavor: flavor, image: SchedulerImage()).resources, ["VCPU": 1, "MEMORY_MB": 512])
    }

    func testResourceExtraSpecsOverrideAndDrop() {
        let flavor = SchedulerFlavor(
            name: "custom", memoryMB: 1024, vcpus: 2, rootGB: 10,
            extraSpecs: ["resources:VCPU": "0", "resources:PCPU": "2", "resources:CUSTOM_FPGA": "1", "resources:DISK_GB": "5",
                         "resources:BAD": "many", "hw:cpu_policy": "dedicated"])
        XCTAssertEqual(
            PlacementResourceRequest(flavor: flavor, image: SchedulerImage()).resources,
            ["PCPU": 2, "MEMORY_MB": 1024, "DISK_GB": 5, "CUSTOM_FPGA": 1])
    }

    func testTraitsFromFlavorAndImage() {
        let flavor = SchedulerFlavor(
            name: "t", memoryMB: 512, vcpus: 1, rootGB: 1,
            extraSpecs: ["trait:HW_CPU_X86_AVX2": "required", "trait:CUSTOM_SLOW": "forbidden", "trait:CUSTOM_X": "maybe"])
        let image = SchedulerImage(properties: ["trait:COMPUTE_STATUS_DISABLED": "forbidden", "trait:HW_CPU_X86_SSE42": "required"])
        let request = PlacementResourceRequest(flavor: flavor, image: image)
        XCTAssertEqual(request.requiredTraits, ["HW_CPU_X86_AVX2", "HW_CPU_X86_SSE42"])
        XCTAssertEqual(request.forbiddenTraits, ["CUSTOM_SLOW"], "images can only require traits")
        XCTAssertEqual(request.allocationCandidatesQuery.last?.name, "required")
        XCTAssertEqual(request.allocationCandidatesQuery.last?.value, "HW_CPU_X86_AVX2,HW_CPU_X86_SSE42,!CUSTOM_SLOW")
    }
}
