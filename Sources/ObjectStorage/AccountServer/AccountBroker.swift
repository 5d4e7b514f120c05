/// The database of one account on one device: `<devices>/<device>/accounts/<partition>/<suffix>/<hash>/<hash>.db`.
/// `access` runs a series of operations with the database to itself; the other methods are
/// single operations.
public struct AccountBroker: Sendable {
    public let path: String
    public let device: String
    public let account: String
    let cache: BrokerConnectionCache

    public init(location: BrokerLocation, device: String, partition: String, account: String, cache: BrokerConnectionCache) throws {
        self.path = try location.accountDatabasePath(device: device, partition: partition, account: account)
        self.device = device
        self.account = account
        self.cache = cache
    }

    public func access<T: Sendable>(_ body: @escaping @Sendable (AccountDatabase) async throws -> T) async throws -> T {
        let account = account
        return try await cache.withDatabase(at: path) { database in
            try await body(AccountDatabase(database: database, account: account))
        }
    }

    @discardableResult
    public func initialize(putTimestamp: SwiftTimestamp) async throws -> Bool {
        let device = device
        return try await access { try await $0.initialize(putTimestamp: putTimestamp, device: device) }
    }

    public func info() async throws -> AccountInfo? { try await access { try await $0.info() } }

    public func isDeleted() async throws -> Bool { try await access { try await $0.isDeleted() } }

    public func putContainer(_ record: ContainerRecord) async throws { try await access { try await $0.putContainer(record) } }

    @discardableResult
    public func mergeItems(_ records: [ContainerRecord], source: String? = nil) async throws -> Int {
        try await access { try await $0.mergeItems(records, source: source) }
    }

    public func items(since rowID: Int64, limit: Int = 1000) async throws -> [ContainerRecord] {
        try await access { try await $0.items(since: rowID, limit: limit) }
    }

    public func listContainers(_ query: ListingQuery) async throws -> [ListingEntry<ContainerRecord>] {
        try await access { try await $0.listContainers(query) }
    }

    public func updateMetadata(_ updates: [String: BrokerMetadata.Item], validate: Bool = true) async throws {
        try await access { try await $0.updateMetadata(updates, validate: validate) }
    }

    public func markDeleted(at timestamp: SwiftTimestamp) async throws {
        try await access { try await $0.markDeleted(at: timestamp) }
    }
}
