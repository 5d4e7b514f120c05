/// The stat row of an account database with its totals.
public struct AccountInfo: Sendable, Equatable {
    public var account: String
    public var createdAt: SwiftTimestamp
    public var putTimestamp: SwiftTimestamp
    public var deleteTimestamp: SwiftTimestamp
    public var statusChangedAt: SwiftTimestamp
    /// `DELETED` once a DELETE was applied.
    public var status: String
    public var containerCount: Int64
    public var objectCount: Int64
    public var bytesUsed: Int64
    public var hash: String
    public var id: String
    public var metadata: BrokerMetadata
    /// Totals per storage policy index.
    public var policyStats: [Int: PolicyStats]

    public struct PolicyStats: Sendable, Equatable {
        public var containerCount: Int64
        public var objectCount: Int64
        public var bytesUsed: Int64
    }

    /// Swift's rule: an account is deleted when its status is `DELETED`, or when it has no
    /// containers and its DELETE is newer than its PUT.
    public var isDeleted: Bool {
        status == "DELETED" || (containerCount <= 0 && deleteTimestamp > putTimestamp)
    }

    /// Deleted by a DELETE (status, or a DELETE newer than the PUT), whatever it holds: such an
    /// account cannot be created again by a PUT (403 "Recently deleted") until it is reclaimed.
    public var isStatusDeleted: Bool { status == "DELETED" || deleteTimestamp > putTimestamp }
}
