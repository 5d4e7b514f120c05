import StratusKit

/// A live migration's checks and destination (Nova's conductor `LiveMigrationTask`): the
/// migration row (`live-migration`, `accepted`), the source allocation held by the
/// migration, the scheduler's choice (the requested host only, never the current one, with
/// room for the flavor), then the cast that starts the transfer on the source host. A check
/// that fails leaves the server where it was, ACTIVE or PAUSED, its migration in `error`.
/// The source's service must be up: it carries out the transfer.
extension ComputeConductor {
    static let liveMigrateMethod = "live_migrate_instance"
    static let evacuateMethod = "evacuate_instance"

    /// The conductor's move methods beyond `instance_action`.
    func registerMoves(on endpoint: inout RPCEndpoint) {
        endpoint.on(Self.liveMigrateMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue else { return .null }
            // A caller that waits (below 2.34) learns the checks' outcome; the transfer goes on
            // after. Otherwise a failure is only what the migration and the action record.
            do {
                try await liveMigrate(
                    uuid, requestedHost: request.args["host"]?.stringValue,
                    blockMigration: request.args["block_migration"]?.boolValue, context: request.context)
            } catch let failure as LiveMigrationPrecheckFailed where request.args["report_checks"]?.boolValue != true {
                logger.info("live migration of \(uuid) refused: \(failure.message)")
            }
            return .null
        }
        endpoint.on(Self.evacuateMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue,
                let migrationUUID = request.args["migration_uuid"]?.stringValue
            else { return .null }
            await evacuate(
                uuid, migrationUUID: migrationUUID, requestedHost: request.args["host"]?.stringValue,
                targetState: request.args["target_state"]?.stringValue, context: request.context)
            return .null
        }
    }

    /// Runs the checks and, when they pass, casts the transfer to the source host; throws
    /// the checks' failure after putting everything back.
    func liveMigrate(_ uuid: String, requestedHost: String?, blockMigration: Bool?, context: MessagingContext) async throws {
        guard let instance = try await Self.awaitInstance(uuid, in: database), let source = instance.host else { return }
        let migration = try await recordMigration(
            instance, uuid: IDGenerator.uuid(), type: "live-migration", status: "accepted", destHost: requestedHost)
        var held: [String: [String: Int]] = [:]
        do {
            if let requestedHost, requestedHost == source {
                throw LiveMigrationPrecheckFailed(
                    message: "Unable to migrate instance (\(uuid)) to current host (\(source)).")
            }
            let downTime = serviceDownTime
            guard try await database.read({ try await ComputeQueries(sql: $0).isServiceUp(host: source, downTime: downTime) }) else {
                throw LiveMigrationPrecheckFailed(message: "Compute service of \(source) is unavailable at this time.")
            }
            let chosen = try await scheduleMoveOffSource(
                instance, source: source, migrationUUID: migration.uuid, requestedHost: requestedHost, held: &held,
                context: context)
            try await recordConductorEvent("conductor_live_migrate_instance", uuid: uuid, requestID: context.requestID, error: nil)
            var transfer: [String: JSONValue] = [
                "instance_uuid": .string(uuid), "migration_uuid": .string(migration.uuid), "dest_host": .string(chosen.host),
                "dest_node": .string(chosen.nodename),
            ]
            if let blockMigration { transfer["block_migration"] = .bool(blockMigration) }
            try await backends.bus.cast(
                ComputeRPC.compute(host: source), method: ComputeAgent.liveMigrationMethod, args: transfer, context: context)
        } catch {
            let message = (error as? RemoteError)?.message ?? "\(error)"
            await backends.restoreSourceAllocation(instance, migrationUUID: migration.uuid, held: held)
            try? await database.write { sql in
                let q = ComputeQueries(sql: sql)
                try await q.updateMigration(uuid: migration.uuid, status: "error")
                guard var current = try await q.instance(uuid: uuid) else { return }
                current.taskState = nil
                try await q.save(current)
            }
            try? await recordConductorEvent(
                "conductor_live_migrate_instance", uuid: uuid, requestID: context.requestID, error: message)
            throw LiveMigrationPrecheckFailed(message: message)
        }
    }
}

/// Why a live migration did not start (Nova's `MigrationPreCheckError`, `NoValidHost`,
/// `UnableToMigrateToSelf`): a 400 to a caller below 2.34, an instance action event after.
struct LiveMigrationPrecheckFailed: Error, Sendable, CustomStringConvertible {
    var message: String
    var description: String { message }
}
