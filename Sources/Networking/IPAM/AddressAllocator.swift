import StratusKit

/// Which address a new port gets: the lowest free address of the subnet's allocation
/// pools (Neutron's IPAM hands them out in order), and the default pools of a subnet.
enum AddressAllocator {
    /// The lowest address of `pools` not in `taken`; nil when every pool is full.
    static func firstFree(in pools: [AddressRange], taken: Set<IPAddress>) -> IPAddress? {
        for pool in pools.sorted(by: { $0.first < $1.first }) {
            var candidate = pool.first
            while candidate <= pool.last {
                if !taken.contains(candidate) { return candidate }
                guard candidate.value < pool.last.value else { break }
                candidate = candidate.adding(1)
            }
        }
        return nil
    }

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
