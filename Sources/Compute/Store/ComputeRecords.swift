import StratusKit

/// A flavor as stored, with its extra specs.
struct FlavorRecord: Sendable, Equatable {
    /// The internal id: creation order, never shown.
    var internalID: Int64
    /// The public id (`"1"`, a UUID, or what the admin chose).
    var flavorID: String
    var name: String
    var memoryMB: Int64
    var vcpus: Int64
    var rootGB: Int64
    var ephemeralGB: Int64
    var swapMB: Int64
    var rxtxFactor: Double
    var isPublic: Bool
    var disabled: Bool
    var description: String?
    var createdAt: Timestamp
    var extraSpecs: [String: String] = [:]
}

/// A user's keypair as stored (the private key of a generated pair is never stored).
struct KeypairRecord: Sendable, Equatable {
    var id: Int64
    var userID: String
    var name: String
    /// `ssh` or `x509`.
    var type: String
    var publicKey: String
    var fingerprint: String
    var createdAt: Timestamp
}
