import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/os-quota-sets/{project}` (show, `detail`, update, delete, `defaults`; `user_id`
    /// for one user's limits) and `/os-quota-class-sets/{class}` (show, update). Network
    /// resources leave the bodies at 2.36 (quota classes: 2.50), personality files at 2.57.
    func registerQuotas(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/os-quota-sets/{project}") { request, context in
            let auth = try context.requireAuth()
            let project = try context.parameters.require("project")
            let usage = try await manager.quotaUsage(auth, projectID: project, userID: request.query("user_id"), rule: "show")
            var body = Self.quotaLimits(usage.mapValues(\.limit), version: Self.version(context))
            body["id"] = .string(project)
            return Self.respond(["quota_set": .object(body)])
        }
        router.get("/v2.1/os-quota-sets/{project}/detail") { request, context in
            let auth = try context.requireAuth()
            let project = try context.parameters.require("project")
            let usage = try await manager.quotaUsage(auth, projectID: project, userID: request.query("user_id"), rule: "detail")
            var body: [String: JSONValue] = ["id": .string(project)]
            for resource in QuotaResources.shown(at: Self.version(context)) {
                let item = usage[resource] ?? QuotaUsage(limit: -1, inUse: 0)
                body[resource] = ["limit": .int(item.limit), "in_use": .int(item.inUse), "reserved": 0]
            }
            return Self.respond(["quota_set": .object(body)])
        }
        router.get("/v2.1/os-quota-sets/{project}/defaults") { _, context in
            let auth = try context.requireAuth()
            let project = try context.parameters.require("project")
            var body = Self.quotaLimits(try await manager.defaultQuotas(auth, projectID: project), version: Self.version(context))
            body["id"] = .string(project)
            return Self.respond(["quota_set": .object(body)])
        }
        router.put("/v2.1/os-quota-sets/{project}") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let project = try context.parameters.require("project")
            let body = try ComputeBody(try await Self.body(request, context), member: "quota_set")
            try body.onlyAllow(Set(QuotaResources.shown(at: version)).union(["force"]))
            let force = try body.boolean("force") ?? false
            let limits = try Self.requestedLimits(body, version: version)
            let usage = try await manager.updateQuotas(
                auth, projectID: project, userID: request.query("user_id"), limits: limits, force: force)
            return Self.respond(["quota_set": .object(Self.quotaLimits(usage.mapValues(\.limit), version: version))])
        }
        router.delete("/v2.1/os-quota-sets/{project}") { request, context in
            try await manager.deleteQuotas(
                try context.requireAuth(), projectID: try context.parameters.require("project"), userID: request.query("user_id"))
            return JSONResponse.empty(.accepted)
        }
        router.get("/v2.1/os-quota-class-sets/{class}") { _, context in
            let name = try context.parameters.require("class")
            let limits = try await manager.quotaClass(try context.requireAuth(), name: name)
            var body = Self.quotaLimits(limits, version: Self.version(context), classSet: true)
            body["id"] = .string(name)
            return Self.respond(["quota_class_set": .object(body)])
        }
        router.put("/v2.1/os-quota-class-sets/{class}") { request, context in
            let version = Self.version(context)
            let body = try ComputeBody(try await Self.body(request, context), member: "quota_class_set")
            try body.onlyAllow(Set(Self.classResources(version)))
            let limits = try await manager.updateQuotaClass(
                try context.requireAuth(), name: try context.parameters.require("class"),
                limits: try Self.requestedLimits(body, version: version))
            return Self.respond(["quota_class_set": .object(Self.quotaLimits(limits, version: version, classSet: true))])
        }
    }

    /// The resources a quota class body carries: network ones go at 2.50, files at 2.57.
    private static func classResources(_ version: Microversion) -> [String] {
        QuotaResources.novaDefaults.keys.filter { resource in
            if version.isAtLeast(2, 50), QuotaResources.networkResources.contains(resource) { return false }
            if version.isAtLeast(2, 57), QuotaResources.fileResources.contains(resource) { return false }
            return true
        }.sorted()
    }

    /// The limits of the body: integers from -1 up.
    private static func requestedLimits(_ body: ComputeBody, version: Microversion) throws -> [String: Int64] {
        var limits: [String: Int64] = [:]
        for key in body.object.keys where key != "force" {
            limits[key] = try body.integer(key, minimum: -1, maximum: 2_147_483_647)
        }
        return limits
    }

    private static func quotaLimits(_ limits: [String: Int64], version: Microversion, classSet: Bool = false) -> [String: JSONValue] {
        var body: [String: JSONValue] = [:]
        for resource in classSet ? classResources(version) : QuotaResources.shown(at: version) {
            body[resource] = .int(limits[resource] ?? -1)
        }
        return body
    }
}
