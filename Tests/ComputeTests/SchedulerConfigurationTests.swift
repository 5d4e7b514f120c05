import Compute
import StratusKit
import XCTest

/// Reading the scheduler's settings from StratusConfig.
final class SchedulerConfigurationTests: XCTestCase {
    func testDefaultsAreNovas() throws {
        let configuration = try SchedulerConfiguration(config: StratusConfig())
        XCTAssertEqual(configuration, SchedulerConfiguration.defaults)
        XCTAssertEqual(configuration.cpuAllocationRatio, 16.0)
        XCTAssertEqual(configuration.ramAllocationRatio, 1.5)
        XCTAssertEqual(configuration.diskAllocationRatio, 1.0)
        XCTAssertEqual(configuration.ramWeightMultiplier, 1.0)
        XCTAssertEqual(configuration.hostSubsetSize, 1)
        XCTAssertEqual(configuration.maxAttempts, 3)
        XCTAssertEqual(configuration.defaultAvailabilityZone, "nova")
        XCTAssertEqual(configuration.enabledFilters.first, "RetryFilter")
        XCTAssertTrue(configuration.enabledFilters.contains("AggregateInstanceExtraSpecsFilter"))
        XCTAssertEqual(configuration.enabledFilters.count, 13)
    }

    func testSettingsFromTheFile() throws {
        let config = StratusConfig(values: [
            "compute.scheduler.enabled_filters": "ComputeFilter, RamFilter",
            "compute.scheduler.ram_weight_multiplier": "-1.5",
            "compute.scheduler.cpu_weight_multiplier": "0",
            "compute.scheduler.disk_weight_multiplier": "2",
            "compute.scheduler.soft_affinity_weight_multiplier": "3",
            "compute.scheduler.soft_anti_affinity_weight_multiplier": "4",
            "compute.scheduler.host_subset_size": "2",
            "compute.scheduler.max_attempts": "5",
            "compute.default_availability_zone": "home",
            "compute.cpu_allocation_ratio": "4",
            "compute.ram_allocation_ratio": "1.0",
            "compute.disk_allocation_ratio": "2.5",
        ])
        let configuration = try SchedulerConfiguration(config: config)
        XCTAssertEqual(configuration.enabledFilters, ["ComputeFilter", "RamFilter"])
        XCTAssertEqual(configuration.ramWeightMultiplier, -1.5)
        XCTAssertEqual(configuration.cpuWeightMultiplier, 0)
        XCTAssertEqual(configuration.diskWeightMultiplier, 2)
        XCTAssertEqual(configuration.softAffinityWeightMultiplier, 3)
        XCTAssertEqual(configuration.softAntiAffinityWeightMultiplier, 4)
        XCTAssertEqual(configuration.hostSubsetSize, 2)
        XCTAssertEqual(configuration.maxAttempts, 5)
        XCTAssertEqual(configuration.defaultAvailabilityZone, "home")
        XCTAssertEqual(configuration.cpuAllocationRatio, 4)
        XCTAssertEqual(configuration.ramAllocationRatio, 1.0)
        XCTAssertEqual(configuration.diskAllocationRatio, 2.5)
    }

    func testSettingsFromTheEnvironment() throws {
        let config = try StratusConfig.load(
            file: nil,
            environment: [
                "STRATUS_COMPUTE_SCHEDULER_RAM_WEIGHT_MULTIPLIER": "-1",
                "STRATUS_COMPUTE_SCHEDULER_ENABLED_FILTERS": "ComputeFilter",
                "STRATUS_COMPUTE_RAM_ALLOCATION_RATIO": "2",
            ])
        let configuration = try SchedulerConfiguration(config: config)
        XCTAssertEqual(configuration.ramWeightMultiplier, -1)
        XCTAssertEqual(configuration.enabledFilters, ["ComputeFilter"])
        XCTAssertEqual(configuration.ramAllocationRatio, 2)
    }

    func testBadSettingsAreRefused() {
        let bad = [
            "compute.scheduler.enabled_filters": "ComputeFilter, NoSuchFilter",
            "compute.scheduler.ram_weight_multiplier": "heavy",
            "compute.scheduler.max_attempts": "0",
            "compute.scheduler.host_subset_size": "two",
            "compute.ram_allocation_ratio": "0",
            "compute.cpu_allocation_ratio": "-1",
        ]
        for (key, value) in bad {
            XCTAssertThrowsError(try SchedulerConfiguration(config: StratusConfig(values: [key: value])), key) { error in
                XCTAssertTrue("\(error)".contains(key), "\(error) names \(key)")
            }
        }
    }
}
