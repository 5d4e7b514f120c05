import Foundation
import Logging
import StratusKit

/// The Compute API's logic: flavors, keypairs, servers and the operator's resources (services,
/// hypervisors, zones, aggregates, server groups, quotas, usage, migrations). Routes parse and
/// render; this decides, writes the database and hands work to the conductor over the message bus.
final class ComputeManager: Sendable {
    let database: StratusDatabase
    let policy: ComputePolicy
    let logger: Logger
    /// The other services and the bus the server paths need; nil when the service was built
    /// without them (then server requests answer 503).
    let backends: ComputeBackends?
    let settings: ComputeSettings

    init(
        database: StratusDatabase, policy: ComputePolicy, logger: Logger, backends: ComputeBackends? = nil,
        settings: ComputeSettings = ComputeSettings()
    ) {
        self.database = database
        self.policy = policy
        self.logger = logger
        self.backends = backends
        self.settings = settings
    }

    /// The backends, or Nova's 503 when this API was built without them.
    func requireBackends() throws -> ComputeBackends {
        guard let backends else {
            throw APIError(.serviceUnavailable, "The compute service is not connected to its message bus and peer services.")
        }
        return backends
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
