/// The Placement request a flavor and image make, as Nova builds it: VCPU, MEMORY_MB,
/// DISK_GB (root + ephemeral + swap rounded up to GB) overridden by `resources:CLASS=N`
/// extra specs (0 drops a class), `trait:NAME=required|forbidden` from flavor extra specs
/// and image properties (images can only require). Classes with no amount are left out, as
/// Placement refuses zero amounts.
public struct PlacementResourceRequest: Sendable, Equatable {
    public var resources: [String: Int]
    /// Sorted.
    public var requiredTraits: [String]
    /// Sorted.
    public var forbiddenTraits: [String]

    public init(resources: [String: Int], requiredTraits: [String] = [], forbiddenTraits: [String] = []) {
        self.resources = resources
        self.requiredTraits = requiredTraits
        self.forbiddenTraits = forbiddenTraits
    }

    public init(flavor: SchedulerFlavor, image: SchedulerImage) {
        var resources = ["VCPU": flavor.vcpus, "MEMORY_MB": flavor.memoryMB, "DISK_GB": flavor.diskGB]
        var required = Set<String>()
        var forbidden = Set<String>()
        for (key, value) in flavor.extraSpecs {
            if key.hasPrefix("resources:") {
                let resourceClass = String(key.dropFirst("resources:".count))
                guard !resourceClass.isEmpty, let amount = Int(value.trimmingCharacters(in: .whitespaces)) else {
                    continue
                }
                resources[resourceClass] = amount
            } else if key.hasPrefix("trait:") {
                let trait = String(key.dropFirst("trait:".count))
                guard !trait.isEmpty else { continue }
                switch value.lowercased() {
                case "required": required.insert(trait)
                case "forbidden": forbidden.insert(trait)
                default: continue
                }
            }
        }
        for (key, value) in image.properties where key.hasPrefix("trait:") && value.lowercased() == "required" {
            let trait = String(key.dropFirst("trait:".count))
            if !trait.isEmpty { required.insert(trait) }
        }
        self.resources = resources.filter { $0.value > 0 }
        requiredTraits = required.sorted()
        forbiddenTraits = forbidden.sorted()
    }

    /// The query of Placement's `GET /allocation_candidates` for this request:
    /// `resources=DISK_GB:1,MEMORY_MB:512,VCPU:1` and, when there are traits,
    /// `required=A,!B`.
    public var allocationCandidatesQuery: [(name: String, value: String)] {
        var query = [
            (
                name: "resources",
                value: resources.keys.sorted().map { "\($0):\(resources[$0]!)" }.joined(separator: ",")
            )
        ]
        let traits = requiredTraits + forbiddenTraits.map { "!" + $0 }
        if !traits.isEmpty { query.append((name: "required", value: traits.joined(separator: ","))) }
        return query
    }
}
