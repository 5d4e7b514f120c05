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
