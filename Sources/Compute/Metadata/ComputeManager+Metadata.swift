import ServiceClients
import StratusKit

/// The metadata service's reads and its one write: the server a request speaks for, what
/// its metadata is made of, and the password a guest stores.
extension ComputeManager {
    /// The live server a requester speaks for; 404 when there is none or the project
    /// does not match (as Nova answers both).
    func metadataInstance(for requester: MetadataRequester) async throws -> InstanceRecord {
        let notFound = APIError(.notFound, "The resource could not be found.")
        switch requester {
        case .signedInstance(let uuid, let projectID):
            guard let instance = try await read({ try await $0.instance(uuid: uuid) }), instance.projectID == projectID else {
                logger.warning("metadata request for an unknown instance or a project that does not own it")
                throw notFound
            }
            return instance
        case .address(let address, let networkID, let routerID):
            let network = try requireBackends().network
            var networkIDs: [String] = networkID.map { [$0] } ?? []
            if networkIDs.isEmpty, let routerID {
                networkIDs = Array(Set(
                    try await network.ports(deviceID: routerID)
                        .filter { $0.deviceOwner.hasPrefix("network:router_interface") }.map(\.networkID))).sorted()
            }
            let ports = try await network.ports(fixedIP: address, networkIDs: networkIDs)
                .filter { $0.deviceOwner.hasPrefix("compute:") && !$0.deviceID.isEmpty }
            guard let port = ports.first,
                let instance = try await read({ try await $0.instance(uuid: port.deviceID) }),
                instance.projectID == port.projectID
            else {
                logger.warning("metadata request from an address no server holds on the named network or router")
                throw notFound
            }
            return instance
        }
    }

    /// Everything the server's metadata documents are made of, read now.
    func metadata(of instance: InstanceRecord, content: MetadataContentSettings) async throws -> InstanceMetadata {
        let network = try requireBackends().network
        let keypairType = try await instance.keyName.asyncMap { name in
            try await self.read { try await $0.keypair(named: name, of: instance.userID) }?.type
        } ?? nil
        return InstanceMetadata(
            instance: instance, keypairType: keypairType,
            network: try await GuestNetworkDescription.gather(instance, network: network), settings: content)
    }

    func instancePassword(_ uuid: String) async throws -> String? {
        try await read { try await $0.instancePassword(uuid: uuid) }
    }

    /// Stores the password a guest posts; 409 when it has one already (Nova's `HTTPConflict`).
    func storeInstancePassword(_ uuid: String, password: String) async throws {
        let stored = try await write { try await $0.storeInstancePassword(uuid: uuid, password: password, at: .now()) }
        guard stored else { throw APIError(.conflict, "There was a conflict when trying to complete your request.") }
    }
}
