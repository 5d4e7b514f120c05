/// What a user message reports, as Cinder's message ids name it: the resource, an action and
/// a detail (`VOLUME_VOL_001_002`: volume, "schedule allocate volume", "no storage could be
/// allocated"). The text is `"<action>:<detail>"`, where the detail says why in this cloud's words.
struct UserMessageEvent: Sendable {
    var resource: String
    var actionID: String
    var action: String
    var detailID: String

    /// `VOLUME_VOL_001_002`.
    var id: String { "\(resource)_\(resource == "VOLUME" ? "VOL" : String(resource.prefix(3)))_\(actionID)_\(detailID)" }

    func text(_ detail: String) -> String { "\(action):\(detail)" }

    static let scheduleAllocateVolume = UserMessageEvent(
        resource: "VOLUME", actionID: "001", action: "schedule allocate volume", detailID: "002")
    static let copyImageToVolume = UserMessageEvent(
        resource: "VOLUME", actionID: "004", action: "copy image to volume", detailID: "001")
    static let copyVolumeToImage = UserMessageEvent(
        resource: "VOLUME", actionID: "003", action: "copy volume to image", detailID: "004")
    static let createVolumeFromBackend = UserMessageEvent(
        resource: "VOLUME", actionID: "007", action: "create volume from backend storage", detailID: "001")
    /// The driver could not grow the volume.
    static let extendVolume = UserMessageEvent(
        resource: "VOLUME", actionID: "007", action: "extend volume", detailID: "010")
    /// The volume's pool has no room for the larger size.
    static let extendVolumeNoRoom = UserMessageEvent(
        resource: "VOLUME", actionID: "007", action: "extend volume", detailID: "003")
    static let deleteVolume = UserMessageEvent(
        resource: "VOLUME", actionID: "013", action: "delete volume", detailID: "001")
    static let attachVolume = UserMessageEvent(
        resource: "VOLUME", actionID: "002", action: "attach volume", detailID: "001")
    static let revertVolume = UserMessageEvent(
        resource: "VOLUME", actionID: "021", action: "revert volume to snapshot", detailID: "001")
    static let createSnapshot = UserMessageEvent(
        resource: "VOLUME_SNAPSHOT", actionID: "008", action: "create snapshot", detailID: "001")
    static let deleteSnapshot = UserMessageEvent(
        resource: "VOLUME_SNAPSHOT", actionID: "009", action: "delete snapshot", detailID: "001")
    static let backupCreate = UserMessageEvent(
        resource: "VOLUME_BACKUP", actionID: "017", action: "backup create", detailID: "001")
    static let backupDelete = UserMessageEvent(
        resource: "VOLUME_BACKUP", actionID: "019", action: "backup delete", detailID: "001")
    static let backupRestore = UserMessageEvent(
        resource: "VOLUME_BACKUP", actionID: "020", action: "restore backup", detailID: "001")
}
