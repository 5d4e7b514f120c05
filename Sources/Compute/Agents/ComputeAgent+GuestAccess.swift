import StratusKit

/// What a host does for the ways into a guest: a new administrator password, a crash dump
/// (NMI), the diagnostics and the serial console's address. The password is passed to the
/// driver and never logged.
extension ComputeAgent {
    static let setAdminPasswordMethod = "set_admin_password"
    static let diagnosticsMethod = "get_diagnostics"
    static let serialConsoleMethod = "get_serial_console"

    /// The RPC methods of this file, added to the host's endpoint.
    func registerGuestAccessMethods(on endpoint: inout RPCEndpoint) {
        endpoint.on(Self.setAdminPasswordMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue,
                let password = request.args["new_pass"]?.stringValue
            else { return .null }
            try await self.setAdminPassword(uuid, password: password, context: request.context)
            return .null
        }
        endpoint.on(Self.diagnosticsMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue else { return .null }
            return try await self.diagnostics(uuid).json
        }
        endpoint.on(Self.serialConsoleMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue else { return .null }
            let endpoint = try await self.serialConsole(uuid)
            return [
                "host": .string(endpoint.host), "port": .int(Int64(endpoint.port)),
                "internal_access_path": endpoint.internalAccessPath.map(JSONValue.string) ?? .null,
            ]
        }
        endpoint.on(Self.attachInterfaceMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue else { return .null }
            let portID = try await self.attachInterface(
                uuid, networkID: request.args["net_id"]?.stringValue, portID: request.args["port_id"]?.stringValue,
                fixedIP: request.args["requested_ip"]?.stringValue, tag: request.args["tag"]?.stringValue,
                context: request.context)
            return .string(portID)
        }
        endpoint.on(Self.detachInterfaceMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue, let portID = request.args["port_id"]?.stringValue
            else { return .null }
            await self.detachInterface(uuid, portID: portID, context: request.context)
            return .null
        }
    }

    /// The instance actions of this file carried out from `perform`; false for other actions.
    func performGuestAccessAction(_ action: String, on uuid: String, context: MessagingContext) async -> Bool {
        guard action == "trigger_crash_dump" else { return false }
        do {
            // Nova leaves the states alone: what the guest does with the NMI is its own affair.
            try await withEvent("compute_trigger_crash_dump", instance: uuid, requestID: context.requestID) {
                try await driver.injectNMI(uuid)
            }
        } catch {
            logger.warning("crash dump of \(uuid) on \(host) failed: \(error)", metadata: ["request_id": "\(context.requestID)"])
        }
        return true
    }

    /// Sets the password through the driver while the server is `updating_password`, and
    /// clears that task either way. A failure is the 409 Nova answers, without the driver's
    /// words (they could echo the password).
    func setAdminPassword(_ uuid: String, password: String, context: MessagingContext) async throws {
        do {
            try await withEvent("compute_set_admin_password", instance: uuid, requestID: context.requestID) {
                let info = try await driver.info(uuid)
                guard info.state == .running else {
                    throw ComputeErrors.conflict("Failed to set admin password on \(uuid) because instance \(uuid) is not running")
                }
                do {
                    try await driver.setAdminPassword(uuid, password: password)
                } catch {
                    throw ComputeErrors.conflict("Failed to set admin password on \(uuid) because error setting admin password")
                }
            }
            try await setTaskState(uuid, nil)
        } catch {
            try? await setTaskState(uuid, nil)
            logger.warning("setting the admin password of \(uuid) on \(host) failed", metadata: ["request_id": "\(context.requestID)"])
            if let error = error as? APIError { throw error }
            throw ComputeErrors.conflict("Failed to set admin password on \(uuid) because error setting admin password")
        }
    }

    /// The driver's diagnostics of a running guest; 409 as Nova's when it is not running.
    func diagnostics(_ uuid: String) async throws -> GuestDiagnostics {
        let diagnostics: GuestDiagnostics
        do {
            diagnostics = try await driver.diagnostics(uuid)
        } catch let error as VirtDriverError where error.kind == .guestNotFound {
            throw ComputeErrors.conflict("Instance \(uuid) is not ready")
        }
        guard diagnostics.state == .running else {
            throw ComputeErrors.conflict(
                "Cannot 'get_diagnostics' instance \(uuid) while it is in power state \(diagnostics.state.name)")
        }
        return diagnostics
    }

    func serialConsole(_ uuid: String) async throws -> GuestConsoleEndpoint {
        do {
            return try await driver.serialConsole(uuid)
        } catch let error as VirtDriverError where error.kind == .guestNotFound {
            throw ComputeErrors.conflict("Instance \(uuid) is not ready")
        }
    }
}

extension GuestDiagnostics {
    /// The form sent over the message bus.
    var json: JSONValue {
        [
            "state": .int(Int64(state.rawValue)), "driver": .string(driver), "uptime": .int(Int64(uptimeSeconds)),
            "vcpus": .int(Int64(vcpus)), "memory_mb": .int(Int64(memoryMB)),
            "nic_macs": .array(nicMACs.map(JSONValue.string)), "disk_devices": .array(diskDevices.map(JSONValue.string)),
        ]
    }

    init?(json: JSONValue) {
        guard let stateNumber = json["state"]?.intValue, let state = PowerState(rawValue: Int(stateNumber)) else { return nil }
        self.init(
            state: state, driver: json["driver"]?.stringValue ?? "", uptimeSeconds: Int(json["uptime"]?.intValue ?? 0),
            vcpus: Int(json["vcpus"]?.intValue ?? 0), memoryMB: Int(json["memory_mb"]?.intValue ?? 0),
            nicMACs: json["nic_macs"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            diskDevices: json["disk_devices"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }
}
