import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The address arithmetic network_data.json needs: a CIDR's network address and its
/// netmask in the address family's text form (`255.255.255.0`, `ffff:ffff:ffff:ffff::`).
enum CIDRText {
    /// The network address and netmask of `cidr`; nil when it is not a CIDR.
    static func networkAndMask(_ cidr: String) -> (network: String, netmask: String)? {
        let parts = cidr.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, let prefix = Int(parts[1]), var bytes = bytes(of: parts[0]) else { return nil }
        guard prefix >= 0, prefix <= bytes.count * 8 else { return nil }
        var mask = [UInt8](repeating: 0, count: bytes.count)
        for bit in 0..<prefix { mask[bit / 8] |= 0x80 >> UInt8(bit % 8) }
        for index in bytes.indices { bytes[index] &= mask[index] }
        guard let network = text(of: bytes), let netmask = text(of: mask) else { return nil }
        return (network, netmask)
    }

    /// 4 or 16 bytes of an address; nil when it is neither an IPv4 nor an IPv6 address.
    static func bytes(of address: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    static func text(of bytes: [UInt8]) -> String? {
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        return ok ? String(cString: buffer) : nil
    }

    /// Whether `address` is an IPv4 address.
    static func isIPv4(_ address: String) -> Bool { bytes(of: address)?.count == 4 }
}
