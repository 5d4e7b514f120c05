import StratusKit

extension PlacementManager {
    /// The answer to `GET /allocation_candidates`: the candidates and the state of every
    /// provider they involve (with the rest of their trees when `nested`).
    struct CandidateAnswer: Sendable {
        var candidates: [AllocationCandidate]
        var summaries: [ProviderState]
    }

    func allocationCandidates(
        _ groups: [RequestGroup], rootRequirements: ProviderRequirements = ProviderRequirements(),
        sameSubtree: [[String]] = [], isolate: Bool,
        limit: Int?, nested: Bool, auth: AuthContext
    ) async throws -> CandidateAnswer {
        try policy.enforce("placement:allocation_candidates:list", auth)
        return try await read { q in
            let classes = groups.flatMap(\.resources.keys)
            if let unknown = try await self.unknownResourceClasses(classes, in: q).first {
                throw PlacementErrors.badRequest("Invalid resource class in resources parameter: No such resource class \(unknown).")
            }
            let unknownTraits = try await self.unknownTraits(
                groups.flatMap(\.requirements.allTraits) + rootRequirements.allTraits, in: q)
            guard unknownTraits.isEmpty else {
                throw PlacementErrors.badRequest("Invalid trait(s) in \"required\" parameter: No such trait(s): \(unknownTraits.joined(separator: ", ")).")
            }
            for tree in groups.compactMap(\.inTree) where try await q.provider(uuid: tree) == nil {
                return CandidateAnswer(candidates: [], summaries: [])
            }
            let providers = try await q.providers()
            let inventories = try await q.inventories(of: nil)
            let usages = try await q.usages(of: nil)
            let traits = try await q.traits(of: nil)
            let aggregates = try await q.aggregates(of: nil)
            let states = providers.map {
                ProviderState(
                    provider: $0, inventories: inventories[$0.uuid] ?? [:], usages: usages[$0.uuid] ?? [:],
                    traits: traits[$0.uuid] ?? [], aggregates: aggregates[$0.uuid] ?? [])
            }
            let search = AllocationCandidateSearch(states: states, nested: nested)
            let candidates = search.search(
                groups, rootRequirements: rootRequirements, sameSubtree: sameSubtree, isolate: isolate, limit: limit)
            let involved = Set(candidates.flatMap(\.allocations.keys))
            let roots = nested ? Set(involved.compactMap { search.states[$0]?.provider.rootUUID }) : []
            let summaries = states.filter { involved.contains($0.provider.uuid) || roots.contains($0.provider.rootUUID) }
            return CandidateAnswer(candidates: candidates, summaries: summaries)
        }
    }
}
