import Foundation
import Logging
import StratusKit

/// The Compute service's logic: flavors, keypairs and the operator's resources (services,
/// hypervisors, zones, aggregates, server groups, quotas, usage, migrations). Routes parse and render; this decides.
final class ComputeManager: Sendable {
    let database: StratusDatabase
    let policy: ComputePolicy
    let logger: Logger
    let settings: ComputeSettings

    init(database: StratusDatabase, policy: ComputePolicy, logger: Logger, settings: ComputeSettings = ComputeSettings()) {
        self.settings = settings
        self.database = database
        self.policy = policy
        self.logger = logger
    }

    func read<T: Sendable>(_ body: @Sendable (ComputeQueries) async throws -> T) async throws -> T {
        try await database.read { try await body(ComputeQueries(sql: $0)) }
    }

    func write<T: Sendable>(_ body: @Sendable (ComputeQueries) async throws -> T) async throws -> T {
        try await database.write { try await body(ComputeQueries(sql: $0)) }
    }

    /// The policy target of project-scoped rules: the caller's own project.
    static func projectTarget(_ auth: AuthContext) -> PolicyAttributes {
        ["project_id": auth.projectID.map { .string($0) } ?? .none]
    }
}
