import Foundation
import StratusKit

/// The Network service's options (section `network` of the config file).
struct NetworkSettings: Sendable {
    /// The type a project network gets (`tenant_network_types`, first entry).
    var tenantNetworkType = "vxlan"
    /// VLAN ids per physical network (`physnet1:100:199,physnet2:1000:1099`).
    var vlanRanges: [String: [ClosedRange<Int64>]] = ["physnet1": [100...199]]
    var vniRanges: [ClosedRange<Int64>] = [1...1000]
    var greRanges: [ClosedRange<Int64>] = [1...1000]
    /// Physical networks flat networks may use (`*`: any).
    var flatNetworks: [String] = ["*"]
    /// The MTU of the physical network (Neutron's `global_physnet_mtu`).
    var physicalMTU: Int64 = 1500
    /// The domain of ports' host names (Neutron's `dns_domain`), always with the final dot.
    var dnsDomain = "openstacklocal."

    init() {}

    init(config: StratusConfig) throws {
        tenantNetworkType = config.string("network.tenant_network_type", default: tenantNetworkType)
        if let text = config.string("network.network_vlan_ranges") { vlanRanges = try Self.vlanRanges(text) }
        if let text = config.string("network.vni_ranges") { vniRanges = try Self.ranges(text, "network.vni_ranges") }
        if let text = config.string("network.gre_ranges") { greRanges = try Self.ranges(text, "network.gre_ranges") }
        if let text = config.string("network.flat_networks") {
            flatNetworks = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        physicalMTU = Int64(try config.int("network.global_physnet_mtu", default: Int(physicalMTU)))
        let domain = config.string("network.dns_domain", default: dnsDomain)
        dnsDomain = domain.hasSuffix(".") ? domain : domain + "."
    }

    static func ranges(_ text: String, _ key: String) throws -> [ClosedRange<Int64>] {
        try text.split(separator: ",").map { item in
            let bounds = item.split(separator: ":").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
            guard bounds.count == 2, bounds[0] <= bounds[1] else {
                throw ConfigError("\(key): \"\(item)\" is not MIN:MAX")
            }
            return bounds[0]...bounds[1]
        }
    }

    static func vlanRanges(_ text: String) throws -> [String: [ClosedRange<Int64>]] {
        var result: [String: [ClosedRange<Int64>]] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 3, let low = Int64(parts[1]), let high = Int64(parts[2]), low <= high, low >= 1,
                high <= 4094
            else { throw ConfigError("network.network_vlan_ranges: \"\(item)\" is not PHYSNET:MIN:MAX") }
            result[parts[0], default: []].append(low...high)
        }
        return result
    }

    /// The MTU of a network of `type`: the physical MTU less the encapsulation overhead.
    func mtu(for type: String) -> Int64 {
        switch type {
        case "vxlan": physicalMTU - 50
        case "gre": physicalMTU - 42
        default: physicalMTU
        }
    }
}
