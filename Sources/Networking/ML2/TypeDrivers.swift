import SQLKit
import StratusKit

/// ML2's type drivers: which segment a network gets. Project networks get the tenant type
/// with the lowest free segmentation id of the configured ranges; provider networks take
/// the admin's values, refused when taken or out of what the type allows. The unique index
/// on segments keeps two networks from one id even when requests race.
struct TypeDrivers: Sendable {
    let settings: NetworkSettings

    static let types: Set<String> = ["local", "flat", "vlan", "vxlan", "gre"]

    /// A tenant network's segment, allocated in the write transaction `q`.
    func allocateTenantSegment(in q: NetworkQueries) async throws -> SegmentRecord {
        let type = settings.tenantNetworkType
        switch type {
        case "vxlan", "gre":
            let ranges = type == "vxlan" ? settings.vniRanges : settings.greRanges
            guard let id = try await lowestFree(type: type, physicalNetwork: "", ranges: ranges, in: q) else {
                throw noNetworkAvailable()
            }
            return SegmentRecord(networkType: type, physicalNetwork: "", segmentationID: id)
        case "vlan":
            for (physnet, ranges) in settings.vlanRanges.sorted(by: { $0.key < $1.key }) {
                if let id = try await lowestFree(type: type, physicalNetwork: physnet, ranges: ranges, in: q) {
                    return SegmentRecord(networkType: type, physicalNetwork: physnet, segmentationID: id)
                }
            }
            throw noNetworkAvailable()
        default:
            return SegmentRecord(networkType: "local", physicalNetwork: "", segmentationID: nil)
        }
    }

    /// Checks an admin's provider segment and that it is free.
    func validateProviderSegment(_ segment: SegmentRecord, in q: NetworkQueries) async throws -> SegmentRecord {
        var segment = segment
        guard Self.types.contains(segment.networkType) else {
            throw NetworkErrors.invalidInput("network_type value '\(segment.networkType)' not supported")
        }
        switch segment.networkType {
        case "local":
            guard segment.physicalNetwork.isEmpty, segment.segmentationID == nil else {
                throw NetworkErrors.invalidInput("provider:physical_network and provider:segmentation_id are prohibited for local provider network")
            }
        case "flat":
            guard !segment.physicalNetwork.isEmpty else {
                throw NetworkErrors.invalidInput("provider:physical_network required for flat provider network")
            }
            guard segment.segmentationID == nil else {
                throw NetworkErrors.invalidInput("provider:segmentation_id prohibited for flat provider network")
            }
            guard settings.flatNetworks.contains("*") || settings.flatNetworks.contains(segment.physicalNetwork) else {
                throw NetworkErrors.invalidInput("physical_network '\(segment.physicalNetwork)' unknown for flat provider network")
            }
            if try await q.segmentTaken(segment) {
                throw APIError(
                    .conflict, "Unable to create the flat network. Physical network \(segment.physicalNetwork) is in use.",
                    type: "FlatNetworkInUse")
            }
        case "vlan":
            guard !segment.physicalNetwork.isEmpty else {
                throw NetworkErrors.invalidInput("provider:physical_network required for VLAN provider network")
            }
            if segment.segmentationID == nil {
                let ranges = settings.vlanRanges[segment.physicalNetwork] ?? []
                guard let id = try await lowestFree(type: "vlan", physicalNetwork: segment.physicalNetwork, ranges: ranges, in: q)
                else { throw noNetworkAvailable() }
                segment.segmentationID = id
            }
            guard let id = segment.segmentationID, (1...4094).contains(id) else {
                throw NetworkErrors.invalidInput("provider:segmentation_id out of range (1 through 4094)")
            }
            try await requireFree(segment, in: q)
        default:  // vxlan, gre
            guard segment.physicalNetwork.isEmpty else {
                throw NetworkErrors.invalidInput("provider:physical_network specified for \(segment.networkType) network")
            }
            if segment.segmentationID == nil {
                let ranges = segment.networkType == "vxlan" ? settings.vniRanges : settings.greRanges
                guard let id = try await lowestFree(type: segment.networkType, physicalNetwork: "", ranges: ranges, in: q)
                else { throw noNetworkAvailable() }
                segment.segmentationID = id
            }
            guard let id = segment.segmentationID, id >= 1, id <= (segment.networkType == "vxlan" ? 16_777_215 : 4_294_967_295)
            else { throw NetworkErrors.invalidInput("provider:segmentation_id out of range") }
            try await requireFree(segment, in: q)
        }
        return segment
    }

    private func requireFree(_ segment: SegmentRecord, in q: NetworkQueries) async throws {
        if try await q.segmentTaken(segment) {
            let id = segment.segmentationID.map(String.init) ?? ""
            throw APIError(
                .conflict,
                "Unable to create the network. The \(segment.networkType == "vlan" ? "VLAN \(id) on physical network \(segment.physicalNetwork)" : "tunnel ID \(id)") is in use.",
                type: segment.networkType == "vlan" ? "VlanIdInUse" : "TunnelIdInUse")
        }
    }

    private func lowestFree(
        type: String, physicalNetwork: String, ranges: [ClosedRange<Int64>], in q: NetworkQueries
    ) async throws -> Int64? {
        let used = try await q.usedSegmentationIDs(type: type, physicalNetwork: physicalNetwork)
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            var candidate = range.lowerBound
            while candidate <= range.upperBound {
                if !used.contains(candidate) { return candidate }
                candidate += 1
            }
        }
        return nil
    }

    private func noNetworkAvailable() -> APIError {
        APIError(
            .serviceUnavailable, "Unable to create the network. No tenant network is available for allocation.",
            type: "NoNetworkAvailable")
    }
}
