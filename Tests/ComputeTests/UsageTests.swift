import HTTPTypes
import StratusKit
import XCTest

@testable import Compute

/// `os-simple-tenant-usage`: hours within the period from launch and termination times.
final class UsageTests: XCTestCase {
    /// A JSON number as a Double (a whole float may come back as an integer).
    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let int): Double(int)
        case .double(let double): double
        default: nil
        }
    }

    func testHoursWithinThePeriod() async throws {
        try await ComputeTestCloud.run { cloud in
            let dev = try await cloud.identity.project("dev")
            let start = Timestamp.parse("2026-01-01T00:00:00")!
            let end = Timestamp.parse("2026-01-01T10:00:00")!
            // Ran the whole period: 10 hours; 2 vCPUs, 1024 MB, 1 GB.
            let whole = try await cloud.instance(
                project: dev.id, vcpus: 2, memoryMB: 1024, rootGB: 1, launchedAt: start.adding(seconds: -3600))
            // Launched at 08:00 and deleted at 09:00: 1 hour.
            let brief = try await cloud.instance(
                project: dev.id, launchedAt: start.adding(seconds: 8 * 3600), terminatedAt: start.adding(seconds: 9 * 3600),
                deleted: true)
            // Launched after the period, and one of another project.
            try await cloud.instance(project: dev.id, launchedAt: end.adding(seconds: 60))
            try await cloud.instance(project: "other", vcpus: 1, launchedAt: start)

            let query = "start=2026-01-01T00:00:00&end=2026-01-01T10:00:00"
            let shown = try await cloud.call(.get, "/v2.1/os-simple-tenant-usage/\(dev.id)?\(query)", token: dev.token)
            XCTAssertEqual(shown.status, .ok)
            let usage = try XCTUnwrap(shown.json?["tenant_usage"])
            XCTAssertEqual(Self.number(usage["total_hours"]), 11)
            XCTAssertEqual(Self.number(usage["total_vcpus_usage"]), 21)
            XCTAssertEqual(Self.number(usage["total_memory_mb_usage"]), 10 * 1024 + 512)
            XCTAssertEqual(usage["start"]?.stringValue, "2026-01-01T00:00:00.000000")
            let servers = try XCTUnwrap(usage["server_usages"]?.arrayValue)
            XCTAssertEqual(Set(servers.compactMap { $0["instance_id"]?.stringValue }), [whole, brief])
            let ended = try XCTUnwrap(servers.first { $0["instance_id"]?.stringValue == brief })
            XCTAssertEqual(ended["state"]?.stringValue, "terminated")
            XCTAssertEqual(ended["ended_at"]?.stringValue, "2026-01-01T09:00:00.000000")
            XCTAssertEqual(ended["flavor"]?.stringValue, "m1.test")

            let all = try await cloud.call(.get, "/v2.1/os-simple-tenant-usage?\(query)&detailed=1")
            XCTAssertEqual(all.json?["tenant_usages"]?.arrayValue?.count, 2)
            let paged = try await cloud.call(.get, "/v2.1/os-simple-tenant-usage?\(query)&limit=1", version: "2.40")
            XCTAssertEqual(paged.json?["tenant_usages"]?.arrayValue?.count, 1)
            XCTAssertNotNil(paged.json?["tenant_usages_links"])
            let memberAll = try await cloud.call(.get, "/v2.1/os-simple-tenant-usage?\(query)", token: dev.token)
            XCTAssertEqual(memberAll.status, .forbidden)
            let backwards = try await cloud.call(
                .get, "/v2.1/os-simple-tenant-usage/\(dev.id)?start=2026-01-02T00:00:00&end=2026-01-01T00:00:00")
            XCTAssertEqual(backwards.message, "Invalid start time. The start time cannot occur after the end time.")
        }
    }
}
