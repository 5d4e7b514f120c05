import StratusKit

/// Resource classes and traits: the standard ones and the cloud's custom ones.
extension PlacementManager {
    // MARK: Resource classes

    func resourceClasses(auth: AuthContext) async throws -> [String] {
        try policy.enforce("placement:resource_classes:list", auth)
        return StandardResourceClasses.names + (try await read { q in try await q.customNames("custom_resource_classes") })
    }

    func requireResourceClass(_ name: String, auth: AuthContext) async throws {
        try policy.enforce("placement:resource_classes:show", auth)
        guard try await read({ q in try await self.resourceClassExists(name, in: q) }) else {
            throw PlacementErrors.notFound("No such resource class \(name).")
        }
    }

    /// Creates a custom class; `true` when it was created, `false` when it existed and
    /// `conflictIfExists` is false (the bodiless PUT of 1.7).
    @discardableResult
    func createResourceClass(_ name: String, conflictIfExists: Bool, auth: AuthContext) async throws -> Bool {
        try policy.enforce(conflictIfExists ? "placement:resource_classes:create" : "placement:resource_classes:update", auth)
        guard PlacementNames.isCustom(name) else {
            if StandardResourceClasses.set.contains(name), !conflictIfExists {
                throw PlacementErrors.badRequest("Cannot update standard resource class \(name)")
            }
            throw PlacementErrors.invalidBody("'\(name)' does not match '^CUSTOM_[A-Z0-9_]+$'")
        }
        return try await write { q in
            if try await q.customNameExists("custom_resource_classes", name) {
                if conflictIfExists { throw PlacementErrors.conflict("Conflicting resource class already exists: \(name)") }
                return false
            }
            try await q.insertCustomName("custom_resource_classes", name)
            return true
        }
    }

    /// Deletes a custom class: 400 for a standard one, 409 while some inventory uses it.
    func deleteResourceClass(_ name: String, auth: AuthContext) async throws {
        try policy.enforce("placement:resource_classes:delete", auth)
        if StandardResourceClasses.set.contains(name) {
            throw PlacementErrors.badRequest("Error in delete resource class: Cannot delete standard resource class \(name).")
        }
        try await write { q in
            guard try await q.customNameExists("custom_resource_classes", name) else {
                throw PlacementErrors.notFound("No such resource class \(name).")
            }
            if try await q.inventoryExists(resourceClass: name) {
                throw PlacementErrors.conflict(
                    "Error in delete resource class: Unable to delete resource class \(name). It is in use in at least one resource provider's inventory.")
            }
            try await q.deleteCustomName("custom_resource_classes", name)
        }
    }

    // MARK: Traits

    /// `namePrefix` is `startswith:`, `names` is `in:`; `associated` keeps the traits some
    /// provider has (true) or has not (false).
    func traits(namePrefix: String?, names: Set<String>?, associated: Bool?, auth: AuthContext) async throws -> [String] {
        try policy.enforce("placement:traits:list", auth)
        return try await read { q in
            var all = StandardTraits.names + (try await q.customNames("custom_traits"))
            if let namePrefix { all.removeAll { !$0.hasPrefix(namePrefix) } }
            if let names { all.removeAll { !names.contains($0) } }
            if let associated {
                let used = try await q.associatedTraits()
                all.removeAll { used.contains($0) != associated }
            }
            return all.sorted()
        }
    }

    func requireTrait(_ name: String, auth: AuthContext) async throws {
        try policy.enforce("placement:traits:show", auth)
        let exists = try await read { q in
            StandardTraits.set.contains(name) ? true : try await q.customNameExists("custom_traits", name)
        }
        guard exists else { throw PlacementErrors.notFound("No such trait(s): \(name).") }
    }

    /// Creates a custom trait; `true` when created, `false` when it existed.
    func createTrait(_ name: String, auth: AuthContext) async throws -> Bool {
        try policy.enforce("placement:traits:update", auth)
        guard PlacementNames.isCustom(name) else {
            throw PlacementErrors.badRequest(
                "The trait is invalid. A valid trait must be no longer than 255 characters, start with the prefix \"CUSTOM_\" and use following characters: \"A\"-\"Z\", \"0\"-\"9\" and \"_\"")
        }
        return try await write { q in
            if try await q.customNameExists("custom_traits", name) { return false }
            try await q.insertCustomName("custom_traits", name)
            return true
        }
    }

    func deleteTrait(_ name: String, auth: AuthContext) async throws {
        try policy.enforce("placement:traits:delete", auth)
        if StandardTraits.set.contains(name) {
            throw PlacementErrors.badRequest("Cannot delete standard trait \(name).")
        }
        try await write { q in
            guard try await q.customNameExists("custom_traits", name) else {
                throw PlacementErrors.notFound("No such trait(s): \(name).")
            }
            if try await q.traitInUse(name) {
                throw PlacementErrors.conflict("The trait \(name) is in use by a resource provider.")
            }
            try await q.deleteCustomName("custom_traits", name)
        }
    }

    // MARK: Provider traits and aggregates

    func providerTraits(_ uuid: String, auth: AuthContext) async throws -> (ProviderRecord, Set<String>) {
        try policy.enforce("placement:resource_providers:traits:list", auth)
        return try await read { q in
            let provider = try await self.existingProvider(uuid, in: q)
            return (provider, try await q.traits(of: [uuid])[uuid] ?? [])
        }
    }

    /// Replaces a provider's traits (all must exist: 400 otherwise) when `generation` is current.
    func setProviderTraits(_ uuid: String, _ traits: Set<String>, generation: Int64?, auth: AuthContext) async throws
        -> (ProviderRecord, Set<String>)
    {
        try policy.enforce(
            traits.isEmpty && generation == nil
                ? "placement:resource_providers:traits:delete" : "placement:resource_providers:traits:update", auth)
        return try await write { q in
            try await q.lockProviders([uuid])
            var provider = try await self.existingProvider(uuid, in: q)
            if let generation, generation != provider.generation {
                throw PlacementErrors.conflict(
                    "Resource provider's generation already changed. Please update the generation and try again.",
                    code: PlacementErrors.concurrentUpdate)
            }
            let unknown = try await self.unknownTraits(traits, in: q)
            guard unknown.isEmpty else { throw PlacementErrors.badRequest("No such trait(s): \(unknown.joined(separator: ", "))") }
            try await q.setTraits(of: uuid, traits)
            try await q.bumpGenerations([uuid])
            provider.generation += 1
            return (provider, traits)
        }
    }

    func providerAggregates(_ uuid: String, auth: AuthContext) async throws -> (ProviderRecord, Set<String>) {
        try policy.enforce("placement:resource_providers:aggregates:list", auth)
        return try await read { q in
            let provider = try await self.existingProvider(uuid, in: q)
            return (provider, try await q.aggregates(of: [uuid])[uuid] ?? [])
        }
    }

    /// Replaces a provider's aggregates. With a generation (1.19 on) it must be current and
    /// the generation moves on.
    func setProviderAggregates(_ uuid: String, _ aggregates: Set<String>, generation: Int64?, auth: AuthContext)
        async throws -> (ProviderRecord, Set<String>)
    {
        try policy.enforce("placement:resource_providers:aggregates:update", auth)
        return try await write { q in
            try await q.lockProviders([uuid])
            var provider = try await self.existingProvider(uuid, in: q)
            if let generation {
                guard generation == provider.generation else {
                    throw PlacementErrors.conflict(
                        "Resource provider's generation already changed. Please update the generation and try again.",
                        code: PlacementErrors.concurrentUpdate)
                }
                try await q.bumpGenerations([uuid])
                provider.generation += 1
            }
            try await q.setAggregates(of: uuid, aggregates)
            return (provider, aggregates)
        }
    }
}
