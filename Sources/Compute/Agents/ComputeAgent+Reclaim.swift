import StratusKit

extension ComputeAgent {
    /// Nova's `_reclaim_queued_deletes`: the servers of this host soft-deleted longer than
    /// `interval` ago (and with no task running) are deleted for good.
    func reclaimSoftDeleted(olderThan interval: Duration) async {
        let cutoff = Timestamp.now().microseconds - interval.components.seconds * 1_000_000
        do {
            let host = self.host
            let due = try await write { q -> [String] in
                var due: [String] = []
                for var instance in try await q.instances(projectID: nil, includeDeleted: false, host: host, vmStates: [VMState.softDeleted])
                where instance.taskState == nil && (instance.deletedAt?.microseconds ?? 0) <= cutoff {
                    instance.taskState = TaskState.deleting
                    try await q.save(instance)
                    due.append(instance.uuid)
                }
                return due
            }
            for uuid in due {
                logger.info("reclaiming soft-deleted server \(uuid) on \(host)")
                await terminate(uuid, requestID: "req-reclaim-" + IDGenerator.uuid())
            }
        } catch {
            logger.warning("reclaiming soft-deleted servers on \(host) failed: \(error)")
        }
    }
}
