import ArgumentParser

@main
struct Stratus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stratus",
        abstract: "An OpenStack cloud in one binary.",
        discussion: """
            `stratus up` starts every service on 127.0.0.1 with an embedded SQLite database and writes clouds.yaml and openrc into the data directory. Settings come from an optional YAML file (--config, default DATA_DIR/stratus.yaml) and STRATUS_<SECTION>_<KEY> environment variables; see docs/configuration.md.
            """,
        subcommands: [Up.self, IdentityCommand.self, RingCommand.self, ObjectCommand.self])

    static func main() async {
        MallocArenas.configure()
        BlockingThreadPool.configure()
        await main(nil)
    }
}

/// Options every command that touches the cloud's state shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Directory holding the cloud's state (default: $XDG_DATA_HOME/stratus or ~/.local/share/stratus).")
    var dataDir: String?

    @Option(help: "YAML configuration file (default: DATA_DIR/stratus.yaml when it exists).")
    var config: String?

    var resolvedDataDir: String { dataDir.map(absolutePath) ?? DataDirectory.defaultPath() }
    var resolvedConfigFile: String { config ?? resolvedDataDir + "/stratus.yaml" }
}
