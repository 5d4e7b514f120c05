import Hummingbird
import StratusKit

/// Placement's query-string parameters: `resources=VCPU:1,MEMORY_MB:512`,
/// `required=A,!B` / `required=in:A,B`, `member_of=in:agg1,agg2` / `!in:…`.
enum PlacementQuery {
    static func resources(_ text: String) throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw PlacementErrors.badRequest(
                    "Badly formed resources parameter. Expected resources query string parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: \(text).",
                    code: PlacementErrors.badQueryValue)
            }
            guard let amount = Int64(parts[1]), amount > 0 else {
                throw PlacementErrors.badRequest(
                    "Requested resource \(parts[0]) expected positive integer amount. Got: \(parts[1]).",
                    code: PlacementErrors.badQueryValue)
            }
            let name = String(parts[0])
            guard result[name] == nil else {
                throw PlacementErrors.badRequest(
                    "Badly formed resources parameter. Resource class \(name) appears more than once. Got: \(text).",
                    code: PlacementErrors.badQueryValue)
            }
            result[name] = amount
        }
        return result
    }

    /// Adds the traits of `required` values: forbidden (`!X`) from 1.22, `in:` any-of from
    /// 1.39 where the parameter takes it (`root_required` does not).
    static func traits(
        _ values: [String], version: Microversion, parameter: String, allowsAnyOf: Bool = true,
        into requirements: inout ProviderRequirements
    ) throws {
        for value in values {
            let malformed = PlacementErrors.badRequest(
                "Invalid query string parameters: Expected '\(parameter)' parameter value of the form: HW_CPU_X86_VMX,!CUSTOM_MAGIC. Got: \(value)",
                code: PlacementErrors.badQueryValue)
            if allowsAnyOf, version.isAtLeast(1, 39), value.hasPrefix("in:") {
                let names = value.dropFirst(3).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("!") }) else { throw malformed }
                requirements.requiredTraits.append(Set(names))
                continue
            }
            let names = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty }) else { throw malformed }
            for name in names {
                if version.isAtLeast(1, 22), name.hasPrefix("!") {
                    guard name.count > 1 else { throw malformed }
                    requirements.forbiddenTraits.insert(String(name.dropFirst()))
                } else {
                    requirements.requiredTraits.append([name])
                }
            }
        }
        let conflicting = requirements.forbiddenTraits.intersection(requirements.requiredTraits.filter { $0.count == 1 }.reduce(Set()) { $0.union($1) })
        if !conflicting.isEmpty {
            throw PlacementErrors.badRequest(
                "Invalid query string parameters: Conflicting required and forbidden traits found in the following traits keys: \(parameter): (\(conflicting.sorted().joined(separator: ", ")))",
                code: PlacementErrors.badQueryValue)
        }
    }

    /// Adds the aggregates of `member_of` values: several values from 1.24, `!` from 1.32.
    static func memberOf(_ values: [String], version: Microversion, into requirements: inout ProviderRequirements) throws {
        if values.count > 1, !version.isAtLeast(1, 24) {
            throw PlacementErrors.badRequest("Multiple member_of parameters are not supported", code: PlacementErrors.badQueryValue)
        }
        for value in values {
            var text = Substring(value)
            let negated = version.isAtLeast(1, 32) && text.hasPrefix("!")
            if negated { text = text.dropFirst() }
            let anyOf = text.hasPrefix("in:")
            if anyOf { text = text.dropFirst(3) }
            let uuids = try text.split(separator: ",", omittingEmptySubsequences: false).map { item in
                guard let uuid = PlacementNames.uuid(String(item)) else {
                    throw PlacementErrors.badRequest(
                        "Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: \(value)",
                        code: PlacementErrors.badQueryValue)
                }
                return uuid
            }
            if negated {
                requirements.notMemberOf.formUnion(uuids)
            } else if anyOf || uuids.count == 1 {
                requirements.memberOf.append(Set(uuids))
            } else {
                throw PlacementErrors.badRequest(
                    "Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: \(value)",
                    code: PlacementErrors.badQueryValue)
            }
        }
    }

    /// 400 for parameters the route does not take at this microversion.
    static func onlyAllow(_ request: Request, _ allowed: (String) -> Bool) throws {
        for (name, _) in request.uri.queryParameters where !allowed(String(name)) {
            throw PlacementErrors.badRequest(
                "Invalid query string parameters: Additional properties are not allowed ('\(name)' was unexpected)")
        }
    }

    static func values(_ request: Request, _ name: String) -> [String] {
        request.uri.queryParameters[values: Substring(name)].map(String.init)
    }
}
