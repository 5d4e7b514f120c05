import Foundation
import Hummingbird
import StratusKit

/// Reads `GET /v2/images` query parameters into an `ImageListQuery`, with Glance's
/// validation: filters (`in:` lists, `gt:`-style time operators, size range, tags, custom
/// properties), sorting (`sort_key`/`sort_dir` or `sort=key:dir,…`) and paging.
struct ImageListParameters {
    /// Parameters that are not custom-property filters.
    static let reserved: Set<String> = [
        "limit", "marker", "sort_key", "sort_dir", "sort", "visibility", "member_status", "tag", "size_min", "changes-since",
        "size_max", "os_hidden", "protected", "created_at", "updated_at", "name", "status", "owner",
        "container_format", "disk_format", "id", "checksum", "os_hash_value", "os_hash_algo", "min_disk", "min_ram",
        "virtual_size", "size",
    ]
    /// Filters compared for equality, with the `in:` form.
    static let equalityColumns = [
        "name", "status", "owner", "container_format", "disk_format", "id", "checksum", "os_hash_value",
        "os_hash_algo", "min_disk", "min_ram", "virtual_size", "size",
    ]

    let items: [(name: String, value: String)]

    init(request: Request) {
        items = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
    }

    func all(_ name: String) -> [String] { items.filter { $0.name == name }.map(\.value) }
    func first(_ name: String) -> String? { items.first { $0.name == name }?.value }

    func query(settings: ImageSettings, isAdmin: Bool, projectID: String?) throws -> ImageListQuery {
        var query = ImageListQuery(projectID: projectID, isAdmin: isAdmin)
        query.limit = try limit(settings: settings)
        if let visibility = first("visibility") {
            guard ["public", "private", "shared", "community", "all"].contains(visibility) else {
                throw APIError.badRequest("Invalid visibility value: \(visibility)")
            }
            query.visibility = visibility
        }
        if let memberStatus = first("member_status") {
            if memberStatus == "all" {
                query.memberStatus = nil
            } else if let status = MemberStatus(rawValue: memberStatus) {
                query.memberStatus = status
            } else {
                throw APIError.badRequest("Invalid status: \(memberStatus)")
            }
        }
        for column in Self.equalityColumns {
            guard let value = first(column) else { continue }
            query.equalities.append((column, try Self.filterValues(column, value)))
        }
        query.tags = all("tag")
        query.sizeMin = try integer("size_min")
        query.sizeMax = try integer("size_max")
        if let text = first("os_hidden") {
            guard ["true", "false"].contains(text.lowercased()) else {
                throw APIError.badRequest("Invalid value '\(text)' for 'os_hidden' filter. Valid values are 'true' or 'false'.")
            }
            query.osHidden = text.lowercased() == "true"
        }
        if let text = first("protected") {
            guard ["true", "false"].contains(text) else {
                throw APIError.badRequest("Invalid value '\(text)' for 'protected' filter. Valid values are 'true' or 'false'.")
            }
            query.protected = text == "true"
        }
        if first("changes-since") != nil {
            throw APIError.badRequest("The \"changes-since\" filter is no longer available on v2.")
        }
        for column in ["created_at", "updated_at"] {
            guard let text = first(column) else { continue }
            query.times.append(try Self.timeFilter(column, text))
        }
        for (name, value) in items where !Self.reserved.contains(name) {
            query.properties.append((name, Self.values(value)))
        }
        query.sort = try sort()
        return query
    }

    /// Columns filtered with the `in:` form as well as by one value.
    static let inColumns: Set<String> = ["name", "id", "status", "container_format", "disk_format"]
    static let integerColumns: Set<String> = ["min_disk", "min_ram", "virtual_size", "size"]

    /// The values a column filter accepts: integers for numeric columns; `in:` lists for
    /// the columns that have them; any other operator is refused, as Glance does.
    static func filterValues(_ column: String, _ text: String) throws -> [any Encodable & Sendable] {
        if integerColumns.contains(column) {
            guard let number = Int64(text) else {
                throw APIError.badRequest("Unable to filter on a range with a non-numeric value.")
            }
            return [number]
        }
        guard inColumns.contains(column) else { return [text] }
        if let colon = text.firstIndex(of: ":"),
            let comparison = ImageListQuery.Comparison(rawValue: String(text[..<colon])), comparison != .eq
        {
            throw APIError.badRequest("Unable to filter by unknown operator '\(comparison.rawValue)'.")
        }
        return text.hasPrefix("eq:") ? [String(text.dropFirst(3))] : values(text)
    }

    /// `in:a,b,"c,d"` → [a, b, c,d]; any other value is one value.
    static func values(_ text: String) -> [String] {
        guard text.hasPrefix("in:") else { return [text] }
        var values: [String] = []
        var current = ""
        var quoted = false
        for character in text.dropFirst(3) {
            if character == "\"" {
                quoted.toggle()
            } else if character == ",", !quoted {
                values.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        values.append(current)
        return values
    }

    private func limit(settings: ImageSettings) throws -> Int {
        guard let text = first("limit") else { return settings.limitParamDefault }
        guard let limit = Int(text) else { throw APIError.badRequest("limit param must be an integer") }
        guard limit >= 0 else { throw APIError.badRequest("limit param must be positive") }
        return min(limit, settings.apiLimitMax)
    }

    private func integer(_ name: String) throws -> Int64? {
        guard let text = first(name) else { return nil }
        guard let value = Int64(text) else {
            throw APIError.badRequest("Unable to filter on a range with a non-numeric value.")
        }
        return value
    }

    /// `created_at=gte:2024-01-01T00:00:00Z` (the operator defaults to eq).
    static func timeFilter(_ column: String, _ text: String) throws
        -> (column: String, comparison: ImageListQuery.Comparison, value: Timestamp)
    {
        var comparison = ImageListQuery.Comparison.eq
        var value = Substring(text)
        if let colon = text.firstIndex(of: ":"), let parsed = ImageListQuery.Comparison(rawValue: String(text[..<colon])) {
            comparison = parsed
            value = text[text.index(after: colon)...]
        }
        guard let timestamp = Timestamp.parse(String(value)) else {
            throw APIError.badRequest("Bad \"\(column)\" query filter format. Use ISO 8601 DateTime notation.")
        }
        return (column, comparison, timestamp)
    }

    private func sort() throws -> [(key: ImageSortKey, descending: Bool)] {
        let keys = all("sort_key")
        let directions = all("sort_dir")
        if let sort = first("sort") {
            guard keys.isEmpty, directions.isEmpty else {
                throw APIError.badRequest(
                    "Old and new sorting syntax cannot be combined")
            }
            return try sort.split(separator: ",").map { item in
                let parts = item.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return (try Self.sortKey(parts[0]), try Self.descending(parts.count > 1 ? parts[1] : "desc"))
            }
        }
        guard !keys.isEmpty else {
            return [(.createdAt, try Self.descending(directions.first ?? "desc"))]
        }
        if directions.count > 1, directions.count != keys.count {
            throw APIError.badRequest("Number of sort dirs does not match the number of sort keys")
        }
        return try keys.enumerated().map { index, key in
            let direction = directions.count > 1 ? directions[index] : directions.first ?? "desc"
            return (try Self.sortKey(key), try Self.descending(direction))
        }
    }

    private static func sortKey(_ text: String) throws -> ImageSortKey {
        guard let key = ImageSortKey(rawValue: text) else {
            throw APIError.badRequest(
                "Invalid sort key: \(text). It must be one of the following: \(ImageSortKey.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return key
    }

    private static func descending(_ text: String) throws -> Bool {
        switch text {
        case "asc": return false
        case "desc": return true
        default: throw APIError.badRequest("Invalid sort direction: \(text)")
        }
    }

    /// The query for the next page: the same parameters with the new marker.
    func nextLink(marker: String) -> String {
        "/v2/images?" + QueryString.encode(items.filter { $0.name != "marker" } + [("marker", marker)])
    }

    /// The first page: the same parameters without a marker.
    var firstLink: String {
        let parts = items.filter { $0.name != "marker" }
        return parts.isEmpty ? "/v2/images" : "/v2/images?" + QueryString.encode(parts)
    }
}
