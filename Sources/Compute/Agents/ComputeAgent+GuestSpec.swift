import ServiceClients
import StratusKit

extension ComputeAgent {
    /// The spec a server's guest is spawned from: its size, image and interfaces, user data
    /// and key, its personality files and, when the server asked for one (`config_drive`),
    /// a config drive holding the documents the metadata service would serve it.
    func guestSpec(_ instance: InstanceRecord, imageID: String?, interfaces: [GuestInterface]) async throws -> GuestSpec {
        var spec = GuestSpec(
            uuid: instance.uuid, name: instance.instanceName, hostname: instance.hostname,
            flavor: instance.flavor.guestFlavor, imageID: imageID, interfaces: interfaces, userData: instance.userData,
            keyData: instance.keyData,
            injectedFiles: (instance.request.injectedFiles ?? []).map { GuestFile(path: $0.path, contents: $0.bytes) })
        if instance.configDrive == "True" {
            let keypairType = try await instance.keyName.asyncMap { name in
                try await self.database.read { try await ComputeQueries(sql: $0).keypair(named: name, of: instance.userID) }?.type
            } ?? nil
            let metadata = InstanceMetadata(
                instance: instance, keypairType: keypairType,
                network: try await GuestNetworkDescription.gather(instance, network: backends.network),
                settings: metadataContent)
            spec.configDrive = GuestConfigDrive(files: metadata.configDriveFiles())
        }
        return spec
    }
}
