import ArgumentParser
import Identity
import StratusKit

struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity", abstract: "Identity service management.", subcommands: [FernetRotate.self])

    struct FernetRotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fernet-rotate",
            abstract: "Rotate the Fernet token keys: the staged key becomes primary, a new staged key is made, and keys beyond identity.max_active_keys are dropped.",
            discussion: "Tokens sealed with any key still held stay valid. A running `stratus up` picks the new keys up within seconds.")

        @OptionGroup var options: CommonOptions

        func run() async throws {
            let config = try StratusConfig.load(file: options.resolvedConfigFile)
            let held = try IdentityService.rotateFernetKeys(
                dataDirectory: options.resolvedDataDir, maxActiveKeys: try config.int("identity.max_active_keys", default: 3))
            print("Fernet keys now held: \(held.sorted().map(String.init).joined(separator: ", ")) (primary \(held.max() ?? 0), staged 0)")
        }
    }
}
