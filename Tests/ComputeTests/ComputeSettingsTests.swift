import StratusKit
import XCTest

@testable import Compute

/// The Compute settings read from the configuration, and what they change.
final class ComputeSettingsTests: XCTestCase {
    func testDefaultsAndOverrides() throws {
        let defaults = try ComputeSettings(StratusConfig())
        XCTAssertEqual(defaults.serviceDownTime, 60)
        XCTAssertEqual(defaults.defaultAvailabilityZone, "nova")
        XCTAssertEqual(defaults.quotaDefaults["instances"], 10)
        XCTAssertEqual(defaults.quotaDefaults["server_group_members"], 10)

        let tuned = try ComputeSettings(
            StratusConfig(values: [
                "compute.service_down_time": "5", "compute.default_availability_zone": "zone-a",
                "compute.quota_instances": "-1", "compute.quota_cores": "64",
            ]))
        XCTAssertEqual(tuned.serviceDownTime, 5)
        XCTAssertEqual(tuned.defaultAvailabilityZone, "zone-a")
        XCTAssertEqual(tuned.quotaDefaults["instances"], -1)
        XCTAssertEqual(tuned.quotaDefaults["cores"], 64)
        XCTAssertEqual(tuned.quotaDefaults["ram"], 51200)
        XCTAssertThrowsError(try ComputeSettings(StratusConfig(values: ["compute.quota_ram": "lots"])))
    }

    func testServiceDownTimeDecidesState() throws {
        var settings = ComputeSettings()
        settings.serviceDownTime = 30
        let now = Timestamp.now()
        let service = ServiceRecord(
            id: 1, uuid: "u", host: "h", binary: "nova-compute", topic: "compute", disabled: false, disabledReason: nil,
            forcedDown: false, lastSeenUp: now.adding(seconds: -45), reportCount: 1, createdAt: now.adding(seconds: -100),
            updatedAt: nil)
        XCTAssertFalse(ServiceLiveness(downTime: settings.serviceDownTime).isUp(service, now: now))
        XCTAssertTrue(ServiceLiveness(downTime: 60).isUp(service, now: now))
        var forced = service
        forced.forcedDown = true
        XCTAssertFalse(ServiceLiveness(downTime: 60).isUp(forced, now: now))
        var silent = service
        silent.lastSeenUp = nil
        silent.createdAt = now.adding(seconds: -10)
        XCTAssertTrue(ServiceLiveness(downTime: 60).isUp(silent, now: now), "never reported: judged by its creation")
    }
}
