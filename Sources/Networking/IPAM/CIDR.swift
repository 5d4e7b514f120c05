/// A network prefix (`10.0.0.0/24`, `2001:db8::/64`), normalised to its network address.
struct CIDR: Hashable, Sendable, CustomStringConvertible {
    let network: IPAddress
    let prefixLength: Int

    var version: IPAddress.Version { network.version }

    /// Parses `address/length`; with `strict`, host bits must be zero (Neutron refuses
    /// `10.0.0.1/24` as a subnet range).
    init?(_ text: String, strict: Bool = false) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let length = Int(parts[1]),
            length >= 0, length <= address.bitWidth
        else { return nil }
        let masked = address.value & Self.mask(length: length, width: address.bitWidth)
        if strict, masked != address.value { return nil }
        network = IPAddress(version: address.version, value: masked)
        prefixLength = length
    }

    init(network: IPAddress, prefixLength: Int) {
        self.network = IPAddress(
            version: network.version, value: network.value & Self.mask(length: prefixLength, width: network.bitWidth))
        self.prefixLength = prefixLength
    }

    static func mask(length: Int, width: Int) -> UInt128 {
        let hostBits = width - length
        let all: UInt128 = width == 128 ? .max : (UInt128(1) << UInt128(width)) - 1
        return hostBits >= 128 ? 0 : all & ~((UInt128(1) << UInt128(hostBits)) - 1)
    }

    /// Number of addresses in the prefix (saturating at UInt128.max for a /0 IPv6).
    var size: UInt128 {
        let hostBits = network.bitWidth - prefixLength
        return hostBits >= 128 ? .max : UInt128(1) << UInt128(hostBits)
    }

    var first: IPAddress { network }
    var last: IPAddress { network.adding(size &- 1) }

    func contains(_ address: IPAddress) -> Bool {
        address.version == version
            && address.value & Self.mask(length: prefixLength, width: network.bitWidth) == network.value
    }

    func overlaps(_ other: CIDR) -> Bool {
        version == other.version && (contains(other.network) || other.contains(network))
    }

    var description: String { "\(network)/\(prefixLength)" }
}

/// An inclusive range of addresses handed out automatically (a subnet's allocation pool).
struct AddressRange: Hashable, Sendable {
    let first: IPAddress
    let last: IPAddress

    func contains(_ address: IPAddress) -> Bool { first <= address && address <= last }
    func overlaps(_ other: AddressRange) -> Bool { first <= other.last && other.first <= last }
}
