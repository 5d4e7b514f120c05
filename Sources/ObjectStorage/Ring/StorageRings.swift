import StratusKit

/// The three rings the proxy and the account, container and object servers use, loaded from
/// `DIRECTORY/account.ring`, `container.ring` and `object.ring` (as `DefaultRings` and
/// `stratus ring rebalance` write them). Each reloads on its own when its file changes.
public struct StorageRings: Sendable {
    public let account: Ring
    public let container: Ring
    public let object: Ring

    public init(
        directory: String, hashPath: HashPath, reloadInterval: Double = 15,
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) throws {
        func load(_ kind: String) throws -> Ring {
            try Ring(path: "\(directory)/\(kind).ring", hashPath: hashPath, reloadInterval: reloadInterval, clock: clock)
        }
        account = try load("account")
        container = try load("container")
        object = try load("object")
    }
}
