import Hummingbird
import StratusKit

extension NetworkAPI {
    static func quotaBody(_ limits: [String: Int64]) -> JSONValue {
        .object(limits.mapValues(JSONValue.int))
    }

    func registerQuotas(on router: Router<StratusRequestContext>) {
        router.get("/v2.0/quotas") { _, context in
            let auth = try context.requireAuth()
            let all = try await manager.projectsWithQuotas(auth: auth)
            let list: [JSONValue] = all.map { project, limits in
                var body = limits.mapValues(JSONValue.int)
                body["project_id"] = .string(project)
                body["tenant_id"] = .string(project)
                return .object(body)
            }
            return JSONResponse.make(.ok, ["quotas": .array(list)])
        }
        router.get("/v2.0/quotas/{project_id}") { _, context in
            let auth = try context.requireAuth()
            let limits = try await manager.quota(projectID: try context.parameters.require("project_id"), auth: auth)
            return respond("quota", Self.quotaBody(limits))
        }
        router.get("/v2.0/quotas/{project_id}/default") { _, context in
            let auth = try context.requireAuth()
            _ = try await manager.quota(projectID: try context.parameters.require("project_id"), auth: auth)
            return respond("quota", Self.quotaBody(NetworkManager.defaultQuotas))
        }
        router.get("/v2.0/quotas/{project_id}/details") { _, context in
            let auth = try context.requireAuth()
            let details = try await manager.quotaDetails(projectID: try context.parameters.require("project_id"), auth: auth)
            return respond(
                "quota",
                .object(details.mapValues { ["limit": .int($0.limit), "used": .int($0.used), "reserved": 0] }))
        }
        router.put("/v2.0/quotas/{project_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let body = try await request.jsonObject(context: context)
            guard let quota = body["quota"]?.objectValue else { throw NetworkErrors.badRequest("quota", "Resource body required") }
            var changes: [String: Int64] = [:]
            // `force` (set whatever the usage) and `check_limit` (refuse a limit below the
            // usage) are flags, not resources.
            let checkLimit = quota["check_limit"]?.boolValue ?? false
            for (resource, value) in quota where resource != "force" && resource != "check_limit" {
                guard let limit = value.intValue ?? value.stringValue.flatMap({ Int64($0) }) else {
                    throw NetworkErrors.invalidInput("'\(value.jsonText())' is not an integer")
                }
                changes[resource] = limit
            }
            let limits = try await manager.updateQuota(
                projectID: try context.parameters.require("project_id"), changes, checkLimit: checkLimit, auth: auth)
            return respond("quota", Self.quotaBody(limits))
        }
        router.delete("/v2.0/quotas/{project_id}") { _, context in
            let auth = try context.requireAuth()
            try await manager.resetQuota(projectID: try context.parameters.require("project_id"), auth: auth)
            return JSONResponse.empty()
        }
    }
}
