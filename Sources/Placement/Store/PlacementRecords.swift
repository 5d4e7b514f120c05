import StratusKit

/// A resource provider as stored.
struct ProviderRecord: Sendable, Hashable {
    var uuid: String
    var name: String
    var generation: Int64
    var parentUUID: String?
    var rootUUID: String
    var createdAt: Timestamp
    var updatedAt: Timestamp
}

/// One resource class's inventory on a provider.
struct InventoryRecord: Sendable, Hashable {
    static let maxInt: Int64 = 2_147_483_647

    var total: Int64
    var reserved: Int64 = 0
    var minUnit: Int64 = 1
    var maxUnit: Int64 = InventoryRecord.maxInt
    var stepSize: Int64 = 1
    var allocationRatio: Double = 1.0

    /// What may be allocated in all: `(total - reserved) * allocation_ratio`, rounded down.
    var capacity: Int64 { Int64((Double(total - reserved) * allocationRatio).rounded(.down)) }

    /// Whether one allocation of `amount` respects min_unit, max_unit and step_size.
    func permits(_ amount: Int64) -> Bool {
        amount >= minUnit && amount <= maxUnit && amount % stepSize == 0
    }
}

/// The owner of a set of allocations (an instance, a migration ...).
struct ConsumerRecord: Sendable, Hashable {
    var uuid: String
    var projectID: String
    var userID: String
    var generation: Int64
    var consumerType: String?
}

/// An amount of one resource class a consumer holds on one provider.
struct AllocationRecord: Sendable, Hashable {
    var consumerUUID: String
    var providerUUID: String
    var resourceClass: String
    var used: Int64
}
