import StratusKit

/// A subnet's default allocation pools and new ports' MAC addresses. (Which address a port
/// gets is decided on the subnet's free ranges, in `NetworkQueries+FreeAddresses`.)
enum AddressAllocator {
    /// Neutron's default pools: the whole prefix less the network address (and, for IPv4,
    /// the broadcast address), less the gateway.
    static func defaultPools(for cidr: CIDR, gateway: IPAddress?) -> [AddressRange] {
        let width = cidr.network.bitWidth - cidr.prefixLength
        if cidr.version == .v4, width <= 1 {
            // /31 and /32 (RFC 3021): every address is usable.
            return excluding(gateway, from: AddressRange(first: cidr.first, last: cidr.last))
        }
        let first = cidr.first.adding(1)
        let last = cidr.version == .v4 ? IPAddress(version: .v4, value: cidr.last.value - 1) : cidr.last
        guard first <= last else { return [] }
        return excluding(gateway, from: AddressRange(first: first, last: last))
    }

    private static func excluding(_ address: IPAddress?, from range: AddressRange) -> [AddressRange] {
        guard let address, range.contains(address) else { return [range] }
        var result: [AddressRange] = []
        if address > range.first {
            result.append(AddressRange(first: range.first, last: IPAddress(version: address.version, value: address.value - 1)))
        }
        if address < range.last { result.append(AddressRange(first: address.adding(1), last: range.last)) }
        return result
    }

    /// A MAC address on OpenStack's base `fa:16:3e` with three random bytes.
    static func randomMAC() -> String {
        (["fa", "16", "3e"] + IDGenerator.randomBytes(3).map { Hex.lowercase([$0]) }).joined(separator: ":")
    }
}
