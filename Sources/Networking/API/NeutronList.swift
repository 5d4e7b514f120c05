import Foundation
import Hummingbird
import StratusKit

/// Neutron's common list features over rendered resources: filters on any attribute
/// (repeated values mean any of them), tag filters, `fields=`, `sort_key`/`sort_dir`,
/// and paging by `limit` / `marker` / `page_reverse` with `<collection>_links`.
struct NeutronList {
    let items: [(name: String, value: String)]

    init(request: Request) {
        items = request.uri.queryParameters.map { (String($0.key), String($0.value).removingPercentEncoding ?? String($0.value)) }
    }

    static let controls: Set<String> = [
        "fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse", "tags", "tags-any", "not-tags", "not-tags-any",
    ]

    func values(_ name: String) -> [String] { items.filter { $0.name == name }.map(\.value) }

    func respond(_ collection: String, _ resources: [JSONValue], path: String, baseURL: String) throws -> Response {
        var selected = try resources.filter(matches)
        selected = try sorted(selected)
        var links: [JSONValue] = []
        if let limitText = values("limit").last {
            guard let limit = Int(limitText), limit >= 0 else {
                throw NetworkErrors.badRequest("request", "Limit must be an integer 0 or greater and not '\(limitText)'")
            }
            let reverse = values("page_reverse").last?.lowercased() == "true"
            var ordered = reverse ? Array(selected.reversed()) : selected
            if let marker = values("marker").last {
                guard let index = ordered.firstIndex(where: { $0["id"]?.stringValue == marker }) else {
                    throw NetworkErrors.notFound("Marker", marker)
                }
                ordered = Array(ordered[(index + 1)...])
            }
            if limit > 0, ordered.count > limit {
                ordered = Array(ordered.prefix(limit))
                if let last = ordered.last?["id"]?.stringValue {
                    links.append(["rel": "next", "href": .string(link(baseURL + path, marker: last, reverse: reverse))])
                }
            }
            if values("marker").last != nil, let first = ordered.first?["id"]?.stringValue {
                links.append(["rel": "previous", "href": .string(link(baseURL + path, marker: first, reverse: !reverse))])
            }
            selected = reverse ? Array(ordered.reversed()) : ordered
        }
        let fields = values("fields").flatMap { $0.split(separator: ",").map(String.init) }
        if !fields.isEmpty {
            selected = selected.map { resource in
                .object((resource.objectValue ?? [:]).filter { fields.contains($0.key) })
            }
        }
        var body: [String: JSONValue] = [collection: .array(selected)]
        if !links.isEmpty { body[collection + "_links"] = .array(links) }
        return JSONResponse.make(.ok, .object(body))
    }

    private func link(_ base: String, marker: String, reverse: Bool) -> String {
        var parts = items.filter { $0.name != "marker" && $0.name != "page_reverse" }
        parts.append(("marker", marker))
        if reverse { parts.append(("page_reverse", "True")) }
        return base + "?" + QueryString.encode(parts)
    }

    /// Whether a resource passes every attribute filter and tag filter.
    func matches(_ resource: JSONValue) throws -> Bool {
        guard let object = resource.objectValue else { return false }
        var byName: [String: [String]] = [:]
        for (name, value) in items where !Self.controls.contains(name) { byName[name, default: []].append(value) }
        for (name, wanted) in byName {
            guard let actual = object[name] else { continue }
            if !wanted.contains(where: { Self.equal(actual, $0) }) { return false }
        }
        let tags = Set(object["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        func list(_ name: String) -> [Set<String>] { values(name).map { Set($0.split(separator: ",").map(String.init)) } }
        for wanted in list("tags") where !wanted.isSubset(of: tags) { return false }
        for wanted in list("tags-any") where wanted.isDisjoint(with: tags) { return false }
        for wanted in list("not-tags") where wanted.isSubset(of: tags) { return false }
        for wanted in list("not-tags-any") where !wanted.isDisjoint(with: tags) { return false }
        return true
    }

    static func equal(_ value: JSONValue, _ text: String) -> Bool {
        switch value {
        case .string(let string): return string == text
        case .bool(let flag): return flag == (text.lowercased() == "true" || text == "1")
        case .int(let number): return Int64(text) == number
        case .null: return text.isEmpty || text.lowercased() == "none"
        case .array(let elements):
            // fixed_ips=ip_address=10.0.0.5 and the like; and list membership.
            if text.contains("=") {
                let pair = text.split(separator: "=", maxSplits: 1).map(String.init)
                return elements.contains { $0[pair[0]]?.stringValue == pair[1] }
            }
            return elements.contains { $0.stringValue == text }
        default: return false
        }
    }

    private func sorted(_ resources: [JSONValue]) throws -> [JSONValue] {
        let keys = values("sort_key")
        let directions = values("sort_dir")
        guard !keys.isEmpty else {
            return resources.sorted { ($0["id"]?.stringValue ?? "") < ($1["id"]?.stringValue ?? "") }
        }
        guard directions.isEmpty || directions.count == keys.count else {
            throw NetworkErrors.badRequest("request", "The number of sort_keys and sort_dirs must be same")
        }
        for direction in directions where direction != "asc" && direction != "desc" {
            throw NetworkErrors.badRequest("request", "Invalid sort direction '\(direction)'")
        }
        return resources.sorted { left, right in
            for (index, key) in (keys + ["id"]).enumerated() {
                let descending = index < directions.count && directions[index] == "desc"
                let a = Self.sortText(left[key])
                let b = Self.sortText(right[key])
                if a != b { return descending ? a > b : a < b }
            }
            return false
        }
    }

    private static func sortText(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text): text
        case .int(let number): String(format: "%020lld", number)
        case .bool(let flag): flag ? "1" : "0"
        default: ""
        }
    }
}
