import Hummingbird
import StratusKit

extension PlacementAPI {
    /// The request groups of `GET /allocation_candidates`: the unsuffixed group and, from
    /// 1.25, one group per suffix (digits; from 1.33 up to 64 of `A-Za-z0-9_-`).
    /// `same_subtree=_A,_B` (1.36, repeatable): the suffix sets, each of groups in the request.
    static func sameSubtree(_ request: Request, version: Microversion) throws -> [[String]] {
        let values = PlacementQuery.values(request, "same_subtree")
        guard !values.isEmpty else { return [] }
        guard version.isAtLeast(1, 36) else {
            throw PlacementErrors.badRequest(
                "Invalid query string parameters: Additional properties are not allowed ('same_subtree' was unexpected)")
        }
        return try values.map { value in
            let suffixes = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !suffixes.isEmpty, suffixes.allSatisfy({ !$0.isEmpty }) else {
                throw PlacementErrors.badRequest(
                    "Invalid query string parameters: Expected 'same_subtree' parameter value of the form: _SUFFIX1,_SUFFIX2. Got: \(value)",
                    code: PlacementErrors.badQueryValue)
            }
            return suffixes
        }
    }

    /// - Parameter sameSubtree: the suffixes of `same_subtree`, whose groups may be resourceless.
    static func requestGroups(_ request: Request, version: Microversion, sameSubtree: [[String]] = []) throws -> [RequestGroup] {
        let bases = ["resources", "required", "member_of", "in_tree"]
        var suffixes: [String] = []
        for (name, _) in request.uri.queryParameters {
            let name = String(name)
            if !name.hasPrefix("required"), !name.hasPrefix("member_of"), name != "same_subtree",
                PlacementQuery.values(request, name).count > 1
            {
                throw PlacementErrors.badRequest(
                    "Query parameter '\(name)' may only be specified once.", code: PlacementErrors.duplicateQueryKey)
            }
            guard let base = bases.first(where: { name.hasPrefix($0) }), name != base else {
                if ["limit", "group_policy"].contains(name) || bases.contains(name) { continue }
                if name == "root_required", version.isAtLeast(1, 35) { continue }
                if name == "same_subtree", version.isAtLeast(1, 36) { continue }
                throw PlacementErrors.badRequest(
                    "Invalid query string parameters: Additional properties are not allowed ('\(name)' was unexpected)")
            }
            let suffix = String(name.dropFirst(base.count))
            let valid =
                version.isAtLeast(1, 33)
                ? suffix.count <= 64 && suffix.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
                : version.isAtLeast(1, 25) && suffix.allSatisfy(\.isNumber)
            guard valid else {
                throw PlacementErrors.badRequest(
                    "Invalid query string parameters: Additional properties are not allowed ('\(name)' was unexpected)")
            }
            if !suffixes.contains(suffix) { suffixes.append(suffix) }
        }
        var groups: [RequestGroup] = []
        for suffix in [""] + suffixes.sorted() {
            let resourcesText = request.query("resources" + suffix)
            var group = RequestGroup(suffix: suffix, resources: try resourcesText.map(PlacementQuery.resources) ?? [:])
            try PlacementQuery.traits(
                PlacementQuery.values(request, "required" + suffix), version: version, parameter: "required" + suffix,
                into: &group.requirements)
            if version.isAtLeast(1, 21) {
                try PlacementQuery.memberOf(
                    PlacementQuery.values(request, "member_of" + suffix), version: version, into: &group.requirements)
            } else if request.query("member_of") != nil {
                throw PlacementErrors.badRequest(
                    "Invalid query string parameters: Additional properties are not allowed ('member_of' was unexpected)")
            }
            if let tree = request.query("in_tree" + suffix) {
                guard version.isAtLeast(1, 31) else {
                    throw PlacementErrors.badRequest(
                        "Invalid query string parameters: Additional properties are not allowed ('in_tree' was unexpected)")
                }
                guard let uuid = PlacementNames.uuid(tree) else {
                    throw PlacementErrors.badRequest(
                        "Invalid query string parameters: Expected 'in_tree\(suffix)' parameter to be a format of uuid. Got: \(tree)",
                        code: PlacementErrors.badQueryValue)
                }
                group.inTree = uuid
            }
            let namedInSubtree = sameSubtree.contains { $0.contains(suffix) }
            if group.resources.isEmpty, !suffix.isEmpty, namedInSubtree {
                groups.append(group)
                continue
            }
            if group.resources.isEmpty {
                guard group.requirements.isEmpty, group.inTree == nil else {
                    throw PlacementErrors.badRequest(
                        "All traits parameters must be associated with resources. Found the following orphaned traits keys: \(suffix.isEmpty ? "required" : "required" + suffix)")
                }
                continue
            }
            groups.append(group)
        }
        let groupSuffixes = Set(groups.map(\.suffix))
        if let unknown = sameSubtree.flatMap({ $0 }).first(where: { !groupSuffixes.contains($0) }) {
            throw PlacementErrors.badRequest(
                "Real suffixes should be specified in same_subtree: \(unknown) not found in the request groups",
                code: PlacementErrors.badQueryValue)
        }
        guard groups.contains(where: { !$0.isResourceless }) else {
            throw PlacementErrors.badRequest(
                version.isAtLeast(1, 25)
                    ? "There must be at least one resources or resources[$S] parameter."
                    : "Invalid query string parameters: 'resources' is a required property",
                code: PlacementErrors.missingQueryValue)
        }
        return groups
    }

    func registerAllocationCandidates(on router: PlacementRouteTable) {
        router.get("/allocation_candidates") { request, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 10)
            let version = Self.version(context)
            let sameSubtree = try Self.sameSubtree(request, version: version)
            let groups = try Self.requestGroups(request, version: version, sameSubtree: sameSubtree)
            var rootRequirements = ProviderRequirements()
            if let rootRequired = request.query("root_required") {
                try PlacementQuery.traits(
                    [rootRequired], version: version, parameter: "root_required", allowsAnyOf: false, into: &rootRequirements)
            }
            var limit: Int?
            if let text = request.query("limit") {
                guard version.isAtLeast(1, 16) else {
                    throw PlacementErrors.badRequest(
                        "Invalid query string parameters: Additional properties are not allowed ('limit' was unexpected)")
                }
                guard let value = Int(text), value >= 1 else {
                    throw PlacementErrors.badRequest("Invalid query string parameters: '\(text)' does not match '^[1-9][0-9]*$'")
                }
                limit = value
            }
            var isolate = false
            if let policy = request.query("group_policy") {
                guard version.isAtLeast(1, 25), ["none", "isolate"].contains(policy) else {
                    throw PlacementErrors.badRequest("Invalid query string parameters: '\(policy)' is not one of ['none', 'isolate']")
                }
                isolate = policy == "isolate"
            } else if groups.filter({ $0.isSuffixed && !$0.isResourceless }).count > 1 {
                throw PlacementErrors.badRequest(
                    "The \"group_policy\" parameter is required when specifying more than one \"resources{N}\" parameter.")
            }
            let answer = try await manager.allocationCandidates(
                groups, rootRequirements: rootRequirements, sameSubtree: sameSubtree, isolate: isolate, limit: limit,
                nested: version.isAtLeast(1, 29), auth: auth)
            let requested = Set(groups.flatMap(\.resources.keys))
            return Self.respond(Self.candidatesBody(answer, requested: requested, version: version), context)
        }
    }

    static func candidatesBody(_ answer: PlacementManager.CandidateAnswer, requested: Set<String>, version: Microversion)
        -> JSONValue
    {
        let requests: [JSONValue] = answer.candidates.map { candidate in
            var entry: [String: JSONValue]
            if version.isAtLeast(1, 12) {
                entry = ["allocations": .object(candidate.allocations.mapValues { ["resources": PlacementWire.resources($0)] })]
            } else {
                entry = [
                    "allocations": .array(
                        candidate.allocations.sorted(by: { $0.key < $1.key }).map {
                            ["resource_provider": ["uuid": .string($0.key)], "resources": PlacementWire.resources($0.value)]
                        })
                ]
            }
            if version.isAtLeast(1, 34) {
                entry["mappings"] = .object(candidate.mappings.mapValues { .array($0.map { .string($0) }) })
            }
            return .object(entry)
        }
        var summaries: [String: JSONValue] = [:]
        for state in answer.summaries {
            var resources: [String: JSONValue] = [:]
            for (resourceClass, inventory) in state.inventories where version.isAtLeast(1, 27) || requested.contains(resourceClass) {
                resources[resourceClass] = [
                    "capacity": .int(inventory.capacity), "used": .int(state.usages[resourceClass] ?? 0),
                ]
            }
            var summary: [String: JSONValue] = ["resources": .object(resources)]
            if version.isAtLeast(1, 17) { summary["traits"] = .array(state.traits.sorted().map { .string($0) }) }
            if version.isAtLeast(1, 29) {
                summary["parent_provider_uuid"] = .optional(state.provider.parentUUID)
                summary["root_provider_uuid"] = .string(state.provider.rootUUID)
            }
            summaries[state.provider.uuid] = .object(summary)
        }
        return ["allocation_requests": .array(requests), "provider_summaries": .object(summaries)]
    }
}
