import Hummingbird
import SQLKit
import StratusKit

extension BlockStorageAPI {
    /// `/os-quota-sets/{project}` (show, `?usage=True`, update, delete back to defaults),
    /// `/os-quota-sets/{project}/defaults`, and `/limits`.
    func registerQuotas(on router: Router<StratusRequestContext>) {
        for path in Self.paths("/os-quota-sets/{target_project}") {
            router.get(path) { request, context in
                let auth = try Self.auth(context)
                let target = try context.parameters.require("target_project")
                try policy.enforce("volume_extension:quotas:show", auth, projectID: target)
                let usage = try Self.flag(request.query("usage").map(JSONValue.string), "usage") ?? false
                return Self.respond(["quota_set": try await quotaSet(target, usage: usage)])
            }
            router.put(path) { request, context in
                let auth = try Self.auth(context)
                let target = try context.parameters.require("target_project")
                try policy.enforce("volume_extension:quotas:update", auth, projectID: target)
                let fields = try Self.member(try await Self.body(request, context), "quota_set")
                let typeNames = try await manager.read { try await $0.volumeTypes() }.map(\.name)
                let known = Set(VolumeQuotas.resources + typeNames.flatMap { ["volumes_\($0)", "gigabytes_\($0)", "snapshots_\($0)"] })
                var limits: [String: Int64] = [:]
                for (key, value) in fields.object where key != "tenant_id" && key != "id" {
                    guard known.contains(key) else { throw BlockStorageErrors.badRequest("Bad key(s) in quota set: \(key)") }
                    guard let limit = try Self.integer(fields, key), limit >= -1 else {
                        throw BlockStorageErrors.badRequest("Quota limit \(value.jsonText()) for \(key) must be -1 or greater.")
                    }
                    limits[key] = limit
                }
                let setLimits = limits
                try await manager.write { queries in
                    for (resource, limit) in setLimits {
                        try await queries.sql.delete(from: "volume_quotas").where("project_id", .equal, target)
                            .where("resource", .equal, resource).run()
                        try await queries.sql.insert(into: "volume_quotas").columns("project_id", "resource", "hard_limit")
                            .values(SQLBind(target), SQLBind(resource), SQLBind(limit)).run()
                    }
                }
                var body = try await quotaSet(target, usage: false)
                body = .object((body.objectValue ?? [:]).filter { $0.key != "id" })
                return Self.respond(["quota_set": body])
            }
            router.delete(path) { _, context in
                let auth = try Self.auth(context)
                let target = try context.parameters.require("target_project")
                try policy.enforce("volume_extension:quotas:delete", auth, projectID: target)
                try await manager.write { queries in
                    try await queries.sql.delete(from: "volume_quotas").where("project_id", .equal, target).run()
                }
                return Self.respond(.object([:]))
            }
        }
        for path in Self.paths("/os-quota-sets/{target_project}/defaults") {
            router.get(path) { _, context in
                let auth = try Self.auth(context)
                let target = try context.parameters.require("target_project")
                try policy.enforce("volume_extension:quotas:show", auth, projectID: target)
                let typeNames = try await manager.read { try await $0.volumeTypes() }.map(\.name)
                let limits = try await manager.read { queries in
                    try await manager.quotas.limits(queries.sql, projectID: "", typeNames: typeNames)
                }
                var body = limits.mapValues { JSONValue.int($0) }
                body["id"] = .string(target)
                return Self.respond(["quota_set": .object(body)])
            }
        }
        for path in Self.paths("/limits") {
            router.get(path) { _, context in
                let auth = try Self.auth(context)
                try policy.enforce("limits_extension:used_limits", auth)
                let project = auth.projectID ?? ""
                let (limits, usage) = try await manager.read { queries in
                    (
                        try await manager.quotas.limits(queries.sql, projectID: project, typeNames: []),
                        try await manager.quotas.usage(queries.sql, projectID: project)
                    )
                }
                let absolute: [String: JSONValue] = [
                    "maxTotalVolumes": .int(limits["volumes"] ?? -1), "maxTotalSnapshots": .int(limits["snapshots"] ?? -1),
                    "maxTotalVolumeGigabytes": .int(limits["gigabytes"] ?? -1),
                    "maxTotalBackups": .int(limits["backups"] ?? -1),
                    "maxTotalBackupGigabytes": .int(limits["backup_gigabytes"] ?? -1),
                    "totalVolumesUsed": .int(usage["volumes"] ?? 0), "totalSnapshotsUsed": .int(usage["snapshots"] ?? 0),
                    "totalGigabytesUsed": .int(usage["gigabytes"] ?? 0), "totalBackupsUsed": .int(usage["backups"] ?? 0),
                    "totalBackupGigabytesUsed": .int(usage["backup_gigabytes"] ?? 0),
                ]
                return Self.respond(["limits": ["rate": [], "absolute": .object(absolute)]])
            }
        }
    }

    /// The project's limits, and with `usage` each as `{"limit", "in_use", "reserved", "allocated"}`.
    func quotaSet(_ projectID: String, usage: Bool) async throws -> JSONValue {
        let typeNames = try await manager.read { try await $0.volumeTypes() }.map(\.name)
        let (limits, used) = try await manager.read { queries in
            (
                try await manager.quotas.limits(queries.sql, projectID: projectID, typeNames: typeNames),
                try await manager.quotas.usage(queries.sql, projectID: projectID)
            )
        }
        var body: [String: JSONValue] = ["id": .string(projectID)]
        for (resource, limit) in limits {
            body[resource] =
                usage
                ? ["limit": .int(limit), "in_use": .int(used[resource] ?? 0), "reserved": 0, "allocated": 0] : .int(limit)
        }
        return .object(body)
    }
}
