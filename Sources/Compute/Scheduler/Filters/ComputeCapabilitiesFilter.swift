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

/// Fault-message wording shared by the extra-spec filters: each unmet spec with the values
/// the removed hosts offered.
enum ExtraSpecMismatch {
    static func explain(_ mismatches: [(spec: ScopedExtraSpec, hostValue: String?)]) -> String {
        var order: [String] = []
        var valuesByKey: [String: [String]] = [:]
        var requirementByKey: [String: String] = [:]
        for (spec, value) in mismatches {
            if valuesByKey[spec.flavorKey] == nil {
                order.append(spec.flavorKey)
                requirementByKey[spec.flavorKey] = spec.requirement.text
            }
            valuesByKey[spec.flavorKey, default: []].append(value ?? "none")
        }
        return order.map { key in
            "\(key)=\(requirementByKey[key]!) not met, hosts have "
                + HostList.distinctSummary(valuesByKey[key]!)
        }.joined(separator: "; ")
    }
}
