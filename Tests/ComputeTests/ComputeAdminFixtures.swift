import Foundation
import SQLKit
import StratusKit

@testable import Compute

/// Rows the compute agent and the server create path will write, put in directly so the
/// admin APIs have hosts and instances to show.
extension ComputeClient {
    func queries<T: Sendable>(_ body: @Sendable (ComputeQueries) async throws -> T) async throws -> T {
        try await service.database.write { try await body(ComputeQueries(sql: $0)) }
    }

    /// A `nova-compute` service on `host` that reported `secondsAgo` seconds ago, and its node.
    @discardableResult
    func computeHost(
        _ host: String, secondsAgo: Int64 = 0, vcpus: Int64 = 8, memoryMB: Int64 = 16384, localGB: Int64 = 100
    ) async throws -> (service: ServiceRecord, node: ComputeNodeRecord) {
        try await queries { q in
            let service = try await q.upsertService(
                host: host, binary: "nova-compute", topic: "compute", at: Timestamp.now().adding(seconds: -secondsAgo))
            let node = try await q.upsertComputeNode(
                ComputeNodeRecord(
                    id: 0, uuid: "", serviceID: service.id, host: host, hypervisorHostname: host + ".example.org",
                    hypervisorType: "fake", hypervisorVersion: 1000, hostIP: "192.0.2.10", vcpus: vcpus, memoryMB: memoryMB,
                    localGB: localGB, vcpusUsed: 2, memoryMBUsed: 1024, localGBUsed: 10, runningVMs: 0,
                    cpuInfo: #"{"arch": "x86_64", "model": "fake"}"#, cpuAllocationRatio: 16, ramAllocationRatio: 1.5,
                    diskAllocationRatio: 1, createdAt: .now(), updatedAt: nil))
            return (service, node)
        }
    }

    /// An instance row of `projectID` on `host`, sized as given, launched at `launchedAt`.
    @discardableResult
    func instance(
        project projectID: String, user userID: String = "user", host: String? = nil, vcpus: Int64 = 1, memoryMB: Int64 = 512,
        rootGB: Int64 = 1, launchedAt: Timestamp? = .now(), terminatedAt: Timestamp? = nil, deleted: Bool = false,
        taskState: String? = nil
    ) async throws -> String {
        let uuid = IDGenerator.uuid()
        try await queries { q in
            let id = try await q.nextID("instances")
            let now = Timestamp.now().microseconds
            try await q.sql.insert(into: "instances").columns(
                "uuid", "id", "project_id", "user_id", "display_name", "hostname", "reservation_id", "launch_index", "image_ref",
                "flavor_json", "vcpus", "memory_mb", "root_gb", "ephemeral_gb", "image_properties_json", "config_drive",
                "request_json", "network_info_json", "host", "node", "vm_state", "task_state", "power_state", "progress",
                "created_at", "updated_at", "launched_at", "terminated_at", "deleted"
            ).values(
                SQLBind(uuid), SQLBind(id), SQLBind(projectID), SQLBind(userID), SQLBind("vm-\(id)"), SQLBind("vm-\(id)"),
                SQLBind("r-\(id)"), SQLBind(Int64(0)), SQLBind("image"), SQLBind(#"{"name": "m1.test"}"#), SQLBind(vcpus),
                SQLBind(memoryMB), SQLBind(rootGB), SQLBind(Int64(0)), SQLBind("{}"), SQLBind(""), SQLBind("{}"), SQLBind("[]"),
                SQLBind(host), SQLBind(host.map { $0 + ".example.org" }), SQLBind(deleted ? "deleted" : "active"),
                SQLBind(taskState), SQLBind(Int64(1)), SQLBind(Int64(0)), SQLBind(now), SQLBind(now),
                SQLBind(launchedAt?.microseconds), SQLBind(terminatedAt?.microseconds), SQLBind(deleted)
            ).run()
        }
        return uuid
    }
}

extension JSONValue {
    /// The element at `index` of an array, nil when out of range or not an array.
    subscript(index: Int) -> JSONValue? {
        guard let array = arrayValue, array.indices.contains(index) else { return nil }
        return array[index]
    }
}
