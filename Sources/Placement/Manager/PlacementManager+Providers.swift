import StratusKit

extension PlacementManager {
    func createProvider(name: String, uuid: String?, parentUUID: String?, auth: AuthContext) async throws -> ProviderRecord {
        try policy.enforce("placement:resource_providers:create", auth)
        let uuid = uuid ?? IDGenerator.uuid()
        return try await write { q in
            var duplicates: [String] = []
            if try await q.provider(named: name) != nil { duplicates.append("name: \(name)") }
            if try await q.provider(uuid: uuid) != nil { duplicates.append("uuid: \(uuid)") }
            guard duplicates.isEmpty else {
                throw PlacementErrors.conflict(
                    "Conflicting resource provider \(duplicates.joined(separator: ", ")) already exists.",
                    code: PlacementErrors.duplicateName)
            }
            var root = uuid
            if let parentUUID {
                guard parentUUID != uuid else {
                    throw PlacementErrors.badRequest(
                        "Unable to create resource provider \"\(name)\", \(uuid): parent provider UUID cannot be same as UUID. Please specify a different parent provider UUID.")
                }
                guard let parent = try await q.provider(uuid: parentUUID) else {
                    throw PlacementErrors.badRequest(
                        "Unable to create resource provider \"\(name)\", \(uuid): No such resource provider \(parentUUID).")
                }
                root = parent.rootUUID
            }
            let now = Timestamp.now()
            let provider = ProviderRecord(
                uuid: uuid, name: name, generation: 0, parentUUID: parentUUID, rootUUID: root, createdAt: now, updatedAt: now)
            try await q.insert(provider)
            return provider
        }
    }

    func provider(_ uuid: String, auth: AuthContext) async throws -> ProviderRecord {
        try policy.enforce("placement:resource_providers:show", auth)
        return try await read { q in try await self.existingProvider(uuid, in: q) }
    }

    func listProviders(_ filter: ProviderFilter, auth: AuthContext) async throws -> [ProviderRecord] {
        try policy.enforce("placement:resource_providers:list", auth)
        return try await read { q in
            if !filter.resources.isEmpty {
                let unknown = try await self.unknownResourceClasses(filter.resources.keys, in: q)
                if let first = unknown.first {
                    throw PlacementErrors.badRequest("Invalid resource class in resources parameter: No such resource class \(first).")
                }
            }
            let unknownTraits = try await self.unknownTraits(filter.requirements.allTraits, in: q)
            guard unknownTraits.isEmpty else {
                throw PlacementErrors.badRequest(
                    "Invalid trait(s) in \"required\" parameter: No such trait(s): \(unknownTraits.joined(separator: ", ")).")
            }
            var providers = try await q.providers()
            if let name = filter.name { providers.removeAll { $0.name != name } }
            if let uuid = filter.uuid { providers.removeAll { $0.uuid != uuid } }
            if let tree = filter.inTree {
                guard let member = providers.first(where: { $0.uuid == tree }) else { return [] }
                providers.removeAll { $0.rootUUID != member.rootUUID }
            }
            let uuids = providers.map(\.uuid)
            if !filter.requirements.requiredTraits.isEmpty || !filter.requirements.forbiddenTraits.isEmpty {
                let traits = try await q.traits(of: uuids)
                providers.removeAll { !filter.requirements.traitsSatisfied(by: traits[$0.uuid] ?? []) }
            }
            if !filter.requirements.memberOf.isEmpty || !filter.requirements.notMemberOf.isEmpty {
                let aggregates = try await q.aggregates(of: uuids)
                providers.removeAll { !filter.requirements.aggregatesSatisfied(by: aggregates[$0.uuid] ?? []) }
            }
            if !filter.resources.isEmpty {
                let remaining = providers.map(\.uuid)
                let inventories = try await q.inventories(of: remaining)
                let usages = try await q.usages(of: remaining)
                providers.removeAll { provider in
                    !filter.resources.allSatisfy { resourceClass, amount in
                        guard let inventory = inventories[provider.uuid]?[resourceClass] else { return false }
                        let used = usages[provider.uuid]?[resourceClass] ?? 0
                        return inventory.capacity - used >= amount && amount <= inventory.maxUnit && amount >= inventory.minUnit
                            && amount % inventory.stepSize == 0
                    }
                }
            }
            return providers
        }
    }

    /// How an update changes a provider's parent.
    enum ParentChange: Sendable {
        case keep
        case set(String?)
    }

    /// Renames and re-parents (the generation stays: it counts changes to inventory,
    /// traits, aggregates and allocations). Before microversion 1.37 a parent, once set, cannot change
    /// (`allowReparent` false); a provider can never become its own descendant.
    func updateProvider(
        _ uuid: String, name: String, parent: ParentChange, allowReparent: Bool, auth: AuthContext
    ) async throws -> ProviderRecord {
        try policy.enforce("placement:resource_providers:update", auth)
        return try await write { q in
            var provider = try await self.existingProvider(uuid, in: q)
            if name != provider.name, try await q.provider(named: name) != nil {
                throw PlacementErrors.conflict(
                    "Conflicting resource provider \(name) already exists.", code: PlacementErrors.duplicateName)
            }
            provider.name = name
            if case .set(let newParent) = parent, newParent != provider.parentUUID {
                if provider.parentUUID != nil && !allowReparent {
                    throw PlacementErrors.badRequest(
                        "Unable to save resource provider \(uuid): Object action update failed because: re-parenting a provider is not currently allowed.")
                }
                var newRoot = uuid
                if let newParent {
                    guard newParent != uuid, let parentRecord = try await q.provider(uuid: newParent) else {
                        throw PlacementErrors.badRequest(
                            "Unable to save resource provider \(uuid): Object action update failed because: parent provider UUID does not exist.")
                    }
                    let tree = try await q.providers(inTree: provider.rootUUID)
                    if Self.descendants(of: uuid, in: tree).contains(newParent) {
                        throw PlacementErrors.badRequest(
                            "Unable to save resource provider \(uuid): Object action update failed because: creating loop in the provider tree is not allowed.")
                    }
                    newRoot = parentRecord.rootUUID
                }
                if newRoot != provider.rootUUID {
                    let tree = try await q.providers(inTree: provider.rootUUID)
                    try await q.setRoot(newRoot, of: Array(Self.descendants(of: uuid, in: tree)))
                }
                provider.parentUUID = newParent
                provider.rootUUID = newRoot
            }
            provider.updatedAt = Timestamp.now()
            try await q.update(provider)
            return provider
        }
    }

    /// The uuids of the providers below `uuid` in its tree.
    static func descendants(of uuid: String, in tree: [ProviderRecord]) -> Set<String> {
        var children: [String: [String]] = [:]
        for provider in tree { if let parent = provider.parentUUID { children[parent, default: []].append(provider.uuid) } }
        var result: Set<String> = []
        var pending = children[uuid] ?? []
        while let next = pending.popLast() {
            guard result.insert(next).inserted else { continue }
            pending.append(contentsOf: children[next] ?? [])
        }
        return result
    }

    /// Refused (409) while the provider has children or allocations.
    func deleteProvider(_ uuid: String, auth: AuthContext) async throws {
        try policy.enforce("placement:resource_providers:delete", auth)
        try await write { q in
            _ = try await self.existingProvider(uuid, in: q)
            try await q.lockProviders([uuid])
            if try await q.childCount(of: uuid) > 0 {
                throw PlacementErrors.conflict(
                    "Unable to delete parent resource provider \(uuid): It has child resource providers.",
                    code: PlacementErrors.cannotDeleteParent)
            }
            if try await q.allocationExists(provider: uuid) {
                throw PlacementErrors.conflict(
                    "Unable to delete resource provider \(uuid): Resource provider has allocations.",
                    code: PlacementErrors.providerInUse)
            }
            try await q.deleteProvider(uuid)
        }
        logger.info("resource provider deleted", metadata: ["resource_provider": "\(uuid)"])
    }
}
