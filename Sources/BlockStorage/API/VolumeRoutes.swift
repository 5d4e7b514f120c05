import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// `/volumes`: create, list (summary and detail, filtered, sorted, paged), show, update,
    /// delete (the metadata routes are in VolumeMetadataRoutes.swift).
    func registerVolumes(on router: Router<StratusRequestContext>) {
        for path in Self.paths("/volumes") {
            router.post(path) { request, context in
                let auth = try Self.auth(context)
                let body = try await Self.body(request, context)
                let create = try Self.volumeCreateRequest(body, version: Self.version(context))
                let volume = try await manager.createVolume(create, auth, requestID: context.requestID)
                return Self.respond(
                    ["volume": try await wire(context, auth).detail(volume, created: true)], status: .accepted)
            }
            router.get(path) { request, context in try await list(request, context, detailed: false) }
        }
        for path in Self.paths("/volumes/detail") {
            router.get(path) { request, context in try await list(request, context, detailed: true) }
        }
        for path in Self.paths("/volumes/{volume_id}") {
            router.get(path) { _, context in
                let auth = try Self.auth(context)
                let volume = try await manager.volume(try context.parameters.require("volume_id"), auth)
                return Self.respond(["volume": try await wire(context, auth).detail(volume)])
            }
            router.put(path) { request, context in
                let auth = try Self.auth(context)
                let fields = try Self.member(try await Self.body(request, context), "volume")
                let name: String?? = fields.has("name") ? .some(try fields.string("name")) : fields.has("display_name") ? .some(try fields.string("display_name")) : nil
                let description: String?? = fields.has("description") ? .some(try fields.string("description")) : fields.has("display_description") ? .some(try fields.string("display_description")) : nil
                let metadata = try Self.stringMap(fields, "metadata")
                if Self.version(context).isAtLeast(3, 53), name == nil, description == nil, metadata == nil {
                    throw BlockStorageErrors.badRequest("Invalid input for field/attribute volume. Value: {}. {} does not have enough properties")
                }
                let volume = try await manager.updateVolume(
                    try context.parameters.require("volume_id"), name: name, description: description, metadata: metadata, auth)
                return Self.respond(["volume": try await wire(context, auth).detail(volume)])
            }
            router.delete(path) { request, context in
                let auth = try Self.auth(context)
                let cascade = try Self.flag(request.query("cascade").map(JSONValue.string), "cascade") ?? false
                var force = false
                if Self.version(context).isAtLeast(3, 23) {
                    force = try Self.flag(request.query("force").map(JSONValue.string), "force") ?? false
                }
                try await manager.deleteVolume(
                    try context.parameters.require("volume_id"), cascade: cascade, force: force, auth,
                    requestID: context.requestID)
                return Self.accepted()
            }
        }
    }

    /// The body serializer for this request: its microversion, whether the caller is an
    /// admin, and the type names.
    func wire(_ context: StratusRequestContext, _ auth: AuthContext) async throws -> VolumeWire {
        let types = try await manager.read { try await $0.volumeTypes() }
        return VolumeWire(
            publicURL: publicURL, version: Self.version(context), isAdmin: policy.isAdmin(auth),
            typeNames: Dictionary(uniqueKeysWithValues: types.map { ($0.id, $0.name) }))
    }

    private func list(_ request: Request, _ context: StratusRequestContext, detailed: Bool) async throws -> Response {
        let auth = try Self.auth(context)
        let version = Self.version(context)
        var query = try Self.volumeListQuery(request, auth: auth, version: version, isAdmin: policy.isAdmin(auth))
        try policy.enforce("volume:get_all", auth)
        if query.projectID == nil { try policy.enforce("volume:get_all_tenants", auth) }
        if let typeName = query.equals["volume_type_id"] {
            query.equals["volume_type_id"] = try await manager.read { try await $0.volumeType(idOrName: typeName) }?.id ?? typeName
        }
        let listQuery = query
        let volumes = try await manager.read { try await listQuery.run($0) }
        let wire = try await wire(context, auth)
        var body: [String: JSONValue] = [
            "volumes": .array(volumes.map { detailed ? wire.detail($0) : wire.summary($0) })
        ]
        if let limit = query.limit, limit > 0, volumes.count >= limit, let last = volumes.last {
            let base = publicURL + "/v3/" + (auth.projectID ?? "") + (detailed ? "/volumes/detail" : "/volumes")
            var items = request.uri.queryParameters.filter { $0.key != "marker" }.map { (String($0.key), String($0.value)) }
            items.append(("marker", last.id))
            body["volumes_links"] = [["rel": "next", "href": .string(base + "?" + QueryString.encode(items))]]
        }
        if version.isAtLeast(3, 45), try Self.flag(request.query("with_count").map(JSONValue.string), "with_count") == true {
            var all = query
            all.limit = nil
            all.marker = nil
            all.offset = 0
            let countQuery = all
            body["count"] = .int(Int64(try await manager.read { try await countQuery.run($0) }.count))
        }
        return Self.respond(.object(body))
    }

    static let volumeCreateKeys: Set<String> = [
        "size", "name", "description", "display_name", "display_description", "volume_type", "availability_zone",
        "snapshot_id", "source_volid", "imageRef", "image_id", "metadata", "multiattach", "consistencygroup_id",
        "group_id", "backup_id", "scheduler_hints", "source_replica",
    ]

    static func volumeCreateRequest(_ body: [String: JSONValue], version: Microversion) throws -> VolumeCreateRequest {
        let fields = try member(body, "volume")
        if version.isAtLeast(3, 53), let extra = fields.object.keys.filter({ !volumeCreateKeys.contains($0) }).sorted().first {
            throw BlockStorageErrors.badRequest(
                "Invalid input for field/attribute volume. Value: \(JSONValue.object(fields.object).jsonText()). Additional properties are not allowed ('\(extra)' was unexpected)")
        }
        if try flag(fields.object["multiattach"], "multiattach") == true {
            throw BlockStorageErrors.badRequest(
                "multiattach parameter has been removed. The default behavior is to use multiattach enabled volume types. Contact your administrator to create a multiattach enabled volume type and use it to create multiattach volumes.")
        }
        var request = VolumeCreateRequest()
        request.size = try integer(fields, "size")
        if let size = request.size, size < 1 {
            throw invalidSizeRequest(fields.object["size"] ?? .null)
        }
        request.name = try fields.string("name") ?? fields.string("display_name")
        request.description = try fields.string("description") ?? fields.string("display_description")
        request.volumeType = try fields.string("volume_type")
        request.availabilityZone = try fields.string("availability_zone")
        request.snapshotID = try fields.string("snapshot_id")
        request.sourceVolumeID = try fields.string("source_volid")
        request.imageRef = try fields.string("imageRef") ?? fields.string("image_id")
        if version.isAtLeast(3, 47) { request.backupID = try fields.string("backup_id") }
        request.metadata = try stringMap(fields, "metadata") ?? [:]
        if request.size == nil, request.snapshotID == nil, request.sourceVolumeID == nil, request.backupID == nil {
            throw invalidSizeRequest(fields.object["size"] ?? .null)
        }
        return request
    }

    private static func invalidSizeRequest(_ value: JSONValue) -> APIError {
        BlockStorageErrors.invalidInput(
            "Invalid volume size provided for create request: \(value.isNull ? "None" : value.jsonText()) (size argument must be an integer (or string representation of an integer) and greater than zero).")
    }

    /// The list request's scope, filters, sort and page. Non-admins may filter on Cinder's
    /// user-visible keys only; `all_tenants` is ignored for them.
    static func volumeListQuery(_ request: Request, auth: AuthContext, version: Microversion, isAdmin: Bool) throws
        -> VolumeListQuery
    {
        var query = VolumeListQuery(projectID: auth.projectID)
        let parameters = request.uri.queryParameters
        let paging: Set<String> = ["limit", "marker", "offset", "sort", "sort_key", "sort_dir", "with_count", "all_tenants", "project_id"]
        let userFilters: [String: String] = [
            "name": "name", "display_name": "name", "status": "status", "availability_zone": "availability_zone",
            "bootable": "bootable", "size": "size", "migration_status": "migration_status", "consumes_quota": "consumes_quota",
        ]
        let adminFilters: [String: String] = ["host": "host", "volume_type": "volume_type_id", "user_id": "user_id"]
        var unknown: [String] = []
        for (key, value) in parameters {
            let key = String(key)
            let value = String(value)
            if paging.contains(key) { continue }
            if key == "metadata" {
                query.metadata = try metadataFilter(value)
            } else if key == "name~" || key == "display_name~", version.isAtLeast(3, 34) {
                query.nameLike = value
            } else if let column = userFilters[key] ?? (isAdmin ? adminFilters[key] : nil) {
                if column == "consumes_quota" {
                    query.equals[column] = (try flag(.string(value), key) ?? true) ? "1" : "0"
                } else {
                    query.equals[column] = value
                }
            } else if isAdmin {
                continue
            } else {
                unknown.append(key)
            }
        }
        if !unknown.isEmpty, version.isAtLeast(3, 31) {
            throw BlockStorageErrors.badRequest("Invalid filters \(unknown.sorted().joined(separator: ",")) are found in query options.")
        }
        if isAdmin, try flag(request.query("all_tenants").map(JSONValue.string), "all_tenants") == true {
            query.projectID = request.query("project_id")
        }
        if let text = request.query("limit") {
            guard let limit = Int(text) else { throw BlockStorageErrors.badRequest("limit param must be an integer") }
            guard limit >= 0 else { throw BlockStorageErrors.badRequest("limit param must be positive") }
            query.limit = limit
        }
        if let text = request.query("offset") {
            guard let offset = Int(text), offset >= 0 else { throw BlockStorageErrors.badRequest("offset param must be positive") }
            query.offset = offset
        }
        query.marker = request.query("marker")
        query.sort = try sortKeys(request)
        return query
    }

    /// `sort=key:dir,key` or the older `sort_key` and `sort_dir` (not both).
    static func sortKeys(_ request: Request, columns: [String: String] = VolumeListQuery.sortableColumns) throws -> [(String, Bool)] {
        var pairs: [(String, String)] = []
        if let sort = request.query("sort") {
            if request.query("sort_key") != nil || request.query("sort_dir") != nil {
                throw BlockStorageErrors.badRequest(
                    "The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter.")
            }
            for item in sort.split(separator: ",") {
                let parts = item.split(separator: ":", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
                pairs.append((parts[0], parts.count > 1 ? parts[1] : "desc"))
            }
        } else if let key = request.query("sort_key") {
            pairs.append((key, request.query("sort_dir") ?? "desc"))
        }
        return try pairs.map { key, direction in
            guard let column = columns[key] else {
                throw BlockStorageErrors.invalidInput("Invalid sort key \(key)")
            }
            guard direction == "asc" || direction == "desc" else {
                throw BlockStorageErrors.invalidInput("Unknown sort direction, must be 'desc' or 'asc'")
            }
            return (column, direction == "asc")
        }
    }

    /// `metadata={'k': 'v'}` (a Python-literal or JSON dict string, as clients send it).
    static func metadataFilter(_ text: String) throws -> [String: String] {
        let json = text.replacingOccurrences(of: "'", with: "\"")
        guard let object = JSONValue.parse(json)?.objectValue else {
            throw BlockStorageErrors.invalidInput("Invalid metadata filter \(text)")
        }
        var result: [String: String] = [:]
        for (key, value) in object { result[key] = value.stringValue ?? value.jsonText() }
        return result
    }
}
