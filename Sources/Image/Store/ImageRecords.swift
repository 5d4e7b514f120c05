import StratusKit

/// The states of an image, as Glance names them (the seeds' status machine):
/// queued → saving → active, killed on a failed store write, uploading → importing → active
/// for interoperable import, deactivated by an admin, pending_delete / deleted when deleted.
enum ImageStatus: String, Sendable, CaseIterable {
    case queued, saving, uploading, importing, active, deactivated, killed, deleted
    case pendingDelete = "pending_delete"
}

enum ImageVisibility: String, Sendable, CaseIterable {
    case `public`, community, shared, `private`
}

/// One image's metadata row with its custom properties and tags.
struct ImageRecord: Sendable {
    var id: String
    var name: String?
    var status: ImageStatus
    var visibility: ImageVisibility
    var owner: String?
    var diskFormat: String?
    var containerFormat: String?
    var size: Int64?
    var virtualSize: Int64?
    var checksum: String?
    var osHashAlgo: String?
    var osHashValue: String?
    var minDisk: Int64 = 0
    var minRAM: Int64 = 0
    var protected: Bool = false
    var osHidden: Bool = false
    /// Where the data lives in its store (`file` store: a path relative to the store root).
    var location: String?
    var storeID: String?
    /// Bytes held in the staging area by `stage` (interoperable import), counted by quotas.
    var stagedSize: Int64?
    var createdAt: Timestamp
    var updatedAt: Timestamp
    var deletedAt: Timestamp?
    var properties: [String: String] = [:]
    var tags: [String] = []
}

extension ImageRecord {
    /// A new image with Glance's defaults (queued, visibility `shared`), for a create
    /// request to fill in.
    static func requested() -> ImageRecord {
        ImageRecord(
            id: "", status: .queued, visibility: .shared, createdAt: Timestamp(microseconds: 0),
            updatedAt: Timestamp(microseconds: 0))
    }
}

enum MemberStatus: String, Sendable, CaseIterable {
    case pending, accepted, rejected
}

/// A project an image is shared with, and whether that project accepted it.
struct MemberRecord: Sendable {
    var imageID: String
    var memberID: String
    var status: MemberStatus
    var createdAt: Timestamp
    var updatedAt: Timestamp
}

enum TaskStatus: String, Sendable {
    case pending, processing, success, failure
}

/// An asynchronous operation (`/v2/tasks`): an image import.
struct TaskRecord: Sendable {
    var id: String
    var type: String
    var status: TaskStatus
    var owner: String
    var input: JSONValue
    var result: JSONValue?
    var message: String
    var imageID: String?
    var userID: String?
    var requestID: String?
    var expiresAt: Timestamp?
    var createdAt: Timestamp
    var updatedAt: Timestamp
}
