/// Cinder's volume statuses (cinder/objects/fields.py `VolumeStatus`) and the sets the
/// API's state rules name.
enum VolumeStatus {
    static let creating = "creating"
    static let available = "available"
    static let deleting = "deleting"
    static let error = "error"
    static let errorDeleting = "error_deleting"
    static let attaching = "attaching"
    static let inUse = "in-use"
    static let detaching = "detaching"
    static let reserved = "reserved"
    static let extending = "extending"
    static let errorExtending = "error_extending"
    static let retyping = "retyping"
    static let downloading = "downloading"
    static let uploading = "uploading"
    static let backingUp = "backing-up"
    static let restoringBackup = "restoring-backup"
    static let errorRestoring = "error_restoring"
    static let reverting = "reverting"
    static let maintenance = "maintenance"

    /// Every status an admin may reset a volume to.
    static let all = [
        "creating", "available", "deleting", "error", "error_deleting", "error_managing", "managing", "attaching",
        "in-use", "detaching", "maintenance", "restoring-backup", "error_restoring", "reserved", "awaiting-transfer",
        "backing-up", "error_backing-up", "error_extending", "downloading", "uploading", "retyping", "extending",
    ]

    /// Where a volume may be deleted from (without force).
    static let deletable: Set<String> = ["available", "error", "error_restoring", "error_extending", "error_managing"]

    static let deleteRefusal =
        "Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer."
}
