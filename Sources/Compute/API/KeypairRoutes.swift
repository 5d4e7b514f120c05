import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/os-keypairs`: create (generate or import), list (paged from 2.35), show, delete;
    /// admins name another user with `user_id` from 2.10.
    func registerKeypairs(on router: Router<StratusRequestContext>) {
        router.post("/v2.1/os-keypairs") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let keypair = try ComputeBody(try await Self.body(request, context), member: "keypair")
            var allowed: Set<String> = ["name", "public_key"]
            if version.isAtLeast(2, 2) { allowed.insert("type") }
            if version.isAtLeast(2, 10) { allowed.insert("user_id") }
            try keypair.onlyAllow(allowed)
            let name = try Self.keypairName(keypair, version: version)
            let publicKey = try keypair.string("public_key", minLength: 0, maxLength: .max, required: version.isAtLeast(2, 92))
            var type = "ssh"
            if let value = keypair.object["type"] {
                guard let text = value.stringValue, text == "ssh" || text == "x509" else {
                    throw ComputeErrors.invalidInput("type", value, "\(value.jsonText()) is not one of ['ssh', 'x509']")
                }
                type = text
            }
            let userID = try keypair.string("user_id", minLength: 0)
            let (created, privateKey) = try await manager.createKeypair(
                auth, name: name, type: type, publicKey: publicKey, userID: userID)
            return Self.respond(
                ComputeWire.createdKeypair(created, privateKey: privateKey, version: version),
                status: version.isAtLeast(2, 2) ? .created : .ok)
        }
        router.get("/v2.1/os-keypairs") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            try Self.onlyQuery(request, version: version, allowed: ["user_id", "limit", "marker"])
            let page =
                version.isAtLeast(2, 35)
                ? try ListPage(limit: request.query("limit"), marker: request.query("marker")) : ListPage.unlimited
            let keypairs = try await manager.listKeypairs(auth, userID: Self.userID(request, version), page: page)
            var body: [String: JSONValue] = [
                "keypairs": .array(keypairs.map { ComputeWire.keypairSummary($0, version: version) })
            ]
            if version.isAtLeast(2, 35), page.isFull(keypairs.count), let last = keypairs.last {
                body["keypairs_links"] = ComputeWire.nextLinks(versionedURL + "/os-keypairs", request, marker: last.name)
            }
            return Self.respond(.object(body))
        }
        router.get("/v2.1/os-keypairs/{name}") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            try Self.onlyQuery(request, version: version, allowed: ["user_id"])
            let keypair = try await manager.keypair(
                try context.parameters.require("name"), auth, userID: Self.userID(request, version))
            return Self.respond(ComputeWire.keypair(keypair, version: version))
        }
        router.delete("/v2.1/os-keypairs/{name}") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            try Self.onlyQuery(request, version: version, allowed: ["user_id"])
            try await manager.deleteKeypair(try context.parameters.require("name"), auth, userID: Self.userID(request, version))
            return JSONResponse.empty(version.isAtLeast(2, 2) ? .noContent : .accepted)
        }
    }

    /// A keypair name: letters, digits, `_`, `-` and spaces (and from 2.92 `@` and `.`),
    /// 1–255 characters, not starting or ending with a space.
    private static func keypairName(_ body: ComputeBody, version: Microversion) throws -> String {
        let name = try body.string("name", required: true)!
        let extra: Set<Character> = version.isAtLeast(2, 92) ? ["_", "-", " ", "@", "."] : ["_", "-", " "]
        let pattern = version.isAtLeast(2, 92) ? #"^[_\-\@\. a-zA-Z0-9]+$"# : #"^[_\- a-zA-Z0-9]+$"#
        guard name.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || extra.contains($0) }) else {
            throw ComputeErrors.invalidInput("name", .string(name), "'\(name)' does not match '\(pattern)'")
        }
        guard name.first != " ", name.last != " " else {
            throw ComputeErrors.invalidInput("name", .string(name), "'\(name)' is not a 'name'")
        }
        return name
    }

    /// The `user_id` query parameter (from 2.10).
    private static func userID(_ request: Request, _ version: Microversion) -> String? {
        version.isAtLeast(2, 10) ? request.query("user_id") : nil
    }

    /// From 2.75 a query parameter the route does not know is a 400.
    private static func onlyQuery(_ request: Request, version: Microversion, allowed: Set<String>) throws {
        guard version.isAtLeast(2, 75) else { return }
        if let extra = request.uri.queryParameters.map({ String($0.key) }).filter({ !allowed.contains($0) }).sorted().first {
            throw ComputeErrors.badRequest("Additional properties are not allowed ('\(extra)' was unexpected)")
        }
    }
}
