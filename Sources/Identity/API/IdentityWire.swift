import Foundation
import StratusKit

/// Records rendered as the Keystone API shows them.
struct IdentityWire: Sendable {
    /// `http://127.0.0.1:5000/v3`, the base of every `links.self`.
    let baseURL: String

    func links(_ path: String) -> JSONValue { ["self": .string(baseURL + path)] }

    /// One page of a list: what `limit` and `marker` (the id of the last entry seen) select.
    struct Page: Sendable {
        var limit: Int?
        var marker: String?
    }

    /// `{"<key>": [...], "links": {"self", "previous", "next"}}`. With a page `limit`, `next`
    /// links the following page; with the operator's `listLimit` (Keystone's `list_limit`),
    /// a longer list is cut and marked `"truncated": true`.
    func list(
        _ key: String, _ items: [JSONValue], path: String, query: [(String, String)], page: Page, listLimit: Int
    ) throws -> JSONValue {
        var remaining = items[...]
        if let marker = page.marker {
            guard let position = items.firstIndex(where: { $0["id"]?.stringValue == marker }) else {
                throw APIError.badRequest("Marker \(marker) could not be found.")
            }
            remaining = items[(position + 1)...]
        }
        var next: JSONValue = nil
        var truncated = false
        if let limit = page.limit, remaining.count > limit {
            remaining = remaining.prefix(limit)
            if let last = remaining.last?["id"]?.stringValue {
                let nextQuery = query.filter { $0.0 != "marker" } + [("marker", last)]
                next = .string(baseURL + path + "?" + Self.encode(nextQuery))
            }
        } else if listLimit > 0, remaining.count > listLimit {
            remaining = remaining.prefix(listLimit)
            truncated = true
        }
        var object: [String: JSONValue] = [
            key: .array(Array(remaining)),
            "links": [
                "self": .string(baseURL + path + (query.isEmpty ? "" : "?" + Self.encode(query))),
                "previous": nil, "next": next,
            ],
        ]
        if truncated { object["truncated"] = true }
        return .object(object)
    }

    private static func encode(_ query: [(String, String)]) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+")
        return query.map { name, value in
            (name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name) + "="
                + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }.joined(separator: "&")
    }

    func domain(_ domain: DomainRecord) -> JSONValue {
        var object = domain.extra
        object["id"] = .string(domain.id)
        object["name"] = .string(domain.name)
        object["enabled"] = .bool(domain.enabled)
        object["description"] = .string(domain.description ?? "")
        object["tags"] = object["tags"] ?? []
        object["options"] = object["options"] ?? [:]
        object["links"] = links("/domains/\(domain.id)")
        return .object(object)
    }

    @Sendable func project(_ project: ProjectRecord) -> JSONValue {
        var object = project.extra
        object["id"] = .string(project.id)
        object["name"] = .string(project.name)
        object["domain_id"] = .string(project.domainID)
        object["parent_id"] = .string(project.parentID ?? project.domainID)
        object["enabled"] = .bool(project.enabled)
        object["description"] = .string(project.description ?? "")
        object["is_domain"] = false
        object["tags"] = .array(project.tags.map(JSONValue.string))
        object["options"] = object["options"] ?? [:]
        object["links"] = links("/projects/\(project.id)")
        return .object(object)
    }

    func user(_ user: UserRecord) -> JSONValue {
        var object = user.extra
        object["id"] = .string(user.id)
        object["name"] = .string(user.name)
        object["domain_id"] = .string(user.domainID)
        object["enabled"] = .bool(user.enabled)
        object["password_expires_at"] = .optional(user.passwordExpiresAt?.iso8601NoZone)
        object["options"] = object["options"] ?? [:]
        if let project = user.defaultProjectID { object["default_project_id"] = .string(project) }
        object["links"] = links("/users/\(user.id)")
        return .object(object)
    }

    func group(_ group: GroupRecord) -> JSONValue {
        var object = group.extra
        object["id"] = .string(group.id)
        object["name"] = .string(group.name)
        object["domain_id"] = .string(group.domainID)
        object["description"] = .string(group.description ?? "")
        object["links"] = links("/groups/\(group.id)")
        return .object(object)
    }

    func role(_ role: RoleRecord) -> JSONValue {
        var object = role.extra
        object["id"] = .string(role.id)
        object["name"] = .string(role.name)
        object["domain_id"] = .optional(role.domainID)
        object["description"] = .optional(role.description)
        object["options"] = object["options"] ?? [:]
        object["links"] = links("/roles/\(role.id)")
        return .object(object)
    }

    /// The short role form used inside inference rules.
    func roleReference(_ role: RoleRecord) -> JSONValue {
        ["id": .string(role.id), "name": .string(role.name), "links": links("/roles/\(role.id)")]
    }

    func region(_ region: RegionRecord) -> JSONValue {
        var object = region.extra
        object["id"] = .string(region.id)
        object["description"] = .string(region.description)
        object["parent_region_id"] = .optional(region.parentRegionID)
        object["links"] = links("/regions/\(region.id)")
        return .object(object)
    }

    func service(_ service: ServiceRecord) -> JSONValue {
        var object = service.extra
        object["id"] = .string(service.id)
        object["type"] = .string(service.type)
        object["enabled"] = .bool(service.enabled)
        object["links"] = links("/services/\(service.id)")
        return .object(object)
    }

    func endpoint(_ endpoint: EndpointRecord) -> JSONValue {
        var object = endpoint.extra
        object["id"] = .string(endpoint.id)
        object["service_id"] = .string(endpoint.serviceID)
        object["interface"] = .string(endpoint.interface)
        object["region_id"] = .optional(endpoint.regionID)
        object["region"] = .optional(endpoint.regionID)
        object["url"] = .string(endpoint.url)
        object["enabled"] = .bool(endpoint.enabled)
        object["links"] = links("/endpoints/\(endpoint.id)")
        return .object(object)
    }

    func applicationCredential(_ credential: ApplicationCredentialRecord, roles: [String: RoleRecord], secret: String? = nil)
        -> JSONValue
    {
        var object: [String: JSONValue] = [
            "id": .string(credential.id), "name": .string(credential.name), "user_id": .string(credential.userID),
            "project_id": .string(credential.projectID), "description": .optional(credential.description),
            "expires_at": .optional(credential.expiresAt?.iso8601NoZone),
            "unrestricted": .bool(credential.unrestricted), "access_rules": [],
            "roles": .array(
                credential.roleIDs.compactMap { roles[$0] }.sorted { $0.name < $1.name }.map {
                    ["id": .string($0.id), "name": .string($0.name), "domain_id": .optional($0.domainID)]
                }),
            "links": links("/users/\(credential.userID)/application_credentials/\(credential.id)"),
        ]
        if let secret { object["secret"] = .string(secret) }
        return .object(object)
    }

    func credential(_ credential: CredentialRecord, blob: String) -> JSONValue {
        var object = credential.extra
        object["id"] = .string(credential.id)
        object["user_id"] = .string(credential.userID)
        object["project_id"] = .optional(credential.projectID)
        object["type"] = .string(credential.type)
        object["blob"] = .string(blob)
        object["links"] = links("/credentials/\(credential.id)")
        return .object(object)
    }
}
