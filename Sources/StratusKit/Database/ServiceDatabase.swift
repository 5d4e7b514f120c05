import Logging

extension StratusDatabase {
    /// Opens a service's database and applies its migrations: `<service>.database_url`
    /// from the config, else the shared `database.url`, else `DATA_DIR/<service>.sqlite`.
    public static func openService(
        _ service: String, config: StratusConfig, dataDirectory: String, migrations: [Migration], logger: Logger
    ) async throws -> StratusDatabase {
        let url = try DatabaseURL(
            parsing: config.string("\(service).database_url") ?? config.string("database.url")
                ?? "sqlite:\(dataDirectory)/\(service).sqlite")
        let database = try await StratusDatabase.open(url, logger: logger)
        do {
            try await MigrationRunner.run(service: service, migrations: migrations, on: database, logger: logger)
        } catch {
            await database.close()
            throw error
        }
        return database
    }
}
