import Foundation
import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/flavors`: list, detail, show, create, update (2.55) and delete.
    func registerFlavors(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/flavors") { request, context in
            try await listFlavors(request, context, detailed: false)
        }
        router.get("/v2.1/flavors/detail") { request, context in
            try await listFlavors(request, context, detailed: true)
        }
        router.get("/v2.1/flavors/{flavor_id}") { _, context in
            let auth = try context.requireAuth()
            let flavor = try await manager.flavor(try context.parameters.require("flavor_id"), auth)
            return Self.respond(["flavor": flavorBody(flavor, context, auth)])
        }
        router.post("/v2.1/flavors") { request, context in
            let auth = try context.requireAuth()
            let (draft, idGiven) = try Self.flavorDraft(try await Self.body(request, context), version: Self.version(context))
            let flavor = try await manager.createFlavor(auth, draft, idGiven: idGiven)
            return Self.respond(["flavor": flavorBody(flavor, context, auth)])
        }
        router.put("/v2.1/flavors/{flavor_id}") { request, context in
            try Self.require(context, 2, 55)
            let auth = try context.requireAuth()
            let body = try ComputeBody(try await Self.body(request, context), member: "flavor")
            try body.onlyAllow(["description"])
            _ = try body.require("description")
            let description = try Self.description(body)
            let flavor = try await manager.updateFlavorDescription(
                try context.parameters.require("flavor_id"), to: description, auth)
            return Self.respond(["flavor": flavorBody(flavor, context, auth)])
        }
        router.delete("/v2.1/flavors/{flavor_id}") { _, context in
            let auth = try context.requireAuth()
            try await manager.deleteFlavor(try context.parameters.require("flavor_id"), auth)
            return JSONResponse.empty(.accepted)
        }
    }

    func flavorBody(_ flavor: FlavorRecord, _ context: StratusRequestContext, _ auth: AuthContext) -> JSONValue {
        let version = Self.version(context)
        return ComputeWire.flavor(
            flavor, self, version: version, extraSpecs: version.isAtLeast(2, 61) && manager.showsExtraSpecs(auth))
    }

    private func listFlavors(_ request: Request, _ context: StratusRequestContext, detailed: Bool) async throws -> Response {
        let auth = try context.requireAuth()
        let query = try Self.flavorQuery(request)
        let flavors = try await manager.listFlavors(auth, query)
        let version = Self.version(context)
        let items = flavors.map {
            detailed ? flavorBody($0, context, auth) : ComputeWire.flavorSummary($0, self, version: version)
        }
        var body: [String: JSONValue] = ["flavors": .array(items)]
        if query.page.isFull(flavors.count), let last = flavors.last {
            body["flavors_links"] = ComputeWire.nextLinks(
                versionedURL + (detailed ? "/flavors/detail" : "/flavors"), request, marker: last.flavorID)
        }
        return Self.respond(.object(body))
    }

    /// The list query: `is_public` (`none` for all), `minRam`, `minDisk`, sorting, paging.
    static func flavorQuery(_ request: Request) throws -> FlavorQuery {
        var query = FlavorQuery(page: try ListPage(limit: request.query("limit"), marker: request.query("marker")))
        if let text = request.query("is_public") {
            if text.lowercased() == "none" {
                query.isPublic = nil
            } else {
                guard let flag = BooleanText.parse(text) else {
                    throw ComputeErrors.badRequest("Invalid is_public filter [\(text)]")
                }
                query.isPublic = flag
            }
        }
        if let text = request.query("minRam") {
            guard let value = Int64(text), value >= 0 else { throw ComputeErrors.badRequest("Invalid minRam filter [\(text)]") }
            query.minRAM = value
        }
        if let text = request.query("minDisk") {
            guard let value = Int64(text), value >= 0 else { throw ComputeErrors.badRequest("Invalid minDisk filter [\(text)]") }
            query.minDisk = value
        }
        if let key = request.query("sort_key"), !key.isEmpty {
            guard FlavorQuery.sortKeys.contains(key) else {
                throw ComputeErrors.invalidInput("sort_key", .string(key), "'\(key)' is not one of \(FlavorQuery.sortKeys)")
            }
            query.sortKey = key
        }
        if let direction = request.query("sort_dir"), !direction.isEmpty {
            guard direction == "asc" || direction == "desc" else {
                throw ComputeErrors.invalidInput("sort_dir", .string(direction), "'\(direction)' is not one of ['asc', 'desc']")
            }
            query.descending = direction == "desc"
        }
        return query
    }

    /// A new flavor from a create body (the id left empty when none was given).
    static func flavorDraft(_ body: [String: JSONValue], version: Microversion) throws -> (FlavorRecord, Bool) {
        let flavor = try ComputeBody(body, member: "flavor")
        var allowed: Set<String> = [
            "name", "id", "ram", "vcpus", "disk", "OS-FLV-EXT-DATA:ephemeral", "swap", "rxtx_factor",
            "os-flavor-access:is_public",
        ]
        if version.isAtLeast(2, 55) { allowed.insert("description") }
        try flavor.onlyAllow(allowed)
        let name = try flavor.string("name", required: true)!
        guard name.first?.isWhitespace == false, name.last?.isWhitespace == false else {
            throw ComputeErrors.invalidInput("name", .string(name), "'\(name)' is not a 'name'")
        }
        var id: String?
        if let value = flavor.object["id"], !value.isNull {
            id = try flavor.string("id")
            guard let id, Self.isFlavorID(id) else {
                throw ComputeErrors.invalidInput("id", value, "\(value.jsonText()) does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'")
            }
        }
        let draft = FlavorRecord(
            internalID: 0, flavorID: id ?? "", name: name,
            memoryMB: try flavor.integer("ram", minimum: 1, required: true)!,
            vcpus: try flavor.integer("vcpus", minimum: 1, required: true)!,
            rootGB: try flavor.integer("disk", minimum: 0, required: true)!,
            ephemeralGB: try flavor.integer("OS-FLV-EXT-DATA:ephemeral", minimum: 0) ?? 0,
            swapMB: try flavor.integer("swap", minimum: 0) ?? 0,
            rxtxFactor: try flavor.number("rxtx_factor", exclusiveMinimum: 0, maximum: 3.40282e38) ?? 1.0,
            isPublic: try flavor.boolean("os-flavor-access:is_public") ?? true, disabled: false,
            description: version.isAtLeast(2, 55) ? try description(flavor) : nil, createdAt: .now())
        return (draft, id != nil)
    }

    /// Nova's flavor id form: letters, digits, `.`, ` `, `_`, `-`, not starting or ending with a space.
    static func isFlavorID(_ id: String) -> Bool {
        !id.isEmpty && id.first != " " && id.last != " "
            && id.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ". _-".unicodeScalars.contains($0)) }
    }

    /// A flavor description: up to 65535 printable characters, or null.
    static func description(_ body: ComputeBody) throws -> String? {
        guard let value = body.object["description"], !value.isNull else { return nil }
        let text = try body.string("description", minLength: 0, maxLength: 65535)
        if let text, text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\r" && $0 != "\t" }) {
            throw ComputeErrors.invalidInput("description", value, "\(value.jsonText()) is not a 'description'")
        }
        return text
    }
}
