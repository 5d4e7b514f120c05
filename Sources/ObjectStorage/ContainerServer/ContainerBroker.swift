/// The database of one container on one device: `<devices>/<device>/containers/<partition>/<suffix>/<hash>/<hash>.db`
/// (see `BrokerLocation`). `access` runs a series of operations with the database to itself; the
/// other methods are single operations, each in its own `access`.
public struct ContainerBroker: Sendable {
    public let path: String
    public let device: String
    public let account: String
    public let container: String
    let cache: BrokerConnectionCache

    public init(location: BrokerLocation, device: String, partition: String, account: String, container: String, cache: BrokerConnectionCache) throws {
        self.path = try location.containerDatabasePath(device: device, partition: partition, account: account, container: container)
        self.device = device
        self.account = account
        self.container = container
        self.cache = cache
    }

    /// Runs `body` with the database to itself (no other request on this container runs meanwhile).
    public func access<T: Sendable>(_ body: @escaping @Sendable (ContainerDatabase) async throws -> T) async throws -> T {
        let account = account, container = container
        return try await cache.withDatabase(at: path) { database in
            try await body(ContainerDatabase(database: database, account: account, container: container))
        }
    }

    @discardableResult
    public func initialize(putTimestamp: SwiftTimestamp) async throws -> Bool {
        let device = device
        return try await access { try await $0.initialize(putTimestamp: putTimestamp, device: device) }
    }

    public func info() async throws -> ContainerInfo? { try await access { try await $0.info() } }

    public func isDeleted() async throws -> Bool { try await access { try await $0.isDeleted() } }

    public func putObject(_ record: ObjectRecord) async throws { try await access { try await $0.putObject(record) } }

    @discardableResult
    public func mergeItems(_ records: [ObjectRecord], source: String? = nil) async throws -> Int {
        try await access { try await $0.mergeItems(records, source: source) }
    }

    public func items(since rowID: Int64, limit: Int = 1000) async throws -> [ObjectRecord] {
        try await access { try await $0.items(since: rowID, limit: limit) }
    }

    public func listObjects(_ query: ListingQuery) async throws -> [ListingEntry<ObjectRecord>] {
        try await access { try await $0.listObjects(query) }
    }

    public func updateMetadata(_ updates: [String: BrokerMetadata.Item], validate: Bool = true) async throws {
        try await access { try await $0.updateMetadata(updates, validate: validate) }
    }

    public func markDeleted(at timestamp: SwiftTimestamp) async throws {
        try await access { try await $0.markDeleted(at: timestamp) }
    }
}
