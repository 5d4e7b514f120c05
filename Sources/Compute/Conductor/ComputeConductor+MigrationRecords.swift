import StratusKit

/// The migration rows the conductor writes when a move starts (`GET /os-migrations`), and
/// the conductor's own events on the move's instance action.
extension ComputeConductor {
    /// Writes the migration of `instance` from its current host; `uuid` is also the Placement
    /// consumer that holds the source's resources while the move runs.
    @discardableResult
    func recordMigration(
        _ instance: InstanceRecord, uuid: String, type: String, status: String, destHost: String?
    ) async throws -> MigrationRecord {
        try await database.write { sql in
            let q = ComputeQueries(sql: sql)
            let oldFlavor = try await q.flavorInternalID(instance.flavor.flavorID)
            let newFlavor = try await instance.newFlavor.asyncMap { try await q.flavorInternalID($0.flavorID) } ?? oldFlavor
            return try await q.insertMigration(
                MigrationRecord(
                    id: 0, uuid: uuid, instanceUUID: instance.uuid, sourceCompute: instance.host, destCompute: destHost,
                    sourceNode: instance.node, destNode: nil, destHost: nil, migrationType: type, status: status,
                    oldInstanceTypeID: oldFlavor, newInstanceTypeID: newFlavor, projectID: instance.projectID,
                    userID: instance.userID, createdAt: .now(), updatedAt: nil))
        }
    }

    /// Records a finished conductor event (`error` nil: success) on the action of `requestID`.
    func recordConductorEvent(_ event: String, uuid: String, requestID: String, error: String?) async throws {
        try await database.write { sql in
            let q = ComputeQueries(sql: sql)
            guard let actionID = try await q.actionID(instanceUUID: uuid, requestID: requestID) else { return }
            let eventID = try await q.startEvent(event, actionID: actionID, host: nil)
            try await q.finishEvent(eventID, actionID: actionID, error: error)
        }
    }
}
