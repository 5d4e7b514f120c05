import SQLKit
import StratusKit

/// A service record (`nova-compute` on a host, …): whether operators disabled it or forced
/// it down, and its last heartbeat.
struct ServiceRecord: Sendable, Equatable {
    var id: Int64
    var uuid: String
    var host: String
    var binary: String
    var topic: String
    var disabled: Bool
    var disabledReason: String?
    var forcedDown: Bool
    var lastSeenUp: Timestamp?
    var reportCount: Int64
    var createdAt: Timestamp
    var updatedAt: Timestamp?
}

/// A hypervisor: one per node a compute service reports, with its sizes and usage.
struct ComputeNodeRecord: Sendable, Equatable {
    var id: Int64
    var uuid: String
    var serviceID: Int64
    var host: String
    var hypervisorHostname: String
    var hypervisorType: String
    var hypervisorVersion: Int64
    var hostIP: String
    var vcpus: Int64
    var memoryMB: Int64
    var localGB: Int64
    var vcpusUsed: Int64
    var memoryMBUsed: Int64
    var localGBUsed: Int64
    var runningVMs: Int64
    /// The CPU description as JSON text (`{"arch": …, "model": …}`).
    var cpuInfo: String
    var cpuAllocationRatio: Double
    var ramAllocationRatio: Double
    var diskAllocationRatio: Double
    var createdAt: Timestamp
    var updatedAt: Timestamp?
}

/// An instance as its host's hypervisor lists it.
struct HostedInstance: Sendable, Equatable {
    var uuid: String
    var id: Int64
    /// A task is under way (what `current_workload` counts).
    var busy: Bool

    /// Nova's instance name, from `instance_name_template` `instance-%08x`.
    var name: String {
        let hex = String(id, radix: 16)
        return "instance-" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }
}

extension ComputeQueries {
    private static let serviceColumns = [
        "id", "uuid", "host", "binary", "topic", "disabled", "disabled_reason", "forced_down", "last_seen_up",
        "report_count", "created_at", "updated_at",
    ]

    private static func service(_ row: any SQLRow) throws -> ServiceRecord {
        ServiceRecord(
            id: try row.decode(column: "id", as: Int64.self), uuid: try row.string("uuid"), host: try row.string("host"),
            binary: try row.string("binary"), topic: try row.string("topic"), disabled: try row.bool("disabled"),
            disabledReason: try row.optionalString("disabled_reason"), forcedDown: try row.bool("forced_down"),
            lastSeenUp: try row.timestamp("last_seen_up"), reportCount: try row.decode(column: "report_count", as: Int64.self),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0), updatedAt: try row.timestamp("updated_at"))
    }

    /// Every service record, in order of id.
    func services() async throws -> [ServiceRecord] {
        try await sql.select().columns(Self.serviceColumns).from("compute_services").orderBy("id").all().map(Self.service)
    }

    func service(id: Int64) async throws -> ServiceRecord? {
        try await sql.select().columns(Self.serviceColumns).from("compute_services").where("id", .equal, id).first()
            .map(Self.service)
    }

    func service(uuid: String) async throws -> ServiceRecord? {
        try await sql.select().columns(Self.serviceColumns).from("compute_services").where("uuid", .equal, uuid).first()
            .map(Self.service)
    }

    func service(host: String, binary: String) async throws -> ServiceRecord? {
        try await sql.select().columns(Self.serviceColumns).from("compute_services").where("host", .equal, host)
            .where("binary", .equal, binary).first().map(Self.service)
    }

    /// Records a heartbeat of `binary` on `host`: creates the service record on its first
    /// report (enabled, not forced down), else sets `last_seen_up` and counts the report.
    /// The compute agent calls this on start and on every periodic report.
    @discardableResult
    func upsertService(host: String, binary: String, topic: String, at now: Timestamp = .now()) async throws -> ServiceRecord {
        if var existing = try await service(host: host, binary: binary) {
            try await sql.update("compute_services").set("last_seen_up", to: SQLBind(now.microseconds))
                .set("report_count", to: SQLBind(existing.reportCount + 1)).set("updated_at", to: SQLBind(now.microseconds))
                .where("id", .equal, existing.id).run()
            existing.lastSeenUp = now
            existing.reportCount += 1
            existing.updatedAt = now
            return existing
        }
        let record = ServiceRecord(
            id: try await nextID("compute_services"), uuid: IDGenerator.uuid(), host: host, binary: binary, topic: topic,
            disabled: false, disabledReason: nil, forcedDown: false, lastSeenUp: now, reportCount: 1, createdAt: now,
            updatedAt: nil)
        try await sql.insert(into: "compute_services").columns(Self.serviceColumns).values(
            SQLBind(record.id), SQLBind(record.uuid), SQLBind(record.host), SQLBind(record.binary), SQLBind(record.topic),
            SQLBind(record.disabled), SQLBind(record.disabledReason), SQLBind(record.forcedDown),
            SQLBind(record.lastSeenUp?.microseconds), SQLBind(record.reportCount), SQLBind(record.createdAt.microseconds),
            SQLBind(record.updatedAt?.microseconds)
        ).run()
        return record
    }

    /// Saves the operator-set fields of a service (status, reason, forced down).
    func updateServiceState(_ service: ServiceRecord) async throws {
        try await sql.update("compute_services").set("disabled", to: SQLBind(service.disabled))
            .set("disabled_reason", to: SQLBind(service.disabledReason)).set("forced_down", to: SQLBind(service.forcedDown))
            .set("updated_at", to: SQLBind(Timestamp.now().microseconds)).where("id", .equal, service.id).run()
    }

    /// Removes a service record, its compute nodes and its host's aggregate memberships.
    func deleteService(_ service: ServiceRecord) async throws {
        try await sql.delete(from: "compute_nodes").where("service_id", .equal, service.id).run()
        if service.binary == "nova-compute" {
            try await sql.delete(from: "aggregate_hosts").where("host", .equal, service.host).run()
        }
        try await sql.delete(from: "compute_services").where("id", .equal, service.id).run()
    }

    // MARK: Compute nodes

    private static let nodeColumns = [
        "id", "uuid", "service_id", "host", "hypervisor_hostname", "hypervisor_type", "hypervisor_version", "host_ip",
        "vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used", "local_gb_used", "running_vms", "cpu_info",
        "cpu_allocation_ratio", "ram_allocation_ratio", "disk_allocation_ratio", "created_at", "updated_at",
    ]

    private static func node(_ row: any SQLRow) throws -> ComputeNodeRecord {
        func int(_ column: String) throws -> Int64 { try row.decode(column: column, as: Int64.self) }
        func double(_ column: String) throws -> Double { try row.decode(column: column, as: Double.self) }
        return ComputeNodeRecord(
            id: try int("id"), uuid: try row.string("uuid"), serviceID: try int("service_id"), host: try row.string("host"),
            hypervisorHostname: try row.string("hypervisor_hostname"), hypervisorType: try row.string("hypervisor_type"),
            hypervisorVersion: try int("hypervisor_version"), hostIP: try row.string("host_ip"), vcpus: try int("vcpus"),
            memoryMB: try int("memory_mb"), localGB: try int("local_gb"), vcpusUsed: try int("vcpus_used"),
            memoryMBUsed: try int("memory_mb_used"), localGBUsed: try int("local_gb_used"),
            runningVMs: try int("running_vms"), cpuInfo: try row.string("cpu_info"),
            cpuAllocationRatio: try double("cpu_allocation_ratio"), ramAllocationRatio: try double("ram_allocation_ratio"),
            diskAllocationRatio: try double("disk_allocation_ratio"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0), updatedAt: try row.timestamp("updated_at"))
    }

    /// Every compute node, in order of id.
    func computeNodes() async throws -> [ComputeNodeRecord] {
        try await sql.select().columns(Self.nodeColumns).from("compute_nodes").orderBy("id").all().map(Self.node)
    }

    /// Creates the node named by `hypervisorHostname`, or replaces its sizes and usage. The
    /// id and uuid of `node` are used only when it is new (0 and "" draw fresh ones). The
    /// compute agent calls this after each inventory of its hypervisor.
    @discardableResult
    func upsertComputeNode(_ node: ComputeNodeRecord, at now: Timestamp = .now()) async throws -> ComputeNodeRecord {
        var record = node
        let existing = try await sql.select().columns(Self.nodeColumns).from("compute_nodes")
            .where("hypervisor_hostname", .equal, node.hypervisorHostname).first().map(Self.node)
        if let existing {
            record.id = existing.id
            record.uuid = existing.uuid
            record.createdAt = existing.createdAt
            record.updatedAt = now
            try await sql.delete(from: "compute_nodes").where("id", .equal, existing.id).run()
        } else {
            if record.id == 0 { record.id = try await nextID("compute_nodes") }
            if record.uuid.isEmpty { record.uuid = IDGenerator.uuid() }
            record.createdAt = now
        }
        try await sql.insert(into: "compute_nodes").columns(Self.nodeColumns).values(
            SQLBind(record.id), SQLBind(record.uuid), SQLBind(record.serviceID), SQLBind(record.host),
            SQLBind(record.hypervisorHostname), SQLBind(record.hypervisorType), SQLBind(record.hypervisorVersion),
            SQLBind(record.hostIP), SQLBind(record.vcpus), SQLBind(record.memoryMB), SQLBind(record.localGB),
            SQLBind(record.vcpusUsed), SQLBind(record.memoryMBUsed), SQLBind(record.localGBUsed), SQLBind(record.runningVMs),
            SQLBind(record.cpuInfo), SQLBind(record.cpuAllocationRatio), SQLBind(record.ramAllocationRatio),
            SQLBind(record.diskAllocationRatio), SQLBind(record.createdAt.microseconds), SQLBind(record.updatedAt?.microseconds)
        ).run()
        return record
    }

    // MARK: Instances on hosts

    /// The live (not deleted) instances on each host: uuid, numeric id and whether a task
    /// is under way (`task_state` set), by host.
    func instancesByHost() async throws -> [String: [HostedInstance]] {
        var byHost: [String: [HostedInstance]] = [:]
        for row in try await sql.select().columns("uuid", "host", "id", "task_state").from("instances")
            .where("deleted", .equal, SQLBind(false)).where(SQLColumn("host"), .isNot, SQLLiteral.null).orderBy("id").all()
        {
            byHost[try row.string("host"), default: []].append(
                HostedInstance(
                    uuid: try row.string("uuid"), id: try row.decode(column: "id", as: Int64.self),
                    busy: try row.optionalString("task_state") != nil))
        }
        return byHost
    }
}
