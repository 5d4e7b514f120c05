import Hummingbird
import StratusKit

/// The bodies of `os-migrateLive` and `evacuate`, checked as Nova's schemas of the request's
/// microversion check them.
extension ComputeAPI {
    /// `os-migrateLive`: `host` (null: the scheduler chooses) and `block_migration` always
    /// required; `disk_over_commit` required below 2.25 and refused from it, where
    /// `block_migration` may also be `auto`; `force` from 2.30 to 2.67. Answers 202.
    func liveMigrateAction(_ uuid: String, _ value: JSONValue, _ context: StratusRequestContext) async throws -> Response {
        let auth = try context.requireAuth()
        let version = Self.version(context)
        var allowed: Set<String> = ["host", "block_migration"]
        var required = ["block_migration", "host"]
        if !version.isAtLeast(2, 25) {
            allowed.insert("disk_over_commit")
            required.append("disk_over_commit")
        }
        if version.isAtLeast(2, 30), !version.isAtLeast(2, 68) { allowed.insert("force") }
        let body = try Self.actionObject("os-migrateLive", value, allowed: allowed, required: required)
        let host = try Self.hostField("os-migrateLive", body["host"] ?? .null)
        var blockMigration: Bool?
        if version.isAtLeast(2, 25), body["block_migration"]?.stringValue == "auto" {
            blockMigration = nil
        } else {
            blockMigration = try Self.booleanField("block_migration", body["block_migration"] ?? .null, allowingAuto: version.isAtLeast(2, 25))
        }
        if let overCommit = body["disk_over_commit"] { _ = try Self.booleanField("disk_over_commit", overCommit) }
        if let force = body["force"], try Self.booleanField("force", force), host == nil {
            throw ComputeErrors.badRequest("Can't force to a non-provided destination")
        }
        try await manager.liveMigrateServer(
            uuid, host: host, blockMigration: blockMigration, waitForChecks: !version.isAtLeast(2, 34), auth,
            requestID: context.requestID)
        return JSONResponse.empty(.accepted)
    }

    /// `evacuate`: `host`, `adminPass`, and `onSharedStorage` (required) below 2.14; `force`
    /// from 2.29 to 2.67. Answers 200, with the new `adminPass` below 2.14 when the cloud
    /// hands out passwords; from 2.95 the server stays stopped on its new host.
    func evacuateAction(_ uuid: String, _ value: JSONValue, _ context: StratusRequestContext) async throws -> Response {
        let auth = try context.requireAuth()
        let version = Self.version(context)
        var allowed: Set<String> = ["host", "adminPass"]
        var required: [String] = []
        if !version.isAtLeast(2, 14) {
            allowed.insert("onSharedStorage")
            required.append("onSharedStorage")
        }
        if version.isAtLeast(2, 29), !version.isAtLeast(2, 68) { allowed.insert("force") }
        let body = try Self.actionObject("evacuate", value, allowed: allowed, required: required)
        let host = try Self.hostField("evacuate", body["host"] ?? .null)
        if let pass = body["adminPass"], pass.stringValue == nil {
            throw ComputeErrors.invalidInput("adminPass", pass, "\(pass.jsonText()) is not of type 'string'")
        }
        var password = body["adminPass"]?.stringValue
        if !version.isAtLeast(2, 14) {
            let onSharedStorage = try Self.booleanField("onSharedStorage", body["onSharedStorage"] ?? .null)
            if onSharedStorage, password != nil {
                throw ComputeErrors.badRequest("admin password can't be changed on existing disk")
            }
            if !onSharedStorage, password == nil { password = ComputeManager.generatePassword() }
        } else if password == nil {
            password = ComputeManager.generatePassword()
        }
        if let force = body["force"], try Self.booleanField("force", force), host == nil {
            throw ComputeErrors.badRequest("Can't force to a non-provided destination")
        }
        // The password is only answered: no driver here sets one inside the guest (nor does
        // rebuild's), so it is not sent on to the host.
        try await manager.evacuateServer(
            uuid, host: host, targetState: version.isAtLeast(2, 95) ? VMState.stopped : nil, auth,
            requestID: context.requestID)
        if !version.isAtLeast(2, 14), manager.settings.enableInstancePassword {
            return Self.respond(["adminPass": .optional(password)])
        }
        return JSONResponse.empty(.ok)
    }

    /// The action's value as an object with only `allowed` keys and every `required` one.
    static func actionObject(_ action: String, _ value: JSONValue, allowed: Set<String>, required: [String]) throws -> [String: JSONValue] {
        guard let object = value.objectValue else {
            throw ComputeErrors.invalidInput(action, value, "\(value.jsonText()) is not of type 'object'")
        }
        if let extra = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ComputeErrors.invalidInput(action, value, "Additional properties are not allowed ('\(extra)' was unexpected)")
        }
        if let missing = required.first(where: { object[$0] == nil }) {
            throw ComputeErrors.invalidInput(action, value, "'\(missing)' is a required property")
        }
        return object
    }

    /// A host name or null.
    static func hostField(_ action: String, _ value: JSONValue) throws -> String? {
        if value == .null { return nil }
        guard let host = value.stringValue, !host.isEmpty, host.count <= 255,
            host.allSatisfy({ $0.isLetter || $0.isNumber || "-._".contains($0) })
        else {
            throw ComputeErrors.invalidInput("host", value, "\(value.jsonText()) is not a valid host name")
        }
        return host
    }

    /// Nova's `parameter_types.boolean`: a JSON boolean or one of its spellings as text.
    static func booleanField(_ name: String, _ value: JSONValue, allowingAuto: Bool = false) throws -> Bool {
        if let flag = value.boolValue { return flag }
        switch value.stringValue.map({ $0.lowercased() }) {
        case "true", "1", "on", "yes": return true
        case "false", "0", "off", "no": return false
        default:
            let choices = "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'\(allowingAuto ? ", 'auto'" : "")]"
            throw ComputeErrors.invalidInput(name, value, "\(value.jsonText()) is not one of \(choices)")
        }
    }
}
