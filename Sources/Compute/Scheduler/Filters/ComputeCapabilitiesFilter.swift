/// Keeps hosts whose capabilities meet the flavor's `capabilities:` extra specs and its
/// unscoped ones (other scopes, such as `hw:` or `trait:`, are not its business).
struct ComputeCapabilitiesFilter: HostFilter {
    let specs: [ScopedExtraSpec]

    init?(_ spec: RequestSpec) {
        specs = ScopedExtraSpec.specs(in: spec.flavor.extraSpecs, scope: "capabilities")
        if specs.isEmpty { return nil }
    }

    func passes(_ host: HostState) -> Bool {
        firstUnmet(host) == nil
    }

    func firstUnmet(_ host: HostState) -> ScopedExtraSpec? {
        specs.first { !$0.requirement.matches(host.capability($0.hostKey)) }
    }

    func explain(removed: [HostState]) -> String {
        ExtraSpecMismatch.explain(removed.map { host in
            let unmet = firstUnmet(host)!
            return (unmet, host.capability(unmet.hostKey))
        })
    }
}
