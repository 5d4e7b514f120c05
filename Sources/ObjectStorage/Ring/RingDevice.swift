/// One device (a disk, or a directory standing in for one) in a ring, with the fields
/// OpenStack Swift's rings carry.
///
/// Devices sit in failure domains: a region holds zones, a zone holds servers (told apart by
/// `ip`), a server holds devices. The builder keeps replicas of one partition in distinct
/// regions, then zones, then servers, then devices, as far as the topology allows, and gives
/// each device a share of the partition-replicas proportional to its `weight`.
public struct RingDevice: Codable, Sendable, Equatable, Hashable {
    /// Index into the ring's device list; ids of removed devices are reused.
    public var id: Int
    public var region: Int
    public var zone: Int
    /// Address (IPv4, IPv6 or host name) of the server that serves this device.
    public var ip: String
    /// TCP port of the server process that serves this device.
    public var port: Int
    /// Address and port the replicator uses (defaults to `ip` and `port`).
    public var replicationIP: String
    public var replicationPort: Int
    /// The device's name on its server (the directory under the server's devices root).
    public var device: String
    /// Relative capacity; 0 drains the device.
    public var weight: Double
    /// Free text for operators (hardware, install date ...); unused by the servers.
    public var meta: String

    public init(
        id: Int, region: Int, zone: Int, ip: String, port: Int, replicationIP: String? = nil,
        replicationPort: Int? = nil, device: String, weight: Double, meta: String = ""
    ) {
        self.id = id
        self.region = region
        self.zone = zone
        self.ip = ip
        self.port = port
        self.replicationIP = replicationIP ?? ip
        self.replicationPort = replicationPort ?? port
        self.device = device
        self.weight = weight
        self.meta = meta
    }

    enum CodingKeys: String, CodingKey {
        case id, region, zone, ip, port, device, weight, meta
        case replicationIP = "replication_ip"
        case replicationPort = "replication_port"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int.self, forKey: .id)
        region = try c.decode(Int.self, forKey: .region)
        zone = try c.decode(Int.self, forKey: .zone)
        ip = try c.decode(String.self, forKey: .ip)
        port = try c.decode(Int.self, forKey: .port)
        replicationIP = try c.decodeIfPresent(String.self, forKey: .replicationIP) ?? ip
        replicationPort = try c.decodeIfPresent(Int.self, forKey: .replicationPort) ?? port
        device = try c.decode(String.self, forKey: .device)
        weight = try c.decode(Double.self, forKey: .weight)
        meta = try c.decodeIfPresent(String.self, forKey: .meta) ?? ""
    }

    /// `r1z2-127.0.0.1:6200/d1`, the form swift-ring-builder prints.
    public var label: String {
        let host = ip.contains(":") ? "[\(ip)]" : ip
        return "r\(region)z\(zone)-\(host):\(port)/\(device)"
    }

    /// Checks every field and normalises the addresses (lowercase host names, canonical IPv6).
    public func validated() throws -> RingDevice {
        var copy = self
        guard id >= 0, id <= RingDevice.maxID else {
            throw RingError.invalidParameter("device id must be between 0 and \(RingDevice.maxID) (was \(id))")
        }
        guard region >= 0 else { throw RingError.invalidParameter("region must be 0 or more (was \(region))") }
        guard zone >= 0 else { throw RingError.invalidParameter("zone must be 0 or more (was \(zone))") }
        copy.ip = try RingAddress.normalize(ip, field: "ip")
        copy.replicationIP = try RingAddress.normalize(replicationIP, field: "replication ip")
        for (name, value) in [("port", port), ("replication port", replicationPort)] where !(1...65535).contains(value) {
            throw RingError.invalidParameter("\(name) must be between 1 and 65535 (was \(value))")
        }
        guard !device.isEmpty, device.first != " ", device.last != " ", !device.contains("/"),
            device != ".", device != ".."
        else {
            throw RingError.invalidParameter(
                "invalid device name \"\(device)\": it must be non-empty, contain no '/' and not start or end with a space")
        }
        guard weight.isFinite, weight >= 0 else {
            throw RingError.invalidParameter("weight must be a finite number of 0 or more (was \(weight))")
        }
        return copy
    }

    /// Device ids are stored in 16 bits; 0xFFFF marks an unassigned slot.
    public static let maxID = 0xFFFE
}
