import Foundation
import StratusKit

/// What the metadata service (and a config drive) tells one server about itself, in
/// Nova's two formats: the OpenStack one (`/openstack/<version>/meta_data.json`,
/// `user_data`, `network_data.json`, `vendor_data.json`, `vendor_data2.json`, `password`,
/// `/openstack/content/NNNN`) and the EC2 one (`/<version>/meta-data/…`, `/<version>/user-data`).
struct InstanceMetadata: Sendable {
    /// The EC2 versions Nova serves; `latest` is the last.
    static let ec2Versions = [
        "1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15", "2008-02-01", "2008-09-01",
        "2009-04-04",
    ]
    /// The OpenStack versions (release dates) Nova serves; `latest` is the last.
    static let openstackVersions = [
        folsom, grizzly, havana, liberty, newtonOne, newtonTwo, ocata, rocky, victoria, epoxy,
    ]
    static let folsom = "2012-08-10"
    static let grizzly = "2013-04-04"
    static let havana = "2013-10-17"
    static let liberty = "2015-10-15"
    static let newtonOne = "2016-06-30"
    static let newtonTwo = "2016-10-06"
    static let ocata = "2017-02-22"
    static let rocky = "2018-08-27"
    static let victoria = "2020-10-14"
    static let epoxy = "2025-04-04"

    /// One answer: its body and whether it is a JSON document (else text/plain).
    enum Answer: Sendable, Equatable {
        case text([UInt8])
        case json(JSONValue)
        /// `/openstack/<version>/password`: read on GET, stored once on POST.
        case password
    }

    var instance: InstanceRecord
    /// The type of the server's key pair (`ssh`, `x509`), when it still exists.
    var keypairType: String?
    var network: GuestNetworkDescription
    var settings: MetadataContentSettings

    // MARK: Lookup

    /// The answer for a path, or nil (404). `/` is the caller's (it needs no server).
    func lookup(_ path: String, now: Date = Date()) -> Answer? {
        var tokens: [String] = []
        for part in path.split(separator: "/") where part != "." {
            if part == ".." { _ = tokens.popLast() } else { tokens.append(String(part)) }
        }
        if tokens.first == "openstack" { return openstack(Array(tokens.dropFirst()), now: now) }
        if tokens.first == "ec2" { tokens.removeFirst() }
        return ec2(tokens)
    }

    private func openstack(_ tokens: [String], now: Date) -> Answer? {
        guard let first = tokens.first else {
            let today = Self.day(now)
            return .text(Array((Self.openstackVersions.filter { $0 <= today } + ["latest"]).joined(separator: "\n").utf8))
        }
        if first == "content" {
            guard tokens.count == 2, let file = files.first(where: { $0.key == tokens[1] }) else { return nil }
            return .text(file.contents)
        }
        guard let version = Self.resolve(first, in: Self.openstackVersions) else { return nil }
        guard tokens.count > 1 else {
            return .text(Array(openstackListing(version).joined(separator: "\n").utf8))
        }
        switch tokens.dropFirst().joined(separator: "/") {
        case "meta_data.json": return .json(metaData(version))
        case "user_data": return userData.map { .text($0) }
        case "network_data.json": return .json(NetworkDataDocument.make(network))
        case "password": return Self.isAtLeast(version, Self.grizzly) ? .password : nil
        case "vendor_data.json": return Self.isAtLeast(version, Self.havana) ? .json(settings.staticVendorData) : nil
        case "vendor_data2.json":
            return Self.isAtLeast(version, Self.newtonTwo) ? .json(["static": settings.staticVendorData]) : nil
        default: return nil
        }
    }

    private func ec2(_ tokens: [String]) -> Answer? {
        guard let first = tokens.first else {
            return .text(Array((Self.ec2Versions + ["latest"]).joined(separator: "\n").utf8))
        }
        guard let version = Self.resolve(first, in: Self.ec2Versions) else { return nil }
        return ec2Tree(version).find(tokens.dropFirst()).map { .text($0.rendered) }
    }

    /// What `/openstack/<version>/` lists.
    func openstackListing(_ version: String) -> [String] {
        var names = ["meta_data.json"]
        if userData != nil { names.append("user_data") }
        if Self.isAtLeast(version, Self.grizzly) { names.append("password") }
        if Self.isAtLeast(version, Self.havana) { names.append("vendor_data.json") }
        if Self.isAtLeast(version, Self.liberty) { names.append("network_data.json") }
        if Self.isAtLeast(version, Self.newtonTwo) { names.append("vendor_data2.json") }
        return names
    }

    // MARK: The documents

    /// The hostname with the DHCP domain, as Nova gives it.
    var hostname: String {
        settings.dhcpDomain.isEmpty ? instance.hostname : instance.hostname + "." + settings.dhcpDomain
    }

    var availabilityZone: String { instance.availabilityZone ?? settings.defaultAvailabilityZone }

    var userData: [UInt8]? {
        instance.userData.map { Data(base64Encoded: $0).map { [UInt8]($0) } ?? [] }
    }

    /// The personality files as `/openstack/content/NNNN` serves them.
    var files: [(key: String, path: String, contents: [UInt8])] {
        (instance.request.injectedFiles ?? []).enumerated().map { index, file in
            (String(format: "%04d", index), file.path, file.bytes)
        }
    }

    /// `meta_data.json` of an OpenStack version.
    func metaData(_ version: String) -> JSONValue {
        var document: [String: JSONValue] = [
            "uuid": .string(instance.uuid), "hostname": .string(hostname), "name": .string(instance.name),
            "launch_index": .int(Int64(instance.launchIndex)), "availability_zone": .string(availabilityZone),
        ]
        if !instance.metadata.isEmpty { document["meta"] = .object(instance.metadata.mapValues(JSONValue.string)) }
        if !files.isEmpty {
            document["files"] = .array(files.map { ["path": .string($0.path), "content_path": .string("/content/\($0.key)")] })
        }
        if let keyName = instance.keyName, let keyData = instance.keyData {
            document["public_keys"] = [keyName: .string(keyData)]
            document["keys"] = [["name": .string(keyName), "type": .string(keypairType ?? "ssh"), "data": .string(keyData)]]
        }
        if Self.isAtLeast(version, Self.grizzly) {
            document["random_seed"] = .string(Data(IDGenerator.randomBytes(512)).base64EncodedString())
        }
        if Self.isAtLeast(version, Self.liberty) { document["project_id"] = .string(instance.projectID) }
        if Self.isAtLeast(version, Self.newtonOne) { document["devices"] = .array(devices(version)) }
        // No virt driver pins CPUs yet.
        if Self.isAtLeast(version, Self.victoria) { document["dedicated_cpus"] = [] }
        return .object(document)
    }

    /// Tagged interfaces, as Nova's device metadata lists them (no driver reports a bus yet).
    private func devices(_ version: String) -> [JSONValue] {
        network.interfaces.compactMap { interface in
            guard let tag = interface.tag else { return nil }
            var device: [String: JSONValue] = [
                "type": "nic", "bus": "none", "address": "none", "mac": .string(interface.port.macAddress),
                "tags": [.string(tag)],
            ]
            if Self.isAtLeast(version, Self.rocky) { device["vf_trusted"] = false }
            return .object(device)
        }
    }

    /// The EC2 tree of a version: `meta-data/…` and, when the server has some, `user-data`.
    func ec2Tree(_ version: String) -> EC2MetadataNode {
        func since(_ required: String) -> Bool { Self.isAtLeast(version, required, in: Self.ec2Versions) }
        var metaData: [String: EC2MetadataNode] = [
            "ami-id": .value(.string(amiID)), "ami-launch-index": .value(.int(Int64(instance.launchIndex))),
            "ami-manifest-path": .value("FIXME"), "instance-id": .value(.string(ec2InstanceID)),
            "hostname": .value(.string(hostname)),
            "local-ipv4": .value(.string(network.fixedIPv4Addresses.first ?? "")),
            "reservation-id": .value(.string(instance.reservationID)),
            "security-groups": .value(.array(instance.request.securityGroupNames.map(JSONValue.string))),
        ]
        if let keyName = instance.keyName, let keyData = instance.keyData {
            metaData["public-keys"] = .directory(
                ["0": .directory(["openssh-key": .value(.string(keyData))], listingName: "0=" + keyName)])
        }
        if since("2007-01-19") {
            metaData["local-hostname"] = .value(.string(hostname))
            metaData["public-hostname"] = .value(.string(hostname))
            metaData["public-ipv4"] = .value(.string(network.floatingIPAddresses.first ?? ""))
        }
        if since("2007-08-29") { metaData["instance-type"] = .value(.string(instance.flavor.name)) }
        if since("2007-12-15") { metaData["block-device-mapping"] = .directory(blockDeviceMapping.mapValues { .value(.string($0)) }) }
        if since("2008-02-01") { metaData["placement"] = .directory(["availability-zone": .value(.string(availabilityZone))]) }
        if since("2008-09-01") { metaData["instance-action"] = .value("none") }
        var tree: [String: EC2MetadataNode] = ["meta-data": .directory(metaData)]
        if let userData { tree["user-data"] = .bytes(userData) }
        return .directory(tree)
    }

    /// Nova's EC2 ids: `i-%08x` of the server's number, `ami-%08x` from the image id.
    var ec2InstanceID: String { "i-" + Self.hex8(UInt64(max(0, instance.id))) }
    var amiID: String {
        let digits = instance.imageRef.filter(\.isHexDigit).prefix(8)
        return "ami-" + String(repeating: "0", count: 8 - digits.count) + digits.lowercased()
    }

    /// Nova's EC2 block device mapping: the root disk, and the flavor's ephemeral and swap disks.
    var blockDeviceMapping: [String: String] {
        guard let root = instance.rootDeviceName else {
            return ["ami": "sda1", "ephemeral0": "sda2", "root": "/dev/sda1", "swap": "sda3"]
        }
        var mapping = ["ami": root.replacingOccurrences(of: "/dev/", with: ""), "root": root]
        if instance.flavor.ephemeralGB > 0 { mapping["ephemeral0"] = "/dev/vdb" }
        if instance.flavor.swapMB > 0 { mapping["swap"] = instance.flavor.ephemeralGB > 0 ? "/dev/vdc" : "/dev/vdb" }
        return mapping
    }

    // MARK: Config drive

    /// The files of a config drive: what the metadata service serves, for every version.
    func configDriveFiles() -> [GuestFile] {
        var files: [GuestFile] = []
        for version in Self.ec2Versions + ["latest"] {
            let resolved = Self.resolve(version, in: Self.ec2Versions) ?? version
            let tree = ec2Tree(resolved)
            if let userData { files.append(GuestFile(path: "ec2/\(version)/user-data", contents: userData)) }
            if let metaData = tree.find(["meta-data"]) {
                files.append(GuestFile(path: "ec2/\(version)/meta-data.json", contents: metaData.json.serialized()))
            }
        }
        for version in Self.openstackVersions + ["latest"] {
            let resolved = Self.resolve(version, in: Self.openstackVersions) ?? version
            for name in openstackListing(resolved) where name != "password" {
                switch lookup("/openstack/\(version)/\(name)") {
                case .text(let bytes): files.append(GuestFile(path: "openstack/\(version)/\(name)", contents: bytes))
                case .json(let document):
                    files.append(GuestFile(path: "openstack/\(version)/\(name)", contents: document.serialized()))
                default: break
                }
            }
        }
        for file in self.files { files.append(GuestFile(path: "openstack/content/\(file.key)", contents: file.contents)) }
        return files
    }

    // MARK: Versions

    private static func resolve(_ version: String, in versions: [String]) -> String? {
        version == "latest" ? versions.last : (versions.contains(version) ? version : nil)
    }

    private static func isAtLeast(_ version: String, _ required: String, in versions: [String] = InstanceMetadata.openstackVersions) -> Bool {
        (versions.firstIndex(of: version) ?? -1) >= (versions.firstIndex(of: required) ?? Int.max)
    }

    private static func hex8(_ value: UInt64) -> String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }

    /// `yyyy-MM-dd` of a moment, in UTC (versions named after later days are not listed yet).
    private static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }
}
