import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/os-server-groups`: create (`policies` before 2.64, `policy` and `rules` from it;
    /// soft policies from 2.15), list (`all_projects`, `limit`, `offset`), show, delete.
    func registerServerGroups(on router: Router<StratusRequestContext>) {
        router.post("/v2.1/os-server-groups") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let body = try ComputeBody(try await Self.body(request, context), member: "server_group")
            let allowedPolicies =
                version.isAtLeast(2, 15) ? ComputeManager.serverGroupPolicies : ["affinity", "anti-affinity"]
            let name = try body.string("name", required: true)!
            let groupPolicy: String
            var maxPerHost: Int64?
            if version.isAtLeast(2, 64) {
                try body.onlyAllow(["name", "policy", "rules"])
                let value = try body.require("policy")
                guard let text = value.stringValue, allowedPolicies.contains(text) else {
                    throw ComputeErrors.invalidInput("policy", value, "\(value.jsonText()) is not one of \(Self.pythonList(allowedPolicies))")
                }
                groupPolicy = text
                if let rulesValue = body.object["rules"] {
                    guard let rules = rulesValue.objectValue else {
                        throw ComputeErrors.invalidInput("rules", rulesValue, "\(rulesValue.jsonText()) is not of type 'object'")
                    }
                    let ruleBody = ComputeBody(name: "rules", object: rules)
                    try ruleBody.onlyAllow(["max_server_per_host"])
                    maxPerHost = try ruleBody.integer("max_server_per_host", minimum: 1)
                    if !rules.isEmpty, groupPolicy != "anti-affinity" {
                        throw ComputeErrors.badRequest("Only anti-affinity policy supports rules.")
                    }
                }
            } else {
                try body.onlyAllow(["name", "policies"])
                let value = try body.require("policies")
                guard let list = value.arrayValue, list.count == 1, let text = list[0].stringValue,
                    allowedPolicies.contains(text)
                else {
                    throw ComputeErrors.invalidInput(
                        "policies", value, "\(value.jsonText()) is not a list of one of \(Self.pythonList(allowedPolicies))")
                }
                groupPolicy = text
            }
            let group = try await manager.createServerGroup(auth, name: name, policy: groupPolicy, maxServerPerHost: maxPerHost)
            return Self.respond(["server_group": Self.serverGroupBody(group, version: version)])
        }
        router.get("/v2.1/os-server-groups") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            func number(_ name: String) throws -> Int? {
                guard let text = request.query(name) else { return nil }
                guard let value = Int(text), value >= 0 else {
                    throw ComputeErrors.invalidInput(name, .string(text), "'\(text)' does not match '^[0-9]*$'")
                }
                return value
            }
            let allProjects = request.query("all_projects").map { BooleanText.parse($0) ?? false } ?? false
            let limit = try number("limit").map { $0 == 0 ? 1000 : min($0, 1000) }
            let groups = try await manager.listServerGroups(
                auth, allProjects: allProjects, offset: try number("offset") ?? 0, limit: limit)
            return Self.respond(["server_groups": .array(groups.map { Self.serverGroupBody($0, version: version) })])
        }
        router.get("/v2.1/os-server-groups/{id}") { _, context in
            let group = try await manager.serverGroup(try context.requireAuth(), uuid: try context.parameters.require("id"))
            return Self.respond(["server_group": Self.serverGroupBody(group, version: Self.version(context))])
        }
        router.delete("/v2.1/os-server-groups/{id}") { _, context in
            try await manager.deleteServerGroup(try context.requireAuth(), uuid: try context.parameters.require("id"))
            return JSONResponse.empty(.noContent)
        }
    }

    /// `['a', 'b']`, as Python prints a list in schema messages.
    static func pythonList(_ items: [String]) -> String { "[" + items.map { "'\($0)'" }.joined(separator: ", ") + "]" }

    static func serverGroupBody(_ group: ServerGroupRecord, version: Microversion) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(group.uuid), "name": .string(group.name), "members": .array(group.members.map { .string($0) }),
        ]
        if version.isAtLeast(2, 64) {
            body["policy"] = .string(group.policy)
            body["rules"] = group.maxServerPerHost.map { JSONValue.object(["max_server_per_host": .int($0)]) } ?? .object([:])
        } else {
            body["policies"] = [.string(group.policy)]
            body["metadata"] = [:]
        }
        if version.isAtLeast(2, 13) {
            body["project_id"] = .string(group.projectID)
            body["user_id"] = .string(group.userID)
        }
        return .object(body)
    }
}
