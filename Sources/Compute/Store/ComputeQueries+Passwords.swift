import SQLKit
import StratusKit

/// The password a guest stored through the metadata service.
extension ComputeQueries {
    func instancePassword(uuid: String) async throws -> String? {
        try await sql.select().column("password").from("instance_passwords").where("instance_uuid", .equal, uuid)
            .first().map { try $0.string("password") }
    }

    /// Stores the password; false (nothing written) when the server has one already.
    func storeInstancePassword(uuid: String, password: String, at time: Timestamp) async throws -> Bool {
        guard try await instancePassword(uuid: uuid) == nil else { return false }
        try await sql.insert(into: "instance_passwords").columns("instance_uuid", "password", "created_at")
            .values(SQLBind(uuid), SQLBind(password), SQLBind(time.microseconds)).run()
        return true
    }
}
