/// One pool of the `file` back end: a directory under the back end's root whose volumes are
/// qcow2 files (a thin pool) or raw files (a thick pool).
///
/// Pools of one back end share a filesystem, so a pool's size is a configured cap rather than
/// something measured; the free space it reports never exceeds the filesystem's.
public struct FilePool: Sendable, Hashable, Codable {
    /// The directory name and the `#pool` part of a volume's host.
    public var name: String
    /// The size the pool reports (`total_capacity_gb`).
    public var capacityGB: Double
    /// Thin pools store qcow2 and count only the space their files take; thick pools store
    /// raw files and count each volume's full size.
    public var thin: Bool
    public var maxOverSubscriptionRatio: Double
    public var reservedPercentage: Int
    /// Further capabilities volume types may match (`storage_tier`: `gold` …).
    public var capabilities: [String: String]

    public init(
        name: String, capacityGB: Double, thin: Bool, maxOverSubscriptionRatio: Double = 20,
        reservedPercentage: Int = 0, capabilities: [String: String] = [:]
    ) {
        self.name = name
        self.capacityGB = capacityGB
        self.thin = thin
        self.maxOverSubscriptionRatio = maxOverSubscriptionRatio
        self.reservedPercentage = reservedPercentage
        self.capabilities = capabilities
    }

    enum CodingKeys: String, CodingKey {
        case name, capacityGB, thin, maxOverSubscriptionRatio, reservedPercentage, capabilities
    }

    /// Reads a pool from configuration; the ratio, the reserve and the capabilities may be left out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            capacityGB: try container.decode(Double.self, forKey: .capacityGB),
            thin: try container.decode(Bool.self, forKey: .thin),
            maxOverSubscriptionRatio: try container.decodeIfPresent(Double.self, forKey: .maxOverSubscriptionRatio) ?? 20,
            reservedPercentage: try container.decodeIfPresent(Int.self, forKey: .reservedPercentage) ?? 0,
            capabilities: try container.decodeIfPresent([String: String].self, forKey: .capabilities) ?? [:])
    }

    /// The format of the pool's volume files.
    var volumeFormat: String { thin ? "qcow2" : "raw" }
}
