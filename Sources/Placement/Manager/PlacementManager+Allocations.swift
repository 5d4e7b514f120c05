import StratusKit

/// What the caller believes about a consumer's generation (microversion 1.28 on).
enum ConsumerGenerationExpectation: Sendable, Equatable {
    /// Before 1.28: not checked.
    case unchecked
    /// `null`: the consumer must be new.
    case new
    case generation(Int64)
}

/// The allocations one consumer should hold from now on (an empty set removes them all).
struct ConsumerAllocationRequest: Sendable {
    var consumerUUID: String
    /// Provider uuid → resource class → amount.
    var allocations: [String: [String: Int64]]
    var projectID: String?
    var userID: String?
    var generation: ConsumerGenerationExpectation = .unchecked
    var consumerType: String?
}

extension PlacementManager {
    /// The project and user recorded for consumers whose allocations named none (before 1.8).
    static let incompleteConsumerID = "00000000-0000-0000-0000-000000000000"

    /// Replaces the allocations of every consumer in one transaction: all succeed or none.
    /// Capacity is checked against every other consumer's allocations after the providers
    /// involved are locked, so concurrent claims cannot oversubscribe a provider.
    func setAllocations(_ requests: [ConsumerAllocationRequest], auth: AuthContext, rule: String) async throws {
        try policy.enforce(rule, auth)
        try await write { q in try await self.replaceAllocations(requests, in: q) }
    }

    /// The transaction body of `setAllocations` (and of a reshape).
    func replaceAllocations(_ requests: [ConsumerAllocationRequest], in q: PlacementQueries) async throws {
        let requestedProviders = Set(requests.flatMap { $0.allocations.keys })
        let known = Set(try await q.providers(uuids: Array(requestedProviders)).map(\.uuid))
        if let missing = requestedProviders.subtracting(known).sorted().first {
            throw PlacementErrors.badRequest("Allocation for resource provider '\(missing)' that does not exist.")
        }
        let classes = Set(requests.flatMap { $0.allocations.values.flatMap(\.keys) })
        if let unknown = try await unknownResourceClasses(classes, in: q).first {
            throw PlacementErrors.badRequest("Unable to allocate inventory: No such resource class \(unknown).")
        }
        let previous = try await q.allocations(consumers: requests.map(\.consumerUUID))
        let touched = requestedProviders.union(previous.map(\.providerUUID))
        try await q.lockProviders(touched)

        for request in requests {
            try await q.lockConsumer(request.consumerUUID)
            let existing = try await q.consumer(request.consumerUUID)
            try Self.checkConsumerGeneration(request.generation, existing: existing)
            let records = request.allocations.sorted(by: { $0.key < $1.key }).flatMap { provider, resources in
                resources.sorted(by: { $0.key < $1.key }).map {
                    AllocationRecord(consumerUUID: request.consumerUUID, providerUUID: provider, resourceClass: $0.key, used: $0.value)
                }
            }
            try await q.replaceAllocations(consumer: request.consumerUUID, with: records)
            if records.isEmpty {
                if existing != nil { try await q.deleteConsumer(request.consumerUUID) }
                continue
            }
            var consumer =
                existing
                ?? ConsumerRecord(
                    uuid: request.consumerUUID, projectID: request.projectID ?? Self.incompleteConsumerID,
                    userID: request.userID ?? Self.incompleteConsumerID, generation: 0, consumerType: nil)
            if let project = request.projectID { consumer.projectID = project }
            if let user = request.userID { consumer.userID = user }
            if let type = request.consumerType { consumer.consumerType = type }
            consumer.generation += 1
            try await q.save(consumer, exists: existing != nil)
        }
        try await checkCapacity(of: requests, in: q)
        try await q.bumpGenerations(touched.sorted())
    }

    static func checkConsumerGeneration(_ expectation: ConsumerGenerationExpectation, existing: ConsumerRecord?) throws {
        switch (expectation, existing) {
        case (.unchecked, _), (.new, nil):
            return
        case (.new, let consumer?):
            throw PlacementErrors.conflict(
                "consumer generation conflict - expected null but got \(consumer.generation)",
                code: PlacementErrors.concurrentUpdate)
        case (.generation(let expected), nil):
            throw PlacementErrors.conflict(
                "consumer generation conflict - expected \(expected) but got null", code: PlacementErrors.concurrentUpdate)
        case (.generation(let expected), let consumer?):
            guard expected == consumer.generation else {
                throw PlacementErrors.conflict(
                    "consumer generation conflict - expected \(expected) but got \(consumer.generation)",
                    code: PlacementErrors.concurrentUpdate)
            }
        }
    }

    /// After the new allocations are written: every class allocated must be in the
    /// provider's inventory, each amount must respect min_unit, max_unit and step_size,
    /// and the provider's total usage must stay within its capacity.
    private func checkCapacity(of requests: [ConsumerAllocationRequest], in q: PlacementQueries) async throws {
        let providers = Array(Set(requests.flatMap { $0.allocations.keys })).sorted()
        let inventories = try await q.inventories(of: providers)
        let usages = try await q.usages(of: providers)
        for request in requests {
            for (provider, resources) in request.allocations.sorted(by: { $0.key < $1.key }) {
                for (resourceClass, amount) in resources.sorted(by: { $0.key < $1.key }) {
                    guard let inventory = inventories[provider]?[resourceClass] else {
                        throw PlacementErrors.conflict(
                            "Unable to allocate inventory: Inventory for '\(resourceClass)' on resource provider '\(provider)' invalid.")
                    }
                    guard inventory.permits(amount) else {
                        throw PlacementErrors.conflict(
                            "Unable to allocate inventory: Unable to create allocation for '\(resourceClass)' on resource provider '\(provider)'. The requested amount would violate inventory constraints.")
                    }
                    if (usages[provider]?[resourceClass] ?? 0) > inventory.capacity {
                        throw PlacementErrors.conflict(
                            "Unable to allocate inventory: Unable to create allocation for '\(resourceClass)' on resource provider '\(provider)'. The requested amount would exceed the capacity.")
                    }
                }
            }
        }
    }

    /// A consumer's allocations with its record (nil when it holds none).
    func consumerAllocations(_ uuid: String, auth: AuthContext) async throws
        -> (ConsumerRecord?, [AllocationRecord], [String: ProviderRecord])
    {
        try policy.enforce("placement:allocations:list", auth)
        return try await read { q in
            let allocations = try await q.allocations(consumers: [uuid])
            let providers = try await q.providers(uuids: Array(Set(allocations.map(\.providerUUID))))
            return (
                allocations.isEmpty ? nil : try await q.consumer(uuid), allocations,
                Dictionary(uniqueKeysWithValues: providers.map { ($0.uuid, $0) })
            )
        }
    }

    /// Removes a consumer's allocations (404 when it has none) and the consumer.
    func deleteAllocations(_ uuid: String, auth: AuthContext) async throws {
        try policy.enforce("placement:allocations:delete", auth)
        try await write { q in
            let allocations = try await q.allocations(consumers: [uuid])
            guard !allocations.isEmpty else { throw PlacementErrors.notFound("No allocations for consumer '\(uuid)'") }
            let providers = Set(allocations.map(\.providerUUID))
            try await q.lockProviders(providers)
            try await q.replaceAllocations(consumer: uuid, with: [])
            try await q.deleteConsumer(uuid)
            try await q.bumpGenerations(providers.sorted())
        }
    }

    func providerAllocations(_ uuid: String, auth: AuthContext) async throws -> (ProviderRecord, [AllocationRecord]) {
        try policy.enforce("placement:resource_providers:allocations:list", auth)
        return try await read { q in
            let provider = try await self.existingProvider(uuid, in: q)
            return (provider, try await q.allocations(provider: uuid))
        }
    }

    // MARK: Usages

    /// The usage of each class the provider has inventory of (zero when nothing is allocated).
    func providerUsages(_ uuid: String, auth: AuthContext) async throws -> (ProviderRecord, [String: Int64]) {
        try policy.enforce("placement:resource_providers:usages", auth)
        return try await read { q in
            let provider = try await self.existingProvider(uuid, in: q)
            let inventories = try await q.inventories(of: [uuid])[uuid] ?? [:]
            let used = try await q.usages(of: [uuid])[uuid] ?? [:]
            var usages: [String: Int64] = [:]
            for resourceClass in inventories.keys { usages[resourceClass] = used[resourceClass] ?? 0 }
            return (provider, usages)
        }
    }

    /// One consumer type's usage in a project: the amounts by class and how many consumers.
    struct TypedUsage: Sendable {
        var resources: [String: Int64] = [:]
        var consumerCount = 0
    }

    /// A project's (or one of its users') usage, by consumer type (`unknown` for consumers
    /// that never named one).
    func totalUsages(projectID: String, userID: String?, consumerType: String?, auth: AuthContext) async throws
        -> [String: TypedUsage]
    {
        try policy.enforce("placement:usages", auth, target: ["project_id": .string(projectID)])
        return try await read { q in
            var result: [String: TypedUsage] = [:]
            for row in try await q.totalUsages(projectID: projectID, userID: userID, consumerType: consumerType) {
                result[row.consumerType ?? "unknown", default: TypedUsage()].resources[row.resourceClass] = row.used
            }
            for (type, count) in try await q.consumerCounts(projectID: projectID, userID: userID)
            where result[type ?? "unknown"] != nil {
                result[type ?? "unknown"]?.consumerCount = count
            }
            return result
        }
    }
}
