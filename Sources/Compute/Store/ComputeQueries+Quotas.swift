import SQLKit
import StratusKit

/// What a project (or one of its users) consumes, counted from the tables as Nova's
/// counting quotas do: live instances and their flavors' cores and RAM.
struct InstanceUsage: Sendable, Equatable {
    var instances: Int64 = 0
    var cores: Int64 = 0
    var ram: Int64 = 0
}

extension ComputeQueries {
    /// The limits set for a project (`userID` nil) or for one user of it, by resource.
    func quotaLimits(projectID: String, userID: String?) async throws -> [String: Int64] {
        var limits: [String: Int64] = [:]
        for row in try await sql.select().columns("resource", "hard_limit").from("compute_quotas")
            .where("project_id", .equal, projectID).where("user_id", .equal, userID ?? "").all()
        {
            limits[try row.string("resource")] = try row.decode(column: "hard_limit", as: Int64.self)
        }
        return limits
    }

    func setQuotaLimit(projectID: String, userID: String?, resource: String, limit: Int64) async throws {
        try await sql.delete(from: "compute_quotas").where("project_id", .equal, projectID).where("user_id", .equal, userID ?? "")
            .where("resource", .equal, resource).run()
        try await sql.insert(into: "compute_quotas").columns("project_id", "user_id", "resource", "hard_limit")
            .values(SQLBind(projectID), SQLBind(userID ?? ""), SQLBind(resource), SQLBind(limit)).run()
    }

    /// Forgets a project's limits (and its users'), or one user's.
    func deleteQuotaLimits(projectID: String, userID: String?) async throws {
        var delete = sql.delete(from: "compute_quotas").where("project_id", .equal, projectID)
        if let userID { delete = delete.where("user_id", .equal, userID) }
        try await delete.run()
    }

    /// The limits a quota class sets (only `default` is used), by resource.
    func quotaClassLimits(_ className: String) async throws -> [String: Int64] {
        var limits: [String: Int64] = [:]
        for row in try await sql.select().columns("resource", "hard_limit").from("quota_classes")
            .where("class_name", .equal, className).all()
        {
            limits[try row.string("resource")] = try row.decode(column: "hard_limit", as: Int64.self)
        }
        return limits
    }

    func setQuotaClassLimit(_ className: String, resource: String, limit: Int64) async throws {
        try await sql.delete(from: "quota_classes").where("class_name", .equal, className).where("resource", .equal, resource)
            .run()
        try await sql.insert(into: "quota_classes").columns("class_name", "resource", "hard_limit")
            .values(SQLBind(className), SQLBind(resource), SQLBind(limit)).run()
    }

    /// The live instances of a project (or of one user in it) and their cores and RAM; as in
    /// Nova, soft-deleted ones do not count (a restore checks the quota again).
    func instanceUsage(projectID: String, userID: String? = nil) async throws -> InstanceUsage {
        var query = sql.select().columns("vcpus", "memory_mb").from("instances").where("project_id", .equal, projectID)
            .where("deleted", .equal, SQLBind(false)).where("vm_state", .notEqual, VMState.softDeleted)
        if let userID { query = query.where("user_id", .equal, userID) }
        var usage = InstanceUsage()
        for row in try await query.all() {
            usage.instances += 1
            usage.cores += try row.decode(column: "vcpus", as: Int64.self)
            usage.ram += try row.decode(column: "memory_mb", as: Int64.self)
        }
        return usage
    }

    func keypairCount(userID: String) async throws -> Int64 {
        Int64(try await sql.select().column("id").from("key_pairs").where("user_id", .equal, userID).all().count)
    }
}
