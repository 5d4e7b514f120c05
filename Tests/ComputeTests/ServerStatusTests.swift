import Testing

@testable import Compute

/// The API status of a server from its vm_state and task_state (the seeds' table), and the
/// states each action accepts.
@Suite struct ServerStatusTests {
    @Test func statusTable() {
        let cases: [(String, String?, String)] = [
            ("active", nil, "ACTIVE"), ("active", "rebooting", "REBOOT"), ("active", "reboot_started", "REBOOT"),
            ("active", "rebooting_hard", "HARD_REBOOT"), ("active", "rebuilding", "REBUILD"),
            ("active", "migrating", "MIGRATING"), ("active", "resize_prep", "RESIZE"),
            ("active", "resize_migrating", "RESIZE"), ("active", "updating_password", "PASSWORD"),
            ("active", "deleting", "ACTIVE"), ("building", "scheduling", "BUILD"), ("building", nil, "BUILD"),
            ("stopped", nil, "SHUTOFF"), ("stopped", "resize_finish", "RESIZE"), ("stopped", "rebuild_spawning", "REBUILD"),
            ("resized", nil, "VERIFY_RESIZE"), ("resized", "resize_reverting", "REVERT_RESIZE"),
            ("paused", nil, "PAUSED"), ("paused", "migrating", "MIGRATING"), ("suspended", nil, "SUSPENDED"),
            ("rescued", nil, "RESCUE"), ("error", nil, "ERROR"), ("error", "rebuilding", "REBUILD"),
            ("deleted", nil, "DELETED"), ("soft-delete", nil, "SOFT_DELETED"), ("shelved", nil, "SHELVED"),
            ("shelved_offloaded", nil, "SHELVED_OFFLOADED"),
        ]
        for (vmState, taskState, status) in cases {
            #expect(ServerStatus.of(vmState: vmState, taskState: taskState) == status, "\(vmState)/\(taskState ?? "-")")
        }
    }

    @Test func statusFilterSelectsVMStates() {
        #expect(ServerStatus.vmStates(forStatus: "shutoff") == ["stopped"])
        #expect(ServerStatus.vmStates(forStatus: "VERIFY_RESIZE") == ["resized"])
        #expect(ServerStatus.vmStates(forStatus: "nonsense").isEmpty)
    }

    @Test func actionRulesFollowNova() throws {
        let start = try #require(ServerActionRule.all["start"])
        #expect(start.vmStates == ["stopped"])
        let soft = try #require(ServerActionRule.all["reboot"])
        let hard = try #require(ServerActionRule.all["reboot_hard"])
        #expect(soft.vmStates == ["active"] && soft.taskStates == [nil])
        #expect(hard.vmStates.isSuperset(of: ["active", "stopped", "paused", "suspended", "error"]))
        #expect(hard.taskStates.contains("rebooting"))
        #expect(ServerActionRule.all["confirm_resize"]?.vmStates == ["resized"])
        #expect(ServerActionRule.all["unshelve"]?.vmStates == ["shelved", "shelved_offloaded"])
    }
}
