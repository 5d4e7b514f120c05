import SQLKit
import StratusKit

/// Service records and compute nodes: what a compute agent registers and heartbeats, and
/// what the scheduler reads its host states from.
struct ComputeServiceRecord: Sendable {
    var id: Int64
    var uuid: String
    var host: String
    var binary: String
    var disabled: Bool
    var disabledReason: String?
    var forcedDown: Bool
    var lastSeenUp: Timestamp?

    func isUp(downTime: Int, now: Timestamp = .now()) -> Bool {
        guard !forcedDown, let lastSeenUp else { return false }
        return now.microseconds - lastSeenUp.microseconds <= Int64(downTime) * 1_000_000
    }
}

struct ComputeNodeRecord: Sendable {
    var id: Int64
    var uuid: String
    var serviceID: Int64
    var host: String
    var hypervisorHostname: String
    var hypervisorType: String
    var hypervisorVersion: Int
    var hostIP: String
    var vcpus: Int
    var memoryMB: Int
    var localGB: Int
    var vcpusUsed: Int
    var memoryMBUsed: Int
    var localGBUsed: Int
    var runningVMs: Int
    var cpuInfo: String
    var cpuAllocationRatio: Double
    var ramAllocationRatio: Double
    var diskAllocationRatio: Double
}

extension ComputeQueries {
    private static let serviceColumns = [
        "id", "uuid", "host", "binary", "disabled", "disabled_reason", "forced_down", "last_seen_up",
    ]

    private static func service(_ row: any SQLRow) throws -> ComputeServiceRecord {
        ComputeServiceRecord(
            id: try row.decode(column: "id", as: Int64.self), uuid: try row.string("uuid"), host: try row.string("host"),
            binary: try row.string("binary"), disabled: try row.bool("disabled"),
            disabledReason: try row.optionalString("disabled_reason"), forcedDown: try row.bool("forced_down"),
            lastSeenUp: try row.timestamp("last_seen_up"))
    }

    func computeServices() async throws -> [ComputeServiceRecord] {
        try await sql.select().columns(Self.serviceColumns).from("compute_services").orderBy("id").all().map(Self.service)
    }

    func computeService(host: String, binary: String = "nova-compute") async throws -> ComputeServiceRecord? {
        try await sql.select().columns(Self.serviceColumns).from("compute_services").where("host", .equal, host)
            .where("binary", .equal, binary).first().map(Self.service)
    }

    func isServiceUp(host: String, downTime: Int) async throws -> Bool {
        try await computeService(host: host)?.isUp(downTime: downTime) ?? false
    }

    /// The service record of `binary` on `host`, created on first start.
    func registerService(host: String, binary: String, topic: String) async throws -> ComputeServiceRecord {
        if let existing = try await computeService(host: host, binary: binary) { return existing }
        let id = try await nextCounterValue("compute_services")
        let now = Timestamp.now().microseconds
        try await sql.insert(into: "compute_services")
            .columns("id", "uuid", "host", "binary", "topic", "disabled", "forced_down", "report_count", "created_at", "last_seen_up")
            .values(
                SQLBind(id), SQLBind(IDGenerator.uuid()), SQLBind(host), SQLBind(binary), SQLBind(topic), SQLBind(false),
                SQLBind(false), SQLBind(Int64(0)), SQLBind(now), SQLBind(now)
            ).run()
        guard let created = try await computeService(host: host, binary: binary) else {
            throw APIError(.internalServerError, "The service record of \(host) vanished.")
        }
        return created
    }

    /// A heartbeat: the service was seen up now.
    func reportServiceUp(id: Int64) async throws {
        let now = Timestamp.now().microseconds
        try await sql.update("compute_services").set("last_seen_up", to: SQLBind(now)).set("updated_at", to: SQLBind(now))
            .set("report_count", to: SQLBinaryExpression(SQLIdentifier("report_count"), .add, SQLLiteral.numeric("1")))
            .where("id", .equal, id).run()
    }

    private static let nodeColumns = [
        "id", "uuid", "service_id", "host", "hypervisor_hostname", "hypervisor_type", "hypervisor_version", "host_ip",
        "vcpus", "memory_mb", "local_gb", "vcpus_used", "memory_mb_used", "local_gb_used", "running_vms", "cpu_info",
        "cpu_allocation_ratio", "ram_allocation_ratio", "disk_allocation_ratio",
    ]

    private static func node(_ row: any SQLRow) throws -> ComputeNodeRecord {
        ComputeNodeRecord(
            id: try row.decode(column: "id", as: Int64.self), uuid: try row.string("uuid"),
            serviceID: try row.decode(column: "service_id", as: Int64.self), host: try row.string("host"),
            hypervisorHostname: try row.string("hypervisor_hostname"), hypervisorType: try row.string("hypervisor_type"),
            hypervisorVersion: try row.int("hypervisor_version"), hostIP: try row.string("host_ip"),
            vcpus: try row.int("vcpus"), memoryMB: try row.int("memory_mb"), localGB: try row.int("local_gb"),
            vcpusUsed: try row.int("vcpus_used"), memoryMBUsed: try row.int("memory_mb_used"),
            localGBUsed: try row.int("local_gb_used"), runningVMs: try row.int("running_vms"),
            cpuInfo: try row.string("cpu_info"),
            cpuAllocationRatio: try row.decode(column: "cpu_allocation_ratio", as: Double.self),
            ramAllocationRatio: try row.decode(column: "ram_allocation_ratio", as: Double.self),
            diskAllocationRatio: try row.decode(column: "disk_allocation_ratio", as: Double.self))
    }

    func computeNodes() async throws -> [ComputeNodeRecord] {
        try await sql.select().columns(Self.nodeColumns).from("compute_nodes").orderBy("id").all().map(Self.node)
    }

    func computeNode(hypervisorHostname: String) async throws -> ComputeNodeRecord? {
        try await sql.select().columns(Self.nodeColumns).from("compute_nodes")
            .where("hypervisor_hostname", .equal, hypervisorHostname).first().map(Self.node)
    }

    /// Creates the node on first report, else updates its sizes, usage and ratios.
    func saveComputeNode(_ node: ComputeNodeRecord) async throws -> ComputeNodeRecord {
        let now = Timestamp.now().microseconds
        if let existing = try await computeNode(hypervisorHostname: node.hypervisorHostname) {
            try await sql.update("compute_nodes")
                .set("vcpus", to: SQLBind(Int64(node.vcpus))).set("memory_mb", to: SQLBind(Int64(node.memoryMB)))
                .set("local_gb", to: SQLBind(Int64(node.localGB))).set("vcpus_used", to: SQLBind(Int64(node.vcpusUsed)))
                .set("memory_mb_used", to: SQLBind(Int64(node.memoryMBUsed)))
                .set("local_gb_used", to: SQLBind(Int64(node.localGBUsed)))
                .set("running_vms", to: SQLBind(Int64(node.runningVMs)))
                .set("hypervisor_version", to: SQLBind(Int64(node.hypervisorVersion)))
                .set("cpu_allocation_ratio", to: SQLBind(node.cpuAllocationRatio))
                .set("ram_allocation_ratio", to: SQLBind(node.ramAllocationRatio))
                .set("disk_allocation_ratio", to: SQLBind(node.diskAllocationRatio))
                .set("updated_at", to: SQLBind(now)).where("id", .equal, existing.id).run()
            var updated = node
            updated.id = existing.id
            updated.uuid = existing.uuid
            return updated
        }
        var created = node
        created.id = try await nextCounterValue("compute_nodes")
        try await sql.insert(into: "compute_nodes").columns(Self.nodeColumns + ["created_at"]).values(
            SQLBind(created.id), SQLBind(created.uuid), SQLBind(created.serviceID), SQLBind(created.host),
            SQLBind(created.hypervisorHostname), SQLBind(created.hypervisorType), SQLBind(Int64(created.hypervisorVersion)),
            SQLBind(created.hostIP), SQLBind(Int64(created.vcpus)), SQLBind(Int64(created.memoryMB)),
            SQLBind(Int64(created.localGB)), SQLBind(Int64(created.vcpusUsed)), SQLBind(Int64(created.memoryMBUsed)),
            SQLBind(Int64(created.localGBUsed)), SQLBind(Int64(created.runningVMs)), SQLBind(created.cpuInfo),
            SQLBind(created.cpuAllocationRatio), SQLBind(created.ramAllocationRatio), SQLBind(created.diskAllocationRatio),
            SQLBind(now)
        ).run()
        return created
    }

    /// Sizes of the live servers on each host: what the scheduler counts as used before
    /// the agents' next report.
    func instanceLoadByHost() async throws -> [String: (count: Int, vcpus: Int, memoryMB: Int, diskGB: Int)] {
        var result: [String: (count: Int, vcpus: Int, memoryMB: Int, diskGB: Int)] = [:]
        for row in try await sql.select().columns("host", "vcpus", "memory_mb", "root_gb", "ephemeral_gb").from("instances")
            .where("deleted", .equal, false).where("host", .isNot, SQLLiteral.null).all()
        {
            let host = try row.string("host")
            var load = result[host] ?? (0, 0, 0, 0)
            load.count += 1
            load.vcpus += try row.int("vcpus")
            load.memoryMB += try row.int("memory_mb")
            load.diskGB += try row.int("root_gb") + row.int("ephemeral_gb")
            result[host] = load
        }
        return result
    }
}
