import ServiceClients
import Foundation
import StratusKit

/// `POST /servers`: Nova-api's part of the boot flow. It validates against the flavor, the
/// image (Image API) and the networks (Network API), checks quota and writes the instances
/// (BUILD / scheduling) in one transaction, then casts `build_instances` to the conductor.
extension ComputeManager {
    struct CreatedServers: Sendable {
        var instances: [InstanceRecord]
        var reservationID: String
        var adminPass: String?
    }

    /// - Parameter token: the caller's token, passed on to Block Storage for the volumes.
    func createServers(
        _ request: ServerCreateRequest, _ auth: AuthContext, token: String? = nil, requestID: String, version: Microversion
    ) async throws -> CreatedServers {
        let backends = try requireBackends()
        guard let projectID = auth.projectID else {
            throw ComputeErrors.policy("os_compute_api:servers:create")
        }
        let userID = auth.userID
        try policy.enforce("os_compute_api:servers:create", auth, target: ["project_id": .string(projectID)])
        let flavor = try await bootFlavor(request.flavorRef, auth)
        try BlockDeviceMapping.validate(
            request.blockDeviceMappings, imageRef: request.imageRef, flavor: flavor, blockStorage: backends.volume != nil)
        let bootVolume = BlockDeviceMapping.bootVolume(of: request.blockDeviceMappings)
        let image: ImageSummary?
        if let bootVolume {
            image = try await checkVolumeMappings(
                request, caller: VolumeCaller(token: token, projectID: projectID), backends: backends)
        } else {
            image = try await bootImage(request.imageRef, flavor: flavor, backends: backends)
        }
        let volumeMappings = request.blockDeviceMappings.filter { $0.destination == .volume }
        let networks = try await resolveNetworks(request, projectID: projectID, backends: backends)
        let (forcedHost, forcedNode, zone) = try parseAvailabilityZone(request.availabilityZone, auth)
        if let zone { try await requireAvailabilityZone(zone) }
        var securityGroupIDs: [String] = []
        if !request.securityGroups.isEmpty, networks != nil {
            do {
                securityGroupIDs = try await backends.network.securityGroupIDs(named: request.securityGroups, projectID: projectID)
            } catch let error as ServiceClientError where (400..<500).contains(error.status) {
                throw ComputeErrors.badRequest(error.message)
            }
        }
        let keypair: KeypairRecord? = try await request.keyName.asyncMap { name in
            guard let keypair = try await read({ try await $0.keypair(named: name, of: userID) }) else {
                throw ComputeErrors.badRequest("Invalid key_name provided.")
            }
            return keypair
        }
        var requested = BuildRequest(
            networks: networks ?? [], securityGroupIDs: securityGroupIDs,
            securityGroupNames: request.securityGroups.isEmpty ? ["default"] : request.securityGroups,
            serverGroupUUID: request.schedulerHints.group, sameHost: request.schedulerHints.sameHost,
            differentHost: request.schedulerHints.differentHost, forcedHost: forcedHost, forcedNode: forcedNode,
            attemptedHosts: [])
        requested.injectedFiles = request.personality.isEmpty ? nil : request.personality
        requested.volumeBacked = bootVolume == nil ? nil : true
        let buildRequest = requested
        let configDrive = request.configDrive || image?.properties["img_config_drive"] == "mandatory"
        let reservationID = "r-" + String(IDGenerator.hex().prefix(8))
        let now = Timestamp.now()
        let instanceFlavor = InstanceFlavor(flavor)
        let isAdmin = policy.isAdmin(auth)
        let imageProperties = image?.properties ?? [:]
        let instances = try await write { q -> [InstanceRecord] in
            // Drawing the first id locks the instance counter's row until commit, so the
            // count below and the inserts are serialized with every other create.
            var firstID = try await q.nextInstanceID()
            let count = try await self.allowedInstanceCount(
                request, flavor: instanceFlavor, projectID: projectID, userID: userID, q)
            if let groupUUID = request.schedulerHints.group {
                guard let group = try await q.serverGroup(uuid: groupUUID), group.projectID == projectID || isAdmin else {
                    throw ComputeErrors.badRequest("Invalid input for field/attribute group. Value: \(groupUUID). Server group \(groupUUID) could not be found.")
                }
                try await self.quotaCheck.checkServerGroupMembers(q, group: group, adding: Int64(count))
            }
            try await self.quotaCheck.checkInjectedFiles(q, projectID: projectID, files: request.personality)
            var created: [InstanceRecord] = []
            for index in 0..<count {
                let id = index == 0 ? firstID : try await q.nextInstanceID()
                firstID = id
                let uuid = IDGenerator.uuid()
                let name = request.maxCount > 1 ? "\(request.name)-\(index + 1)" : request.name
                let instance = InstanceRecord(
                    uuid: uuid, id: id, projectID: projectID, userID: userID, name: name,
                    description: request.description,
                    hostname: request.hostname ?? Hostnames.sanitize(name, fallback: "server-\(uuid)"),
                    reservationID: reservationID, launchIndex: index, imageRef: bootVolume == nil ? request.imageRef : "",
                    flavor: instanceFlavor,
                    oldFlavor: nil, newFlavor: nil, imageProperties: imageProperties, keyName: keypair?.name,
                    keyData: keypair?.publicKey, userData: request.userData,
                    configDrive: configDrive ? "True" : "", requestedAvailabilityZone: zone,
                    availabilityZone: zone, request: buildRequest, networkInfo: [], host: nil, node: nil,
                    launchedOn: nil, vmState: VMState.building, taskState: TaskState.scheduling,
                    powerState: PowerState.noState.rawValue, lockedBy: nil, lockedReason: nil,
                    accessIPv4: request.accessIPv4, accessIPv6: request.accessIPv6, progress: 0, rootDeviceName: nil,
                    createdAt: now, updatedAt: now, launchedAt: nil, terminatedAt: nil, deletedAt: nil, deleted: false,
                    metadata: request.metadata, tags: request.tags)
                try await q.insert(instance)
                for mapping in volumeMappings {
                    try await q.insertBlockDevice(Self.blockDeviceRecord(mapping, instanceUUID: uuid, at: now))
                }
                if let groupUUID = request.schedulerHints.group {
                    try await q.addServerGroupMember(groupUUID: groupUUID, instanceUUID: uuid)
                }
                try await q.startAction(
                    "create", instanceUUID: uuid, requestID: requestID, projectID: projectID, userID: userID)
                created.append(instance)
            }
            return created
        }
        let context = MessagingContext(auth: auth, requestID: requestID, authToken: token)
        do {
            try await backends.bus.cast(
                ComputeRPC.conductor, method: ComputeRPC.Method.buildInstances,
                args: ["instance_uuids": .array(instances.map { .string($0.uuid) })], context: context)
        } catch {
            // The conductor's periodic sweep picks up instances left in scheduling; log and go on.
            logger.warning("could not cast build_instances: \(error)", metadata: ["request_id": "\(requestID)"])
        }
        let adminPass = settings.enableInstancePassword ? (request.adminPass ?? Self.generatePassword()) : nil
        return CreatedServers(instances: instances, reservationID: reservationID, adminPass: adminPass)
    }

    /// The volume mappings of a boot from volume, checked with Block Storage and Image as
    /// Nova checks them: one server only when an existing volume is used, each volume
    /// `available`, each image active. Returns the image a new boot volume is made from.
    private func checkVolumeMappings(
        _ request: ServerCreateRequest, caller: VolumeCaller, backends: ComputeBackends
    ) async throws -> ImageSummary? {
        let client = try requireVolumeClient()
        let mappings = request.blockDeviceMappings.filter { $0.destination == .volume }
        if request.minCount > 1 || request.maxCount > 1, mappings.contains(where: { $0.source == .volume }) {
            throw ComputeErrors.badRequest("Cannot attach one or more volumes to multiple instances")
        }
        var bootImage: ImageSummary?
        for mapping in mappings {
            guard let id = mapping.uuid else { continue }
            switch mapping.source {
            case .volume:
                guard let volume = try await volumeCall({ try await client.volume(id: id, as: caller) }) else {
                    throw BlockDeviceMapping.invalid("failed to get volume \(id).")
                }
                guard volume.status == "available" else {
                    throw ComputeErrors.badRequest(
                        "Invalid volume: volume '\(id)' status must be 'available'. Currently in '\(volume.status)'")
                }
            case .image:
                let image: ImageSummary?
                do {
                    image = try await backends.image.image(id: id)
                } catch let error as ServiceClientError {
                    throw APIError(.serviceUnavailable, "The Image service could not be reached: \(error.message)")
                }
                guard let image else { throw BlockDeviceMapping.invalid("failed to get image \(id).") }
                guard image.status == "active" else { throw ComputeErrors.badRequest("Image \(id) is not active.") }
                if mapping.bootIndex == 0 { bootImage = image }
            case .snapshot, .blank:
                continue
            }
        }
        return bootImage
    }

    /// The record of one volume of a new server; the volume itself comes on its host.
    static func blockDeviceRecord(_ mapping: BlockDeviceMapping, instanceUUID: String, at now: Timestamp) -> BlockDeviceRecord {
        BlockDeviceRecord(
            uuid: IDGenerator.uuid(), instanceUUID: instanceUUID, volumeID: mapping.source == .volume ? mapping.uuid : nil,
            attachmentID: nil, deviceName: mapping.bootIndex == 0 ? DeviceNames.root : mapping.deviceName,
            bootIndex: mapping.bootIndex.flatMap { $0 >= 0 ? $0 : nil }, deleteOnTermination: mapping.deleteOnTermination,
            tag: mapping.tag, sourceType: mapping.source.rawValue, destinationType: mapping.destination.rawValue,
            volumeSize: mapping.volumeSize, imageID: mapping.source == .image ? mapping.uuid : nil,
            snapshotID: mapping.source == .snapshot ? mapping.uuid : nil, createdAt: now)
    }

    /// How many of min_count…max_count servers fit the quota: max_count if they all fit,
    /// else as many as fit down to min_count; below that, Nova's 403 for min_count.
    private func allowedInstanceCount(
        _ request: ServerCreateRequest, flavor: InstanceFlavor, projectID: String, userID: String, _ q: ComputeQueries
    ) async throws -> Int {
        var count = request.maxCount
        while true {
            do {
                try await quotaCheck.checkServers(
                    q, projectID: projectID, userID: userID, instances: Int64(count), cores: Int64(count * flavor.vcpus),
                    ram: Int64(count * flavor.memoryMB), metadataItems: Int64(request.metadata.count))
                return count
            } catch let error as APIError where error.status == .forbidden && count > request.minCount {
                count -= 1
            }
        }
    }

    /// The flavor to boot: 400 (not 404) when it is missing, invisible or disabled.
    private func bootFlavor(_ flavorRef: String, _ auth: AuthContext) async throws -> FlavorRecord {
        let flavor: FlavorRecord
        do {
            flavor = try await self.flavor(flavorRef, auth)
        } catch let error as APIError where error.status == .notFound {
            throw ComputeErrors.badRequest("Flavor \(flavorRef) could not be found.")
        }
        guard !flavor.disabled else { throw ComputeErrors.badRequest("Flavor \(flavorRef) could not be found.") }
        return flavor
    }

    /// The image to boot, checked as Nova checks it: it exists, is active, and the flavor's
    /// memory and disk are big enough for it.
    private func bootImage(_ imageRef: String, flavor: FlavorRecord, backends: ComputeBackends) async throws -> ImageSummary? {
        guard !imageRef.isEmpty else {
            throw ComputeErrors.badRequest("Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.")
        }
        let image: ImageSummary?
        do {
            image = try await backends.image.image(id: imageRef)
        } catch let error as ServiceClientError {
            throw APIError(.serviceUnavailable, "The Image service could not be reached: \(error.message)")
        }
        guard let image else { throw ComputeErrors.badRequest("Image \(imageRef) could not be found.") }
        guard image.status == "active" else { throw ComputeErrors.badRequest("Image \(imageRef) is not active.") }
        if Int64(image.minRam) > flavor.memoryMB {
            throw ComputeErrors.badRequest("Flavor's memory is too small for requested image.")
        }
        if flavor.rootGB > 0 {
            if Int64(image.minDisk) > flavor.rootGB { throw ComputeErrors.badRequest("Flavor's disk is too small for requested image.") }
            if let size = image.size, size > flavor.rootGB * 1_073_741_824 {
                throw ComputeErrors.badRequest("Flavor's disk is too small for requested image.")
            }
        }
        return image
    }

    /// The networks to plug: nil for `none`; checked against the Network API.
    private func resolveNetworks(
        _ request: ServerCreateRequest, projectID: String, backends: ComputeBackends
    ) async throws -> [RequestedNetwork]? {
        let network = backends.network
        do {
            switch request.networks {
            case .none:
                return nil
            case .auto, .unspecified:
                let available = try await network.networksAvailable(toProject: projectID)
                if available.count > 1 {
                    throw ComputeErrors.conflict("Multiple possible networks found, use a Network ID to be more specific.")
                }
                guard let only = available.first else {
                    if request.networks == .unspecified { return [] }
                    throw ComputeErrors.badRequest("Unable to automatically allocate a network for project \(projectID)")
                }
                return [RequestedNetwork(networkID: only.id, portID: nil, fixedIP: nil, tag: nil)]
            case .list(let list):
                let networkIDs = Set(list.compactMap(\.networkID))
                let known = Set(try await network.networks(ids: Array(networkIDs)).map(\.id))
                for id in networkIDs.sorted() where !known.contains(id) {
                    throw ComputeErrors.badRequest("Network \(id) could not be found.")
                }
                for portID in list.compactMap(\.portID) {
                    guard let port = try await network.port(id: portID) else {
                        throw ComputeErrors.badRequest("Port id \(portID) could not be found.")
                    }
                    guard port.deviceID.isEmpty else { throw ComputeErrors.conflict("Port \(portID) is still in use.") }
                    if request.maxCount > 1 {
                        throw ComputeErrors.badRequest("Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.")
                    }
                }
                return list
            }
        } catch let error as ServiceClientError {
            throw APIError(.serviceUnavailable, "The Network service could not be reached: \(error.message)")
        }
    }

    /// `zone`, `zone:host` or `zone:host:node`; naming a host is for admins.
    private func parseAvailabilityZone(_ text: String?, _ auth: AuthContext) throws -> (String?, String?, String?) {
        guard let text else { return (nil, nil, nil) }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let zone = parts[0].isEmpty ? nil : parts[0]
        let host = parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil
        let node = parts.count > 2 && !parts[2].isEmpty ? parts[2] : nil
        if host != nil || node != nil {
            try policy.enforce("os_compute_api:servers:create:forced_host", auth, target: Self.projectTarget(auth))
        }
        return (host, node, zone)
    }

    /// 400 unless the zone is the default one or an aggregate's.
    private func requireAvailabilityZone(_ zone: String) async throws {
        guard zone != settings.defaultAvailabilityZone else { return }
        let zones = try await read { q in Set(try await q.aggregates().compactMap(\.availabilityZone)) }
        guard zones.contains(zone) else {
            throw ComputeErrors.badRequest("The requested availability zone is not available")
        }
    }

    static func generatePassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return String(IDGenerator.randomBytes(12).map { alphabet[Int($0) % alphabet.count] })
    }
}

/// Hostnames Nova derives from display names (`utils.sanitize_hostname`).
enum Hostnames {
    static func sanitize(_ name: String, fallback: String) -> String {
        var result = ""
        for character in name.lowercased() {
            if character.isASCII, character.isLetter || character.isNumber || character == "-" || character == "." {
                result.append(character)
            } else if character == " " || character == "_" {
                result.append("-")
            }
        }
        result = String(result.trimmingCharacters(in: CharacterSet(charactersIn: "-.")).prefix(63))
        return result.isEmpty ? fallback : result
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
