import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// Volume actions: the attach, detach, reserve and connection actions Nova used before
    /// the attachments API (and other consumers still use).
    func attachVolumeActions() -> [String: VolumeActionHandler] {
        [
            "os-reserve": { auth, id, _, _ in
                try await manager.legacyReserve(id, auth)
                return Self.accepted()
            },
            "os-unreserve": { auth, id, _, _ in
                try await manager.legacyUnreserve(id, auth)
                return Self.accepted()
            },
            "os-begin_detaching": { auth, id, _, _ in
                try await manager.legacyBeginDetaching(id, auth)
                return Self.accepted()
            },
            "os-roll_detaching": { auth, id, _, _ in
                try await manager.legacyRollDetaching(id, auth)
                return Self.accepted()
            },
            "os-initialize_connection": { auth, id, value, context in
                guard let connector = value["connector"], connector.objectValue != nil else {
                    throw BlockStorageErrors.badRequest("Must specify 'connector'")
                }
                let info = try await manager.legacyInitializeConnection(id, connector: connector, auth, requestID: context.requestID)
                return Self.respond(["connection_info": info])
            },
            "os-terminate_connection": { auth, id, value, context in
                guard let connector = value["connector"], connector.objectValue != nil else {
                    throw BlockStorageErrors.badRequest("Must specify 'connector'")
                }
                try await manager.legacyTerminateConnection(id, connector: connector, auth, requestID: context.requestID)
                return Self.accepted()
            },
            "os-attach": { auth, id, value, _ in
                let instance = value["instance_uuid"]?.stringValue
                let hostName = value["host_name"]?.stringValue
                guard instance != nil || hostName != nil else {
                    throw BlockStorageErrors.badRequest("Invalid request to attach volume to an invalid target")
                }
                guard let mountpoint = value["mountpoint"]?.stringValue else {
                    throw BlockStorageErrors.badRequest("Must specify 'mountpoint'")
                }
                let mode = value["mode"]?.stringValue ?? "rw"
                guard mode == "rw" || mode == "ro" else {
                    throw BlockStorageErrors.badRequest("Invalid request to attach volume with an invalid mode. Attaching mode should be 'rw' or 'ro'")
                }
                try await manager.legacyAttach(id, instanceUUID: instance, hostName: hostName, mountpoint: mountpoint, mode: mode, auth)
                return Self.accepted()
            },
            "os-detach": { auth, id, value, context in
                try await manager.legacyDetach(id, attachmentID: value["attachment_id"]?.stringValue, auth, requestID: context.requestID)
                return Self.accepted()
            },
        ]
    }
}
