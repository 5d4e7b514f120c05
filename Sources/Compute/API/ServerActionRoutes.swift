import Foundation
import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `POST /servers/{id}/action`: one action per body, named by its key.
    func registerServerActions(on router: Router<StratusRequestContext>) {
        router.post("/v2.1/servers/{server_id}/action") { request, context in
            let auth = try context.requireAuth()
            let uuid = try context.parameters.require("server_id")
            let body = try await Self.body(request, context)
            guard body.count == 1, let (name, value) = body.first else {
                throw ComputeErrors.badRequest("There is no such action: \(body.keys.sorted().joined(separator: ","))")
            }
            let requestID = context.requestID
            switch name {
            case "os-start": try await manager.startServerAction(uuid, "start", auth, requestID: requestID)
            case "os-stop": try await manager.startServerAction(uuid, "stop", auth, requestID: requestID)
            case "reboot":
                let type = value.objectValue?["type"]?.stringValue?.uppercased()
                guard type == "SOFT" || type == "HARD" else {
                    throw ComputeErrors.invalidInput("type", value.objectValue?["type"] ?? .null, "'\(type ?? "")' is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']")
                }
                try await manager.startServerAction(uuid, type == "HARD" ? "reboot_hard" : "reboot", auth, requestID: requestID)
            case "pause": try await manager.startServerAction(uuid, "pause", auth, requestID: requestID)
            case "unpause": try await manager.startServerAction(uuid, "unpause", auth, requestID: requestID)
            case "suspend": try await manager.startServerAction(uuid, "suspend", auth, requestID: requestID)
            case "resume": try await manager.startServerAction(uuid, "resume", auth, requestID: requestID)
            case "unrescue": try await manager.startServerAction(uuid, "unrescue", auth, requestID: requestID)
            case "rescue":
                try await manager.startServerAction(uuid, "rescue", auth, requestID: requestID)
                if manager.settings.enableInstancePassword {
                    return Self.respond(["adminPass": .string(ComputeManager.generatePassword())])
                }
            case "lock":
                // Before 2.73 the body is not read (Nova ignores a locked_reason there).
                let reason = Self.version(context).isAtLeast(2, 73) ? value.objectValue?["locked_reason"]?.stringValue : nil
                try await manager.setLock(uuid, locked: true, reason: reason, auth, requestID: requestID)
            case "unlock":
                try await manager.setLock(uuid, locked: false, reason: nil, auth, requestID: requestID)
            case "os-getConsoleOutput":
                let lengthValue = value.objectValue?["length"]
                var length: Int?
                if let lengthValue, lengthValue != .null {
                    guard let parsed = lengthValue.intValue ?? lengthValue.stringValue.flatMap({ Int64($0) }), parsed >= -1 else {
                        throw ComputeErrors.invalidInput("length", lengthValue, "\(lengthValue.jsonText()) is not of type 'integer', 'string', 'null'")
                    }
                    length = parsed == -1 ? nil : Int(parsed)
                }
                let output = try await manager.consoleOutput(uuid, length: length, auth, requestID: requestID)
                return Self.respond(["output": .string(output)])
            case "os-resetState":
                guard let state = value.objectValue?["state"]?.stringValue, state == "active" || state == "error" else {
                    throw ComputeErrors.invalidInput("state", value.objectValue?["state"] ?? .null, "is not one of ['active', 'error']")
                }
                try await manager.resetState(uuid, to: state, auth, requestID: requestID)
            case "resize":
                guard let flavorRef = value.objectValue?["flavorRef"]?.stringValue, !flavorRef.isEmpty else {
                    throw ComputeErrors.badRequest("Invalid input for field/attribute resize. Value: \(value.jsonText()). 'flavorRef' is a required property")
                }
                try await manager.resizeServer(uuid, flavorRef: String(flavorRef.split(separator: "/").last ?? ""), auth, requestID: requestID)
            case "confirmResize":
                try await manager.finishResize(uuid, confirm: true, auth, requestID: requestID)
                return JSONResponse.empty(.noContent)
            case "revertResize":
                try await manager.finishResize(uuid, confirm: false, auth, requestID: requestID)
            case "migrate":
                try await manager.migrateServer(uuid, auth, requestID: requestID)
            case "shelve":
                try await manager.shelveServer(uuid, auth, requestID: requestID)
            case "unshelve":
                try await manager.startServerAction(uuid, "unshelve", auth, requestID: requestID)
            case "shelveOffload":
                throw ComputeErrors.conflict("Cannot 'shelve_offload' instance \(uuid): shelved servers are offloaded at once here (shelved_offload_time 0).")
            case "createImage", "createBackup":
                let object = value.objectValue ?? [:]
                guard let imageName = object["name"]?.stringValue, !imageName.isEmpty else {
                    throw ComputeErrors.badRequest("Invalid input for field/attribute \(name). Value: \(value.jsonText()). 'name' is a required property")
                }
                let metadata = try object["metadata"].map { try Self.metadataBody(["metadata": $0], key: "metadata") } ?? [:]
                var backup: (type: String, rotation: Int)?
                if name == "createBackup" {
                    guard let type = object["backup_type"]?.stringValue,
                        let rotation = object["rotation"]?.intValue ?? object["rotation"]?.stringValue.flatMap({ Int64($0) }),
                        rotation >= 0
                    else {
                        throw ComputeErrors.badRequest("Invalid input for field/attribute createBackup. Value: \(value.jsonText()). 'backup_type' and 'rotation' are required properties")
                    }
                    backup = (type, Int(rotation))
                }
                let imageID = try await manager.snapshotServer(
                    uuid, name: imageName, metadata: metadata, backup: backup, auth, requestID: requestID)
                if Self.version(context).isAtLeast(2, 45) {
                    return Self.respond(["image_id": .string(imageID)], status: .accepted)
                }
                var response = JSONResponse.empty(.accepted)
                response.headers[.location] = "\(manager.settings.imageEndpoint ?? publicURL)/v2/images/\(imageID)"
                return response
            case "rebuild":
                let object = value.objectValue ?? [:]
                guard let imageRef = object["imageRef"]?.stringValue, !imageRef.isEmpty else {
                    throw ComputeErrors.badRequest("Invalid input for field/attribute rebuild. Value: \(value.jsonText()). 'imageRef' is a required property")
                }
                let metadata = try object["metadata"].map { try Self.metadataBody(["metadata": $0], key: "metadata") }
                let description: String?? = object["description"].map { $0.stringValue }
                if object["personality"] != nil, Self.version(context).isAtLeast(2, 57) {
                    throw ComputeErrors.invalidInput(
                        "rebuild", value, "Additional properties are not allowed ('personality' was unexpected)")
                }
                let instance = try await manager.rebuildServer(
                    uuid, imageRef: String(imageRef.split(separator: "/").last ?? ""),
                    name: object["name"]?.stringValue, metadata: metadata, description: description,
                    personality: try PersonalityBody.parse(object["personality"]), auth, requestID: requestID)
                var server = ServerWire.detail(
                    instance, fault: nil, self, version: Self.version(context), isAdmin: manager.policy.isAdmin(auth))
                if manager.settings.enableInstancePassword, case .object(var fields) = server {
                    fields["adminPass"] = .string(object["adminPass"]?.stringValue ?? ComputeManager.generatePassword())
                    server = .object(fields)
                }
                return Self.respond(["server": server], status: .accepted)
            case "os-migrateLive":
                return try await liveMigrateAction(uuid, value, context)
            case "evacuate":
                return try await evacuateAction(uuid, value, context)
            case "changePassword":
                guard let object = value.objectValue else {
                    throw ComputeErrors.invalidInput("changePassword", value, "\(value.jsonText()) is not of type 'object'")
                }
                // The messages never echo the body: it holds a password.
                if let extra = object.keys.filter({ $0 != "adminPass" }).sorted().first {
                    throw ComputeErrors.badRequest(
                        "Invalid input for field/attribute changePassword. Additional properties are not allowed ('\(extra)' was unexpected)")
                }
                guard let passwordValue = object["adminPass"] else {
                    throw ComputeErrors.badRequest("Invalid input for field/attribute changePassword. 'adminPass' is a required property")
                }
                guard let password = passwordValue.stringValue else {
                    throw ComputeErrors.badRequest("Invalid input for field/attribute adminPass. It is not of type 'string'")
                }
                try await manager.changePassword(uuid, password: password, auth, requestID: requestID)
            case "trigger_crash_dump":
                try Self.require(context, 2, 17)
                guard value == .null else {
                    throw ComputeErrors.invalidInput("trigger_crash_dump", value, "\(value.jsonText()) is not of type 'null'")
                }
                try await manager.triggerCrashDump(uuid, auth, requestID: requestID)
            case "restore":
                try await manager.restoreServer(uuid, auth, requestID: requestID)
            case "forceDelete":
                try await manager.deleteServer(uuid, auth, token: Self.callerToken(request), requestID: requestID, force: true)
            case "os-getSerialConsole":
                return try await legacySerialConsole(uuid, value, context)
            default:
                throw ComputeErrors.badRequest("There is no such action: \(name)")
            }
            return JSONResponse.empty(.accepted)
        }
    }
}
