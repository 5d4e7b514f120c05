/// Which states each server action accepts (Nova's `@check_instance_state` on the compute
/// API), the task state it sets while the compute agent works, and its policy rule.
struct ServerActionRule: Sendable {
    /// Nova's method name, used in the 409 message ("Cannot 'start' instance …").
    var method: String
    /// The instance action recorded (`openstack server event list`).
    var actionName: String
    var policyRule: String
    var vmStates: Set<String>
    /// nil entries mean "no task in progress"; the default accepts only that.
    var taskStates: Set<String?> = [nil]
    var newTaskState: String?

    static let all: [String: ServerActionRule] = {
        let rules: [ServerActionRule] = [
            .init(
                method: "start", actionName: "start", policyRule: "os_compute_api:servers:start",
                vmStates: [VMState.stopped], newTaskState: TaskState.poweringOn),
            .init(
                method: "stop", actionName: "stop", policyRule: "os_compute_api:servers:stop",
                vmStates: [VMState.active, VMState.error], newTaskState: TaskState.poweringOff),
            .init(
                method: "reboot", actionName: "reboot", policyRule: "os_compute_api:servers:reboot",
                vmStates: [VMState.active], newTaskState: TaskState.rebooting),
            .init(
                method: "reboot", actionName: "reboot", policyRule: "os_compute_api:servers:reboot",
                vmStates: [VMState.active, VMState.stopped, VMState.paused, VMState.suspended, VMState.error],
                taskStates: [
                    nil, TaskState.rebooting, TaskState.rebootPending, TaskState.rebootStarted, TaskState.rebootingHard,
                    TaskState.resuming, TaskState.unpausing, TaskState.pausing, TaskState.suspending,
                ], newTaskState: TaskState.rebootingHard),
            .init(
                method: "pause", actionName: "pause", policyRule: "os_compute_api:os-pause-server:pause",
                vmStates: [VMState.active], newTaskState: TaskState.pausing),
            .init(
                method: "unpause", actionName: "unpause", policyRule: "os_compute_api:os-pause-server:unpause",
                vmStates: [VMState.paused], newTaskState: TaskState.unpausing),
            .init(
                method: "suspend", actionName: "suspend", policyRule: "os_compute_api:os-suspend-server:suspend",
                vmStates: [VMState.active], newTaskState: TaskState.suspending),
            .init(
                method: "resume", actionName: "resume", policyRule: "os_compute_api:os-suspend-server:resume",
                vmStates: [VMState.suspended], newTaskState: TaskState.resuming),
            .init(
                method: "rescue", actionName: "rescue", policyRule: "os_compute_api:os-rescue",
                vmStates: [VMState.active, VMState.stopped, VMState.error], newTaskState: TaskState.rescuing),
            .init(
                method: "unrescue", actionName: "unrescue", policyRule: "os_compute_api:os-unrescue",
                vmStates: [VMState.rescued], newTaskState: TaskState.unrescuing),
            .init(
                method: "shelve", actionName: "shelve", policyRule: "os_compute_api:os-shelve:shelve",
                vmStates: [VMState.active, VMState.stopped, VMState.paused, VMState.suspended],
                newTaskState: TaskState.shelving),
            .init(
                method: "shelve_offload", actionName: "shelveOffload", policyRule: "os_compute_api:os-shelve:shelve_offload",
                vmStates: [VMState.shelved], newTaskState: TaskState.shelvingOffloading),
            .init(
                method: "unshelve", actionName: "unshelve", policyRule: "os_compute_api:os-shelve:unshelve",
                vmStates: [VMState.shelved, VMState.shelvedOffloaded], newTaskState: TaskState.unshelving),
            .init(
                method: "resize", actionName: "resize", policyRule: "os_compute_api:servers:resize",
                vmStates: [VMState.active, VMState.stopped], newTaskState: TaskState.resizePrep),
            .init(
                method: "confirm_resize", actionName: "confirmResize", policyRule: "os_compute_api:servers:confirm_resize",
                vmStates: [VMState.resized], newTaskState: nil),
            .init(
                method: "revert_resize", actionName: "revertResize", policyRule: "os_compute_api:servers:revert_resize",
                vmStates: [VMState.resized], newTaskState: TaskState.resizeReverting),
            .init(
                method: "migrate", actionName: "migrate", policyRule: "os_compute_api:os-migrate-server:migrate",
                vmStates: [VMState.active, VMState.stopped], newTaskState: TaskState.resizePrep),
            .init(
                method: "rebuild", actionName: "rebuild", policyRule: "os_compute_api:servers:rebuild",
                vmStates: [VMState.active, VMState.stopped, VMState.error], newTaskState: TaskState.rebuilding),
            .init(
                method: "snapshot", actionName: "createImage", policyRule: "os_compute_api:servers:create_image",
                vmStates: [VMState.active, VMState.stopped, VMState.paused, VMState.suspended],
                newTaskState: TaskState.imageSnapshotPending),
            .init(
                method: "backup", actionName: "createBackup", policyRule: "os_compute_api:os-create-backup",
                vmStates: [VMState.active, VMState.stopped, VMState.paused, VMState.suspended],
                newTaskState: TaskState.imageBackup),
            .init(
                method: "set_admin_password", actionName: "changePassword", policyRule: "os_compute_api:os-admin-password",
                vmStates: [VMState.active], newTaskState: TaskState.updatingPassword),
            .init(
                method: "trigger_crash_dump", actionName: "trigger_crash_dump",
                policyRule: "os_compute_api:servers:trigger_crash_dump",
                vmStates: [VMState.active, VMState.paused, VMState.rescued, VMState.resized, VMState.error],
                newTaskState: nil),
            .init(
                method: "soft_delete", actionName: "delete", policyRule: "os_compute_api:servers:delete",
                vmStates: [
                    VMState.active, VMState.stopped, VMState.paused, VMState.suspended, VMState.rescued, VMState.resized,
                    VMState.shelved, VMState.error,
                ], newTaskState: TaskState.softDeleting),
            .init(
                method: "restore", actionName: "restore", policyRule: "os_compute_api:os-deferred-delete:restore",
                vmStates: [VMState.softDeleted], newTaskState: TaskState.restoring),
        ]
        var byKey: [String: ServerActionRule] = [:]
        for rule in rules {
            let key = rule.newTaskState == TaskState.rebootingHard ? "reboot_hard" : rule.method
            byKey[key] = rule
        }
        return byKey
    }()
}
