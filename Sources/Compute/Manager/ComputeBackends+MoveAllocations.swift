import StratusKit

/// While a server moves, its resources on the source stay claimed in Placement under the
/// migration's uuid (Nova's migration-based allocations), so the scheduler can claim the
/// destination under the server's own uuid; a move that fails puts them back.
extension ComputeBackends {
    /// Moves the server's allocation to the migration consumer; returns what was moved.
    func holdSourceAllocation(_ instance: InstanceRecord, migrationUUID: String) async throws -> [String: [String: Int]] {
        let current = try await placement.allocations(consumerUUID: instance.uuid).allocations
        guard !current.isEmpty else { return [:] }
        guard
            try await placement.claimAllocations(
                consumerUUID: migrationUUID, allocations: current, projectID: instance.projectID, userID: instance.userID,
                consumerGeneration: nil)
        else { throw NoValidHost(reason: "The source allocation could not be moved.") }
        try await placement.deleteAllocations(consumerUUID: instance.uuid)
        return current
    }

    /// Gives the server back its source allocation (`held`, else what the migration consumer
    /// holds), dropping any destination claim, and removes the migration consumer.
    func restoreSourceAllocation(_ instance: InstanceRecord, migrationUUID: String, held: [String: [String: Int]]? = nil) async {
        var source = held
        if source == nil { source = try? await placement.allocations(consumerUUID: migrationUUID).allocations }
        guard let source, !source.isEmpty else { return }
        try? await placement.deleteAllocations(consumerUUID: instance.uuid)
        _ = try? await placement.claimAllocations(
            consumerUUID: instance.uuid, allocations: source, projectID: instance.projectID, userID: instance.userID,
            consumerGeneration: nil)
        try? await placement.deleteAllocations(consumerUUID: migrationUUID)
    }
}
