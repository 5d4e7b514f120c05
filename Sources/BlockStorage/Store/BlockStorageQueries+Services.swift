import Foundation
import SQLKit
import StratusKit

/// A volume service's record (Cinder's `services` rows for cinder-scheduler and cinder-volume).
struct VolumeServiceRecord: Sendable {
    var host: String
    var binary: String
    var availabilityZone: String
    var disabled: Bool
    var disabledReason: String?
    var createdAt: Timestamp
    var updatedAt: Timestamp
}

/// A pool as the scheduler sees it: what its back end last reported.
struct PoolRecord: Sendable {
    /// `host@backend`.
    var serviceHost: String
    var report: VolumePoolReport
    var updatedAt: Timestamp

    /// `host@backend#pool`, the name volumes carry.
    var name: String { serviceHost + "#" + report.pool }
}

/// Services' heartbeats and the pools' reported capacities.
extension BlockStorageQueries {
    /// Creates or refreshes the service's row (its heartbeat), keeping an operator's disabling.
    func heartbeat(host: String, binary: String, availabilityZone: String, now: Timestamp) async throws {
        let updated = try await sql.update("volume_services").set("updated_at", to: SQLBind(now.microseconds))
            .set("availability_zone", to: SQLBind(availabilityZone))
            .where("host", .equal, host).where("binary", .equal, binary).returning("host").all()
        guard updated.isEmpty else { return }
        try await sql.insert(into: "volume_services")
            .columns("host", "binary", "availability_zone", "disabled", "disabled_reason", "created_at", "updated_at")
            .values(
                SQLBind(host), SQLBind(binary), SQLBind(availabilityZone), SQLBind(false), SQLBind(String?.none),
                SQLBind(now.microseconds), SQLBind(now.microseconds)
            ).run()
    }

    func services() async throws -> [VolumeServiceRecord] {
        try await sql.select().columns("host", "binary", "availability_zone", "disabled", "disabled_reason", "created_at", "updated_at")
            .from("volume_services").orderBy("binary").orderBy("host").all().map { row in
                VolumeServiceRecord(
                    host: try row.string("host"), binary: try row.string("binary"),
                    availabilityZone: try row.string("availability_zone"), disabled: try row.bool("disabled"),
                    disabledReason: try row.optionalString("disabled_reason"),
                    createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
                    updatedAt: try row.timestamp("updated_at") ?? Timestamp(microseconds: 0))
            }
    }

    /// Replaces what `serviceHost` reports of its pools.
    func savePoolReports(_ reports: [VolumePoolReport], serviceHost: String, now: Timestamp) async throws {
        try await sql.delete(from: "volume_pools").where("host", .equal, serviceHost).run()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for report in reports {
            let text = String(decoding: try encoder.encode(report), as: UTF8.self)
            try await sql.insert(into: "volume_pools").columns("host", "pool", "report", "updated_at")
                .values(SQLBind(serviceHost), SQLBind(report.pool), SQLBind(text), SQLBind(now.microseconds)).run()
        }
    }

    func pools() async throws -> [PoolRecord] {
        let decoder = JSONDecoder()
        return try await sql.select().columns("host", "report", "updated_at").from("volume_pools").orderBy("host")
            .orderBy("pool").all().map { row in
                PoolRecord(
                    serviceHost: try row.string("host"),
                    report: try decoder.decode(VolumePoolReport.self, from: Data(try row.string("report").utf8)),
                    updatedAt: try row.timestamp("updated_at") ?? Timestamp(microseconds: 0))
            }
    }

    /// GiB provisioned on each pool (`host@backend#pool`): the sizes of its volumes and snapshots.
    func provisionedGB() async throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for row in try await sql.raw("SELECT host, CAST(SUM(size) AS BIGINT) AS total FROM volumes WHERE host IS NOT NULL GROUP BY host").all() {
            result[try row.string("host")] = try row.decode(column: "total", as: Int64.self)
        }
        let snapshotRows = try await sql.raw(
            "SELECT v.host AS host, CAST(SUM(s.size) AS BIGINT) AS total FROM snapshots s JOIN volumes v ON v.id = s.volume_id WHERE v.host IS NOT NULL GROUP BY v.host"
        ).all()
        for row in snapshotRows {
            result[try row.string("host"), default: 0] += try row.decode(column: "total", as: Int64.self)
        }
        return result
    }
}
