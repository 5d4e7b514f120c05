import StratusKit

/// A service with what the API derives: its zone and whether it is up.
struct ServiceView: Sendable {
    var record: ServiceRecord
    var zone: String
    var isUp: Bool
}

/// The service records the compute agents keep: listed with their zone and liveness,
/// enabled or disabled, forced down, deleted (with their nodes). Only `nova-compute`
/// services can be updated, as in Nova.
extension ComputeManager {
    func isUp(_ service: ServiceRecord, now: Timestamp = .now()) -> Bool {
        ServiceLiveness(downTime: settings.serviceDownTime).isUp(service, now: now)
    }

    func view(_ service: ServiceRecord, zones: AvailabilityZones) -> ServiceView {
        ServiceView(record: service, zone: zones.zone(of: service), isUp: isUp(service))
    }

    func zones(_ q: ComputeQueries) async throws -> AvailabilityZones {
        AvailabilityZones(aggregatesByHost: try await q.aggregatesByHost(), settings: settings)
    }

    func listServices(_ auth: AuthContext, host: String?, binary: String?) async throws -> [ServiceView] {
        try policy.enforce("os_compute_api:os-services:list", auth)
        return try await read { q in
            let zones = try await self.zones(q)
            return try await q.services()
                .filter { (host?.isEmpty ?? true || $0.host == host) && (binary?.isEmpty ?? true || $0.binary == binary) }
                .map { view($0, zones: zones) }
        }
    }

    /// The change an update asks for; nil members are left as they are.
    struct ServiceUpdate: Sendable {
        var disabled: Bool?
        var disabledReason: String?
        var forcedDown: Bool?
    }

    /// The pre-2.53 actions: the service is named by host and binary.
    func updateService(_ auth: AuthContext, host: String, binary: String, _ update: ServiceUpdate) async throws -> ServiceView {
        try policy.enforce("os_compute_api:os-services:update", auth)
        try Self.requireCompute(binary)
        return try await write { q in
            guard let service = try await q.service(host: host, binary: binary) else {
                throw ComputeErrors.notFound("Could not find binary \(binary) on host \(host).")
            }
            return try await apply(update, to: service, q)
        }
    }

    /// The 2.53 update: the service is named by uuid.
    func updateService(_ auth: AuthContext, uuid: String, _ update: ServiceUpdate) async throws -> ServiceView {
        try policy.enforce("os_compute_api:os-services:update", auth)
        return try await write { q in
            guard let service = try await q.service(uuid: uuid) else {
                throw ComputeErrors.notFound("Service \(uuid) could not be found.")
            }
            try Self.requireCompute(service.binary)
            return try await apply(update, to: service, q)
        }
    }

    private func apply(_ update: ServiceUpdate, to service: ServiceRecord, _ q: ComputeQueries) async throws -> ServiceView {
        var service = service
        if let disabled = update.disabled {
            service.disabled = disabled
            service.disabledReason = disabled ? update.disabledReason : nil
        }
        if let forcedDown = update.forcedDown {
            if !forcedDown {
                let pending = try await q.migrations().contains {
                    $0.sourceCompute == service.host && $0.migrationType == "evacuation" && $0.status == "done"
                }
                if pending {
                    throw ComputeErrors.badRequest(
                        "Unable to force up host \(service.host) as `done` evacuation migration records remain associated with the host. Ensure the compute service has been restarted, allowing these records to move to `completed` before retrying this request.")
                }
            }
            service.forcedDown = forcedDown
        }
        try await q.updateServiceState(service)
        logger.info(
            "service updated",
            metadata: ["host": "\(service.host)", "binary": "\(service.binary)", "disabled": "\(service.disabled)",
                       "forced_down": "\(service.forcedDown)"])
        return view(service, zones: try await zones(q))
    }

    private static func requireCompute(_ binary: String) throws {
        guard binary == "nova-compute" else {
            throw ComputeErrors.badRequest(
                "Updating a \(binary) service is not supported. Only nova-compute services can be updated.")
        }
    }

    /// Deletes a service by integer id (`uuid` nil) or uuid; a compute service hosting
    /// instances is refused (409), as are ones with migrations in progress.
    func deleteService(_ auth: AuthContext, id: String, byUUID: Bool) async throws {
        try policy.enforce("os_compute_api:os-services:delete", auth)
        try await write { q in
            let found: ServiceRecord?
            if byUUID {
                found = try await q.service(uuid: id)
            } else {
                found = try await q.service(id: Int64(id) ?? -1)
            }
            guard let service = found else { throw ComputeErrors.notFound("Service \(id) could not be found.") }
            if service.binary == "nova-compute" {
                if try await q.instanceCount(onHosts: [service.host]) > 0 {
                    throw ComputeErrors.conflict(
                        "Unable to delete compute service that is hosting instances. Migrate or delete the instances first.")
                }
                let inProgress = try await q.migrations().filter {
                    ($0.sourceCompute == service.host || $0.destCompute == service.host)
                        && !Self.finishedMigrationStatuses.contains($0.status)
                }
                if !inProgress.isEmpty {
                    throw ComputeErrors.conflict(
                        "Unable to delete compute service that has in-progress migrations. Complete the migrations or delete the instances first.")
                }
            }
            try await q.deleteService(service)
        }
        logger.info("service deleted", metadata: ["service": "\(id)"])
    }

    /// Migration statuses after which a migration no longer holds its hosts.
    static let finishedMigrationStatuses: Set<String> = [
        "confirmed", "reverted", "error", "failed", "completed", "cancelled",
    ]
}
