import SQLKit
import StratusKit

extension NetworkQueries {
    static func rbacPolicy(_ row: any SQLRow) throws -> RBACPolicyRecord {
        RBACPolicyRecord(
            id: try row.string("id"), projectID: try row.string("project_id"), objectType: try row.string("object_type"),
            objectID: try row.string("object_id"), action: try row.string("action"),
            targetProject: try row.string("target_project"), standard: try standard(row))
    }

    func rbacPolicies(objectIDs: [String]? = nil, ids: [String]? = nil, projectID: String? = nil) async throws
        -> [RBACPolicyRecord]
    {
        if let objectIDs, objectIDs.isEmpty { return [] }
        var query = sql.select().columns("*").from("rbac_policies")
        if let objectIDs {
            guard !objectIDs.isEmpty else { return [] }
            query = query.where("object_id", .in, objectIDs)
        }
        if let ids {
            guard !ids.isEmpty else { return [] }
            query = query.where("id", .in, ids)
        }
        if let projectID { query = query.where("project_id", .equal, projectID) }
        return try await query.orderBy("id").all().map { try Self.rbacPolicy($0) }
    }

    func save(_ policy: RBACPolicyRecord, exists: Bool) async throws {
        let columns: [(String, any SQLExpression)] =
            [
                ("id", SQLBind(policy.id)), ("project_id", SQLBind(policy.projectID)),
                ("object_type", SQLBind(policy.objectType)), ("object_id", SQLBind(policy.objectID)),
                ("action", SQLBind(policy.action)), ("target_project", SQLBind(policy.targetProject)),
            ] + Self.standardValues(policy.standard)
        try await upsert("rbac_policies", id: policy.id, columns, exists: exists)
    }
}
