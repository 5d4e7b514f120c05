import Crypto
import Foundation
import StratusKit

/// The JSON shapes of servers, by microversion and by whether the caller is an admin.
enum ServerWire {
    static func summary(_ instance: InstanceRecord, _ api: ComputeAPI) -> JSONValue {
        ["id": .string(instance.uuid), "name": .string(instance.name), "links": ComputeWire.links(api, "servers", instance.uuid)]
    }

    /// Nova's `hostId`: a hash of the project and host, so a project can tell its servers
    /// share a host without learning the host's name; empty before a host is chosen.
    static func hostID(_ instance: InstanceRecord) -> String {
        guard let host = instance.host, !host.isEmpty else { return "" }
        let digest = SHA256.hash(data: Data((instance.projectID + host).utf8))
        return String(digest.map { String(format: "%02x", $0) }.joined().prefix(56))
    }

    static func addresses(_ instance: InstanceRecord) -> JSONValue {
        var byNetwork: [String: JSONValue] = [:]
        for vif in instance.networkInfo {
            var list = byNetwork[vif.networkName]?.arrayValue ?? []
            for address in vif.addresses {
                list.append([
                    "version": .int(address.contains(":") ? 6 : 4), "addr": .string(address),
                    "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": .string(vif.macAddress),
                ])
            }
            for address in vif.floatingAddresses {
                list.append([
                    "version": .int(address.contains(":") ? 6 : 4), "addr": .string(address),
                    "OS-EXT-IPS:type": "floating", "OS-EXT-IPS-MAC:mac_addr": .string(vif.macAddress),
                ])
            }
            byNetwork[vif.networkName] = .array(list)
        }
        return .object(byNetwork)
    }

    /// - Parameter volumes: the server's volume mappings (`os-extended-volumes:volumes_attached`).
    static func detail(
        _ instance: InstanceRecord, fault: InstanceFault?, _ api: ComputeAPI, version: Microversion, isAdmin: Bool,
        volumes: [BlockDeviceRecord] = []
    ) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(instance.uuid), "name": .string(instance.name), "status": .string(instance.status),
            "tenant_id": .string(instance.projectID), "user_id": .string(instance.userID),
            "metadata": .object(instance.metadata.mapValues { .string($0) }), "hostId": .string(hostID(instance)),
            "created": .string(instance.createdAt.iso8601Seconds), "updated": .string(instance.updatedAt.iso8601Seconds),
            "addresses": addresses(instance), "accessIPv4": .string(instance.accessIPv4 ?? ""),
            "accessIPv6": .string(instance.accessIPv6 ?? ""), "links": ComputeWire.links(api, "servers", instance.uuid),
            "key_name": instance.keyName.map { .string($0) } ?? .null, "config_drive": .string(instance.configDrive),
            "OS-DCF:diskConfig": "MANUAL",
            "OS-EXT-AZ:availability_zone": .string(instance.availabilityZone ?? (instance.host == nil ? "" : "nova")),
            "OS-EXT-STS:power_state": .int(Int64(instance.powerState)),
            "OS-EXT-STS:task_state": instance.taskState.map { .string($0) } ?? .null,
            "OS-EXT-STS:vm_state": .string(instance.vmState),
            "OS-SRV-USG:launched_at": instance.launchedAt.map { .string($0.iso8601NoZone) } ?? .null,
            "OS-SRV-USG:terminated_at": instance.terminatedAt.map { .string($0.iso8601NoZone) } ?? .null,
            "os-extended-volumes:volumes_attached": volumesAttached(volumes, version: version),
            "security_groups": .array(instance.request.securityGroupNames.map { ["name": .string($0)] }),
        ]
        body["image"] =
            instance.imageRef.isEmpty
            ? .string("") : ["id": .string(instance.imageRef), "links": imageLinks(instance.imageRef, api)]
        body["flavor"] = flavor(instance.flavor, api, version: version)
        if instance.status == "ACTIVE" || instance.status == "BUILD" { body["progress"] = .int(Int64(instance.progress)) }
        if isAdmin {
            body["OS-EXT-SRV-ATTR:host"] = instance.host.map { .string($0) } ?? .null
            body["OS-EXT-SRV-ATTR:hypervisor_hostname"] = instance.node.map { .string($0) } ?? .null
            body["OS-EXT-SRV-ATTR:instance_name"] = .string(instance.instanceName)
            if version.isAtLeast(2, 3) {
                body["OS-EXT-SRV-ATTR:reservation_id"] = .string(instance.reservationID)
                body["OS-EXT-SRV-ATTR:launch_index"] = .int(Int64(instance.launchIndex))
                body["OS-EXT-SRV-ATTR:kernel_id"] = ""
                body["OS-EXT-SRV-ATTR:ramdisk_id"] = ""
                body["OS-EXT-SRV-ATTR:root_device_name"] = instance.rootDeviceName.map { .string($0) } ?? .null
                body["OS-EXT-SRV-ATTR:user_data"] = instance.userData.map { .string($0) } ?? .null
            }
        }
        if version.isAtLeast(2, 3), isAdmin || version.isAtLeast(2, 90) {
            body["OS-EXT-SRV-ATTR:hostname"] = .string(instance.hostname)
        }
        if version.isAtLeast(2, 9) { body["locked"] = .bool(instance.lockedBy != nil) }
        if version.isAtLeast(2, 73) { body["locked_reason"] = instance.lockedReason.map { .string($0) } ?? .null }
        if version.isAtLeast(2, 19) { body["description"] = instance.description.map { .string($0) } ?? .null }
        if version.isAtLeast(2, 26) { body["tags"] = .array(instance.tags.sorted().map { .string($0) }) }
        if version.isAtLeast(2, 63) { body["trusted_image_certificates"] = .null }
        if version.isAtLeast(2, 96) { body["pinned_availability_zone"] = instance.requestedAvailabilityZone.map { .string($0) } ?? .null }
        if let fault, instance.vmState == VMState.error || instance.vmState == VMState.deleted {
            var faultBody: [String: JSONValue] = [
                "code": .int(Int64(fault.code)), "message": .string(fault.message),
                "created": .string(fault.createdAt.iso8601Seconds),
            ]
            if isAdmin || fault.code != 500 { faultBody["details"] = .string(fault.details) }
            body["fault"] = .object(faultBody)
        }
        return .object(body)
    }

    /// Each volume's id, and from 2.3 whether it goes with the server.
    static func volumesAttached(_ volumes: [BlockDeviceRecord], version: Microversion) -> JSONValue {
        .array(
            volumes.compactMap { mapping in
                guard let volumeID = mapping.volumeID else { return nil }
                var item: [String: JSONValue] = ["id": .string(volumeID)]
                if version.isAtLeast(2, 3) { item["delete_on_termination"] = .bool(mapping.deleteOnTermination) }
                return .object(item)
            })
    }

    static func flavor(_ flavor: InstanceFlavor, _ api: ComputeAPI, version: Microversion) -> JSONValue {
        guard version.isAtLeast(2, 47) else {
            return [
                "id": .string(flavor.flavorID),
                "links": [["href": .string("\(api.publicURL)/flavors/\(flavor.flavorID)"), "rel": "bookmark"]],
            ]
        }
        return [
            "vcpus": .int(Int64(flavor.vcpus)), "ram": .int(Int64(flavor.memoryMB)), "disk": .int(Int64(flavor.rootGB)),
            "ephemeral": .int(Int64(flavor.ephemeralGB)), "swap": .int(Int64(flavor.swapMB)),
            "original_name": .string(flavor.name), "extra_specs": .object(flavor.extraSpecs.mapValues { .string($0) }),
        ]
    }

    private static func imageLinks(_ imageID: String, _ api: ComputeAPI) -> JSONValue {
        [["href": .string("\(api.publicURL)/images/\(imageID)"), "rel": "bookmark"]]
    }

    static func action(_ action: InstanceActionRecord, version: Microversion, events: Bool, eventDetails: Bool) -> JSONValue {
        var body: [String: JSONValue] = [
            "action": .string(action.action), "instance_uuid": .string(action.instanceUUID),
            "request_id": .string(action.requestID), "user_id": .string(action.userID),
            "project_id": .string(action.projectID), "start_time": .string(action.startTime.iso8601NoZone),
            "message": action.message.map { .string($0) } ?? .null,
        ]
        if version.isAtLeast(2, 58) { body["updated_at"] = .string(action.updatedAt.iso8601NoZone) }
        if events {
            body["events"] = .array(
                action.events.map { event in
                    var item: [String: JSONValue] = [
                        "event": .string(event.event), "start_time": .string(event.startTime.iso8601NoZone),
                        "finish_time": event.finishTime.map { .string($0.iso8601NoZone) } ?? .null,
                        "result": event.result.map { .string($0) } ?? .null,
                    ]
                    if eventDetails {
                        item["traceback"] = event.traceback.map { .string($0) } ?? .null
                        if version.isAtLeast(2, 62) { item["host"] = event.host.map { .string($0) } ?? .null }
                    }
                    if version.isAtLeast(2, 62) {
                        item["hostId"] = .string(event.host.map { _ in "" } ?? "")
                    }
                    if version.isAtLeast(2, 84), eventDetails { item["details"] = event.details.map { .string($0) } ?? .null }
                    return .object(item)
                })
        }
        return .object(body)
    }
}
