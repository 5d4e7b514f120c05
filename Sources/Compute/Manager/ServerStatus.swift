/// Nova's instance states (`nova/compute/vm_states.py`, `task_states.py`) and the API status
/// derived from them: the table of the seeds and of Nova's `_STATE_MAP`.
enum VMState {
    static let active = "active"
    static let building = "building"
    static let paused = "paused"
    static let suspended = "suspended"
    static let stopped = "stopped"
    static let rescued = "rescued"
    static let resized = "resized"
    static let softDeleted = "soft-delete"
    static let deleted = "deleted"
    static let error = "error"
    static let shelved = "shelved"
    static let shelvedOffloaded = "shelved_offloaded"
}

enum TaskState {
    static let scheduling = "scheduling"
    static let blockDeviceMapping = "block_device_mapping"
    static let networking = "networking"
    static let spawning = "spawning"
    static let imageSnapshot = "image_snapshot"
    static let imageSnapshotPending = "image_snapshot_pending"
    static let imageUploading = "image_uploading"
    static let imageBackup = "image_backup"
    static let updatingPassword = "updating_password"
    static let resizePrep = "resize_prep"
    static let resizeMigrating = "resize_migrating"
    static let resizeMigrated = "resize_migrated"
    static let resizeFinish = "resize_finish"
    static let resizeReverting = "resize_reverting"
    static let resizeConfirming = "resize_confirming"
    static let rebooting = "rebooting"
    static let rebootPending = "reboot_pending"
    static let rebootStarted = "reboot_started"
    static let rebootingHard = "rebooting_hard"
    static let rebootPendingHard = "reboot_pending_hard"
    static let rebootStartedHard = "reboot_started_hard"
    static let pausing = "pausing"
    static let unpausing = "unpausing"
    static let suspending = "suspending"
    static let resuming = "resuming"
    static let poweringOff = "powering-off"
    static let poweringOn = "powering-on"
    static let rescuing = "rescuing"
    static let unrescuing = "unrescuing"
    static let rebuilding = "rebuilding"
    static let rebuildBlockDeviceMapping = "rebuild_block_device_mapping"
    static let rebuildSpawning = "rebuild_spawning"
    static let migrating = "migrating"
    static let deleting = "deleting"
    static let restoring = "restoring"
    static let softDeleting = "soft-deleting"
    static let shelving = "shelving"
    static let shelvingImagePendingUpload = "shelving_image_pending_upload"
    static let shelvingImageUploading = "shelving_image_uploading"
    static let shelvingOffloading = "shelving_offloading"
    static let unshelving = "unshelving"
}

/// The API's `status` of a server, from its vm_state and task_state.
enum ServerStatus {
    private static let resizeTasks: Set<String> = [
        TaskState.resizePrep, TaskState.resizeMigrating, TaskState.resizeMigrated, TaskState.resizeFinish,
    ]
    private static let rebuildTasks: Set<String> = [
        TaskState.rebuilding, TaskState.rebuildBlockDeviceMapping, TaskState.rebuildSpawning,
    ]
    private static let softRebootTasks: Set<String> = [TaskState.rebooting, TaskState.rebootPending, TaskState.rebootStarted]
    private static let hardRebootTasks: Set<String> = [
        TaskState.rebootingHard, TaskState.rebootPendingHard, TaskState.rebootStartedHard,
    ]

    static func of(vmState: String, taskState: String?) -> String {
        switch vmState {
        case VMState.active:
            guard let task = taskState else { return "ACTIVE" }
            if softRebootTasks.contains(task) { return "REBOOT" }
            if hardRebootTasks.contains(task) { return "HARD_REBOOT" }
            if task == TaskState.updatingPassword { return "PASSWORD" }
            if rebuildTasks.contains(task) { return "REBUILD" }
            if task == TaskState.migrating { return "MIGRATING" }
            if resizeTasks.contains(task) { return "RESIZE" }
            return "ACTIVE"
        case VMState.building: return "BUILD"
        case VMState.stopped:
            if let task = taskState, resizeTasks.contains(task) { return "RESIZE" }
            if let task = taskState, rebuildTasks.contains(task) { return "REBUILD" }
            return "SHUTOFF"
        case VMState.resized:
            return taskState == TaskState.resizeReverting ? "REVERT_RESIZE" : "VERIFY_RESIZE"
        case VMState.paused: return taskState == TaskState.migrating ? "MIGRATING" : "PAUSED"
        case VMState.suspended: return "SUSPENDED"
        case VMState.rescued: return "RESCUE"
        case VMState.error:
            if let task = taskState, rebuildTasks.contains(task) { return "REBUILD" }
            return "ERROR"
        case VMState.deleted: return "DELETED"
        case VMState.softDeleted: return "SOFT_DELETED"
        case VMState.shelved: return "SHELVED"
        case VMState.shelvedOffloaded: return "SHELVED_OFFLOADED"
        default: return "UNKNOWN"
        }
    }

    /// The vm_states a `status` filter value selects (Nova's `task_and_vm_state_from_status`).
    static func vmStates(forStatus status: String) -> [String] {
        switch status.uppercased() {
        case "ACTIVE", "REBOOT", "HARD_REBOOT", "PASSWORD", "MIGRATING": [VMState.active] + (status.uppercased() == "MIGRATING" ? [VMState.paused] : [])
        case "BUILD": [VMState.building]
        case "SHUTOFF": [VMState.stopped]
        case "RESIZE": [VMState.active, VMState.stopped]
        case "VERIFY_RESIZE", "REVERT_RESIZE": [VMState.resized]
        case "PAUSED": [VMState.paused]
        case "SUSPENDED": [VMState.suspended]
        case "RESCUE": [VMState.rescued]
        case "REBUILD": [VMState.active, VMState.stopped, VMState.error]
        case "ERROR": [VMState.error]
        case "DELETED": [VMState.deleted]
        case "SOFT_DELETED": [VMState.softDeleted]
        case "SHELVED": [VMState.shelved]
        case "SHELVED_OFFLOADED": [VMState.shelvedOffloaded]
        default: []
        }
    }
}
