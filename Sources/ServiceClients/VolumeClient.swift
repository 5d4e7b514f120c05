import Foundation

/// On whose behalf a Block Storage call is made. As Nova does, Compute calls Cinder with the
/// user's own token, so volumes are created in (and looked up from) the token's project; work
/// with no user behind it (periodic clean-ups) uses the service's own admin token.
public struct VolumeCaller: Sendable, Equatable {
    /// The user's token; nil: the service session's own token.
    public var token: String?
    /// The project in the URL (`/v3/<project>/…`): the user's, or the server's owner.
    public var projectID: String

    public init(token: String?, projectID: String) {
        self.token = token
        self.projectID = projectID
    }

    /// The service's own (admin) token acting on a project's volumes.
    public static func service(projectID: String) -> VolumeCaller { VolumeCaller(token: nil, projectID: projectID) }
}

/// One attachment of a volume as the volume shows it.
public struct VolumeAttachmentSummary: Sendable, Equatable {
    public var serverID: String
    public var attachmentID: String
    public var device: String?

    public init(serverID: String, attachmentID: String, device: String?) {
        self.serverID = serverID
        self.attachmentID = attachmentID
        self.device = device
    }
}

/// A volume as the compute service needs to know it.
public struct VolumeSummary: Sendable, Equatable {
    public var id: String
    /// `creating`, `available`, `reserved`, `attaching`, `in-use`, `detaching`, `error` …
    public var status: String
    /// GiB.
    public var size: Int64
    public var name: String?
    public var attachments: [VolumeAttachmentSummary]
    public var multiattach: Bool
    public var bootable: Bool
    public var availabilityZone: String?

    public init(
        id: String, status: String, size: Int64, name: String?, attachments: [VolumeAttachmentSummary] = [],
        multiattach: Bool = false, bootable: Bool = false, availabilityZone: String? = nil
    ) {
        self.id = id
        self.status = status
        self.size = size
        self.name = name
        self.attachments = attachments
        self.multiattach = multiattach
        self.bootable = bootable
        self.availabilityZone = availabilityZone
    }
}

/// A new volume: empty, or made from an image, a snapshot or another volume.
public struct VolumeCreateRequest: Sendable, Equatable {
    /// GiB.
    public var size: Int64
    public var name: String?
    public var imageRef: String?
    public var snapshotID: String?
    public var sourceVolumeID: String?
    public var availabilityZone: String?
    public var volumeType: String?

    public init(
        size: Int64, name: String? = nil, imageRef: String? = nil, snapshotID: String? = nil, sourceVolumeID: String? = nil,
        availabilityZone: String? = nil, volumeType: String? = nil
    ) {
        self.size = size
        self.name = name
        self.imageRef = imageRef
        self.snapshotID = snapshotID
        self.sourceVolumeID = sourceVolumeID
        self.availabilityZone = availabilityZone
        self.volumeType = volumeType
    }
}

/// What a compute host tells Block Storage about itself when it connects a volume (os-brick's
/// connector properties).
public struct VolumeConnector: Sendable, Equatable {
    public var host: String
    public var ip: String
    /// The device the guest will see the volume as.
    public var mountpoint: String?
    public var platform: String
    public var osType: String
    public var multipath: Bool

    public init(
        host: String, ip: String = "127.0.0.1", mountpoint: String?, platform: String = "x86_64", osType: String = "linux",
        multipath: Bool = false
    ) {
        self.host = host
        self.ip = ip
        self.mountpoint = mountpoint
        self.platform = platform
        self.osType = osType
        self.multipath = multipath
    }
}

/// How a host reaches a volume: the driver type (`file`, `iscsi` …) and its data, values
/// rendered as text.
public struct VolumeConnectionInfo: Sendable, Equatable {
    public var driverVolumeType: String
    public var data: [String: String]

    public init(driverVolumeType: String, data: [String: String]) {
        self.driverVolumeType = driverVolumeType
        self.data = data
    }
}

/// A volume that did not reach the status a caller waited for.
public struct VolumeWaitError: Error, CustomStringConvertible, Sendable {
    public var volumeID: String
    public var expected: String
    /// The last status seen; nil when the volume is gone.
    public var status: String?
    public var timedOut: Bool

    public var description: String {
        if timedOut {
            return "Volume \(volumeID) did not become \(expected) in time (last status: \(status ?? "gone"))"
        }
        return "Volume \(volumeID) did not become \(expected): its status is \(status ?? "gone")"
    }
}

/// The Block Storage API (Cinder v3) as Compute uses it: reading a volume, making one to
/// boot from, and the attachments API (reserve, connect, complete, delete). Every call is
/// made on behalf of `caller`.
public protocol VolumeClient: Sendable {
    /// The volume, or nil when it does not exist (or is not visible to the caller).
    func volume(id: String, as caller: VolumeCaller) async throws -> VolumeSummary?
    /// Asks for a new volume; returns its id (it starts `creating`).
    func createVolume(_ request: VolumeCreateRequest, as caller: VolumeCaller) async throws -> String
    /// Deletes the volume; one that is gone is not an error.
    func deleteVolume(id: String, as caller: VolumeCaller) async throws
    /// Creates an attachment of the volume to the server: without a connector it only
    /// reserves the volume. `mode` is `rw` or `ro`. Returns the attachment id.
    func createAttachment(
        volumeID: String, instanceUUID: String, connector: VolumeConnector?, mode: String, as caller: VolumeCaller
    ) async throws -> String
    /// Gives the attachment the host's connector; returns how to connect the volume.
    func updateAttachment(id: String, connector: VolumeConnector, as caller: VolumeCaller) async throws -> VolumeConnectionInfo
    /// Marks the attachment attached (the volume becomes `in-use`).
    func completeAttachment(id: String, as caller: VolumeCaller) async throws
    /// Deletes the attachment; one that is gone is not an error.
    func deleteAttachment(id: String, as caller: VolumeCaller) async throws
}

extension VolumeClient {
    /// Polls the volume every `interval` until its status is `status`; throws
    /// `VolumeWaitError` when it goes to `error`, disappears or `timeout` passes (Nova's
    /// `block_device_allocate_retries`).
    @discardableResult
    public func waitForVolume(
        id: String, status: String, timeout: Duration, interval: Duration = .milliseconds(500), as caller: VolumeCaller
    ) async throws -> VolumeSummary {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var last: String?
        while true {
            guard let volume = try await volume(id: id, as: caller) else {
                throw VolumeWaitError(volumeID: id, expected: status, status: nil, timedOut: false)
            }
            if volume.status == status { return volume }
            if volume.status.hasPrefix("error") {
                throw VolumeWaitError(volumeID: id, expected: status, status: volume.status, timedOut: false)
            }
            last = volume.status
            guard clock.now.advanced(by: interval) < deadline else {
                throw VolumeWaitError(volumeID: id, expected: status, status: last, timedOut: true)
            }
            try await Task.sleep(for: interval)
        }
    }
}
