import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// `/backups`: create, list (summary and detail), show, update (3.9), delete, restore, and
    /// the actions os-reset_status and os-force_delete.
    func registerBackups(on router: Router<StratusRequestContext>) {
        for path in Self.paths("/backups") {
            router.post(path) { request, context in
                let auth = try Self.auth(context)
                let create = try Self.backupCreateRequest(try await Self.body(request, context), version: Self.version(context))
                let backup = try await manager.createBackup(create, auth, requestID: context.requestID)
                return Self.respond(["backup": backupWire(context, auth).summary(backup)], status: .accepted)
            }
            router.get(path) { request, context in try await listBackups(request, context, detailed: false) }
        }
        for path in Self.paths("/backups/detail") {
            router.get(path) { request, context in try await listBackups(request, context, detailed: true) }
        }
        for path in Self.paths("/backups/{backup_id}") {
            router.get(path) { _, context in
                let auth = try Self.auth(context)
                let backup = try await manager.visibleBackup(try context.parameters.require("backup_id"), auth)
                return Self.respond(["backup": try await backupDetail(backup, context, auth)])
            }
            router.put(path) { request, context in
                try Self.require(context, 3, 9)
                let auth = try Self.auth(context)
                let fields = try Self.member(try await Self.body(request, context), "backup")
                let name: String?? = fields.has("name") ? .some(try fields.string("name")) : nil
                let description: String?? = fields.has("description") ? .some(try fields.string("description")) : nil
                let metadata = Self.version(context).isAtLeast(3, 43) ? try Self.stringMap(fields, "metadata") : nil
                let backup = try await manager.updateBackup(
                    try context.parameters.require("backup_id"), name: name, description: description, metadata: metadata, auth)
                return Self.respond(["backup": try await backupDetail(backup, context, auth)])
            }
            router.delete(path) { _, context in
                let auth = try Self.auth(context)
                try await manager.deleteBackup(
                    try context.parameters.require("backup_id"), force: false, auth, requestID: context.requestID)
                return Self.accepted()
            }
        }
        for path in Self.paths("/backups/{backup_id}/restore") {
            router.post(path) { request, context in
                let auth = try Self.auth(context)
                let id = try context.parameters.require("backup_id")
                let fields = try Self.member(try await Self.body(request, context), "restore")
                let volume = try await manager.restoreBackup(
                    id, volumeID: try fields.string("volume_id"), name: try fields.string("name"), auth,
                    requestID: context.requestID)
                return Self.respond(
                    [
                        "restore": [
                            "backup_id": .string(id), "volume_id": .string(volume.id),
                            "volume_name": volume.name.map(JSONValue.string) ?? .null,
                        ]
                    ], status: .accepted)
            }
        }
        for path in Self.paths("/backups/{backup_id}/action") {
            router.post(path) { request, context in
                let auth = try Self.auth(context)
                let id = try context.parameters.require("backup_id")
                let (name, value) = try Self.singleAction(try await Self.body(request, context))
                switch name {
                case "os-reset_status":
                    let status = try Self.actionStatus(value, missingMessage: "Must specify 'status'")
                    try await manager.resetBackupStatus(id, status: status, auth)
                case "os-force_delete":
                    try await manager.deleteBackup(id, force: true, auth, requestID: context.requestID)
                default:
                    throw Self.unknownAction(name)
                }
                return Self.accepted()
            }
        }
    }

    private func backupWire(_ context: StratusRequestContext, _ auth: AuthContext) -> BackupWire {
        BackupWire(publicURL: publicURL, version: Self.version(context), isAdmin: policy.isAdmin(auth))
    }

    private func backupDetail(_ backup: BackupRecord, _ context: StratusRequestContext, _ auth: AuthContext) async throws
        -> JSONValue
    {
        let dependents = try await manager.backupsWithDependents([backup])
        return backupWire(context, auth).detail(backup, hasDependents: dependents.contains(backup.id))
    }

    private func listBackups(_ request: Request, _ context: StratusRequestContext, detailed: Bool) async throws -> Response {
        let auth = try Self.auth(context)
        let version = Self.version(context)
        let isAdmin = policy.isAdmin(auth)
        var query = BackupListQuery(projectID: auth.projectID)
        let paging: Set<String> = ["limit", "marker", "offset", "sort", "sort_key", "sort_dir", "with_count", "all_tenants", "project_id"]
        let filters: [String: String] = ["name": "name", "display_name": "name", "status": "status", "volume_id": "volume_id"]
        var unknown: [String] = []
        for (key, value) in request.uri.queryParameters where !paging.contains(String(key)) {
            if let column = filters[String(key)] {
                query.equals[column] = String(value)
            } else if !isAdmin {
                unknown.append(String(key))
            }
        }
        if !unknown.isEmpty, version.isAtLeast(3, 31) {
            throw BlockStorageErrors.badRequest("Invalid filters \(unknown.sorted().joined(separator: ",")) are found in query options.")
        }
        if isAdmin, try Self.flag(request.query("all_tenants").map(JSONValue.string), "all_tenants") == true {
            query.projectID = request.query("project_id")
        }
        let window = try Self.page(request)
        query.limit = window.limit
        query.offset = window.offset
        query.marker = window.marker
        query.sort = try Self.sortKeys(request, columns: BackupListQuery.sortableColumns)
        let backups = try await manager.listBackups(query, auth)
        let wire = backupWire(context, auth)
        let dependents = detailed ? try await manager.backupsWithDependents(backups) : []
        var body: [String: JSONValue] = [
            "backups": .array(backups.map { detailed ? wire.detail($0, hasDependents: dependents.contains($0.id)) : wire.summary($0) })
        ]
        if let link = nextLink(request, auth, collection: detailed ? "backups/detail" : "backups", limit: query.limit,
            lastID: backups.count >= (query.limit ?? Int.max) ? backups.last?.id : nil)
        {
            body["backups_links"] = link
        }
        if version.isAtLeast(3, 45), try Self.flag(request.query("with_count").map(JSONValue.string), "with_count") == true {
            var all = query
            all.limit = nil
            all.marker = nil
            all.offset = 0
            body["count"] = .int(Int64(try await manager.listBackups(all, auth).count))
        }
        return Self.respond(.object(body))
    }

    static func backupCreateRequest(_ body: [String: JSONValue], version: Microversion) throws -> BackupCreateRequest {
        let fields = try member(body, "backup")
        guard let volumeID = try fields.string("volume_id") else {
            throw BlockStorageErrors.badRequest(
                "Invalid input for field/attribute backup. Value: \(JSONValue.object(fields.object).jsonText()). 'volume_id' is a required property")
        }
        var request = BackupCreateRequest(volumeID: volumeID)
        request.name = try fields.string("name")
        request.description = try fields.string("description")
        request.container = try fields.string("container")
        request.incremental = try flag(fields.object["incremental"], "incremental") ?? false
        request.force = try flag(fields.object["force"], "force") ?? false
        request.snapshotID = try fields.string("snapshot_id")
        if version.isAtLeast(3, 43) { request.metadata = try stringMap(fields, "metadata") ?? [:] }
        if version.isAtLeast(3, 51) { request.availabilityZone = try fields.string("availability_zone") }
        return request
    }
}
