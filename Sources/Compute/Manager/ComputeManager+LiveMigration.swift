import StratusKit

/// Live migration on the API side (`os-migrateLive`) and the operator's handles on one in
/// progress (`/servers/{id}/migrations`): checks, the task state `migrating` and the
/// `live-migration` instance action; the conductor and the hosts do the rest.
extension ComputeManager {
    /// Nova's states for a live migration: ACTIVE or PAUSED, no task under way.
    static let liveMigrationRule = ServerActionRule(
        method: "os-migrateLive", actionName: "live-migration", policyRule: "os_compute_api:os-migrate-server:migrate_live",
        vmStates: [VMState.active, VMState.paused], newTaskState: TaskState.migrating)

    /// Statuses of a live migration still under way (Nova's list for the server migrations API).
    static let liveMigrationInProgress: Set<String> = ["queued", "preparing", "running", "post-migrating"]

    /// Starts a live migration to `host` (nil: the scheduler chooses). `waitForChecks`
    /// (below 2.34) answers the conductor's checks as a 400; from 2.34 they are only
    /// recorded in the instance action.
    func liveMigrateServer(
        _ uuid: String, host: String?, blockMigration: Bool?, waitForChecks: Bool, _ auth: AuthContext, requestID: String
    ) async throws {
        let backends = try requireBackends()
        let rule = Self.liveMigrationRule
        let visible = try await visibleServer(uuid, auth, rule: rule.policyRule)
        let isAdmin = policy.isAdmin(auth)
        if try await !read({ try await $0.blockDevices(instanceUUID: visible.uuid) }).isEmpty {
            // The volumes' connections would have to move with the guest: not done yet.
            throw ComputeErrors.badRequest("Live migration of servers with volumes is not supported by this cloud yet.")
        }
        try await write { q in
            if let host, try await q.service(host: host, binary: "nova-compute") == nil {
                throw ComputeErrors.badRequest("Compute host \(host) could not be found.")
            }
            guard var instance = try await q.instance(uuid: visible.uuid) else {
                throw ComputeErrors.notFound("Instance \(uuid) could not be found.")
            }
            try Self.checkNotLocked(instance, isAdmin: isAdmin)
            try Self.checkState(instance, rule)
            guard instance.host != nil else { throw ComputeErrors.conflict("Instance \(uuid) is not ready") }
            instance.taskState = rule.newTaskState
            try await q.save(instance)
            try await q.startAction(
                rule.actionName, instanceUUID: instance.uuid, requestID: requestID, projectID: instance.projectID,
                userID: auth.userID)
        }
        var args: [String: JSONValue] = ["instance_uuid": .string(visible.uuid)]
        if let host { args["host"] = .string(host) }
        if let blockMigration { args["block_migration"] = .bool(blockMigration) }
        let context = MessagingContext(auth: auth, requestID: requestID)
        guard waitForChecks else {
            try await backends.bus.cast(ComputeRPC.conductor, method: ComputeConductor.liveMigrateMethod, args: args, context: context)
            return
        }
        args["report_checks"] = true
        do {
            _ = try await backends.bus.call(
                ComputeRPC.conductor, method: ComputeConductor.liveMigrateMethod, args: args, context: context,
                timeout: .seconds(60))
        } catch let error as RemoteError {
            throw ComputeErrors.badRequest(error.message)
        }
    }

    /// The server's live migrations under way (2.23).
    func inProgressLiveMigrations(_ uuid: String, _ auth: AuthContext) async throws -> [MigrationRecord] {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:servers:migrations:index")
        return try await read { q in
            try await q.migrations(ofInstance: instance.uuid).filter {
                $0.migrationType == "live-migration" && Self.liveMigrationInProgress.contains($0.status)
            }
        }
    }

    /// One live migration under way (2.23), or Nova's 404s.
    func inProgressLiveMigration(_ uuid: String, id: String, _ auth: AuthContext) async throws -> MigrationRecord {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:servers:migrations:show")
        let migration = try await read { q in try await q.migrations(ofInstance: instance.uuid) }.first { "\($0.id)" == id }
        guard let migration else {
            throw ComputeErrors.notFound("In-progress live migration \(id) is not found for server \(uuid).")
        }
        guard migration.migrationType == "live-migration" else {
            throw ComputeErrors.notFound("Migration \(id) for server \(uuid) is not live-migration.")
        }
        guard Self.liveMigrationInProgress.contains(migration.status) else {
            throw ComputeErrors.notFound("Live migration \(id) for server \(uuid) is not in progress.")
        }
        return migration
    }

    /// `force_complete` (2.22): the source finishes the transfer at once. The server must be
    /// ACTIVE and migrating, the migration `running`.
    func forceCompleteLiveMigration(_ uuid: String, id: String, _ auth: AuthContext, requestID: String) async throws {
        let rule = ServerActionRule(
            method: "force_complete", actionName: "live_migration_force_complete",
            policyRule: "os_compute_api:servers:migrations:force_complete", vmStates: [VMState.active],
            taskStates: [TaskState.migrating])
        let migration = try await checkLiveMigrationRequest(uuid, id: id, rule: rule, auth, requestID: requestID) {
            guard $0.status == "running" else {
                throw ComputeErrors.badRequest(Self.invalidMigrationState($0, method: "force complete"))
            }
        } notFound: { ComputeErrors.badRequest($0) }
        try await castToSource(ComputeAgent.liveMigrationForceCompleteMethod, migration, auth, requestID: requestID)
    }

    /// Abort (2.24): the transfer stops and the server stays on its source. The migration
    /// must be `preparing` or `running` (or `queued`, from 2.65).
    func abortLiveMigration(_ uuid: String, id: String, abortQueued: Bool, _ auth: AuthContext, requestID: String) async throws {
        let rule = ServerActionRule(
            method: "abort live migration", actionName: "live_migration_cancel",
            policyRule: "os_compute_api:servers:migrations:delete",
            vmStates: [VMState.active, VMState.paused, VMState.stopped, VMState.error, VMState.suspended],
            taskStates: [TaskState.migrating])
        let allowed: Set<String> = abortQueued ? ["queued", "preparing", "running"] : ["preparing", "running"]
        let migration = try await checkLiveMigrationRequest(uuid, id: id, rule: rule, auth, requestID: requestID) {
            guard allowed.contains($0.status) else {
                throw ComputeErrors.badRequest(Self.invalidMigrationState($0, method: "abort live migration"))
            }
        } notFound: { ComputeErrors.notFound($0) }
        try await castToSource(ComputeAgent.liveMigrationAbortMethod, migration, auth, requestID: requestID)
    }

    private static func invalidMigrationState(_ migration: MigrationRecord, method: String) -> String {
        "Migration \(migration.id) state of instance \(migration.instanceUUID) is \(migration.status). Cannot \(method) while the migration is in this state."
    }

    /// Policy, lock, the server's states and the migration's, then the instance action.
    private func checkLiveMigrationRequest(
        _ uuid: String, id: String, rule: ServerActionRule, _ auth: AuthContext, requestID: String,
        migrationCheck: @Sendable (MigrationRecord) throws -> Void, notFound: @Sendable (String) -> APIError
    ) async throws -> MigrationRecord {
        let visible = try await visibleServer(uuid, auth, rule: rule.policyRule)
        let isAdmin = policy.isAdmin(auth)
        return try await write { q in
            guard let instance = try await q.instance(uuid: visible.uuid) else {
                throw ComputeErrors.notFound("Instance \(uuid) could not be found.")
            }
            try Self.checkNotLocked(instance, isAdmin: isAdmin)
            try Self.checkState(instance, rule)
            guard let migration = try await q.migrations(ofInstance: instance.uuid).first(where: { "\($0.id)" == id }),
                migration.migrationType == "live-migration"
            else { throw notFound("Migration \(id) not found for instance \(uuid)") }
            try migrationCheck(migration)
            try await q.startAction(
                rule.actionName, instanceUUID: instance.uuid, requestID: requestID, projectID: instance.projectID,
                userID: auth.userID)
            return migration
        }
    }

    private func castToSource(_ method: String, _ migration: MigrationRecord, _ auth: AuthContext, requestID: String) async throws {
        guard let source = migration.sourceCompute else { return }
        try await requireBackends().bus.cast(
            ComputeRPC.compute(host: source), method: method,
            args: ["instance_uuid": .string(migration.instanceUUID), "migration_uuid": .string(migration.uuid)],
            context: MessagingContext(auth: auth, requestID: requestID))
    }
}
