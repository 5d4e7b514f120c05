/// The info row of a container database with its object count and bytes.
public struct ContainerInfo: Sendable, Equatable {
    public var account: String
    public var container: String
    /// When this database file was made (on this device).
    public var createdAt: SwiftTimestamp
    /// The newest PUT (or POST) of the container.
    public var putTimestamp: SwiftTimestamp
    /// The newest DELETE of the container (zero when never deleted).
    public var deleteTimestamp: SwiftTimestamp
    public var statusChangedAt: SwiftTimestamp
    /// `DELETED` once a DELETE was applied, else empty.
    public var status: String
    public var objectCount: Int64
    public var bytesUsed: Int64
    /// The XOR of the rows' digests (see `Chexor`).
    public var hash: String
    /// This database's id (`<uuid>-<device>`), which replication uses to track sync points.
    public var id: String
    /// What the account server was last told (the container updater sends an update when these differ).
    public var reportedPutTimestamp: SwiftTimestamp
    public var reportedDeleteTimestamp: SwiftTimestamp
    public var reportedObjectCount: Int64
    public var reportedBytesUsed: Int64
    public var storagePolicyIndex: Int
    public var metadata: BrokerMetadata

    /// Swift's rule: a container is deleted when its newest DELETE is newer than its newest PUT
    /// and it holds no objects.
    public var isDeleted: Bool { objectCount <= 0 && deleteTimestamp > putTimestamp }

    /// True when the account server has not yet been told the current stats.
    public var needsAccountUpdate: Bool {
        putTimestamp != reportedPutTimestamp || deleteTimestamp != reportedDeleteTimestamp
            || objectCount != reportedObjectCount || bytesUsed != reportedBytesUsed
    }
}
