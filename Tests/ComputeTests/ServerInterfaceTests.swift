import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// `os-interface` through the HTTP API: attach by network (with a fixed IP and a tag) and
/// by port, list and show, detach (a port Compute made is deleted, the user's is kept),
/// the server's addresses following, and Nova's 400, 403, 404 and 409 answers.
final class ServerInterfaceTests: XCTestCase {
    func testAttachByNetworkAndByPortThenDetach() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let project = try await cloud.cloud.project("iface")
            let member = try await cloud.cloud.user("iface-member", projectID: project, role: "member")
            let reader = try await cloud.cloud.user("iface-reader", projectID: project, role: "reader")
            let id = try await cloud.createServer("iface-vm", token: member)
            try await cloud.waitFor(id, status: "ACTIVE")
            let bootPort = try await XCTUnwrapAsync(try await cloud.ports(deviceID: id).first?["id"]?.stringValue)

            let second = try await cloud.cloud.create(
                cloud.cloud.networkURL + "/v2.0/networks", "network", ["name": "second-net", "shared": true])
            let secondID = try XCTUnwrap(second["id"]?.stringValue)
            _ = try await cloud.cloud.create(
                cloud.cloud.networkURL + "/v2.0/subnets", "subnet",
                ["network_id": .string(secondID), "ip_version": 4, "cidr": "198.51.100.0/24"])

            // By network, with an address and a tag.
            let byNetwork = try await cloud.compute(
                .POST, "/servers/\(id)/os-interface", token: member, version: "2.70",
                json: [
                    "interfaceAttachment": [
                        "net_id": .string(secondID), "fixed_ips": [["ip_address": "198.51.100.10"]], "tag": "data",
                    ]
                ])
            XCTAssertEqual(byNetwork.status, 200, "\(String(describing: byNetwork.json))")
            let attached = try XCTUnwrap(byNetwork.json?["interfaceAttachment"])
            let madePort = try XCTUnwrap(attached["port_id"]?.stringValue)
            XCTAssertEqual(attached["net_id"]?.stringValue, secondID)
            XCTAssertEqual(attached["tag"]?.stringValue, "data")
            XCTAssertEqual(attached["fixed_ips"]?.arrayValue?.first?["ip_address"]?.stringValue, "198.51.100.10")
            XCTAssertNotNil(attached["fixed_ips"]?.arrayValue?.first?["subnet_id"]?.stringValue)
            XCTAssertEqual(attached["mac_addr"]?.stringValue?.count, 17)
            XCTAssertEqual(attached["port_state"]?.stringValue, "ACTIVE")
            let addresses = try await cloud.server(id)["addresses"]
            XCTAssertEqual(addresses?["second-net"]?.arrayValue?.first?["addr"]?.stringValue, "198.51.100.10")

            // By the user's own port.
            let userPort = try await cloud.cloud.call(
                .POST, cloud.cloud.networkURL + "/v2.0/ports", token: member,
                json: ["port": ["network_id": .string(secondID), "name": "mine"]])
            XCTAssertEqual(userPort.status, 201)
            let userPortID = try XCTUnwrap(userPort.json?["port"]?["id"]?.stringValue)
            let byPort = try await cloud.compute(
                .POST, "/servers/\(id)/os-interface", token: member, version: "2.69",
                json: ["interfaceAttachment": ["port_id": .string(userPortID)]])
            XCTAssertEqual(byPort.status, 200, "\(String(describing: byPort.json))")
            XCTAssertNil(byPort.json?["interfaceAttachment"]?["tag"], "no tag before 2.70")
            let bound = try await cloud.cloud.call(.GET, cloud.cloud.networkURL + "/v2.0/ports/\(userPortID)", token: cloud.adminToken)
            XCTAssertEqual(bound.json?["port"]?["device_id"]?.stringValue, id)
            XCTAssertEqual(bound.json?["port"]?["binding:host_id"]?.stringValue, "compute1")

            let list = try await cloud.compute(.GET, "/servers/\(id)/os-interface", token: reader, version: "2.70")
            XCTAssertEqual(list.status, 200)
            let listed = try XCTUnwrap(list.json?["interfaceAttachments"]?.arrayValue)
            XCTAssertEqual(Set(listed.compactMap { $0["port_id"]?.stringValue }), [bootPort, madePort, userPortID])
            XCTAssertEqual(listed.first { $0["port_id"]?.stringValue == madePort }?["tag"]?.stringValue, "data")
            let shown = try await cloud.compute(.GET, "/servers/\(id)/os-interface/\(userPortID)", token: reader)
            XCTAssertEqual(shown.json?["interfaceAttachment"]?["port_id"]?.stringValue, userPortID)

            let diagnostics = try await cloud.compute(.GET, "/servers/\(id)/diagnostics", version: "2.48")
            XCTAssertEqual(diagnostics.json?["num_nics"]?.intValue, 3, "the guest has the two new NICs")

            // Detach: the port Compute made is deleted, the user's only unbound.
            try await XCTAssertEqualAsync(
                try await cloud.compute(.DELETE, "/servers/\(id)/os-interface/\(madePort)", token: member).status, 202)
            try await XCTAssertEqualAsync(
                try await cloud.compute(.DELETE, "/servers/\(id)/os-interface/\(userPortID)", token: member).status, 202)
            try await Self.waitUntil("both ports detached") {
                try await cloud.ports(deviceID: id).compactMap { $0["id"]?.stringValue } == [bootPort]
            }
            let gone = try await cloud.cloud.call(.GET, cloud.cloud.networkURL + "/v2.0/ports/\(madePort)", token: cloud.adminToken)
            XCTAssertEqual(gone.status, 404)
            let kept = try await cloud.cloud.call(.GET, cloud.cloud.networkURL + "/v2.0/ports/\(userPortID)", token: cloud.adminToken)
            XCTAssertEqual(kept.status, 200)
            XCTAssertEqual(kept.json?["port"]?["device_id"]?.stringValue, "")
            try await Self.waitUntil("the addresses follow") {
                try await cloud.server(id)["addresses"]?["second-net"] == nil
            }
            let after = try await cloud.compute(.GET, "/servers/\(id)/diagnostics", version: "2.48")
            XCTAssertEqual(after.json?["num_nics"]?.intValue, 1)

            let actions = try await cloud.compute(.GET, "/servers/\(id)/os-instance-actions", token: member)
            let names = actions.json?["instanceActions"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
            XCTAssertEqual(names.filter { $0 == "attach_interface" }.count, 2)
            XCTAssertEqual(names.filter { $0 == "detach_interface" }.count, 2)
        }
    }

    func testRefusals() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let project = try await cloud.cloud.project("iface-no")
            let member = try await cloud.cloud.user("iface-no-member", projectID: project, role: "member")
            let reader = try await cloud.cloud.user("iface-no-reader", projectID: project, role: "reader")
            let id = try await cloud.createServer("iface-no-vm", token: member)
            try await cloud.waitFor(id, status: "ACTIVE")
            let path = "/servers/\(id)/os-interface"
            func attach(_ body: JSONValue, token: String? = nil, version: String = "2.90") async throws -> LiveCloud.Answer {
                try await cloud.compute(.POST, path, token: token ?? member, version: version, json: ["interfaceAttachment": body])
            }
            let unknown = "9a3c4e5f-0000-4000-8000-000000000001"
            let both = try await attach(["net_id": .string(cloud.networkID), "port_id": .string(unknown)])
            XCTAssertEqual(both.status, 400)
            XCTAssertEqual(both.json?["badRequest"]?["message"]?.stringValue, "Must not input both network_id and port_id")
            let ipOnly = try await attach(["fixed_ips": [["ip_address": "192.0.2.50"]]])
            XCTAssertEqual(ipOnly.json?["badRequest"]?["message"]?.stringValue, "Must input network_id when request IP address")
            try await XCTAssertEqualAsync(try await attach(["net_id": "not-a-uuid"]).status, 400)
            try await XCTAssertEqualAsync(try await attach(["tag": "t"], version: "2.48").status, 400, "tags from 2.49")
            let noNetwork = try await attach(["net_id": .string(unknown)])
            XCTAssertEqual(noNetwork.status, 404)
            XCTAssertEqual(noNetwork.json?["itemNotFound"]?["message"]?.stringValue, "Network \(unknown) could not be found.")
            let noPort = try await attach(["port_id": .string(unknown)])
            XCTAssertEqual(noPort.json?["itemNotFound"]?["message"]?.stringValue, "Port id \(unknown) could not be found.")
            try await XCTAssertEqualAsync(try await attach(["net_id": .string(cloud.networkID)], token: reader).status, 403)

            // A port in use (the server's own), and an address in use.
            let bootPort = try await XCTUnwrapAsync(try await cloud.ports(deviceID: id).first)
            let bootPortID = try XCTUnwrap(bootPort["id"]?.stringValue)
            let inUse = try await attach(["port_id": .string(bootPortID)])
            XCTAssertEqual(inUse.status, 409)
            XCTAssertEqual(inUse.json?["conflictingRequest"]?["message"]?.stringValue, "Port \(bootPortID) is still in use.")
            let bootAddress = try XCTUnwrap(bootPort["fixed_ips"]?.arrayValue?.first?["ip_address"]?.stringValue)
            let addressInUse = try await attach(["net_id": .string(cloud.networkID), "fixed_ips": [["ip_address": .string(bootAddress)]]])
            XCTAssertEqual(addressInUse.status, 409, "\(String(describing: addressInUse.json))")
            try await XCTAssertEqualAsync(try await cloud.ports(deviceID: id).count, 1, "no port left behind by the refusals")

            let notAttached = try await cloud.compute(.DELETE, "\(path)/\(unknown)", token: member)
            XCTAssertEqual(notAttached.status, 404)
            let foreign = try await cloud.compute(.GET, "\(path)/\(unknown)", token: member)
            XCTAssertEqual(foreign.status, 404)

            // States and the lock.
            try await XCTAssertEqualAsync(try await cloud.action(id, ["rescue": .null], token: member).status, 200)
            try await cloud.waitFor(id, status: "RESCUE")
            let rescued = try await attach(["net_id": .string(cloud.networkID)])
            XCTAssertEqual(rescued.status, 409)
            XCTAssertEqual(
                rescued.json?["conflictingRequest"]?["message"]?.stringValue,
                "Cannot 'attach_interface' instance \(id) while it is in vm_state rescued")
            let detachRescued = try await cloud.compute(.DELETE, "\(path)/\(bootPortID)", token: member)
            XCTAssertEqual(
                detachRescued.json?["conflictingRequest"]?["message"]?.stringValue,
                "Cannot 'detach_interface' instance \(id) while it is in vm_state rescued")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["unrescue": .null], token: member).status, 202)
            try await cloud.waitFor(id, status: "ACTIVE")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["lock": .null]).status, 202)
            let locked = try await attach(["net_id": .string(cloud.networkID)])
            XCTAssertEqual(locked.json?["conflictingRequest"]?["message"]?.stringValue, "Instance \(id) is locked")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["unlock": .null]).status, 202)

            // Stopped servers take interfaces too.
            try await XCTAssertEqualAsync(try await cloud.action(id, ["os-stop": .null], token: member).status, 202)
            try await cloud.waitFor(id, status: "SHUTOFF")
            try await XCTAssertEqualAsync(try await attach(["net_id": .string(cloud.networkID)]).status, 200)
            try await XCTAssertEqualAsync(try await cloud.ports(deviceID: id).count, 2)
        }
    }

    func testDeletingTheServerKeepsAnAttachedUserPort() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("iface-del")
            try await cloud.waitFor(id, status: "ACTIVE")
            let userPort = try await cloud.cloud.create(
                cloud.cloud.networkURL + "/v2.0/ports", "port", ["network_id": .string(cloud.networkID)])
            let userPortID = try XCTUnwrap(userPort["id"]?.stringValue)
            let attached = try await cloud.compute(
                .POST, "/servers/\(id)/os-interface", json: ["interfaceAttachment": ["port_id": .string(userPortID)]])
            XCTAssertEqual(attached.status, 200)
            let madeByNetwork = try await cloud.compute(
                .POST, "/servers/\(id)/os-interface", json: ["interfaceAttachment": ["net_id": .string(cloud.networkID)]])
            let madePortID = try XCTUnwrap(madeByNetwork.json?["interfaceAttachment"]?["port_id"]?.stringValue)

            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)").status, 204)
            try await cloud.waitUntilDeleted(id)
            let kept = try await cloud.cloud.call(.GET, cloud.cloud.networkURL + "/v2.0/ports/\(userPortID)", token: cloud.adminToken)
            XCTAssertEqual(kept.status, 200, "the user's port outlives the server")
            XCTAssertEqual(kept.json?["port"]?["device_id"]?.stringValue, "")
            let made = try await cloud.cloud.call(.GET, cloud.cloud.networkURL + "/v2.0/ports/\(madePortID)", token: cloud.adminToken)
            XCTAssertEqual(made.status, 404, "the port Compute made goes with the server")
        }
    }

    /// Polls `condition` for up to ten seconds.
    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<100 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("timed out waiting until \(what)")
    }
}
