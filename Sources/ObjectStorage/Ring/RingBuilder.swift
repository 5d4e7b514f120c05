import StratusKit

/// Builds a ring, as swift-ring-builder does: holds the parameters, the devices and the
/// replica → partition → device table, and reassigns partitions on `rebalance()`.
///
/// Changes to devices (add, set weight, remove) take effect at the next rebalance, so several
/// can be made at once. A partition that moved less than `minPartHours` ago is not moved again
/// (so replication can catch up first), except off a removed device. Saved as a builder file
/// (`RingBuilderFile`); the servers load the ring file it writes (`RingFile`).
public struct RingBuilder: Sendable {
    /// Partitions are `2^partPower`.
    public private(set) var partPower: Int
    public private(set) var replicas: Int
    public var minPartHours: Int
    /// Indexed by device id; `nil` where a removed device was (its id is reused by the next add).
    public internal(set) var devices: [RingDevice?]
    /// Devices `remove` marked: they keep their partitions until the next rebalance moves them off
    /// and drops the device.
    public internal(set) var pendingRemoval: Set<Int>
    /// Bumped by every change; the ring file carries it, so `show` can tell whether a ring file is current.
    public internal(set) var version: Int
    /// Random hex id given at creation, written into the ring files made from this builder.
    public let id: String
    /// Whether devices changed since the last rebalance.
    public internal(set) var devicesChanged: Bool
    /// `replicas × partitions` device ids, replica-major (`[replica * partitions + partition]`);
    /// empty until the first rebalance; `RingBuilder.unassigned` marks an empty slot.
    public internal(set) var assignments: [UInt16]
    /// Per partition, when it last moved (seconds since the Unix epoch; 0 = never).
    public internal(set) var lastMoved: [UInt32]
    /// When the last rebalance ran.
    public internal(set) var lastRebalance: Timestamp?
    /// Where the next balancing pass starts (moves rotate around the ring from one rebalance to the next).
    var gatherStart: Int

    public static let unassigned: UInt16 = 0xFFFF
    public static let maxPartPower = 24

    public var partitions: Int { 1 << partPower }
    public var hasBeenRebalanced: Bool { !assignments.isEmpty }
    public var liveDevices: [RingDevice] { devices.compactMap { $0 } }

    public init(partPower: Int, replicas: Int, minPartHours: Int, id: String = IDGenerator.hex()) throws {
        guard (0...RingBuilder.maxPartPower).contains(partPower) else {
            throw RingError.invalidParameter(
                "part power must be between 0 and \(RingBuilder.maxPartPower) (was \(partPower))")
        }
        guard (1...64).contains(replicas) else {
            throw RingError.invalidParameter("replicas must be between 1 and 64 (was \(replicas))")
        }
        guard (0...0xFFFF).contains(minPartHours) else {
            throw RingError.invalidParameter("min part hours must be between 0 and 65535 (was \(minPartHours))")
        }
        self.partPower = partPower
        self.replicas = replicas
        self.minPartHours = minPartHours
        self.devices = []
        self.pendingRemoval = []
        self.version = 0
        self.id = id
        self.devicesChanged = false
        self.assignments = []
        self.lastMoved = []
        self.lastRebalance = nil
        self.gatherStart = 0
    }

    /// Restores a builder from saved state (see `RingBuilderFile`), checking it.
    init(
        partPower: Int, replicas: Int, minPartHours: Int, id: String, devices: [RingDevice?], pendingRemoval: Set<Int>,
        version: Int, devicesChanged: Bool, assignments: [UInt16], lastMoved: [UInt32], lastRebalance: Timestamp?,
        gatherStart: Int
    ) throws {
        try self.init(partPower: partPower, replicas: replicas, minPartHours: minPartHours, id: id)
        for (index, device) in devices.enumerated() {
            guard let device else { continue }
            guard device.id == index else {
                throw RingError.invalidParameter("device at index \(index) has id \(device.id)")
            }
            _ = try device.validated()
        }
        guard pendingRemoval.allSatisfy({ $0 < devices.count && devices[$0] != nil }) else {
            throw RingError.invalidParameter("a device marked for removal does not exist")
        }
        guard assignments.isEmpty || assignments.count == replicas << partPower else {
            throw RingError.invalidParameter("the assignment table has \(assignments.count) entries, not \(replicas << partPower)")
        }
        guard assignments.allSatisfy({ $0 == RingBuilder.unassigned || (Int($0) < devices.count && devices[Int($0)] != nil) })
        else { throw RingError.invalidParameter("the assignment table names a device that does not exist") }
        guard lastMoved.isEmpty || lastMoved.count == 1 << partPower else {
            throw RingError.invalidParameter("the move times have \(lastMoved.count) entries, not \(1 << partPower)")
        }
        self.devices = devices
        self.pendingRemoval = pendingRemoval
        self.version = version
        self.devicesChanged = devicesChanged
        self.assignments = assignments
        self.lastMoved = lastMoved.isEmpty ? [UInt32](repeating: 0, count: 1 << partPower) : lastMoved
        self.lastRebalance = lastRebalance
        self.gatherStart = gatherStart % (1 << partPower)
    }

    // MARK: Devices

    /// Adds a device (validated; its id is the lowest free one unless `device.id` is given as
    /// 0 or more) and returns it as stored. Takes effect at the next rebalance.
    @discardableResult
    public mutating func add(_ device: RingDevice, id requestedID: Int? = nil) throws -> RingDevice {
        var device = device
        device.id = requestedID ?? (devices.firstIndex(where: { $0 == nil }) ?? devices.count)
        device = try device.validated()
        if device.id < devices.count, devices[device.id] != nil {
            throw RingError.invalidParameter("duplicate device id \(device.id)")
        }
        if let same = liveDevices.first(where: { $0.ip == device.ip && $0.port == device.port && $0.device == device.device }) {
            throw RingError.invalidParameter("device \(same.id) already uses \(same.ip):\(same.port)/\(same.device)")
        }
        while devices.count <= device.id { devices.append(nil) }
        devices[device.id] = device
        changed()
        return device
    }

    /// Adds a device from its fields (see `RingDevice`).
    @discardableResult
    public mutating func addDevice(
        region: Int, zone: Int, ip: String, port: Int, replicationIP: String? = nil, replicationPort: Int? = nil,
        device: String, weight: Double, meta: String = ""
    ) throws -> RingDevice {
        try add(
            RingDevice(
                id: 0, region: region, zone: zone, ip: ip, port: port, replicationIP: replicationIP,
                replicationPort: replicationPort, device: device, weight: weight, meta: meta))
    }

    /// Sets a device's weight (0 drains it). Takes effect at the next rebalance.
    public mutating func setWeight(_ weight: Double, ofDevice id: Int) throws {
        let device = try existing(id)
        guard !pendingRemoval.contains(id) else {
            throw RingError.invalidParameter("device \(device.label) is marked for removal; its weight cannot change")
        }
        guard weight.isFinite, weight >= 0 else {
            throw RingError.invalidParameter("weight must be a finite number of 0 or more (was \(weight))")
        }
        devices[id]?.weight = weight
        changed()
    }

    /// Marks a device for removal: its weight becomes 0, and the next rebalance moves all its
    /// partitions (ignoring min part hours: a removed device is presumed failed) and drops it.
    public mutating func remove(device id: Int) throws {
        _ = try existing(id)
        devices[id]?.weight = 0
        pendingRemoval.insert(id)
        changed()
    }

    /// Lets every partition move at the next rebalance, whatever min part hours says.
    public mutating func pretendMinPartHoursPassed() {
        lastMoved = [UInt32](repeating: 0, count: partitions)
        version += 1
    }

    /// Devices matching every given field (`nil` matches anything).
    public func devices(
        id: Int? = nil, region: Int? = nil, zone: Int? = nil, ip: String? = nil, port: Int? = nil, name: String? = nil
    ) -> [RingDevice] {
        let normalizedIP = ip.map { (try? RingAddress.normalize($0, field: "ip")) ?? $0 }
        return liveDevices.filter { device in
            (id == nil || device.id == id) && (region == nil || device.region == region)
                && (zone == nil || device.zone == zone) && (normalizedIP == nil || device.ip == normalizedIP)
                && (port == nil || device.port == port) && (name == nil || device.device == name)
        }
    }

    private func existing(_ id: Int) throws -> RingDevice {
        guard id >= 0, id < devices.count, let device = devices[id] else {
            throw RingError.deviceSelection("no device with id \(id)")
        }
        return device
    }

    private mutating func changed() {
        devicesChanged = true
        version += 1
    }

    // MARK: Reading the table

    /// The device ids holding `partition`, one per replica (`unassigned` before the first rebalance).
    public func deviceIDs(forPartition partition: Int) -> [Int] {
        guard hasBeenRebalanced else { return [] }
        return (0..<replicas).map { Int(assignments[$0 * partitions + partition]) }
    }

    /// How many partition-replicas each device id holds.
    public func partsPerDevice() -> [Int] {
        var counts = [Int](repeating: 0, count: devices.count)
        for id in assignments where id != RingBuilder.unassigned && Int(id) < counts.count { counts[Int(id)] += 1 }
        return counts
    }

    /// Seconds until every partition may move again: min part hours after the latest move (0 when passed).
    public func minPartSecondsLeft(now: Timestamp = .now()) -> Int64 {
        guard let latest = lastMoved.max(), latest > 0 else { return 0 }
        return max(Int64(minPartHours) * 3600 - (now.seconds - Int64(latest)), 0)
    }

    /// The ring servers load: devices (holes kept), the table and the part shift.
    public func ringData() throws -> RingData {
        guard hasBeenRebalanced else {
            throw RingError.cannotBuild("the builder has not been rebalanced yet: nothing to write")
        }
        return try RingData(
            devices: devices, partPower: partPower, replicaCount: replicas, assignments: assignments, version: version,
            builderID: id)
    }
}
