import ServiceClients
import StratusKit

/// One port plugged into a server, as `os-interface` shows it: the Networking port and
/// the device tag the attach (or the create) gave it.
struct InterfaceAttachment: Sendable {
    var port: PortSummary
    var tag: String?
}

/// `os-interface`: the server's ports as Networking holds them, and attaching or detaching
/// one while the server is active, paused or stopped (Nova's `attach_interface` and
/// `detach_interface`). Attach waits for the host; detach is carried out after the 202.
extension ComputeManager {
    private static let interfaceStates = ServerActionRule(
        method: "attach_interface", actionName: "attach_interface", policyRule: "os_compute_api:os-attach-interfaces:create",
        vmStates: [VMState.active, VMState.paused, VMState.stopped])

    func serverInterfaces(_ uuid: String, _ auth: AuthContext) async throws -> [InterfaceAttachment] {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:os-attach-interfaces:list")
        let ports = try await networkCall { try await $0.ports(deviceID: instance.uuid) }
        let tags = Self.tagsByPort(instance)
        return ports.map { InterfaceAttachment(port: $0, tag: tags[$0.id] ?? nil) }
    }

    func serverInterface(_ uuid: String, portID: String, _ auth: AuthContext) async throws -> InterfaceAttachment {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:os-attach-interfaces:show")
        guard let port = try await networkCall({ try await $0.port(id: portID) }) else {
            throw ComputeErrors.notFound("Port id \(portID) could not be found.")
        }
        guard port.deviceID == instance.uuid else {
            throw ComputeErrors.notFound("Instance \(uuid) does not have a port with id \(portID)")
        }
        return InterfaceAttachment(port: port, tag: Self.tagsByPort(instance)[port.id] ?? nil)
    }

    /// Plugs a port into the server on its host; returns the attached interface.
    func attachInterface(
        _ uuid: String, networkID: String?, portID: String?, fixedIP: String?, tag: String?, _ auth: AuthContext,
        requestID: String
    ) async throws -> InterfaceAttachment {
        let visible = try await visibleServer(uuid, auth, rule: "os_compute_api:os-attach-interfaces:create")
        if networkID != nil, portID != nil { throw ComputeErrors.badRequest("Must not input both network_id and port_id") }
        if fixedIP != nil, networkID == nil { throw ComputeErrors.badRequest("Must input network_id when request IP address") }
        let instance = try await recordInterfaceAction(visible, "attach_interface", auth, requestID: requestID)
        guard let host = instance.host else { throw ComputeErrors.conflict("Instance \(uuid) is not ready") }
        var args: [String: JSONValue] = ["instance_uuid": .string(instance.uuid)]
        args["net_id"] = networkID.map(JSONValue.string)
        args["port_id"] = portID.map(JSONValue.string)
        args["requested_ip"] = fixedIP.map(JSONValue.string)
        args["tag"] = tag.map(JSONValue.string)
        let reply = try await callHost(host, ComputeAgent.attachInterfaceMethod, args: args, auth, requestID: requestID)
        guard let attachedID = reply.stringValue,
            let port = try await networkCall({ try await $0.port(id: attachedID) })
        else { throw APIError(.internalServerError, "Failed to attach network adapter device to \(uuid)") }
        return InterfaceAttachment(port: port, tag: tag)
    }

    /// Checks and records a detach, and asks the host to unplug the port.
    func detachInterface(_ uuid: String, portID: String, _ auth: AuthContext, requestID: String) async throws {
        let visible = try await visibleServer(uuid, auth, rule: "os_compute_api:os-attach-interfaces:delete")
        let backends = try requireBackends()
        let instance = try await recordInterfaceAction(
            visible, "detach_interface", requiringPort: portID, auth, requestID: requestID)
        guard let host = instance.host else { throw ComputeErrors.conflict("Instance \(uuid) is not ready") }
        try await backends.bus.cast(
            ComputeRPC.compute(host: host), method: ComputeAgent.detachInterfaceMethod,
            args: ["instance_uuid": .string(instance.uuid), "port_id": .string(portID)],
            context: MessagingContext(auth: auth, requestID: requestID))
    }

    /// The lock and state checks of an attach or detach (Nova's 409s) and its instance action.
    private func recordInterfaceAction(
        _ visible: InstanceRecord, _ action: String, requiringPort portID: String? = nil, _ auth: AuthContext,
        requestID: String
    ) async throws -> InstanceRecord {
        let isAdmin = policy.isAdmin(auth)
        var actionRule = Self.interfaceStates
        actionRule.method = action
        let rule = actionRule
        return try await write { q -> InstanceRecord in
            guard let instance = try await q.instance(uuid: visible.uuid) else {
                throw ComputeErrors.notFound("Instance \(visible.uuid) could not be found.")
            }
            try Self.checkNotLocked(instance, isAdmin: isAdmin)
            try Self.checkState(instance, rule)
            if let portID, !instance.networkInfo.contains(where: { $0.portID == portID }) {
                throw ComputeErrors.notFound("Port \(portID) is not attached")
            }
            try await q.startAction(
                action, instanceUUID: instance.uuid, requestID: requestID, projectID: instance.projectID, userID: auth.userID)
            return instance
        }
    }

    private static func tagsByPort(_ instance: InstanceRecord) -> [String: String?] {
        Dictionary(instance.networkInfo.map { ($0.portID, $0.tag) }, uniquingKeysWith: { first, _ in first })
    }

    /// A call to the Network API; an unreachable or failing service is a 503.
    private func networkCall<T>(_ body: (any NetworkClient) async throws -> T) async throws -> T {
        let backends = try requireBackends()
        do {
            return try await body(backends.network)
        } catch let error as ServiceClientError {
            throw APIError(.serviceUnavailable, "The Network service could not be reached: \(error.message)")
        }
    }
}
