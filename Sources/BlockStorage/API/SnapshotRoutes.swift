import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// `/snapshots`: create, list (summary and detail, filtered, sorted, paged), show, update,
    /// delete, and the actions os-reset_status, os-force_delete and os-update_snapshot_status.
    func registerSnapshots(on router: Router<StratusRequestContext>) {
        for path in Self.paths("/snapshots") {
            router.post(path) { request, context in
                let auth = try Self.auth(context)
                let version = Self.version(context)
                let create = try Self.snapshotCreateRequest(try await Self.body(request, context), version: version)
                let snapshot = try await manager.createSnapshot(create, version: version, auth, requestID: context.requestID)
                return Self.respond(["snapshot": SnapshotWire(version: version).summary(snapshot)], status: .accepted)
            }
            router.get(path) { request, context in try await listSnapshots(request, context, detailed: false) }
        }
        for path in Self.paths("/snapshots/detail") {
            router.get(path) { request, context in try await listSnapshots(request, context, detailed: true) }
        }
        for path in Self.paths("/snapshots/{snapshot_id}") {
            router.get(path) { _, context in
                let auth = try Self.auth(context)
                let snapshot = try await manager.visibleSnapshot(try context.parameters.require("snapshot_id"), auth)
                return Self.respond(["snapshot": SnapshotWire(version: Self.version(context)).detail(snapshot)])
            }
            router.put(path) { request, context in
                let auth = try Self.auth(context)
                let fields = try Self.member(try await Self.body(request, context), "snapshot")
                let name: String?? =
                    fields.has("name") ? .some(try fields.string("name")) : fields.has("display_name") ? .some(try fields.string("display_name")) : nil
                let description: String?? =
                    fields.has("description") ? .some(try fields.string("description"))
                    : fields.has("display_description") ? .some(try fields.string("display_description")) : nil
                if Self.version(context).isAtLeast(3, 53), name == nil, description == nil {
                    throw BlockStorageErrors.badRequest(
                        "Invalid input for field/attribute snapshot. Value: {}. {} does not have enough properties")
                }
                let snapshot = try await manager.updateSnapshot(
                    try context.parameters.require("snapshot_id"), name: name, description: description, auth)
                return Self.respond(["snapshot": SnapshotWire(version: Self.version(context)).detail(snapshot)])
            }
            router.delete(path) { _, context in
                let auth = try Self.auth(context)
                try await manager.deleteSnapshot(
                    try context.parameters.require("snapshot_id"), force: false, auth, requestID: context.requestID)
                return Self.accepted()
            }
        }
        for path in Self.paths("/snapshots/{snapshot_id}/action") {
            router.post(path) { request, context in
                let auth = try Self.auth(context)
                let id = try context.parameters.require("snapshot_id")
                let (name, value) = try Self.singleAction(try await Self.body(request, context))
                switch name {
                case "os-reset_status":
                    let status = try Self.actionStatus(value, missingMessage: "Must specify 'status'")
                    try await manager.resetSnapshotStatus(id, status: status, auth)
                case "os-force_delete":
                    try await manager.deleteSnapshot(id, force: true, auth, requestID: context.requestID)
                case "os-update_snapshot_status":
                    let status = try Self.actionStatus(value, missingMessage: "'status' must be specified.")
                    try await manager.updateSnapshotStatus(id, status: status, progress: value["progress"]?.stringValue, auth)
                default:
                    throw Self.unknownAction(name)
                }
                return Self.accepted()
            }
        }
    }

    private func listSnapshots(_ request: Request, _ context: StratusRequestContext, detailed: Bool) async throws -> Response {
        let auth = try Self.auth(context)
        let version = Self.version(context)
        let query = try Self.snapshotListQuery(request, auth: auth, version: version, isAdmin: policy.isAdmin(auth))
        let snapshots = try await manager.listSnapshots(query, auth)
        let wire = SnapshotWire(version: version)
        var body: [String: JSONValue] = [
            "snapshots": .array(snapshots.map { detailed ? wire.detail($0) : wire.summary($0) })
        ]
        if let link = nextLink(request, auth, collection: detailed ? "snapshots/detail" : "snapshots", limit: query.limit,
            lastID: snapshots.count >= (query.limit ?? Int.max) ? snapshots.last?.id : nil)
        {
            body["snapshots_links"] = link
        }
        if version.isAtLeast(3, 45), try Self.flag(request.query("with_count").map(JSONValue.string), "with_count") == true {
            var all = query
            all.limit = nil
            all.marker = nil
            all.offset = 0
            body["count"] = .int(Int64(try await manager.listSnapshots(all, auth).count))
        }
        return Self.respond(.object(body))
    }

    /// The `rel: next` link of a page that filled its `limit`, with the request's parameters
    /// and the last item as the marker.
    func nextLink(_ request: Request, _ auth: AuthContext, collection: String, limit: Int?, lastID: String?) -> JSONValue? {
        guard let limit, limit > 0, let lastID else { return nil }
        let base = publicURL + "/v3/" + (auth.projectID ?? "") + "/" + collection
        var items = request.uri.queryParameters.filter { $0.key != "marker" }.map { (String($0.key), String($0.value)) }
        items.append(("marker", lastID))
        return [["rel": "next", "href": .string(base + "?" + QueryString.encode(items))]]
    }

    static let snapshotCreateKeys: Set<String> = [
        "volume_id", "name", "description", "display_name", "display_description", "force", "metadata",
    ]

    static func snapshotCreateRequest(_ body: [String: JSONValue], version: Microversion) throws -> SnapshotCreateRequest {
        let fields = try member(body, "snapshot")
        let text = JSONValue.object(fields.object).jsonText()
        if version.isAtLeast(3, 53), let extra = fields.object.keys.filter({ !snapshotCreateKeys.contains($0) }).sorted().first {
            throw BlockStorageErrors.badRequest(
                "Invalid input for field/attribute snapshot. Value: \(text). Additional properties are not allowed ('\(extra)' was unexpected)")
        }
        guard let volumeID = try fields.string("volume_id") else {
            throw BlockStorageErrors.badRequest(
                "Invalid input for field/attribute snapshot. Value: \(text). 'volume_id' is a required property")
        }
        var request = SnapshotCreateRequest(volumeID: volumeID)
        request.name = try fields.string("name") ?? fields.string("display_name")
        request.description = try fields.string("description") ?? fields.string("display_description")
        request.force = try flag(fields.object["force"], "force")
        if version.isAtLeast(3, 66), request.force == false {
            throw BlockStorageErrors.badRequest(
                "Since microversion 3.66 the 'force' flag is invalid for this request.  For backward compatability, however, when the 'force' flag is passed with a value evaluating to True, it is silently ignored.")
        }
        request.metadata = try stringMap(fields, "metadata") ?? [:]
        return request
    }

    /// The list request's scope, filters, sort and page; non-admins may filter on Cinder's
    /// user-visible keys only.
    static func snapshotListQuery(_ request: Request, auth: AuthContext, version: Microversion, isAdmin: Bool) throws
        -> SnapshotListQuery
    {
        var query = SnapshotListQuery(projectID: auth.projectID)
        let paging: Set<String> = ["limit", "marker", "offset", "sort", "sort_key", "sort_dir", "with_count", "all_tenants", "project_id"]
        let filters: [String: String] = [
            "name": "name", "display_name": "name", "status": "status", "volume_id": "volume_id",
            "consumes_quota": "consumes_quota",
        ]
        var unknown: [String] = []
        for (key, value) in request.uri.queryParameters {
            let key = String(key)
            let value = String(value)
            if paging.contains(key) { continue }
            if key == "metadata" {
                query.metadata = try metadataFilter(value)
            } else if key == "availability_zone" {
                query.availabilityZone = value
            } else if let column = filters[key] {
                query.equals[column] = column == "consumes_quota" ? ((try flag(.string(value), key) ?? true) ? "1" : "0") : value
            } else if !isAdmin {
                unknown.append(key)
            }
        }
        if !unknown.isEmpty, version.isAtLeast(3, 31) {
            throw BlockStorageErrors.badRequest("Invalid filters \(unknown.sorted().joined(separator: ",")) are found in query options.")
        }
        if isAdmin, try flag(request.query("all_tenants").map(JSONValue.string), "all_tenants") == true {
            query.projectID = request.query("project_id")
        }
        let window = try Self.page(request)
        query.limit = window.limit
        query.offset = window.offset
        query.marker = window.marker
        query.sort = try sortKeys(request, columns: SnapshotListQuery.sortableColumns)
        return query
    }

    /// `limit`, `offset` and `marker` with Cinder's messages.
    static func page(_ request: Request) throws -> (limit: Int?, offset: Int, marker: String?) {
        var limit: Int?
        var offset = 0
        if let text = request.query("limit") {
            guard let value = Int(text) else { throw BlockStorageErrors.badRequest("limit param must be an integer") }
            guard value >= 0 else { throw BlockStorageErrors.badRequest("limit param must be positive") }
            limit = value
        }
        if let text = request.query("offset") {
            guard let value = Int(text), value >= 0 else { throw BlockStorageErrors.badRequest("offset param must be positive") }
            offset = value
        }
        return (limit, offset, request.query("marker"))
    }
}
