/// A flavor extra spec that a filter matches against a host value.
struct ScopedExtraSpec: Sendable {
    /// The key as the flavor spells it, for messages.
    let flavorKey: String
    /// The key looked up on the host, scope removed.
    let hostKey: String
    let requirement: ExtraSpecRequirement

    /// The flavor's extra specs that fall under `scope` (or have no scope at all), sorted by
    /// key so checks and messages come out in a stable order. The scope goes, the rest of the
    /// path stays whole: "capabilities:cpu_info:arch" looks up "cpu_info:arch".
    static func specs(in extraSpecs: [String: String], scope: String) -> [ScopedExtraSpec] {
        extraSpecs.keys.sorted().compactMap { key in
            let value = extraSpecs[key]!
            guard let colon = key.firstIndex(of: ":") else {
                return ScopedExtraSpec(flavorKey: key, hostKey: key, requirement: ExtraSpecRequirement(value))
            }
            guard key[..<colon] == scope else { return nil }
            let rest = String(key[key.index(after: colon)...])
            return ScopedExtraSpec(flavorKey: key, hostKey: rest, requirement: ExtraSpecRequirement(value))
        }
    }
}
