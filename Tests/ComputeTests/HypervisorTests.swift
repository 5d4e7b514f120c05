import HTTPTypes
import StratusKit
import XCTest

@testable import Compute

/// `os-hypervisors`: list, detail, show, statistics, servers and search, by microversion.
final class HypervisorTests: XCTestCase {
    func testDetailAndStatisticsCountInstancesOfTheHost() async throws {
        try await ComputeTestCloud.run { cloud in
            let (_, node) = try await cloud.computeHost("h1", vcpus: 8, memoryMB: 16384, localGB: 100)
            try await cloud.computeHost("h2", vcpus: 4, memoryMB: 8192, localGB: 50)
            let running = try await cloud.instance(project: "p1", host: "h1")
            try await cloud.instance(project: "p1", host: "h1", taskState: "rebooting")
            try await cloud.instance(project: "p1", host: "h1", deleted: true)

            let detail = try await cloud.call(.get, "/v2.1/os-hypervisors/detail", version: "2.28")
            let h1 = try XCTUnwrap(detail.json?["hypervisors"]?.arrayValue?.first { $0["hypervisor_hostname"]?.stringValue == "h1.example.org" })
            XCTAssertEqual(h1["id"]?.intValue, node.id)
            XCTAssertEqual(h1["running_vms"]?.intValue, 2, "the deleted instance is not counted")
            XCTAssertEqual(h1["current_workload"]?.intValue, 1, "one instance has a task under way")
            XCTAssertEqual(h1["vcpus"]?.intValue, 8)
            XCTAssertEqual(h1["free_ram_mb"]?.intValue, 16384 - 1024)
            XCTAssertEqual(h1["free_disk_gb"]?.intValue, 90)
            XCTAssertEqual(h1["cpu_info"]?["arch"]?.stringValue, "x86_64", "cpu_info is an object from 2.28")
            XCTAssertEqual(h1["service"]?["host"]?.stringValue, "h1")
            XCTAssertEqual(h1["state"]?.stringValue, "up")

            let stats = try await cloud.call(.get, "/v2.1/os-hypervisors/statistics", version: "2.87")
            let statistics = try XCTUnwrap(stats.json?["hypervisor_statistics"])
            XCTAssertEqual(statistics["count"]?.intValue, 2)
            XCTAssertEqual(statistics["vcpus"]?.intValue, 12)
            XCTAssertEqual(statistics["memory_mb"]?.intValue, 24576)
            XCTAssertEqual(statistics["running_vms"]?.intValue, 2)
            let gone = try await cloud.call(.get, "/v2.1/os-hypervisors/statistics", version: "2.88")
            XCTAssertEqual(gone.status, .notFound, "statistics are gone from 2.88")

            let v288 = try await cloud.call(.get, "/v2.1/os-hypervisors/detail?with_servers=true", version: "2.88")
            let new = try XCTUnwrap(v288.json?["hypervisors"]?.arrayValue?.first { $0["hypervisor_hostname"]?.stringValue == "h1.example.org" })
            XCTAssertNil(new["vcpus"], "2.88 drops the sizes")
            XCTAssertNil(new["running_vms"])
            XCTAssertEqual(new["uptime"], .null)
            XCTAssertEqual(new["id"]?.stringValue, node.uuid)
            XCTAssertEqual(new["servers"]?.arrayValue?.compactMap { $0["uuid"]?.stringValue }.contains(running), true)
            let other = try XCTUnwrap(v288.json?["hypervisors"]?.arrayValue?.first { $0["hypervisor_hostname"]?.stringValue == "h2.example.org" })
            XCTAssertEqual(other["servers"], [], "an empty list from 2.75")
        }
    }

    func testShowSearchServersAndIds() async throws {
        try await ComputeTestCloud.run { cloud in
            let (_, node) = try await cloud.computeHost("alpha")
            try await cloud.computeHost("beta", secondsAgo: 3600)
            let instance = try await cloud.instance(project: "p1", host: "alpha")

            let byInt = try await cloud.call(.get, "/v2.1/os-hypervisors/\(node.id)", version: "2.52")
            XCTAssertEqual(byInt.json?["hypervisor"]?["hypervisor_hostname"]?.stringValue, "alpha.example.org")
            let byUUID = try await cloud.call(.get, "/v2.1/os-hypervisors/\(node.uuid)?with_servers=1", version: "2.53")
            XCTAssertEqual(byUUID.json?["hypervisor"]?["servers"]?[0]?["uuid"]?.stringValue, instance)
            XCTAssertEqual(byUUID.json?["hypervisor"]?["servers"]?[0]?["name"]?.stringValue?.hasPrefix("instance-"), true)
            let intAt253 = try await cloud.call(.get, "/v2.1/os-hypervisors/\(node.id)", version: "2.53")
            XCTAssertEqual(intAt253.status, .badRequest)
            let missing = try await cloud.call(.get, "/v2.1/os-hypervisors/999", version: "2.1")
            XCTAssertEqual(missing.message, "Hypervisor with ID '999' could not be found.")

            let search = try await cloud.call(.get, "/v2.1/os-hypervisors/alp/search", version: "2.52")
            XCTAssertEqual(search.json?["hypervisors"]?.arrayValue?.count, 1)
            let servers = try await cloud.call(.get, "/v2.1/os-hypervisors/alpha/servers", version: "2.52")
            XCTAssertEqual(servers.json?["hypervisors"]?[0]?["servers"]?.arrayValue?.count, 1)
            let nothing = try await cloud.call(.get, "/v2.1/os-hypervisors/gamma/search", version: "2.52")
            XCTAssertEqual(nothing.message, "No hypervisor matching 'gamma' could be found.")
            let pattern = try await cloud.call(.get, "/v2.1/os-hypervisors?hypervisor_hostname_pattern=bet", version: "2.53")
            XCTAssertEqual(pattern.json?["hypervisors"]?[0]?["state"]?.stringValue, "down")

            let page = try await cloud.call(.get, "/v2.1/os-hypervisors?limit=1", version: "2.33")
            XCTAssertEqual(page.json?["hypervisors"]?.arrayValue?.count, 1)
            XCTAssertNotNil(page.json?["hypervisors_links"])
            let uptime = try await cloud.call(.get, "/v2.1/os-hypervisors/\(node.id)/uptime", version: "2.1")
            XCTAssertEqual(uptime.status, .notImplemented)

            let member = try await cloud.identity.project("dev")
            let refused = try await cloud.call(.get, "/v2.1/os-hypervisors", token: member.token)
            XCTAssertEqual(refused.status, .forbidden)
        }
    }
}
