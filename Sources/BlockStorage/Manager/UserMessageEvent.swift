/// What a user message reports, as Cinder's message ids name it: the resource type, an
/// action and a detail (`VOLUME_VOLUME_001_003`: a volume, "schedule allocate volume", "could
/// not find any available weighted backend"). The text is `"<action>:<detail>"`, where the
/// detail says why in this cloud's words.
struct UserMessageEvent: Sendable {
    /// `VOLUME`, `VOLUME_SNAPSHOT` or `VOLUME_BACKUP`.
    var resource: String
    var actionID: String
    var action: String
    var detailID: String

    /// `VOLUME_<resource>_<action>_<detail>`, as Cinder composes it.
    var id: String { "VOLUME_\(resource)_\(actionID)_\(detailID)" }

    func text(_ detail: String) -> String { "\(action):\(detail)" }

    static let scheduleAllocateVolume = UserMessageEvent(
        resource: "VOLUME", actionID: "001", action: "schedule allocate volume", detailID: "003")
    static let attachVolume = UserMessageEvent(
        resource: "VOLUME", actionID: "002", action: "attach volume", detailID: "021")
    static let copyVolumeToImage = UserMessageEvent(
        resource: "VOLUME", actionID: "003", action: "copy volume to image", detailID: "004")
    static let copyImageToVolume = UserMessageEvent(
        resource: "VOLUME", actionID: "005", action: "copy image to volume", detailID: "001")
    /// The driver could not grow the volume.
    static let extendVolume = UserMessageEvent(
        resource: "VOLUME", actionID: "007", action: "extend volume", detailID: "010")
    /// The volume's pool has no room for the larger size.
    static let extendVolumeNoRoom = UserMessageEvent(
        resource: "VOLUME", actionID: "007", action: "extend volume", detailID: "003")
    static let createVolumeFromBackend = UserMessageEvent(
        resource: "VOLUME", actionID: "008", action: "create volume from backend storage", detailID: "001")
    /// Cinder has no action id for a failed delete; this cloud uses the next free one.
    static let deleteVolume = UserMessageEvent(
        resource: "VOLUME", actionID: "017", action: "delete volume", detailID: "001")
    /// Cinder has no action id for a failed revert; this cloud uses the next free one.
    static let revertVolume = UserMessageEvent(
        resource: "VOLUME", actionID: "018", action: "revert volume to snapshot", detailID: "001")
    static let createSnapshot = UserMessageEvent(
        resource: "VOLUME_SNAPSHOT", actionID: "009", action: "create snapshot", detailID: "013")
    static let deleteSnapshot = UserMessageEvent(
        resource: "VOLUME_SNAPSHOT", actionID: "010", action: "delete snapshot", detailID: "001")
    static let backupCreate = UserMessageEvent(
        resource: "VOLUME_BACKUP", actionID: "013", action: "create backup", detailID: "001")
    static let backupDelete = UserMessageEvent(
        resource: "VOLUME_BACKUP", actionID: "014", action: "delete backup", detailID: "001")
    static let backupRestore = UserMessageEvent(
        resource: "VOLUME_BACKUP", actionID: "015", action: "restore backup", detailID: "001")
}
