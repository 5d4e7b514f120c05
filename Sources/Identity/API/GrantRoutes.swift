import HTTPTypes
import Hummingbird
import StratusKit

extension IdentityAPI {
    /// Role grants on projects, domains and the system, for users and groups, and the
    /// OS-INHERIT grants that flow down to projects.
    func registerGrants(on router: Router<StratusRequestContext>) {
        for targetKind in ["projects", "domains"] {
            for actorKind in ["users", "groups"] {
                let base = "/v3/\(targetKind)/{\(Self.parameter(targetKind))}/\(actorKind)/{\(Self.parameter(actorKind))}/roles"
                addGrantRoutes(router, base: base, suffix: "", targetKind: targetKind, actorKind: actorKind, inherited: false)
                addGrantRoutes(
                    router, base: "/v3/OS-INHERIT" + base.dropFirst(3), suffix: "/inherited_to_projects",
                    targetKind: targetKind, actorKind: actorKind, inherited: true)
            }
        }
        for actorKind in ["users", "groups"] {
            addGrantRoutes(
                router, base: "/v3/system/\(actorKind)/{\(Self.parameter(actorKind))}/roles", suffix: "", targetKind: "system",
                actorKind: actorKind, inherited: false)
        }
    }

    /// The path parameter names, shared with the resources' own routes (the router
    /// requires one name per path position).
    static func parameter(_ kind: String) -> String {
        switch kind {
        case "projects": "project_id"
        case "domains": "domain_id"
        case "users": "user_id"
        default: "group_id"
        }
    }

    private func addGrantRoutes(
        _ router: Router<StratusRequestContext>, base: String, suffix: String, targetKind: String, actorKind: String,
        inherited: Bool
    ) {
        @Sendable func target(_ context: StratusRequestContext) throws -> AssignmentTarget {
            switch targetKind {
            case "projects": .project(try context.parameters.require("project_id"))
            case "domains": .domain(try context.parameters.require("domain_id"))
            default: .system
            }
        }
        let isGroup = actorKind == "groups"
        let actorParameter = Self.parameter(actorKind)
        let single = "\(base)/{role_id}\(suffix)"
        router.put(RouterPath(single)) { _, context in
            try await manager.grant(
                .create, target: try target(context), actorIsGroup: isGroup, actorID: try context.parameters.require(actorParameter),
                roleID: try context.parameters.require("role_id"), inherited: inherited, auth: try context.requireAuth())
            return JSONResponse.empty()
        }
        let check: @Sendable (Request, StratusRequestContext) async throws -> Response = { _, context in
            try await manager.grant(
                .check, target: try target(context), actorIsGroup: isGroup, actorID: try context.parameters.require(actorParameter),
                roleID: try context.parameters.require("role_id"), inherited: inherited, auth: try context.requireAuth())
            return JSONResponse.empty()
        }
        router.head(RouterPath(single), use: check)
        router.get(RouterPath(single), use: check)
        router.delete(RouterPath(single)) { _, context in
            try await manager.grant(
                .revoke, target: try target(context), actorIsGroup: isGroup, actorID: try context.parameters.require(actorParameter),
                roleID: try context.parameters.require("role_id"), inherited: inherited, auth: try context.requireAuth())
            return JSONResponse.empty()
        }
        router.get(RouterPath(base + suffix)) { request, context in
            let roles = try await manager.listGrants(
                target: try target(context), actorIsGroup: isGroup, actorID: try context.parameters.require(actorParameter),
                inherited: inherited, auth: try context.requireAuth())
            return try list("roles", roles.map(wire.role), request: request, path: String(request.uri.path.dropFirst(3)))
        }
    }
}
