/// One resource class's inventory on a provider, as Placement stores it.
public struct PlacementInventory: Sendable, Equatable {
    public var total: Int
    public var reserved: Int
    public var minUnit: Int
    public var maxUnit: Int
    public var stepSize: Int
    public var allocationRatio: Double

    /// `maxUnit` defaults to `total`.
    public init(
        total: Int, reserved: Int = 0, minUnit: Int = 1, maxUnit: Int? = nil, stepSize: Int = 1, allocationRatio: Double = 1.0
    ) {
        self.total = total
        self.reserved = reserved
        self.minUnit = minUnit
        self.maxUnit = maxUnit ?? total
        self.stepSize = stepSize
        self.allocationRatio = allocationRatio
    }
}

/// What `GET /allocation_candidates` is asked for (one unnumbered request group).
public struct AllocationCandidateRequest: Sendable {
    /// Resource class → amount.
    public var resources: [String: Int]
    /// Traits the providers must have.
    public var required: [String]
    /// Traits the providers must not have.
    public var forbidden: [String]
    /// Each inner list is one `member_of`: the provider is in at least one of those aggregates.
    public var memberOf: [[String]]
    /// Only providers in the tree of this provider.
    public var inTree: String?
    public var limit: Int?

    public init(
        resources: [String: Int], required: [String] = [], forbidden: [String] = [], memberOf: [[String]] = [],
        inTree: String? = nil, limit: Int? = nil
    ) {
        self.resources = resources
        self.required = required
        self.forbidden = forbidden
        self.memberOf = memberOf
        self.inTree = inTree
        self.limit = limit
    }
}

/// A resource class's capacity and usage on a provider, in a candidate's summary.
public struct ProviderResource: Sendable, Equatable {
    public var capacity: Int
    public var used: Int

    public init(capacity: Int, used: Int) {
        self.capacity = capacity
        self.used = used
    }
}

/// A provider as the allocation candidates describe it.
public struct ProviderSummary: Sendable {
    public var resources: [String: ProviderResource]
    public var traits: [String]
    public var parentProviderUUID: String?
    public var rootProviderUUID: String

    public init(resources: [String: ProviderResource], traits: [String], parentProviderUUID: String?, rootProviderUUID: String) {
        self.resources = resources
        self.traits = traits
        self.parentProviderUUID = parentProviderUUID
        self.rootProviderUUID = rootProviderUUID
    }
}

/// The answer of `GET /allocation_candidates`.
public struct AllocationCandidates: Sendable {
    /// Each request: provider uuid → resource class → amount, ready to claim.
    public var allocationRequests: [[String: [String: Int]]]
    public var providerSummaries: [String: ProviderSummary]

    public init(allocationRequests: [[String: [String: Int]]], providerSummaries: [String: ProviderSummary]) {
        self.allocationRequests = allocationRequests
        self.providerSummaries = providerSummaries
    }
}

/// The Placement API as the compute service uses it: reporting a host's providers, asking
/// for candidates, and claiming and releasing a server's resources.
public protocol PlacementClient: Sendable {
    /// Creates the provider, or renames and re-parents an existing one to match.
    func ensureResourceProvider(uuid: String, name: String, parentUUID: String?) async throws
    /// Replaces the provider's inventories; re-reads its generation and retries on 409 generation conflicts.
    func setInventories(providerUUID: String, _ inventories: [String: PlacementInventory]) async throws
    /// Replaces the provider's traits (custom traits are created first); retries on generation conflicts.
    func setTraits(providerUUID: String, _ traits: [String]) async throws
    /// Replaces the provider's aggregates; retries on generation conflicts.
    func setAggregates(providerUUID: String, _ aggregateUUIDs: [String]) async throws
    /// Deletes the provider; a provider that does not exist is not an error.
    func deleteResourceProvider(uuid: String) async throws
    func allocationCandidates(_ request: AllocationCandidateRequest) async throws -> AllocationCandidates
    /// PUT /allocations/{consumer}; returns false on a 409 (capacity or generation conflict), true on 204.
    func claimAllocations(
        consumerUUID: String, allocations: [String: [String: Int]], projectID: String, userID: String, consumerGeneration: Int?
    ) async throws -> Bool
    /// The consumer's allocations (provider uuid → class → amount) and generation (nil when it has none).
    func allocations(consumerUUID: String) async throws -> (allocations: [String: [String: Int]], consumerGeneration: Int?)
    /// Releases all of the consumer's allocations; a consumer with none is not an error.
    func deleteAllocations(consumerUUID: String) async throws
    /// Resource class → amount in use on the provider.
    func usages(providerUUID: String) async throws -> [String: Int]
}
