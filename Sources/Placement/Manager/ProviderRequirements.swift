/// What a provider (or a group of providers) must have: traits and aggregate memberships.
/// Each inner set is an any-of (`in:A,B`); all of them must hold.
struct ProviderRequirements: Sendable, Hashable {
    var requiredTraits: [Set<String>] = []
    var forbiddenTraits: Set<String> = []
    var memberOf: [Set<String>] = []
    var notMemberOf: Set<String> = []

    var isEmpty: Bool { requiredTraits.isEmpty && forbiddenTraits.isEmpty && memberOf.isEmpty && notMemberOf.isEmpty }

    func traitsSatisfied(by traits: Set<String>) -> Bool {
        requiredTraits.allSatisfy { !$0.isDisjoint(with: traits) } && forbiddenTraits.isDisjoint(with: traits)
    }

    func aggregatesSatisfied(by aggregates: Set<String>) -> Bool {
        memberOf.allSatisfy { !$0.isDisjoint(with: aggregates) } && notMemberOf.isDisjoint(with: aggregates)
    }

    /// Every trait named, for checking that they exist.
    var allTraits: Set<String> { requiredTraits.reduce(forbiddenTraits) { $0.union($1) } }
}

/// The filters of `GET /resource_providers`.
struct ProviderFilter: Sendable {
    var name: String?
    var uuid: String?
    var inTree: String?
    var resources: [String: Int64] = [:]
    var requirements = ProviderRequirements()
}
