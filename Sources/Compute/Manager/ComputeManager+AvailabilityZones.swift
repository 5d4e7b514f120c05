import StratusKit

/// A zone as `os-availability-zone` lists it: available when one of its services is
/// enabled, with its services by host for the detail view.
struct ZoneView: Sendable {
    var name: String
    var available: Bool
    var services: [ServiceView]
}

extension ComputeManager {
    /// The zones of the services: a zone is available when it has an enabled service,
    /// unavailable when all of its services are disabled. The internal zone only in detail.
    func availabilityZones(_ auth: AuthContext, detailed: Bool) async throws -> [ZoneView] {
        try policy.enforce("os_compute_api:os-availability-zone:\(detailed ? "detail" : "list")", auth)
        let services = try await read { q in
            let zones = try await self.zones(q)
            return try await q.services().map { view($0, zones: zones) }
        }
        var byZone: [String: [ServiceView]] = [:]
        for service in services { byZone[service.zone, default: []].append(service) }
        return byZone.keys.sorted().compactMap { name in
            if !detailed, name == settings.internalAvailabilityZone { return nil }
            let members = byZone[name] ?? []
            return ZoneView(name: name, available: members.contains { !$0.record.disabled }, services: members)
        }
    }
}
