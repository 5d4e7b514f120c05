import StratusKit

/// Migration records, written by the conductor (`ComputeQueries.insertMigration`), read here.
extension ComputeManager {
    func migrations(_ auth: AuthContext) async throws -> [MigrationRecord] {
        try policy.enforce("os_compute_api:os-migrations:index", auth)
        return try await read { q in try await q.migrations() }
    }
}
