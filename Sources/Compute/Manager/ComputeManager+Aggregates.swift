import HTTPTypes
import StratusKit

/// Host aggregates: named groups of compute hosts with metadata; `availability_zone`
/// metadata puts their hosts in that zone. A host may be in several aggregates but in one
/// zone only; an aggregate with hosts cannot be deleted.
extension ComputeManager {
    private static let rule = "os_compute_api:os-aggregates:"

    func listAggregates(_ auth: AuthContext) async throws -> [AggregateRecord] {
        try policy.enforce(Self.rule + "index", auth)
        return try await read { q in try await q.aggregates() }
    }

    func aggregate(_ auth: AuthContext, id: Int64) async throws -> AggregateRecord {
        try policy.enforce(Self.rule + "show", auth)
        return try await read { q in try await Self.find(q, id) }
    }

    func createAggregate(_ auth: AuthContext, name: String, zone: String?) async throws -> AggregateRecord {
        try policy.enforce(Self.rule + "create", auth)
        if let zone { try checkZoneName(zone, action: "Cannot create aggregate \(name)") }
        let created = try await write { q in
            if try await q.aggregateNameExists(name) { throw ComputeErrors.conflict("Aggregate \(name) already exists.") }
            return try await q.insertAggregate(name: name, metadata: zone.map { ["availability_zone": $0] } ?? [:])
        }
        logger.info("aggregate created", metadata: ["aggregate": "\(created.id)", "name": "\(name)"])
        return created
    }

    /// Renames and/or moves the aggregate to another zone.
    func updateAggregate(_ auth: AuthContext, id: Int64, name: String?, zone: String??) async throws -> AggregateRecord {
        try policy.enforce(Self.rule + "update", auth)
        return try await write { q in
            let aggregate = try await Self.find(q, id)
            if let name, name != aggregate.name {
                if try await q.aggregateNameExists(name) { throw ComputeErrors.conflict("Aggregate \(name) already exists.") }
                try await q.renameAggregate(id, to: name)
            }
            if let zone {
                let prefix = "Cannot update aggregate \(id)"
                try await checkZoneChange(q, aggregate, hosts: aggregate.hosts, zone: zone, prefix: prefix, checkInstances: true)
                try await q.setAggregateMetadata(["availability_zone": zone], of: id)
            }
            try await q.touchAggregate(id)
            return try await Self.find(q, id)
        }
    }

    /// Sets metadata keys (a null value removes the key).
    func setAggregateMetadata(_ auth: AuthContext, id: Int64, metadata: [String: String?]) async throws -> AggregateRecord {
        try policy.enforce(Self.rule + "set_metadata", auth)
        return try await write { q in
            let aggregate = try await Self.find(q, id)
            if metadata.keys.contains("availability_zone") {
                try await checkZoneChange(
                    q, aggregate, hosts: aggregate.hosts, zone: metadata["availability_zone"] ?? nil,
                    prefix: "Cannot update metadata of aggregate \(id)", checkInstances: true)
            }
            try await q.setAggregateMetadata(metadata, of: id)
            try await q.touchAggregate(id)
            return try await Self.find(q, id)
        }
    }

    func deleteAggregate(_ auth: AuthContext, id: Int64) async throws {
        try policy.enforce(Self.rule + "delete", auth)
        try await write { q in
            let aggregate = try await Self.find(q, id)
            guard aggregate.hosts.isEmpty else {
                throw ComputeErrors.badRequest(
                    "Cannot remove host from aggregate \(id). Reason: Host aggregate is not empty.")
            }
            try await q.deleteAggregate(id)
        }
        logger.info("aggregate deleted", metadata: ["aggregate": "\(id)"])
    }

    /// Adds a compute host: 404 unless it runs `nova-compute`, 409 when it is already a
    /// member or would end up in two zones.
    func addAggregateHost(_ auth: AuthContext, id: Int64, host: String) async throws -> AggregateRecord {
        try policy.enforce(Self.rule + "add_host", auth)
        return try await write { q in
            guard try await q.service(host: host, binary: "nova-compute") != nil else {
                throw ComputeErrors.notFound("Compute host \(host) could not be found.")
            }
            let aggregate = try await Self.find(q, id)
            guard !aggregate.hosts.contains(host) else {
                throw ComputeErrors.conflict("Aggregate \(id) already has host \(host).")
            }
            let prefix = "Cannot add host to aggregate \(id)"
            if let zone = aggregate.availabilityZone {
                try await checkZoneChange(q, aggregate, hosts: [host], zone: zone, prefix: prefix, checkInstances: false, status: .conflict)
                let current = Set((try await q.aggregatesByHost()[host] ?? []).compactMap(\.availabilityZone)).first
                let instances = try await q.instanceCount(onHosts: [host])
                if instances > 0, current != zone {
                    throw APIError(
                        .conflict,
                        "\(prefix). Reason: The host cannot be added to the aggregate as the availability zone of the host would change from '\(current ?? "None")' to '\(zone)' but the host already has \(instances) instance(s). Changing the AZ of an existing instance is not supported by this action. Move the instances away from this host then try again. If you need to move the instances between AZs then you can use shelve_offload and unshelve to achieve this..")
                }
            }
            try await q.addAggregateHost(id, host: host)
            return try await Self.find(q, id)
        }
    }

    func removeAggregateHost(_ auth: AuthContext, id: Int64, host: String) async throws -> AggregateRecord {
        try policy.enforce(Self.rule + "remove_host", auth)
        return try await write { q in
            guard let aggregate = try await q.aggregate(id: id), aggregate.hosts.contains(host) else {
                throw ComputeErrors.notFound("Cannot remove host \(host) in aggregate \(id)")
            }
            if aggregate.availabilityZone != nil, try await q.instanceCount(onHosts: [host]) > 0 {
                let others = Set((try await q.aggregatesByHost()[host] ?? []).filter { $0.id != id }.compactMap(\.availabilityZone))
                if others.first != aggregate.availabilityZone {
                    throw ComputeErrors.conflict(
                        "Cannot remove host from aggregate \(id). Reason: The host cannot be removed from the aggregate as the availability zone of the host would change from '\(aggregate.availabilityZone!)' to '\(others.first ?? "None")' but the host already has instance(s). Changing the AZ of an existing instance is not supported by this action. Move the instances away from this host then try again. If you need to move the instances between AZs then you can use shelve_offload and unshelve to achieve this..")
                }
            }
            try await q.removeAggregateHost(id, host: host)
            return try await Self.find(q, id)
        }
    }

    private static func find(_ q: ComputeQueries, _ id: Int64) async throws -> AggregateRecord {
        guard let aggregate = try await q.aggregate(id: id) else {
            throw ComputeErrors.notFound("Aggregate \(id) could not be found.")
        }
        return aggregate
    }

    /// A zone may not take the internal zone's name.
    private func checkZoneName(_ zone: String, action: String) throws {
        if zone == settings.internalAvailabilityZone {
            throw ComputeErrors.badRequest(
                "\(action). Reason: Aggregates can not be created or updated with the internal availability zone name.")
        }
    }

    /// Nova's `is_safe_to_update_az`: the zone is not empty, no host is in another zone
    /// through another aggregate, and (on updates) no host runs instances when the zone
    /// changes.
    private func checkZoneChange(
        _ q: ComputeQueries, _ aggregate: AggregateRecord, hosts: [String], zone: String?, prefix: String,
        checkInstances: Bool, status: HTTPResponse.Status = .badRequest
    ) async throws {
        guard let zone, !zone.isEmpty else {
            throw APIError(status, "\(prefix). Reason: Aggregate \(aggregate.name) does not support empty named availability zone.")
        }
        try checkZoneName(zone, action: prefix)
        let byHost = try await q.aggregatesByHost()
        let conflicting = hosts.flatMap { byHost[$0] ?? [] }
            .filter { $0.id != aggregate.id && $0.availabilityZone != nil && $0.availabilityZone != zone }
            .compactMap(\.availabilityZone)
        if !conflicting.isEmpty {
            let list = "[" + conflicting.map { "'\($0)'" }.joined(separator: ", ") + "]"
            throw APIError(status, "\(prefix). Reason: One or more hosts already in availability zone(s) \(list).")
        }
        if checkInstances, aggregate.availabilityZone != zone, try await q.instanceCount(onHosts: hosts) > 0 {
            throw APIError(status, "\(prefix). Reason: One or more hosts contain instances in this zone.")
        }
    }
}
