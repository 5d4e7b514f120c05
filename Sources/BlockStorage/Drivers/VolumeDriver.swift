import Foundation
import StratusKit

/// A storage back end, shaped like Cinder's `VolumeDriver`: the volume agent asks it to
/// create, copy and remove volumes and snapshots in one of its pools, to hand out
/// connection info a guest can use, and to report what each pool has. The agent owns the
/// records and their states; the driver only the data.
///
/// Every call names the pool a volume lives in (the `#pool` part of the volume's host);
/// sizes are GiB, as Cinder counts them. Errors are `VolumeDriverError`s, whose message the
/// agent puts into the volume's user message.
public protocol VolumeDriver: Sendable {
    /// The back end's name (`file`): the `@backend` part of a volume's host.
    var backendName: String { get }

    /// Each pool's capacity and capabilities now (Cinder's `get_volume_stats`).
    func poolReports() async throws -> [VolumePoolReport]

    /// Creates an empty volume of `sizeGB`.
    func createVolume(_ volume: VolumeLocation, sizeGB: Int) async throws
    /// Removes the volume's data; a volume that is already gone is not an error.
    func deleteVolume(_ volume: VolumeLocation) async throws
    /// Grows the volume to `newSizeGB` (never shrinks).
    func extendVolume(_ volume: VolumeLocation, newSizeGB: Int) async throws
    /// Creates `target` holding a copy of `source`'s data, grown to `sizeGB` when larger.
    func cloneVolume(_ source: VolumeLocation, to target: VolumeLocation, sizeGB: Int) async throws

    /// Saves the volume's data as it is now, as snapshot `snapshotID`.
    func createSnapshot(_ snapshotID: String, of volume: VolumeLocation) async throws
    /// Removes a snapshot's data; one that is already gone is not an error.
    func deleteSnapshot(_ snapshotID: String, of volume: VolumeLocation) async throws
    /// Creates `target` from the snapshot's data, grown to `sizeGB` when larger.
    func createVolume(_ target: VolumeLocation, fromSnapshot snapshotID: String, of source: VolumeLocation, sizeGB: Int)
        async throws
    /// Puts the snapshot's data back into the volume it was taken of (Cinder's `revert_to_snapshot`).
    func revertVolume(_ volume: VolumeLocation, toSnapshot snapshotID: String) async throws

    /// Writes an image's data (a local file in `format`: qcow2, raw …) into a new volume of
    /// `sizeGB` (Cinder's `copy_image_to_volume`). Throws when the image is larger than the volume.
    func createVolume(_ volume: VolumeLocation, sizeGB: Int, fromImageFile path: String, format: String) async throws
    /// Writes the volume's data to `path` in `format` (`raw`, `qcow2`), for an image upload
    /// or a backup (Cinder's `copy_volume_to_image`).
    func exportVolume(_ volume: VolumeLocation, to path: String, format: String) async throws
    /// Replaces the volume's data with the contents of a file in `format` (a backup being
    /// restored); the volume keeps at least its size.
    func importVolume(_ volume: VolumeLocation, from path: String, format: String) async throws

    /// What a host needs to reach the volume (Cinder's `initialize_connection`):
    /// `{"driver_volume_type": …, "data": {…}}`.
    func initializeConnection(_ volume: VolumeLocation, connector: JSONValue) async throws -> VolumeConnection
    /// Ends the access `initializeConnection` gave that connector.
    func terminateConnection(_ volume: VolumeLocation, connector: JSONValue) async throws
}

/// Where a volume lives on a back end.
public struct VolumeLocation: Sendable, Hashable, Codable {
    public var volumeID: String
    /// The pool name (the `#pool` part of the volume's host).
    public var pool: String

    public init(volumeID: String, pool: String) {
        self.volumeID = volumeID
        self.pool = pool
    }
}

/// The connection info of an attachment, as Cinder returns it to Nova.
public struct VolumeConnection: Sendable, Equatable {
    /// `local` for a file on the compute host's filesystem (os-brick's LocalConnector).
    public var driverVolumeType: String
    public var data: [String: JSONValue]

    public init(driverVolumeType: String, data: [String: JSONValue]) {
        self.driverVolumeType = driverVolumeType
        self.data = data
    }

    public var json: JSONValue {
        .object(["driver_volume_type": .string(driverVolumeType), "data": .object(data)])
    }
}

/// One pool's capacity and capabilities, as a back end reports them to the scheduler
/// (the `pools` entries of Cinder's volume stats).
public struct VolumePoolReport: Sendable, Equatable, Codable {
    public var pool: String
    public var totalCapacityGB: Double
    public var freeCapacityGB: Double
    /// Percent of the total kept back from new volumes (`reserved_percentage`).
    public var reservedPercentage: Int
    public var thinProvisioning: Bool
    /// How far a thin pool may be provisioned past its size (`max_over_subscription_ratio`).
    public var maxOverSubscriptionRatio: Double
    /// Further capabilities extra specs may match (`storage_tier`: `gold` …), string-valued.
    public var capabilities: [String: String]

    public init(
        pool: String, totalCapacityGB: Double, freeCapacityGB: Double, reservedPercentage: Int = 0,
        thinProvisioning: Bool, maxOverSubscriptionRatio: Double = 20, capabilities: [String: String] = [:]
    ) {
        self.pool = pool
        self.totalCapacityGB = totalCapacityGB
        self.freeCapacityGB = freeCapacityGB
        self.reservedPercentage = reservedPercentage
        self.thinProvisioning = thinProvisioning
        self.maxOverSubscriptionRatio = maxOverSubscriptionRatio
        self.capabilities = capabilities
    }
}

/// A driver call that failed; the message is what users see in the volume's message.
public struct VolumeDriverError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
