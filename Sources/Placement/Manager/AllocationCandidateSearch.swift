/// One group of a candidate request: the unsuffixed group (`resources`, `required`,
/// `member_of`, `in_tree`), whose classes may come from different providers of one tree,
/// or a suffixed group (`resources1` …), satisfied by a single provider. A suffixed group
/// without resources (1.36, named in `same_subtree`) picks a provider of the tree by its
/// traits and aggregates and allocates nothing from it.
struct RequestGroup: Sendable {
    var suffix: String
    var resources: [String: Int64]
    var requirements = ProviderRequirements()
    var inTree: String?
    var isSuffixed: Bool { !suffix.isEmpty }
    var isResourceless: Bool { resources.isEmpty }
}

/// How one group is satisfied: which provider gives each class, and the providers used.
struct GroupChoice: Sendable {
    var assignment: [String: String]
    var providers: Set<String>
}

/// One way to satisfy a request: provider → class → amount, and which providers served
/// which group (by suffix, `""` for the unsuffixed group).
struct AllocationCandidate: Sendable, Hashable {
    var allocations: [String: [String: Int64]]
    var mappings: [String: [String]]
}

/// What the search knows of one provider.
struct ProviderState: Sendable {
    var provider: ProviderRecord
    var inventories: [String: InventoryRecord]
    var usages: [String: Int64]
    var traits: Set<String>
    var aggregates: Set<String>

    func free(_ resourceClass: String) -> Int64 {
        guard let inventory = inventories[resourceClass] else { return 0 }
        return inventory.capacity - (usages[resourceClass] ?? 0)
    }

    /// Whether this provider alone can give `amount` of the class.
    func canProvide(_ resourceClass: String, _ amount: Int64) -> Bool {
        guard let inventory = inventories[resourceClass] else { return false }
        return inventory.permits(amount) && free(resourceClass) >= amount
    }
}

/// Finds allocation candidates in memory over a snapshot of every provider (read with one
/// query per kind of data): trees of nested providers, providers sharing through
/// aggregates (`MISC_SHARES_VIA_AGGREGATE`), suffixed groups and `group_policy=isolate`.
struct AllocationCandidateSearch: Sendable {
    static let sharingTrait = "MISC_SHARES_VIA_AGGREGATE"

    let states: [String: ProviderState]
    /// Providers in creation order.
    let order: [String]
    /// Whether trees of nested providers take part (microversion 1.29 on); before, only
    /// root providers and sharing providers do.
    let nested: Bool

    init(states: [ProviderState], nested: Bool) {
        self.states = Dictionary(uniqueKeysWithValues: states.map { ($0.provider.uuid, $0) })
        order = states.map(\.provider.uuid)
        self.nested = nested
    }

    /// - Parameter rootRequirements: the traits the root of each candidate's tree must have
    ///   or lack (`root_required`).
    ///   `sameSubtree`: sets of group suffixes whose providers must all lie under one of them.
    func search(
        _ groups: [RequestGroup], rootRequirements: ProviderRequirements = ProviderRequirements(),
        sameSubtree: [[String]] = [], isolate: Bool, limit: Int?
    ) -> [AllocationCandidate] {
        let sharing = order.filter { states[$0]!.traits.contains(Self.sharingTrait) }
        var roots: [String] = []
        var trees: [String: [String]] = [:]
        for uuid in order {
            let root = states[uuid]!.provider.rootUUID
            if trees[root] == nil { roots.append(root) }
            if nested || uuid == root { trees[root, default: []].append(uuid) }
        }
        var seen: Set<AllocationCandidate> = []
        var result: [AllocationCandidate] = []
        for root in roots where rootRequirements.traitsSatisfied(by: states[root]?.traits ?? []) {
            let tree = trees[root] ?? []
            let treeAggregates = tree.reduce(into: Set<String>()) { $0.formUnion(states[$1]!.aggregates) }
            let sharers = sharing.filter { !tree.contains($0) && !states[$0]!.aggregates.isDisjoint(with: treeAggregates) }
            var perGroup: [[GroupChoice]] = []
            for group in groups {
                let pool = group.isResourceless ? tree : pool(for: group, tree: tree, root: root, sharers: sharers)
                let options = group.isSuffixed ? singleProviderOptions(group, pool: pool) : spreadOptions(group, pool: pool, root: root)
                if options.isEmpty { break }
                perGroup.append(options)
            }
            guard perGroup.count == groups.count else { continue }
            combine(groups, perGroup, sameSubtree: sameSubtree, isolate: isolate) { candidate in
                if seen.insert(candidate).inserted { result.append(candidate) }
                return limit.map { result.count < $0 } ?? true
            }
            if let limit, result.count >= limit { break }
        }
        return result
    }

    /// The providers a group may draw from in one tree.
    private func pool(for group: RequestGroup, tree: [String], root: String, sharers: [String]) -> [String] {
        if let inTree = group.inTree {
            guard states[inTree]?.provider.rootUUID == root else { return [] }
            return tree
        }
        return tree + sharers
    }

    /// A suffixed group: each provider that alone has every class, the traits and the aggregates.
    private func singleProviderOptions(_ group: RequestGroup, pool: [String]) -> [GroupChoice] {
        pool.compactMap { uuid in
            let state = states[uuid]!
            guard group.resources.allSatisfy({ state.canProvide($0.key, $0.value) }),
                group.requirements.traitsSatisfied(by: state.traits),
                group.requirements.aggregatesSatisfied(by: state.aggregates)
            else { return nil }
            return GroupChoice(
                assignment: Dictionary(uniqueKeysWithValues: group.resources.keys.map { ($0, uuid) }), providers: [uuid])
        }
    }

    /// The unsuffixed group: each class from any provider of the pool, with the required
    /// traits found among the providers used and no forbidden trait on any of them.
    private func spreadOptions(_ group: RequestGroup, pool: [String], root: String) -> [GroupChoice] {
        let rootAggregates = states[root]?.aggregates ?? []
        let classes = group.resources.keys.sorted()
        var choices: [[String]] = []
        for resourceClass in classes {
            let providers = pool.filter { uuid in
                let state = states[uuid]!
                return state.canProvide(resourceClass, group.resources[resourceClass]!)
                    && state.traits.isDisjoint(with: group.requirements.forbiddenTraits)
                    && (group.requirements.aggregatesSatisfied(by: state.aggregates)
                        || group.requirements.aggregatesSatisfied(by: rootAggregates))
            }
            if providers.isEmpty { return [] }
            choices.append(providers)
        }
        var options: [GroupChoice] = []
        var assignment: [String: String] = [:]
        func visit(_ index: Int) {
            if index == classes.count {
                let providers = Set(assignment.values)
                let traits = providers.reduce(into: Set<String>()) { $0.formUnion(states[$1]!.traits) }
                if group.requirements.requiredTraits.allSatisfy({ !$0.isDisjoint(with: traits) }) {
                    options.append(GroupChoice(assignment: assignment, providers: providers))
                }
                return
            }
            for provider in choices[index] {
                assignment[classes[index]] = provider
                visit(index + 1)
            }
        }
        visit(0)
        return options
    }

    /// Every combination of one option per group whose summed amounts still fit; `emit`
    /// returns false to stop.
    private func combine(
        _ groups: [RequestGroup], _ perGroup: [[GroupChoice]], sameSubtree: [[String]], isolate: Bool,
        emit: (AllocationCandidate) -> Bool
    ) {
        var chosen: [GroupChoice] = []
        var stopped = false
        func visit(_ index: Int) {
            if stopped { return }
            if index == groups.count {
                if let candidate = candidate(groups, chosen, sameSubtree: sameSubtree, isolate: isolate), !emit(candidate) {
                    stopped = true
                }
                return
            }
            for option in perGroup[index] {
                chosen.append(option)
                visit(index + 1)
                chosen.removeLast()
                if stopped { return }
            }
        }
        visit(0)
    }

    private func candidate(_ groups: [RequestGroup], _ chosen: [GroupChoice], sameSubtree: [[String]], isolate: Bool)
        -> AllocationCandidate?
    {
        var allocations: [String: [String: Int64]] = [:]
        var mappings: [String: [String]] = [:]
        var suffixedProviders: [Set<String>] = []
        for (group, choice) in zip(groups, chosen) {
            for (resourceClass, provider) in choice.assignment {
                allocations[provider, default: [:]][resourceClass, default: 0] += group.resources[resourceClass]!
            }
            mappings[group.suffix] = choice.providers.sorted()
            if group.isSuffixed, !group.isResourceless { suffixedProviders.append(choice.providers) }
        }
        for suffixes in sameSubtree {
            let providers = suffixes.reduce(into: Set<String>()) { $0.formUnion(mappings[$1] ?? []) }
            guard providers.contains(where: { top in providers.allSatisfy { isDescendant($0, orSelfOf: top) } }) else {
                return nil
            }
        }
        if isolate {
            var used: Set<String> = []
            for providers in suffixedProviders {
                guard used.isDisjoint(with: providers) else { return nil }
                used.formUnion(providers)
            }
        }
        for (provider, resources) in allocations {
            let state = states[provider]!
            for (resourceClass, amount) in resources where !state.canProvide(resourceClass, amount) { return nil }
        }
        return AllocationCandidate(allocations: allocations, mappings: mappings)
    }

    /// Whether `uuid` is `ancestor` or lies below it in its tree.
    private func isDescendant(_ uuid: String, orSelfOf ancestor: String) -> Bool {
        var current: String? = uuid
        while let provider = current {
            if provider == ancestor { return true }
            current = states[provider]?.provider.parentUUID
        }
        return false
    }
}
