import Hummingbird
import StratusKit

extension NetworkAPI {
    static let rbacAttributes: Set<String> = [
        "object_type", "object_id", "action", "target_tenant", "target_project", "project_id", "tenant_id", "description",
    ]

    static func rbacBody(_ record: RBACPolicyRecord) -> JSONValue {
        [
            "id": .string(record.id), "object_type": .string(record.objectType), "object_id": .string(record.objectID),
            "action": .string(record.action), "target_tenant": .string(record.targetProject),
            "target_project": .string(record.targetProject), "project_id": .string(record.projectID),
            "tenant_id": .string(record.projectID), "description": .string(record.standard.description),
        ]
    }

    func registerRBACPolicies(on router: Router<StratusRequestContext>) {
        router.post("/v2.0/rbac-policies") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "rbac_policy", allowed: Self.rbacAttributes)
            guard let target = try fields.string("target_project") ?? fields.string("target_tenant") else {
                throw NetworkErrors.badRequest("rbac_policy", "target_tenant is required")
            }
            let record = try await manager.createRBACPolicy(
                objectType: try fields.requiredString("object_type"), objectID: try fields.requiredString("object_id"),
                action: try fields.requiredString("action"), targetProject: target,
                description: try fields.string("description"), auth: auth)
            return respond(.created, "rbac_policy", Self.rbacBody(record))
        }
        router.get("/v2.0/rbac-policies") { request, context in
            let auth = try context.requireAuth()
            let records = try await manager.listRBACPolicies(auth: auth)
            return try NeutronList(request: request).respond(
                "rbac_policies", records.map(Self.rbacBody), path: "/v2.0/rbac-policies", baseURL: publicURL)
        }
        router.get("/v2.0/rbac-policies/{rbac_policy_id}") { _, context in
            let auth = try context.requireAuth()
            return respond(
                "rbac_policy", Self.rbacBody(try await manager.getRBACPolicy(try context.parameters.require("rbac_policy_id"), auth: auth)))
        }
        router.put("/v2.0/rbac-policies/{rbac_policy_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "rbac_policy", allowed: Self.rbacAttributes)
            let record = try await manager.updateRBACPolicy(
                try context.parameters.require("rbac_policy_id"),
                targetProject: try fields.string("target_project") ?? fields.string("target_tenant"),
                description: try fields.string("description"), expectedRevision: try request.expectedRevision(), auth: auth)
            return respond("rbac_policy", Self.rbacBody(record))
        }
        router.delete("/v2.0/rbac-policies/{rbac_policy_id}") { request, context in
            let auth = try context.requireAuth()
            try await manager.deleteRBACPolicy(try context.parameters.require("rbac_policy_id"), expectedRevision: try request.expectedRevision(), auth: auth)
            return JSONResponse.empty()
        }
    }
}
