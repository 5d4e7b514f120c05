import ServiceClients
import StratusKit

/// What the volume paths reach beyond the Block Storage database: the message bus to the
/// scheduler and volume agents, the Image API (volumes from images, uploads to images), and
/// Object Storage for the `swift` backup driver.
public struct BlockStorageBackends: Sendable {
    let bus: any MessageBus
    let image: any ImageClient
    let objectStore: (any ObjectStoreClient)?

    public init(bus: any MessageBus, image: any ImageClient, objectStore: (any ObjectStoreClient)? = nil) {
        self.bus = bus
        self.image = image
        self.objectStore = objectStore
    }
}

/// The RPC targets and methods of Block Storage: the scheduler (`volume_scheduler`, since
/// `scheduler` is Compute's on a shared bus) and one volume service per back end
/// (`volume.<host@backend>`).
enum VolumeRPC {
    static let scheduler = MessageTarget(topic: "volume_scheduler", version: "1.0")
    static func volume(serviceHost: String) -> MessageTarget {
        MessageTarget(topic: "volume", server: serviceHost, version: "1.0")
    }

    enum Method {
        static let createVolume = "create_volume"
        static let deleteVolume = "delete_volume"
        static let extendVolume = "extend_volume"
        static let createSnapshot = "create_snapshot"
        static let deleteSnapshot = "delete_snapshot"
        static let revertToSnapshot = "revert_to_snapshot"
        static let uploadToImage = "copy_volume_to_image"
        static let createBackup = "create_backup"
        static let restoreBackup = "restore_backup"
        static let deleteBackup = "delete_backup"
        static let initializeConnection = "initialize_connection"
        static let terminateConnection = "terminate_connection"
        static let retype = "retype"
    }
}
