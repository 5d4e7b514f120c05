import SQLKit
import StratusKit

/// Cinder's quotas, counted from the records inside the write transaction that adds to them
/// (so two creates racing for the last unit cannot both pass): `volumes`, `gigabytes`
/// (volumes and snapshots), `snapshots`, `backups`, `backup_gigabytes`, and the per-type
/// `volumes_<type>`, `gigabytes_<type>`, `snapshots_<type>`; `per_volume_gigabytes` caps one
/// volume. A limit of -1 is unlimited. Records that do not consume quota (a volume whose
/// scheduling failed) are not counted.
struct VolumeQuotas: Sendable {
    let defaults: [String: Int64]

    static let resources = ["volumes", "snapshots", "gigabytes", "backups", "backup_gigabytes", "per_volume_gigabytes", "groups"]

    /// The project's limits: its own, else the `default` class's, else the configured defaults;
    /// per-type limits for every type name given (unlimited unless set).
    func limits(_ sql: any SQLDatabase, projectID: String, typeNames: [String]) async throws -> [String: Int64] {
        var limits = defaults
        for name in typeNames {
            for resource in ["volumes", "gigabytes", "snapshots"] { limits["\(resource)_\(name)"] = -1 }
        }
        for row in try await sql.select().columns("resource", "hard_limit").from("volume_quota_classes")
            .where("class_name", .equal, "default").all()
        {
            limits[try row.string("resource")] = try row.decode(column: "hard_limit", as: Int64.self)
        }
        for row in try await sql.select().columns("resource", "hard_limit").from("volume_quotas")
            .where("project_id", .equal, projectID).all()
        {
            limits[try row.string("resource")] = try row.decode(column: "hard_limit", as: Int64.self)
        }
        return limits
    }

    /// What the project uses now, by resource (per-type entries keyed by type name).
    func usage(_ sql: any SQLDatabase, projectID: String) async throws -> [String: Int64] {
        var usage: [String: Int64] = [:]
        let volumeRows = try await sql.raw(
            """
            SELECT t.name AS type_name, COUNT(*) AS n, CAST(COALESCE(SUM(v.size), 0) AS BIGINT) AS gb FROM volumes v
            LEFT JOIN volume_types t ON t.id = v.volume_type_id
            WHERE v.project_id = \(bind: projectID) AND v.consumes_quota = \(bind: true) GROUP BY t.name
            """
        ).all()
        for row in volumeRows {
            let count = try row.decode(column: "n", as: Int64.self)
            let gigabytes = try row.decode(column: "gb", as: Int64.self)
            usage["volumes", default: 0] += count
            usage["gigabytes", default: 0] += gigabytes
            if let name = try row.optionalString("type_name") {
                usage["volumes_\(name)", default: 0] += count
                usage["gigabytes_\(name)", default: 0] += gigabytes
            }
        }
        let snapshotRows = try await sql.raw(
            """
            SELECT t.name AS type_name, COUNT(*) AS n, CAST(COALESCE(SUM(s.size), 0) AS BIGINT) AS gb FROM snapshots s
            LEFT JOIN volume_types t ON t.id = s.volume_type_id
            WHERE s.project_id = \(bind: projectID) AND s.consumes_quota = \(bind: true) GROUP BY t.name
            """
        ).all()
        for row in snapshotRows {
            let count = try row.decode(column: "n", as: Int64.self)
            let gigabytes = try row.decode(column: "gb", as: Int64.self)
            usage["snapshots", default: 0] += count
            usage["gigabytes", default: 0] += gigabytes
            if let name = try row.optionalString("type_name") {
                usage["snapshots_\(name)", default: 0] += count
                usage["gigabytes_\(name)", default: 0] += gigabytes
            }
        }
        if let row = try await sql.raw(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(size), 0) AS BIGINT) AS gb FROM backups WHERE project_id = \(bind: projectID)"
        ).first() {
            usage["backups"] = try row.decode(column: "n", as: Int64.self)
            usage["backup_gigabytes"] = try row.decode(column: "gb", as: Int64.self)
        }
        return usage
    }

    /// Throws Cinder's 413 when adding `deltas` (resource → amount) would pass a limit.
    func check(_ sql: any SQLDatabase, projectID: String, typeName: String?, deltas: [String: Int64]) async throws {
        let limits = try await limits(sql, projectID: projectID, typeNames: typeName.map { [$0] } ?? [])
        if let size = deltas["gigabytes"], let perVolume = limits["per_volume_gigabytes"], perVolume >= 0,
            deltas["volumes"] != nil, size > perVolume
        {
            throw Self.exceeded("VolumeSizeExceedsLimit: Requested volume size \(size)G is larger than maximum allowed limit \(perVolume)G.")
        }
        let usage = try await usage(sql, projectID: projectID)
        var all = deltas
        if let typeName {
            for (resource, amount) in deltas where ["volumes", "gigabytes", "snapshots"].contains(resource) {
                all["\(resource)_\(typeName)"] = amount
            }
        }
        // Counts before sizes, as Cinder reports them.
        for resource in all.keys.sorted(by: { Self.order($0) < Self.order($1) }) {
            let amount = all[resource]!
            guard amount > 0, let limit = limits[resource], limit >= 0 else { continue }
            let used = usage[resource] ?? 0
            guard used + amount > limit else { continue }
            throw Self.exceeded(Self.message(resource: resource, limit: limit, used: used, requested: amount))
        }
    }

    /// Throws Cinder's 413 when one volume of `size` GiB would pass `per_volume_gigabytes`.
    func checkVolumeSize(_ sql: any SQLDatabase, projectID: String, size: Int64) async throws {
        let limits = try await limits(sql, projectID: projectID, typeNames: [])
        if let perVolume = limits["per_volume_gigabytes"], perVolume >= 0, size > perVolume {
            throw Self.exceeded("VolumeSizeExceedsLimit: Requested volume size \(size)G is larger than maximum allowed limit \(perVolume)G.")
        }
    }

    private static func order(_ resource: String) -> Int {
        resource.hasPrefix("gigabytes") || resource.hasPrefix("backup_gigabytes") ? 1 : 0
    }

    private static func message(resource: String, limit: Int64, used: Int64, requested: Int64) -> String {
        if resource.hasPrefix("volumes") {
            return "VolumeLimitExceeded: Maximum number of volumes allowed (\(limit)) exceeded for quota '\(resource)'."
        }
        if resource.hasPrefix("snapshots") {
            return "SnapshotLimitExceeded: Maximum number of snapshots allowed (\(limit)) exceeded"
        }
        if resource == "backups" { return "BackupLimitExceeded: Maximum number of backups allowed (\(limit)) exceeded" }
        if resource == "backup_gigabytes" {
            return "VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup gigabytes quota. Requested \(requested)G, quota is \(limit)G and \(used)G has been consumed."
        }
        return "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed \(resource) quota. Requested \(requested)G, quota is \(limit)G and \(used)G has been consumed."
    }

    private static func exceeded(_ message: String) -> APIError {
        var error = APIError(.contentTooLarge, message)
        error.headers[.retryAfter] = "0"
        return error
    }
}
