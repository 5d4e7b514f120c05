import HTTPTypes
import Hummingbird
import StratusKit

extension IdentityAPI {
    func registerApplicationCredentials(on router: Router<StratusRequestContext>) {
        let base = "/v3/users/{user_id}/application_credentials"
        router.post(RouterPath(base)) { request, context in
            var request = request
            let auth = try context.requireAuth()
            let userID = try context.parameters.require("user_id")
            try policy.enforce("identity:create_application_credential", auth, target: ["user_id": .string(userID)])
            guard let projectID = auth.projectID else {
                throw APIError.forbidden("An application credential can only be created with a project-scoped token.")
            }
            if let credentialID = auth.applicationCredentialID {
                let creator = try await manager.store.read { q in try await q.applicationCredential(id: credentialID) }
                if creator?.unrestricted != true {
                    throw APIError.forbidden("A restricted application credential cannot create another one.")
                }
            }
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "application_credential")
            let name = try fields.requiredString("name", maxLength: 255)
            var expiresAt: Timestamp?
            if let text = try fields.string("expires_at") {
                guard let parsed = Timestamp.parse(text) else {
                    throw APIError.badRequest("Invalid input for field 'expires_at': '\(text)' is not a valid date and time.")
                }
                guard Timestamp.now() < parsed else { throw APIError.badRequest("The expiration time is in the past.") }
                expiresAt = parsed
            }
            let table = try await manager.tokens.roles.table()
            // No roles (or an empty list) means every role the token has, as Keystone does.
            var roleIDs: [String] = auth.roles.map(\.id)
            if let requested = try fields.objectArray("roles"), !requested.isEmpty {
                roleIDs = try requested.map { role in
                    if let id = try role.string("id") { return id }
                    if let name = try role.string("name") {
                        if let found = table.roles.values.first(where: { $0.name == name && $0.domainID == nil }) { return found.id }
                        throw IdentityErrors.notFound("role", name)
                    }
                    throw APIError.badRequest("Each role needs an id or a name.")
                }
                let held = Set(auth.roles.map(\.id))
                for roleID in roleIDs where !held.contains(roleID) {
                    throw APIError.forbidden("The application credential may only carry roles the token has: \(roleID).")
                }
            }
            let secret = try fields.string("secret", maxLength: 4096)
                ?? Base64URL.encode(IDGenerator.randomBytes(64), padded: false)
            let credential = ApplicationCredentialRecord(
                id: IDGenerator.hex(), name: name, userID: userID, projectID: projectID,
                secretHash: try await manager.hasher.hash(secret), description: try fields.string("description", maxLength: 65535),
                expiresAt: expiresAt, unrestricted: try fields.bool("unrestricted") ?? false, createdAt: .now(),
                roleIDs: roleIDs)
            try await manager.store.write { q in
                if try await q.applicationCredential(userID: userID, name: name) != nil {
                    throw IdentityErrors.duplicate("application_credential", "Duplicate entry found with name \(name)")
                }
                try await q.insert(credential)
            }
            return respond(.created, "application_credential", wire.applicationCredential(credential, roles: table.roles, secret: secret))
        }
        router.get(RouterPath(base)) { request, context in
            let auth = try context.requireAuth()
            let userID = try context.parameters.require("user_id")
            try policy.enforce("identity:list_application_credentials", auth, target: ["user_id": .string(userID)])
            let table = try await manager.tokens.roles.table()
            let credentials = try await manager.store.read { q in
                try await q.listApplicationCredentials(userID: userID, name: request.query("name"))
            }
            return try list(
                "application_credentials", credentials.map { wire.applicationCredential($0, roles: table.roles) },
                request: request, path: "/users/\(userID)/application_credentials")
        }
        router.get(RouterPath(base + "/{credential_id}")) { _, context in
            let (credential, table) = try await applicationCredentialFor(context, rule: "identity:get_application_credential")
            return respond("application_credential", wire.applicationCredential(credential, roles: table.roles))
        }
        router.delete(RouterPath(base + "/{credential_id}")) { _, context in
            let (credential, _) = try await applicationCredentialFor(context, rule: "identity:delete_application_credential")
            try await manager.store.write { q in try await q.deleteApplicationCredential(id: credential.id) }
            return JSONResponse.empty()
        }
    }

    private func applicationCredentialFor(_ context: StratusRequestContext, rule: String) async throws
        -> (ApplicationCredentialRecord, RoleTable)
    {
        let auth = try context.requireAuth()
        let userID = try context.parameters.require("user_id")
        let id = try context.parameters.require("credential_id")
        try policy.enforce(rule, auth, target: ["user_id": .string(userID), "target.user.id": .string(userID)])
        guard let credential = try await manager.store.read({ q in try await q.applicationCredential(id: id) }),
            credential.userID == userID
        else { throw IdentityErrors.notFound("application credential", id) }
        return (credential, try await manager.tokens.roles.table())
    }
}
