/// An image as the compute service needs to know it.
public struct ImageSummary: Sendable {
    public var id: String
    public var name: String
    public var status: String
    public var visibility: String
    public var owner: String
    public var diskFormat: String?
    public var containerFormat: String?
    public var size: Int64?
    public var minDisk: Int
    public var minRam: Int
    /// Custom properties (`hw_*`, `os_*`, `image_type`, `instance_uuid` …), string-valued as Glance keeps them.
    public var properties: [String: String]
    public var createdAt: String

    public init(
        id: String, name: String, status: String, visibility: String, owner: String, diskFormat: String?,
        containerFormat: String?, size: Int64?, minDisk: Int, minRam: Int, properties: [String: String], createdAt: String
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.visibility = visibility
        self.owner = owner
        self.diskFormat = diskFormat
        self.containerFormat = containerFormat
        self.size = size
        self.minDisk = minDisk
        self.minRam = minRam
        self.properties = properties
        self.createdAt = createdAt
    }
}

/// A new image record (no data yet), owned by a project, as a snapshot starts.
public struct ImageCreateRequest: Sendable {
    public var name: String
    public var ownerProjectID: String
    public var diskFormat: String?
    public var containerFormat: String?
    public var visibility: String
    public var minDisk: Int
    public var minRam: Int
    public var properties: [String: String]
    /// Glance's `protected`: the image cannot be deleted until it is cleared.
    public var isProtected: Bool

    public init(
        name: String, ownerProjectID: String, diskFormat: String? = nil, containerFormat: String? = nil,
        visibility: String = "private", minDisk: Int = 0, minRam: Int = 0, properties: [String: String] = [:],
        isProtected: Bool = false
    ) {
        self.name = name
        self.ownerProjectID = ownerProjectID
        self.diskFormat = diskFormat
        self.containerFormat = containerFormat
        self.visibility = visibility
        self.minDisk = minDisk
        self.minRam = minRam
        self.properties = properties
        self.isProtected = isProtected
    }
}

/// The Image API as the compute service uses it: reading the image a server boots from,
/// and making snapshots and backups.
public protocol ImageClient: Sendable {
    /// The image, or nil when it does not exist (or is not visible).
    func image(id: String) async throws -> ImageSummary?
    /// Creates a queued image owned by `request.ownerProjectID`.
    func createImage(_ request: ImageCreateRequest) async throws -> ImageSummary
    /// Uploads the image's data from a local file, streamed (never whole in memory).
    func uploadImageData(id: String, fileAt path: String) async throws
    /// Writes the image's data to a new local file at `path`, streamed (never whole in memory).
    func downloadImageData(id: String, to path: String) async throws
    /// Deletes the image; one that is gone is not an error.
    func deleteImage(id: String) async throws
    /// The project's images whose custom properties include all of `properties`, newest first.
    func images(ownerProjectID: String, properties: [String: String]) async throws -> [ImageSummary]
}
