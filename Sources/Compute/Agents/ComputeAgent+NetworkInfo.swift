import ServiceClients
import StratusKit

extension ComputeAgent {
    /// An external event for a server on this host. `network-changed` and
    /// `network-vif-deleted` refresh its network info; the others need no work from a fake
    /// guest (Nova's waiters for `network-vif-plugged` are not modelled).
    func handleExternalEvent(_ name: String, on uuid: String) async {
        guard name == "network-changed" || name == "network-vif-deleted" else { return }
        do {
            try await refreshNetworkInfo(uuid)
        } catch {
            logger.warning("refreshing the network info of \(uuid) on \(host) failed: \(error)")
        }
    }

    /// Nova's info cache refresh: re-reads the server's ports and their floating addresses
    /// from the Network API (two calls) and stores them as its network info, keeping what
    /// only Compute knows (which ports it made, their tags). Ports that appeared are added,
    /// ports that are gone are dropped.
    func refreshNetworkInfo(_ uuid: String) async throws {
        guard let instance = try await instance(uuid), instance.host == host else { return }
        let network = backends.network
        let ports = try await network.ports(deviceID: uuid).filter { $0.deviceOwner.hasPrefix("compute:") }
        let floating = try await network.floatingIPAddresses(portIDs: ports.map(\.id))
        let known = Dictionary(instance.networkInfo.map { ($0.portID, $0) }, uniquingKeysWith: { first, _ in first })
        let unnamed = Set(ports.map(\.networkID)).subtracting(instance.networkInfo.map(\.networkID))
        var names = Dictionary(instance.networkInfo.map { ($0.networkID, $0.networkName) }, uniquingKeysWith: { first, _ in first })
        if !unnamed.isEmpty {
            for summary in try await network.networks(ids: Array(unnamed)) { names[summary.id] = summary.name }
        }
        // The known ports first, in their order; new ones after them.
        let order = instance.networkInfo.map(\.portID)
        let sorted = ports.sorted { (order.firstIndex(of: $0.id) ?? Int.max) < (order.firstIndex(of: $1.id) ?? Int.max) }
        let refreshed = sorted.map { port in
            InstanceVIF(
                portID: port.id, networkID: port.networkID, networkName: names[port.networkID] ?? port.networkID,
                macAddress: port.macAddress, addresses: port.fixedIPs.compactMap(\.ipAddress),
                createdByCompute: known[port.id]?.createdByCompute ?? false, tag: known[port.id]?.tag,
                floatingAddresses: floating[port.id] ?? [])
        }
        guard refreshed != instance.networkInfo else { return }
        try await write { try await $0.setNetworkInfo(uuid: uuid, refreshed) }
    }
}
