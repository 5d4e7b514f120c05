import Foundation
import StratusKit

/// The ways into a running guest on the API side: `changePassword`, `trigger_crash_dump`,
/// diagnostics, and serial consoles with their auth tokens (Nova's `console_auth_tokens`).
extension ComputeManager {
    /// `changePassword`: an active server's task becomes `updating_password` while its host
    /// sets the password; a host that cannot is Nova's 409. The password is passed on only.
    func changePassword(_ uuid: String, password: String, _ auth: AuthContext, requestID: String) async throws {
        guard var passwordRule = ServerActionRule.all["set_admin_password"] else { return }
        passwordRule.method = "changePassword"  // the name Nova's 409 gives
        let rule = passwordRule
        let visible = try await visibleServer(uuid, auth, rule: rule.policyRule)
        let isAdmin = policy.isAdmin(auth)
        let instance = try await write { q -> InstanceRecord in
            guard var instance = try await q.instance(uuid: visible.uuid) else {
                throw ComputeErrors.notFound("Instance \(uuid) could not be found.")
            }
            try Self.checkNotLocked(instance, isAdmin: isAdmin)
            try Self.checkState(instance, rule)
            instance.taskState = rule.newTaskState
            try await q.save(instance)
            try await q.startAction(
                rule.actionName, instanceUUID: instance.uuid, requestID: requestID, projectID: instance.projectID,
                userID: auth.userID)
            return instance
        }
        guard let host = instance.host else { throw ComputeErrors.conflict("Instance \(uuid) is not ready") }
        _ = try await callHost(
            host, ComputeAgent.setAdminPasswordMethod,
            args: ["instance_uuid": .string(instance.uuid), "new_pass": .string(password)], auth, requestID: requestID)
    }

    /// `trigger_crash_dump` (2.17): the host sends the guest an NMI.
    func triggerCrashDump(_ uuid: String, _ auth: AuthContext, requestID: String) async throws {
        try await startServerAction(uuid, "trigger_crash_dump", auth, requestID: requestID)
    }

    /// The guest's diagnostics from its host's driver (admins by default); the server must
    /// be placed and running.
    func diagnostics(_ uuid: String, _ auth: AuthContext, requestID: String) async throws -> (InstanceRecord, GuestDiagnostics) {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:os-server-diagnostics")
        guard let host = instance.host else { throw ComputeErrors.conflict("Instance \(uuid) is not ready") }
        let powerState = PowerState(rawValue: instance.powerState) ?? .noState
        guard powerState == .running else {
            throw ComputeErrors.conflict("Cannot 'get_diagnostics' instance \(uuid) while it is in power state \(powerState.name)")
        }
        let reply = try await callHost(
            host, ComputeAgent.diagnosticsMethod, args: ["instance_uuid": .string(instance.uuid)], auth, requestID: requestID)
        guard let diagnostics = GuestDiagnostics(json: reply) else {
            throw APIError(.internalServerError, "The compute host sent no diagnostics for instance \(uuid).")
        }
        return (instance, diagnostics)
    }

    /// A console URL for the server: `serial` when enabled; the graphical protocols are not
    /// offered by this cloud and answer as Nova does for a console type not enabled.
    /// Returns the URL, carrying a new auth token.
    func remoteConsole(
        _ uuid: String, protocol consoleProtocol: String, type consoleType: String, _ auth: AuthContext, requestID: String
    ) async throws -> String {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:os-remote-consoles")
        let method = "get_\(consoleProtocol)_console"
        guard let host = instance.host else { throw ComputeErrors.conflict("Instance \(uuid) is not ready") }
        if let task = instance.taskState, task == TaskState.deleting || task == TaskState.migrating {
            throw ComputeErrors.conflict("Cannot '\(method)' instance \(uuid) while it is in task_state \(task)")
        }
        guard consoleProtocol == "serial", settings.serialConsoleEnabled else {
            throw ComputeErrors.badRequest("Unavailable console type \(consoleType).")
        }
        guard consoleType == "serial" else { throw ComputeErrors.badRequest("Invalid console type \(consoleType)") }
        let reply = try await callHost(
            host, ComputeAgent.serialConsoleMethod, args: ["instance_uuid": .string(instance.uuid)], auth, requestID: requestID)
        guard let consoleHost = reply["host"]?.stringValue, let port = reply["port"]?.intValue else {
            throw APIError(.internalServerError, "The compute host sent no console address for instance \(uuid).")
        }
        let token = IDGenerator.uuid()
        let now = Timestamp.now()
        let base = settings.serialConsoleBaseURL
        let record = ConsoleAuthRecord(
            consoleType: consoleType, host: consoleHost, port: Int(port),
            internalAccessPath: reply["internal_access_path"]?.stringValue, instanceUUID: instance.uuid,
            accessURLBase: base, createdAt: now, expires: now.adding(seconds: settings.consoleTokenTTL))
        try await write { q in
            // The server may have gone while its host answered: no token for a deleted server.
            guard try await q.instance(uuid: instance.uuid) != nil else {
                throw ComputeErrors.notFound("Instance \(uuid) could not be found.")
            }
            try await q.insertConsoleToken(token, record)
        }
        return Self.consoleAccessURL(base: base, token: token)
    }

    /// `os-console-auth-tokens/{token}` (admins, 2.31): the console a valid token opens.
    func consoleAuthToken(_ token: String, _ auth: AuthContext) async throws -> ConsoleAuthRecord {
        try policy.enforce("os_compute_api:os-console-auth-tokens", auth, target: Self.projectTarget(auth))
        guard !token.isEmpty else { throw ComputeErrors.badRequest("token not provided") }
        guard let record = try await read({ try await $0.validConsoleToken(token) }) else {
            throw ComputeErrors.notFound("Token not found")
        }
        return record
    }

    /// The base URL with `token=` added to its query (Nova's `ConsoleAuthToken.access_url`).
    static func consoleAccessURL(base: String, token: String) -> String {
        let encoded = token.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? token
        return base + (base.contains("?") ? "&" : "?") + "token=" + encoded
    }
}
