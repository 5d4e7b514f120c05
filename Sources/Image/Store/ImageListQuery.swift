import SQLKit
import StratusKit

/// A validated image-list request: who is looking, what to filter on, how to sort and page.
/// `ImageQueries.list` turns it into one SQL query whose ORDER BY and keyset condition use
/// the same expressions, so paging by marker is exact.
struct ImageListQuery: Sendable {
    enum Comparison: String, Sendable {
        case eq, neq, gt, gte, lt, lte
        var sql: String {
            switch self {
            case .eq: "="
            case .neq: "<>"
            case .gt: ">"
            case .gte: ">="
            case .lt: "<"
            case .lte: "<="
            }
        }
    }

    /// The project whose view this is (nil for a token with no project); admins see all.
    var projectID: String?
    var isAdmin = false
    /// nil: the default view (public, own, shared with me and accepted); `all` adds community.
    var visibility: String?
    /// The member status a shared image must have to be listed; nil lists every status.
    var memberStatus: MemberStatus? = .accepted
    /// Column → accepted values (one value, or several from the `in:` form).
    var equalities: [(column: String, values: [any Encodable & Sendable])] = []
    var tags: [String] = []
    var sizeMin: Int64?
    var sizeMax: Int64?
    var osHidden: Bool? = false
    var protected: Bool?
    var properties: [(name: String, values: [String])] = []
    var times: [(column: String, comparison: Comparison, value: Timestamp)] = []
    var sort: [(key: ImageSortKey, descending: Bool)] = [(.createdAt, true)]
    var limit = 25
    var marker: ImageRecord?
}

/// The columns a list may be sorted on, with the expression used both to sort and to
/// compare against the marker (NULLs folded to a value that sorts first).
enum ImageSortKey: String, Sendable, CaseIterable {
    case name, status
    case containerFormat = "container_format"
    case diskFormat = "disk_format"
    case size, id
    case createdAt = "created_at"
    case updatedAt = "updated_at"

    var expression: String {
        switch self {
        case .size: "COALESCE(size, -1)"
        case .name, .containerFormat, .diskFormat: "COALESCE(\(rawValue), '')"
        default: rawValue
        }
    }

    func value(of image: ImageRecord) -> any Encodable & Sendable {
        switch self {
        case .name: image.name ?? ""
        case .status: image.status.rawValue
        case .id: image.id
        case .size: image.size ?? -1
        case .containerFormat: image.containerFormat ?? ""
        case .diskFormat: image.diskFormat ?? ""
        case .createdAt: image.createdAt.microseconds
        case .updatedAt: image.updatedAt.microseconds
        }
    }
}

extension ImageQueries {
    /// One page of the images the query selects, with properties and tags attached.
    func list(_ query: ImageListQuery) async throws -> [ImageRecord] {
        var conditions: [SQLQueryString] = ["deleted_at IS NULL", "status <> 'killed'"]
        if let visibility = visibilityCondition(query) { conditions.append(visibility) }
        for (column, values) in query.equalities {
            conditions.append("\(ident: column) IN (\(binds: values))")
        }
        for tag in query.tags {
            conditions.append("EXISTS (SELECT 1 FROM image_tags t WHERE t.image_id = images.id AND t.value = \(bind: tag))")
        }
        for (name, values) in query.properties {
            conditions.append(
                "EXISTS (SELECT 1 FROM image_properties p WHERE p.image_id = images.id AND p.name = \(bind: name) AND p.value IN (\(binds: values)))"
            )
        }
        if let sizeMin = query.sizeMin { conditions.append("size >= \(bind: sizeMin)") }
        if let sizeMax = query.sizeMax { conditions.append("size <= \(bind: sizeMax)") }
        if let osHidden = query.osHidden { conditions.append("os_hidden = \(bind: osHidden)") }
        if let protected = query.protected { conditions.append("protected = \(bind: protected)") }
        for (column, comparison, value) in query.times {
            conditions.append("\(ident: column) \(unsafeRaw: comparison.sql) \(bind: value.microseconds)")
        }
        let sort = Self.completeSort(query.sort)
        if let marker = query.marker { conditions.append(Self.keyset(after: marker, sort: sort)) }
        let order = sort.map { key, descending in
            SQLQueryString("\(unsafeRaw: key.expression) \(unsafeRaw: descending ? "DESC" : "ASC")")
        }
        let statement: SQLQueryString = """
            SELECT \(idents: Self.imageColumns, joinedBy: ", ") FROM images \
            WHERE \(conditions.joined(separator: " AND ")) \
            ORDER BY \(order.joined(separator: ", ")) LIMIT \(literal: query.limit)
            """
        var images = try await sql.raw(statement).all().map(Self.image)
        try await attachDetails(&images)
        return images
    }

    /// The sort keys with `created_at` and `id` appended as tie-breakers, as Glance does.
    static func completeSort(_ sort: [(key: ImageSortKey, descending: Bool)]) -> [(key: ImageSortKey, descending: Bool)] {
        var complete = sort
        let lastDescending = sort.last?.descending ?? true
        for key in [ImageSortKey.createdAt, .id] where !complete.contains(where: { $0.key == key }) {
            complete.append((key, lastDescending))
        }
        return complete
    }

    /// Rows strictly after `marker` in the sort order:
    /// (k1 > m1) OR (k1 = m1 AND k2 > m2) OR … with > flipped to < on descending keys.
    static func keyset(after marker: ImageRecord, sort: [(key: ImageSortKey, descending: Bool)]) -> SQLQueryString {
        var alternatives: [SQLQueryString] = []
        for index in sort.indices {
            var terms: [SQLQueryString] = sort[..<index].map { key, _ in
                "\(unsafeRaw: key.expression) = \(bind: key.value(of: marker))"
            }
            let (key, descending) = sort[index]
            terms.append("\(unsafeRaw: key.expression) \(unsafeRaw: descending ? "<" : ">") \(bind: key.value(of: marker))")
            alternatives.append("(\(terms.joined(separator: " AND ")))")
        }
        return "(\(alternatives.joined(separator: " OR ")))"
    }

    /// Which images the viewer may see in a list, for the requested visibility (Glance's
    /// rules: a project sees public, community and its own images and the shared images it
    /// is a member of; without a visibility filter, other projects' community images are
    /// left out, for admins too, who otherwise see everything).
    private func visibilityCondition(_ query: ImageListQuery) -> SQLQueryString? {
        let memberOf: SQLQueryString
        if let project = query.projectID {
            let status: SQLQueryString = query.memberStatus.map { " AND m.status = \(bind: $0.rawValue)" } ?? ""
            memberOf = "EXISTS (SELECT 1 FROM image_members m WHERE m.image_id = images.id AND m.member = \(bind: project)\(status))"
        } else {
            memberOf = "1 = 0"
        }
        let owned: SQLQueryString = query.projectID.map { "owner = \(bind: $0)" } ?? "1 = 0"
        let sharedWithMe: SQLQueryString = "(visibility = 'shared' AND \(memberOf))"
        switch query.visibility {
        case "public":
            return "visibility = 'public'"
        case "community":
            return "visibility = 'community'"
        case "private":
            return query.isAdmin ? "visibility = 'private'" : "(visibility = 'private' AND \(owned))"
        case "shared":
            return query.isAdmin ? "visibility = 'shared'" : "(visibility = 'shared' AND (\(owned) OR \(memberOf)))"
        case "all":
            return query.isAdmin ? nil : "(visibility IN ('public', 'community') OR \(owned) OR \(sharedWithMe))"
        default:
            return query.isAdmin
                ? "(visibility <> 'community' OR \(owned))" : "(visibility = 'public' OR \(owned) OR \(sharedWithMe))"
        }
    }
}
