import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/os-availability-zone` (any caller) and `/os-availability-zone/detail` (admins, with
    /// each zone's hosts and their services).
    func registerAvailabilityZones(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/os-availability-zone") { _, context in
            let zones = try await manager.availabilityZones(try context.requireAuth(), detailed: false)
            return Self.respond([
                "availabilityZoneInfo": .array(
                    zones.map { ["zoneName": .string($0.name), "zoneState": ["available": .bool($0.available)], "hosts": .null] })
            ])
        }
        router.get("/v2.1/os-availability-zone/detail") { _, context in
            let zones = try await manager.availabilityZones(try context.requireAuth(), detailed: true)
            return Self.respond(["availabilityZoneInfo": .array(zones.map(Self.zoneDetail))])
        }
    }

    private static func zoneDetail(_ zone: ZoneView) -> JSONValue {
        var hosts: [String: [String: JSONValue]] = [:]
        for service in zone.services {
            let record = service.record
            hosts[record.host, default: [:]][record.binary] = [
                "available": .bool(service.isUp), "active": .bool(!record.disabled),
                "updated_at": .optional((record.updatedAt ?? record.lastSeenUp)?.iso8601NoZone),
            ]
        }
        return [
            "zoneName": .string(zone.name), "zoneState": ["available": .bool(zone.available)],
            "hosts": hosts.isEmpty ? .null : .object(hosts.mapValues { .object($0) }),
        ]
    }
}
