/// Keeps hosts in an aggregate whose metadata meets each of the flavor's
/// `aggregate_instance_extra_specs:` extra specs and its unscoped ones; a host in no
/// aggregate with the key does not meet it.
struct AggregateInstanceExtraSpecsFilter: HostFilter {
    let specs: [ScopedExtraSpec]

    init?(_ spec: RequestSpec) {
        specs = ScopedExtraSpec.specs(in: spec.flavor.extraSpecs, scope: "aggregate_instance_extra_specs")
        if specs.isEmpty { return nil }
    }

    func passes(_ host: HostState) -> Bool {
        firstUnmet(host) == nil
    }

    func firstUnmet(_ host: HostState) -> ScopedExtraSpec? {
        specs.first { spec in
            !host.aggregates.contains { aggregate in
                guard let value = aggregate.metadata[spec.hostKey] else { return false }
                return spec.requirement.matches(value)
            }
        }
    }

    func explain(removed: [HostState]) -> String {
        ExtraSpecMismatch.explain(removed.map { host in
            let unmet = firstUnmet(host)!
            let values = host.aggregates.compactMap { $0.metadata[unmet.hostKey] }
            return (unmet, values.isEmpty ? nil : values.joined(separator: "/"))
        })
    }
}
