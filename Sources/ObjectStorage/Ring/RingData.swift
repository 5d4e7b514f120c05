/// A built ring as the proxy and the servers use it: the devices, the replica → partition →
/// device table and the part shift. Immutable; `Ring` swaps in a new one when the file changes.
public struct RingData: Sendable, Equatable {
    /// Indexed by device id; `nil` for ids no device has.
    public let devices: [RingDevice?]
    public let partPower: Int
    public let replicaCount: Int
    /// `replicaCount × partitionCount` device ids, replica-major: `[replica * partitionCount + partition]`.
    public let assignments: [UInt16]
    /// The builder's version when this ring was written.
    public let version: Int
    /// The id of the builder that wrote it.
    public let builderID: String

    /// Bits to shift the first 32 bits of a path's MD5 right by to get its partition.
    public var partShift: Int { 32 - partPower }
    public var partitionCount: Int { 1 << partPower }

    /// Failure domains among the devices that hold partitions (handoff search stops when all are used).
    let assignedRegionCount: Int
    let assignedZoneCount: Int
    let assignedServerCount: Int
    let assignedDeviceCount: Int

    public init(
        devices: [RingDevice?], partPower: Int, replicaCount: Int, assignments: [UInt16], version: Int, builderID: String
    ) throws {
        guard (0...RingBuilder.maxPartPower).contains(partPower) else {
            throw RingError.invalidParameter("part power \(partPower) is out of range")
        }
        guard replicaCount >= 1, assignments.count == replicaCount << partPower else {
            throw RingError.invalidParameter(
                "the table has \(assignments.count) entries, not \(replicaCount) × \(1 << partPower)")
        }
        for (index, device) in devices.enumerated() where device != nil && device!.id != index {
            throw RingError.invalidParameter("device at index \(index) has id \(device!.id)")
        }
        var holding = [Bool](repeating: false, count: devices.count)
        for id in assignments {
            guard Int(id) < devices.count, devices[Int(id)] != nil else {
                throw RingError.invalidParameter("the table names device \(id), which the ring does not have")
            }
            holding[Int(id)] = true
        }
        let assigned = devices.compactMap { $0 }.filter { holding[$0.id] }
        self.devices = devices
        self.partPower = partPower
        self.replicaCount = replicaCount
        self.assignments = assignments
        self.version = version
        self.builderID = builderID
        assignedRegionCount = Set(assigned.map(\.region)).count
        assignedZoneCount = Set(assigned.map { [$0.region, $0.zone] }).count
        assignedServerCount = Set(assigned.map { "\($0.region)/\($0.zone)/\($0.ip)" }).count
        assignedDeviceCount = assigned.count
    }

    /// The devices holding a partition, in replica order, each once (a device holding two
    /// replicas, which only a ring with fewer devices than replicas has, appears once); none for
    /// a partition number outside the ring.
    public func primaryNodes(partition: Int) -> [RingDevice] {
        guard partition >= 0, partition < partitionCount else { return [] }
        var nodes: [RingDevice] = []
        nodes.reserveCapacity(replicaCount)
        for replica in 0..<replicaCount {
            let id = Int(assignments[replica * partitionCount + partition])
            if !nodes.contains(where: { $0.id == id }), let device = devices[id] { nodes.append(device) }
        }
        return nodes
    }

    /// The devices to try, in order, when primaries of a partition fail (see `HandoffNodes`).
    public func handoffNodes(partition: Int) -> HandoffNodes {
        HandoffNodes(ring: self, partition: partition)
    }
}
