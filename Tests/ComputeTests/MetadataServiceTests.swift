import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import Compute

/// Nova's metadata API (port 8775) through HTTP, as Neutron's metadata proxy calls it:
/// signed instance ids, address lookups, the OpenStack and EC2 documents, the password.
final class MetadataServiceTests: XCTestCase {
    /// A server with metadata, a key pair and user data, ACTIVE; returns its id and project.
    private static func bootDescribedServer(_ cloud: ComputeLiveCloud, name: String = "meta-1") async throws -> (String, String, String) {
        let keypair = try await cloud.compute(.POST, "/os-keypairs", json: ["keypair": ["name": .string("key-\(name)")]])
        XCTAssertEqual(keypair.status, 201)
        let publicKey = try XCTUnwrap(keypair.json?["keypair"]?["public_key"]?.stringValue)
        let id = try await cloud.createServer(
            name,
            extra: [
                "metadata": ["role": "web"], "key_name": .string("key-\(name)"),
                "user_data": .string(Data("#!/bin/sh\necho hi\n".utf8).base64EncodedString()),
            ])
        try await cloud.waitFor(id, status: "ACTIVE")
        return (id, try await cloud.adminProjectID(), publicKey)
    }

    func testOpenStackDocumentsDescribeTheSignedServer() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let (id, project, publicKey) = try await Self.bootDescribedServer(cloud)
            let ports = try await cloud.ports(deviceID: id)
            let port = try XCTUnwrap(ports.first)
            try await MetadataTestService.run(cloud) { metadata in
                let versions = try await metadata.get("/openstack", instance: id, project: project)
                XCTAssertEqual(versions.status, 200)
                XCTAssertEqual(versions.contentType?.hasPrefix("text/plain"), true)
                XCTAssertEqual(versions.lines.first, "2012-08-10")
                XCTAssertEqual(versions.lines.last, "latest")
                XCTAssertTrue(versions.lines.contains("2020-10-14"))

                let listing = try await metadata.get("/openstack/latest/", instance: id, project: project)
                XCTAssertEqual(
                    listing.lines,
                    ["meta_data.json", "user_data", "password", "vendor_data.json", "network_data.json", "vendor_data2.json"])
                let folsomListing = try await metadata.get("/openstack/2012-08-10", instance: id, project: project)
                XCTAssertEqual(folsomListing.lines, ["meta_data.json", "user_data"])

                let document = try await metadata.get("/openstack/latest/meta_data.json", instance: id, project: project)
                XCTAssertEqual(document.status, 200)
                XCTAssertEqual(document.contentType, "application/json")
                let meta = try XCTUnwrap(document.json)
                XCTAssertEqual(meta["uuid"]?.stringValue, id)
                XCTAssertEqual(meta["name"]?.stringValue, "meta-1")
                XCTAssertEqual(meta["hostname"]?.stringValue, "meta-1.novalocal")
                XCTAssertEqual(meta["launch_index"]?.intValue, 0)
                XCTAssertEqual(meta["availability_zone"]?.stringValue, "nova")
                XCTAssertEqual(meta["project_id"]?.stringValue, project)
                XCTAssertEqual(meta["meta"], ["role": "web"])
                XCTAssertEqual(meta["public_keys"], ["key-meta-1": .string(publicKey)])
                XCTAssertEqual(meta["keys"], [["name": "key-meta-1", "type": "ssh", "data": .string(publicKey)]])
                let seed = try XCTUnwrap(meta["random_seed"]?.stringValue)
                XCTAssertEqual(Data(base64Encoded: seed)?.count, 512)
                XCTAssertEqual(meta["devices"], [])
                XCTAssertEqual(meta["dedicated_cpus"], [])
                XCTAssertNil(meta["files"])

                let folsom = try await XCTUnwrapAsync(
                    try await metadata.get("/openstack/2012-08-10/meta_data.json", instance: id, project: project).json)
                XCTAssertEqual(folsom["uuid"]?.stringValue, id)
                XCTAssertNil(folsom["random_seed"], "random_seed from 2013-04-04")
                XCTAssertNil(folsom["project_id"], "project_id from 2015-10-15")
                XCTAssertNil(folsom["devices"])

                let userData = try await metadata.get("/openstack/latest/user_data", instance: id, project: project)
                XCTAssertEqual(userData.text, "#!/bin/sh\necho hi\n")

                let networkData = try await XCTUnwrapAsync(
                    try await metadata.get("/openstack/latest/network_data.json", instance: id, project: project).json)
                let link = try XCTUnwrap(networkData["links"]?.arrayValue?.first)
                XCTAssertEqual(link["vif_id"], port["id"])
                XCTAssertEqual(link["ethernet_mac_address"], port["mac_address"])
                XCTAssertEqual(link["id"]?.stringValue, "tap" + String(try XCTUnwrap(port["id"]?.stringValue).prefix(11)))
                let network = try XCTUnwrap(networkData["networks"]?.arrayValue?.first)
                XCTAssertEqual(network["network_id"]?.stringValue, cloud.networkID)
                XCTAssertEqual(network["type"]?.stringValue, "ipv4_dhcp", "the subnet has DHCP")
                XCTAssertEqual(network["link"], link["id"])
                XCTAssertEqual(networkData["services"], [])

                let vendor = try await metadata.get("/openstack/latest/vendor_data.json", instance: id, project: project)
                XCTAssertEqual(vendor.json, .object([:]))
                let vendor2 = try await metadata.get("/openstack/latest/vendor_data2.json", instance: id, project: project)
                XCTAssertEqual(vendor2.json, ["static": .object([:])])

                for missing in ["/openstack/latest/nothing", "/openstack/1999-01-01/meta_data.json", "/openstack/2012-08-10/vendor_data.json", "/openstack/content/0000"] {
                    let answer = try await metadata.get(missing, instance: id, project: project)
                    XCTAssertEqual(answer.status, 404, missing)
                }
            }
        }
    }

    func testNetworkDataIsStaticWithoutDHCPAndNamesRoutesAndDNS() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let project = try await cloud.adminProjectID()
            let network = try await cloud.cloud.create(
                cloud.cloud.networkURL + "/v2.0/networks", "network", ["name": "static-net", "project_id": .string(project)])
            let networkID = try XCTUnwrap(network["id"]?.stringValue)
            _ = try await cloud.cloud.create(
                cloud.cloud.networkURL + "/v2.0/subnets", "subnet",
                [
                    "network_id": .string(networkID), "ip_version": 4, "cidr": "198.51.100.0/24", "enable_dhcp": false,
                    "gateway_ip": "198.51.100.1", "dns_nameservers": ["198.51.100.53"],
                    "host_routes": [["destination": "203.0.113.0/24", "nexthop": "198.51.100.254"]],
                    "project_id": .string(project),
                ])
            let id = try await cloud.createServer("static-1", extra: ["networks": [["uuid": .string(networkID)]]])
            try await cloud.waitFor(id, status: "ACTIVE")
            let address = try await XCTUnwrapAsync(
                try await cloud.ports(deviceID: id).first?["fixed_ips"]?.arrayValue?.first?["ip_address"]?.stringValue)
            try await MetadataTestService.run(cloud) { metadata in
                let data = try await XCTUnwrapAsync(
                    try await metadata.get("/openstack/latest/network_data.json", instance: id, project: project).json)
                let entry = try XCTUnwrap(data["networks"]?.arrayValue?.first)
                XCTAssertEqual(entry["type"]?.stringValue, "ipv4")
                XCTAssertEqual(entry["ip_address"]?.stringValue, address)
                XCTAssertEqual(entry["netmask"]?.stringValue, "255.255.255.0")
                XCTAssertEqual(
                    entry["routes"],
                    [
                        ["network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "198.51.100.1"],
                        ["network": "203.0.113.0", "netmask": "255.255.255.0", "gateway": "198.51.100.254"],
                    ])
                XCTAssertEqual(entry["services"], [["type": "dns", "address": "198.51.100.53"]])
                XCTAssertEqual(data["services"], [["type": "dns", "address": "198.51.100.53"]])
                let ec2Address = try await metadata.get("/latest/meta-data/local-ipv4", instance: id, project: project)
                XCTAssertEqual(ec2Address.text, address)
            }
        }
    }

    func testEC2TreeListsAndAnswersEachItem() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let (id, project, publicKey) = try await Self.bootDescribedServer(cloud, name: "ec2-1")
            let server = try await cloud.server(id)
            let address = try XCTUnwrap(server["addresses"]?["shared-net"]?.arrayValue?.first?["addr"]?.stringValue)
            try await MetadataTestService.run(cloud) { metadata in
                let root = try await metadata.request(.GET, "/")
                XCTAssertEqual(root.status, 200, "the version list needs no identification")
                XCTAssertEqual(root.lines.first, "1.0")
                XCTAssertEqual(root.lines.suffix(2), ["2009-04-04", "latest"])

                let latest = try await metadata.get("/latest", instance: id, project: project)
                XCTAssertEqual(latest.lines, ["meta-data/", "user-data"])
                let listing = try await metadata.get("/latest/meta-data/", instance: id, project: project)
                XCTAssertEqual(listing.contentType?.hasPrefix("text/plain"), true)
                for item in [
                    "ami-id", "ami-launch-index", "block-device-mapping/", "hostname", "instance-id", "instance-type",
                    "local-hostname", "local-ipv4", "placement/", "public-hostname", "public-ipv4", "public-keys/",
                    "reservation-id", "security-groups",
                ] {
                    XCTAssertTrue(listing.lines.contains(item), "\(item) in \(listing.lines)")
                }
                XCTAssertEqual(listing.lines, listing.lines.sorted())

                func item(_ path: String) async throws -> String {
                    let answer = try await metadata.get("/latest/meta-data/" + path, instance: id, project: project)
                    XCTAssertEqual(answer.status, 200, path)
                    return answer.text
                }
                let instanceID = try await item("instance-id")
                XCTAssertNotNil(instanceID.range(of: "^i-[0-9a-f]{8}$", options: .regularExpression), instanceID)
                let amiID = try await item("ami-id")
                XCTAssertNotNil(amiID.range(of: "^ami-[0-9a-f]{8}$", options: .regularExpression), amiID)
                try await XCTAssertEqualAsync(try await item("hostname"), "ec2-1.novalocal")
                try await XCTAssertEqualAsync(try await item("local-hostname"), "ec2-1.novalocal")
                try await XCTAssertEqualAsync(try await item("local-ipv4"), address)
                try await XCTAssertEqualAsync(try await item("public-ipv4"), "")
                try await XCTAssertEqualAsync(try await item("instance-type"), "m1.tiny")
                try await XCTAssertEqualAsync(try await item("security-groups"), "default")
                try await XCTAssertEqualAsync(try await item("placement/"), "availability-zone")
                try await XCTAssertEqualAsync(try await item("placement/availability-zone"), "nova")
                try await XCTAssertEqualAsync(try await item("public-keys/"), "0=key-ec2-1")
                try await XCTAssertEqualAsync(try await item("public-keys/0/"), "openssh-key")
                try await XCTAssertEqualAsync(try await item("public-keys/0/openssh-key"), publicKey)
                try await XCTAssertEqualAsync(try await item("block-device-mapping/root"), "/dev/vda")
                try await XCTAssertEqualAsync(try await item("block-device-mapping/ami"), "vda")
                try await XCTAssertEqualAsync(try await item("ami-launch-index"), "0")
                let reservation = try await item("reservation-id")
                XCTAssertTrue(reservation.hasPrefix("r-"), reservation)

                let userData = try await metadata.get("/latest/user-data", instance: id, project: project)
                XCTAssertEqual(userData.text, "#!/bin/sh\necho hi\n")
                let old = try await metadata.get("/1.0/meta-data/", instance: id, project: project)
                XCTAssertFalse(old.lines.contains("local-hostname"), "local-hostname from 2007-01-19")
                XCTAssertFalse(old.lines.contains("placement/"))
                let unknown = try await metadata.get("/latest/meta-data/nothing", instance: id, project: project)
                XCTAssertEqual(unknown.status, 404)
                let unknownVersion = try await metadata.get("/2001-01-01/meta-data/", instance: id, project: project)
                XCTAssertEqual(unknownVersion.status, 404)
            }
        }
    }

    func testSignatureTenantAndServerAreChecked() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("guarded-1")
            try await cloud.waitFor(id, status: "ACTIVE")
            let project = try await cloud.adminProjectID()
            let secretFile = cloud.cloud.directory + "/metadata-proxy-secret"
            let saved = try String(contentsOfFile: secretFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertEqual(saved, cloud.compute.metadataSettings.proxySharedSecret, "the generated secret is kept in the data directory")
            let mode = try FileManager.default.attributesOfItem(atPath: secretFile)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600)
            try await MetadataTestService.run(cloud) { metadata in
                let path = "/openstack/latest/meta_data.json"
                let none = try await metadata.request(.GET, path)
                XCTAssertEqual(none.status, 400)
                XCTAssertTrue(none.text.contains("X-Instance-ID header is missing from request."), none.text)
                let unsigned = try await metadata.request(.GET, path, headers: ["X-Instance-ID": id, "X-Tenant-ID": project])
                XCTAssertEqual(unsigned.status, 400)
                XCTAssertTrue(unsigned.text.contains("X-Instance-ID-Signature header is missing"), unsigned.text)
                let noTenant = try await metadata.request(
                    .GET, path, headers: ["X-Instance-ID": id, "X-Instance-ID-Signature": MetadataRequester.sign(id, secret: metadata.secret)])
                XCTAssertEqual(noTenant.status, 400)

                var forged = metadata.signedHeaders(instance: id, project: project)
                forged["X-Instance-ID-Signature"] = MetadataRequester.sign(id, secret: "not-the-secret")
                let wrong = try await metadata.request(.GET, path, headers: forged)
                XCTAssertEqual(wrong.status, 403)
                XCTAssertTrue(wrong.text.contains("Invalid proxy request signature."), wrong.text)
                XCTAssertEqual(wrong.contentType?.hasPrefix("text/plain"), true)

                let otherProject = try await metadata.get(path, instance: id, project: "0123456789abcdef0123456789abcdef")
                XCTAssertEqual(otherProject.status, 404, "a tenant that does not own the server")
                let unknown = UUID().uuidString.lowercased()
                let stranger = try await metadata.get(path, instance: unknown, project: project)
                XCTAssertEqual(stranger.status, 404)
                let mine = try await metadata.get(path, instance: id, project: project)
                XCTAssertEqual(mine.status, 200)

                try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)").status, 204)
                try await cloud.waitUntilDeleted(id)
                let deleted = try await metadata.get(path, instance: id, project: project)
                XCTAssertEqual(deleted.status, 404, "a deleted server has no metadata")
            }
        }
    }

    func testNeutronAddressLookupByNetworkAndRouter() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("found-1")
            let server = try await cloud.waitFor(id, status: "ACTIVE")
            let address = try XCTUnwrap(server["addresses"]?["shared-net"]?.arrayValue?.first?["addr"]?.stringValue)
            let net = cloud.cloud.networkURL
            let subnetID = try await XCTUnwrapAsync(
                try await cloud.cloud.call(.GET, net + "/v2.0/networks/\(cloud.networkID)", token: cloud.adminToken)
                    .json?["network"]?["subnets"]?.arrayValue?.first?.stringValue)
            let external = try await cloud.cloud.create(
                net + "/v2.0/networks", "network", ["name": "ext", "router:external": true])
            let externalID = try XCTUnwrap(external["id"]?.stringValue)
            _ = try await cloud.cloud.create(
                net + "/v2.0/subnets", "subnet",
                ["network_id": .string(externalID), "ip_version": 4, "cidr": "203.0.113.0/24", "enable_dhcp": false])
            let router = try await cloud.cloud.create(
                net + "/v2.0/routers", "router", ["name": "meta-router", "external_gateway_info": ["network_id": .string(externalID)]])
            let routerID = try XCTUnwrap(router["id"]?.stringValue)
            let added = try await cloud.cloud.call(
                .PUT, net + "/v2.0/routers/\(routerID)/add_router_interface", token: cloud.adminToken,
                json: ["subnet_id": .string(subnetID)])
            XCTAssertEqual(added.status, 200)
            let portID = try await XCTUnwrapAsync(try await cloud.ports(deviceID: id).first?["id"])
            let floating = try await cloud.cloud.create(
                net + "/v2.0/floatingips", "floatingip", ["floating_network_id": .string(externalID), "port_id": portID])
            let floatingAddress = try XCTUnwrap(floating["floating_ip_address"]?.stringValue)
            try await MetadataTestService.run(cloud) { metadata in
                let path = "/openstack/latest/meta_data.json"
                let byNetwork = try await metadata.request(
                    .GET, path, headers: ["X-Forwarded-For": address, "X-Neutron-Network-ID": cloud.networkID])
                XCTAssertEqual(byNetwork.status, 200, byNetwork.text)
                XCTAssertEqual(byNetwork.json?["uuid"]?.stringValue, id)
                let byRouter = try await metadata.request(
                    .GET, "/latest/meta-data/instance-id", headers: ["X-Forwarded-For": address + ", 10.0.0.1", "X-Neutron-Router-ID": routerID])
                XCTAssertEqual(byRouter.status, 200, byRouter.text)
                XCTAssertTrue(byRouter.text.hasPrefix("i-"))
                let publicAddress = try await metadata.request(
                    .GET, "/latest/meta-data/public-ipv4", headers: ["X-Forwarded-For": address, "X-Neutron-Network-ID": cloud.networkID])
                XCTAssertEqual(publicAddress.text, floatingAddress, "the floating address")
                let elsewhere = try await metadata.request(
                    .GET, path, headers: ["X-Forwarded-For": address, "X-Neutron-Network-ID": UUID().uuidString.lowercased()])
                XCTAssertEqual(elsewhere.status, 404, "no server holds the address on that network")
                let nobody = try await metadata.request(
                    .GET, path, headers: ["X-Forwarded-For": "192.0.2.250", "X-Neutron-Network-ID": cloud.networkID])
                XCTAssertEqual(nobody.status, 404)
            }
        }
    }

    func testPasswordIsStoredOnceAndReadBack() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("pw-1")
            try await cloud.waitFor(id, status: "ACTIVE")
            let project = try await cloud.adminProjectID()
            try await MetadataTestService.run(cloud) { metadata in
                let headers = metadata.signedHeaders(instance: id, project: project)
                let path = "/openstack/latest/password"
                let empty = try await metadata.request(.GET, path, headers: headers)
                XCTAssertEqual(empty.status, 200)
                XCTAssertEqual(empty.text, "")
                let tooLarge = try await metadata.request(.POST, path, headers: headers, body: Array(repeating: 65, count: 1021))
                XCTAssertEqual(tooLarge.status, 400)
                XCTAssertTrue(tooLarge.text.contains("Request is too large."), tooLarge.text)
                let stored = try await metadata.request(.POST, path, headers: headers, body: Array("encrypted-password".utf8))
                XCTAssertEqual(stored.status, 200)
                let read = try await metadata.request(.GET, path, headers: headers)
                XCTAssertEqual(read.text, "encrypted-password")
                let again = try await metadata.request(.POST, path, headers: headers, body: Array("another".utf8))
                XCTAssertEqual(again.status, 409, "a password is stored once")
                try await XCTAssertEqualAsync(try await metadata.request(.GET, path, headers: headers).text, "encrypted-password")
                let put = try await metadata.request(.PUT, path, headers: headers, body: Array("x".utf8))
                XCTAssertEqual(put.status, 400)
                let folsom = try await metadata.request(.GET, "/openstack/2012-08-10/password", headers: headers)
                XCTAssertEqual(folsom.status, 404, "password from 2013-04-04")
            }
        }
    }
}
