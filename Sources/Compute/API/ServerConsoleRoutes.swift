import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `POST /servers/{id}/remote-consoles` (2.6) and `GET /os-console-auth-tokens/{token}`
    /// (2.31); the legacy `os-getSerialConsole` action is in ServerActionRoutes.
    func registerServerConsoles(on router: Router<StratusRequestContext>) {
        router.post("/v2.1/servers/{server_id}/remote-consoles") { request, context in
            try Self.require(context, 2, 6)
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let body = try await Self.body(request, context)
            if let extra = body.keys.filter({ $0 != "remote_console" }).sorted().first {
                throw ComputeErrors.badRequest(
                    "Invalid input for field/attribute body. Value: \(JSONValue.object(body).jsonText()). Additional properties are not allowed ('\(extra)' was unexpected)")
            }
            let console = try ComputeBody(body, member: "remote_console")
            try console.onlyAllow(["protocol", "type"])
            let protocols = version.isAtLeast(2, 8) ? ["vnc", "spice", "serial", "rdp", "mks"] : ["vnc", "spice", "serial", "rdp"]
            let types =
                version.isAtLeast(2, 8)
                ? ["novnc", "xvpvnc", "spice-html5", "serial", "rdp-html5", "webmks"]
                : ["novnc", "xvpvnc", "spice-html5", "serial", "rdp-html5"]
            let consoleProtocol = try Self.enumMember(console, "protocol", protocols)
            let consoleType = try Self.enumMember(console, "type", types)
            let uuid = try context.parameters.require("server_id")
            if consoleProtocol == "rdp" { throw ComputeErrors.badRequest("Unavailable console type rdp.") }
            let url = try await manager.remoteConsole(
                uuid, protocol: consoleProtocol, type: consoleType, auth, requestID: context.requestID)
            return Self.respond([
                "remote_console": ["protocol": .string(consoleProtocol), "type": .string(consoleType), "url": .string(url)]
            ])
        }
        router.get("/v2.1/os-console-auth-tokens/{token}") { _, context in
            let auth = try context.requireAuth()
            // Below 2.31 the API served rdp-html5 consoles only, which Nova no longer has.
            guard Self.version(context).isAtLeast(2, 31) else { throw ComputeErrors.badRequest("Bad Request") }
            let record = try await manager.consoleAuthToken(try context.parameters.require("token"), auth)
            return Self.respond([
                "console": [
                    "instance_uuid": .string(record.instanceUUID), "host": .string(record.host),
                    "port": .int(Int64(record.port)),
                    "internal_access_path": record.internalAccessPath.map(JSONValue.string) ?? .null,
                ]
            ])
        }
    }

    /// A required string member that must be one of `allowed` (a schema `enum`).
    static func enumMember(_ body: ComputeBody, _ key: String, _ allowed: [String]) throws -> String {
        let value = try body.require(key)
        guard let text = value.stringValue, allowed.contains(text) else {
            throw ComputeErrors.invalidInput(
                key, value, "\(value.jsonText()) is not one of [\(allowed.map { "'\($0)'" }.joined(separator: ", "))]")
        }
        return text
    }

    /// `os-getSerialConsole` (before 2.6): `{"console": {"type": "serial", "url": …}}`.
    func legacySerialConsole(_ uuid: String, _ value: JSONValue, _ context: StratusRequestContext) async throws -> Response {
        guard !Self.version(context).isAtLeast(2, 6) else { throw ComputeErrors.versionNotFound }
        let auth = try context.requireAuth()
        guard let object = value.objectValue else {
            throw ComputeErrors.invalidInput("os-getSerialConsole", value, "\(value.jsonText()) is not of type 'object'")
        }
        let console = ComputeBody(name: "os-getSerialConsole", object: object)
        try console.onlyAllow(["type"])
        let consoleType = try Self.enumMember(console, "type", ["serial"])
        let url = try await manager.remoteConsole(uuid, protocol: "serial", type: consoleType, auth, requestID: context.requestID)
        return Self.respond(["console": ["type": .string(consoleType), "url": .string(url)]])
    }
}
