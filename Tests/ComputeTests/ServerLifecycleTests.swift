import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// A server's whole life through the HTTP API against real Identity, Image, Network and
/// Placement: boot, what the other services hold for it, and delete.
final class ServerLifecycleTests: XCTestCase {
    func testCreateBecomesActiveWithBoundPortAndAllocationThenDeleteCleansUp() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            let id = try await cloud.createServer("web-1")
            let server = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(server["OS-EXT-STS:vm_state"]?.stringValue, "active")
            XCTAssertEqual(server["OS-EXT-STS:power_state"]?.intValue, 1)
            let host = try XCTUnwrap(server["OS-EXT-SRV-ATTR:host"]?.stringValue)
            XCTAssertTrue(["compute1", "compute2"].contains(host), host)
            XCTAssertNotNil(server["OS-SRV-USG:launched_at"]?.stringValue)
            let address = server["addresses"]?["shared-net"]?.arrayValue?.first?["addr"]?.stringValue
            XCTAssertEqual(address?.hasPrefix("192.0.2."), true, "the port's address: \(String(describing: server["addresses"]))")

            let ports = try await cloud.ports(deviceID: id)
            XCTAssertEqual(ports.count, 1)
            XCTAssertEqual(ports.first?["status"]?.stringValue, "ACTIVE")
            XCTAssertEqual(ports.first?["binding:host_id"]?.stringValue, host)
            XCTAssertEqual(ports.first?["device_owner"]?.stringValue, "compute:nova")

            let provider = try await cloud.providerUUID(host: host)
            let allocations = try await cloud.allocations(consumer: id)
            XCTAssertEqual(Array(allocations.keys), [try XCTUnwrap(provider)])
            XCTAssertEqual(allocations[provider!], ["VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1])

            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)").status, 204)
            try await cloud.waitUntilDeleted(id)
            let portsAfter = try await cloud.ports(deviceID: id)
            XCTAssertEqual(portsAfter.count, 0, "the port the create made is deleted")
            let allocationsAfter = try await cloud.allocations(consumer: id)
            XCTAssertTrue(allocationsAfter.isEmpty, "the allocation is deleted")
            let gone = try await cloud.compute(.GET, "/servers/\(id)")
            XCTAssertEqual(gone.status, 404)
            XCTAssertEqual(gone.json?["itemNotFound"]?["message"]?.stringValue, "Instance \(id) could not be found.")
        }
    }

    func testShowFieldsByMicroversion() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("fields")
            try await cloud.waitFor(id, status: "ACTIVE")

            let old = try await XCTUnwrapAsync(try await cloud.compute(.GET, "/servers/\(id)", version: "2.1").json?["server"])
            XCTAssertEqual(old["flavor"]?["id"]?.stringValue, "1", "before 2.47 the flavor is a reference")
            XCTAssertNotNil(old["flavor"]?["links"])
            XCTAssertNil(old["locked"], "locked arrives in 2.9")
            XCTAssertNil(old["tags"], "tags arrive in 2.26")
            XCTAssertNil(old["OS-EXT-SRV-ATTR:hostname"], "the extended attributes arrive in 2.3")

            let embedded = try await XCTUnwrapAsync(try await cloud.compute(.GET, "/servers/\(id)", version: "2.47").json?["server"])
            XCTAssertEqual(embedded["flavor"]?["original_name"]?.stringValue, "m1.tiny")
            XCTAssertEqual(embedded["flavor"]?["vcpus"]?.intValue, 1)
            XCTAssertEqual(embedded["flavor"]?["ram"]?.intValue, 512)
            XCTAssertNil(embedded["flavor"]?["id"], "from 2.47 the flavor is embedded, without its id")
            XCTAssertNil(embedded["locked_reason"])

            let locked = try await cloud.action(id, ["lock": ["locked_reason": "maintenance"]], version: "2.73")
            XCTAssertEqual(locked.status, 202)
            let withReason = try await XCTUnwrapAsync(try await cloud.compute(.GET, "/servers/\(id)", version: "2.73").json?["server"])
            XCTAssertEqual(withReason["locked"]?.boolValue, true)
            XCTAssertEqual(withReason["locked_reason"]?.stringValue, "maintenance")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["unlock": .null]).status, 202)
            let reasonTooEarly = try await cloud.action(id, ["lock": ["locked_reason": "ignored"]], version: "2.72")
            XCTAssertEqual(reasonTooEarly.status, 202, "before 2.73 the lock body is not read")
            let noReason = try await XCTUnwrapAsync(try await cloud.compute(.GET, "/servers/\(id)", version: "2.73").json?["server"])
            XCTAssertEqual(noReason["locked"]?.boolValue, true)
            XCTAssertEqual(noReason["locked_reason"], .null)

            let renamed = try await cloud.compute(
                .PUT, "/servers/\(id)", version: "2.90", json: ["server": ["hostname": "renamed-host", "name": "fields-2"]])
            XCTAssertEqual(renamed.status, 200)
            XCTAssertEqual(renamed.json?["server"]?["name"]?.stringValue, "fields-2")
            let latest = try await cloud.server(id)
            XCTAssertEqual(latest["OS-EXT-SRV-ATTR:hostname"]?.stringValue, "renamed-host")
            let hostnameTooEarly = try await cloud.compute(
                .PUT, "/servers/\(id)", version: "2.89", json: ["server": ["hostname": "other"]])
            XCTAssertEqual(hostnameTooEarly.status, 400, "hostname is updatable from 2.90")
        }
    }

    func testOtherProjectsCannotSeeAndReadersCannotCreate() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let alpha = try await cloud.cloud.project("alpha")
            let beta = try await cloud.cloud.project("beta")
            let alphaMember = try await cloud.cloud.user("alpha-member", projectID: alpha, role: "member")
            let alphaReader = try await cloud.cloud.user("alpha-reader", projectID: alpha, role: "reader")
            let betaMember = try await cloud.cloud.user("beta-member", projectID: beta, role: "member")

            let id = try await cloud.createServer("alpha-vm", token: alphaMember)
            let server = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(server["tenant_id"]?.stringValue, alpha)

            let asBeta = try await cloud.compute(.GET, "/servers/\(id)", token: betaMember)
            XCTAssertEqual(asBeta.status, 404, "another project's server does not exist for it")
            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)", token: betaMember).status, 404)
            try await XCTAssertEqualAsync(try await cloud.action(id, ["os-stop": .null], token: betaMember).status, 404)
            let betaList = try await cloud.compute(.GET, "/servers", token: betaMember)
            XCTAssertEqual(betaList.json?["servers"]?.arrayValue?.count, 0)

            let asReader = try await cloud.compute(.GET, "/servers/\(id)", token: alphaReader)
            XCTAssertEqual(asReader.status, 200, "a reader of the project reads its servers")
            let asOwner = try await XCTUnwrapAsync(try await cloud.compute(.GET, "/servers/\(id)", token: alphaMember).json?["server"])
            XCTAssertNil(asOwner["OS-EXT-SRV-ATTR:host"], "the host is for admins")
            XCTAssertNotNil(asOwner["hostId"], "the owner sees the opaque host id")
            let readerCreate = try await cloud.requestServer("nope", token: alphaReader)
            XCTAssertEqual(readerCreate.status, 403)
            XCTAssertNotNil(readerCreate.json?["forbidden"])
        }
    }

    func testUpdateMetadataAndTags() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("meta", extra: ["metadata": ["role": "web"]])
            try await cloud.waitFor(id, status: "ACTIVE")

            let metadata = try await cloud.compute(.GET, "/servers/\(id)/metadata")
            XCTAssertEqual(metadata.json?["metadata"], ["role": "web"])
            let merged = try await cloud.compute(.POST, "/servers/\(id)/metadata", json: ["metadata": ["tier": "front"]])
            XCTAssertEqual(merged.json?["metadata"], ["role": "web", "tier": "front"])
            let replaced = try await cloud.compute(.PUT, "/servers/\(id)/metadata", json: ["metadata": ["only": "this"]])
            XCTAssertEqual(replaced.json?["metadata"], ["only": "this"])
            let item = try await cloud.compute(.PUT, "/servers/\(id)/metadata/size", json: ["meta": ["size": "big"]])
            XCTAssertEqual(item.json?["meta"], ["size": "big"])
            try await XCTAssertEqualAsync(try await cloud.compute(.GET, "/servers/\(id)/metadata/size").json?["meta"], ["size": "big"])
            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)/metadata/size").status, 204)
            try await XCTAssertEqualAsync(try await cloud.compute(.GET, "/servers/\(id)/metadata/size").status, 404)

            try await XCTAssertEqualAsync(try await cloud.compute(.PUT, "/servers/\(id)/tags/blue").status, 201)
            try await XCTAssertEqualAsync(try await cloud.compute(.PUT, "/servers/\(id)/tags/blue").status, 204, "an existing tag")
            let tags = try await cloud.compute(.PUT, "/servers/\(id)/tags", json: ["tags": ["red", "green"]])
            XCTAssertEqual(tags.status, 200)
            XCTAssertEqual(Set(tags.json?["tags"]?.arrayValue?.compactMap(\.stringValue) ?? []), ["red", "green"])
            try await XCTAssertEqualAsync(try await cloud.compute(.GET, "/servers/\(id)/tags/red").status, 204)
            try await XCTAssertEqualAsync(try await cloud.compute(.GET, "/servers/\(id)/tags/blue").status, 404)
            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)/tags/red").status, 204)
            let left = try await cloud.compute(.GET, "/servers/\(id)/tags")
            XCTAssertEqual(left.json?["tags"], ["green"])
            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)/tags").status, 204)
            try await XCTAssertEqualAsync(try await cloud.compute(.GET, "/servers/\(id)/tags").json?["tags"], [])

            let updated = try await cloud.compute(
                .PUT, "/servers/\(id)", json: ["server": ["name": "meta-renamed", "description": "front end"]])
            XCTAssertEqual(updated.status, 200)
            XCTAssertEqual(updated.json?["server"]?["name"]?.stringValue, "meta-renamed")
            try await XCTAssertEqualAsync(try await cloud.server(id)["description"]?.stringValue, "front end")
        }
    }
}
