/// One row of an account database: a container and the stats its container servers reported.
public struct ContainerRecord: Sendable, Equatable {
    public var name: String
    public var putTimestamp: SwiftTimestamp
    public var deleteTimestamp: SwiftTimestamp
    public var objectCount: Int64
    public var bytesUsed: Int64
    public var deleted: Bool
    public var storagePolicyIndex: Int
    /// The row's id in the database it was read from (nil otherwise).
    public var rowID: Int64?

    public init(
        name: String, putTimestamp: SwiftTimestamp, deleteTimestamp: SwiftTimestamp = .zero, objectCount: Int64 = 0,
        bytesUsed: Int64 = 0, deleted: Bool? = nil, storagePolicyIndex: Int = 0, rowID: Int64? = nil
    ) {
        self.name = name
        self.putTimestamp = putTimestamp
        self.deleteTimestamp = deleteTimestamp
        self.objectCount = objectCount
        self.bytesUsed = bytesUsed
        self.deleted = deleted ?? ContainerRecord.isDeleted(put: putTimestamp, delete: deleteTimestamp, objectCount: objectCount)
        self.storagePolicyIndex = storagePolicyIndex
        self.rowID = rowID
    }

    /// Swift's rule for a container row: deleted when its DELETE is newer than its PUT and it
    /// holds no objects.
    public static func isDeleted(put: SwiftTimestamp, delete: SwiftTimestamp, objectCount: Int64) -> Bool {
        delete > put && objectCount <= 0
    }
}
