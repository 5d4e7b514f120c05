import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

extension IdentityAPI {
    /// Credentials (`/v3/credentials`): blobs such as EC2 keys, stored encrypted with the
    /// credential Fernet keys and returned decrypted to those allowed to read them.
    func registerCredentials(on router: Router<StratusRequestContext>) {
        let attributes: Set<String> = ["id", "user_id", "project_id", "type", "blob", "links"]
        router.post("/v3/credentials") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "credential")
            let userID = try fields.requiredString("user_id")
            let type = try fields.requiredString("type")
            let blob = try fields.requiredString("blob", maxLength: 65535)
            let projectID = try fields.string("project_id")
            if type == "ec2" {
                guard projectID != nil else { throw APIError.badRequest("An ec2 credential requires a project_id.") }
                guard JSONValue.parse(blob)?["access"]?.stringValue != nil else {
                    throw APIError.badRequest("An ec2 credential blob must be JSON with an 'access' key.")
                }
            }
            try policy.enforce("identity:create_credential", auth, target: ["target.credential.user_id": .string(userID)])
            let credential = CredentialRecord(
                id: IDGenerator.hex(), userID: userID, projectID: projectID, type: type,
                encryptedBlob: try encryptBlob(blob), extra: fields.extra(excluding: attributes))
            try await manager.store.write { q in
                _ = try await manager.requireUser(userID, in: q)
                try await q.insert(credential)
            }
            return respond(.created, "credential", wire.credential(credential, blob: blob))
        }
        router.get("/v3/credentials") { request, context in
            let auth = try context.requireAuth()
            let credentials = try await manager.store.read { q in
                try await q.listCredentials(userID: request.query("user_id"), type: request.query("type"))
            }
            // Keystone filters the list down to the credentials the caller may read.
            let visible = credentials.filter {
                policy.allows("identity:list_credentials", auth, target: ["target.credential.user_id": .string($0.userID)])
            }
            return try list(
                "credentials", try visible.map { wire.credential($0, blob: try decryptBlob($0.encryptedBlob)) },
                request: request, path: "/credentials")
        }
        router.get("/v3/credentials/{credential_id}") { _, context in
            let credential = try await credentialFor(context, rule: "identity:get_credential")
            return respond("credential", wire.credential(credential, blob: try decryptBlob(credential.encryptedBlob)))
        }
        router.patch("/v3/credentials/{credential_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let found = try await credentialFor(context, rule: "identity:update_credential")
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "credential")
            let userID = try fields.string("user_id")
            let projectID = try fields.string("project_id")
            let type = try fields.string("type")
            let sealedBlob = try fields.string("blob", maxLength: 65535).map(encryptBlob)
            let extra = fields.extra(excluding: attributes)
            // Read, change and write in one transaction, so concurrent updates do not undo each other.
            let updated = try await manager.store.write { q in
                guard var credential = try await q.credential(id: found.id) else {
                    throw IdentityErrors.notFound("credential", found.id)
                }
                if let userID { credential.userID = userID }
                if fields.has("project_id") { credential.projectID = projectID }
                if let type { credential.type = type }
                if let sealedBlob { credential.encryptedBlob = sealedBlob }
                credential.extra.merge(extra) { _, new in new }
                // The caller must be allowed to own the credential as changed too, or a user could
                // hand a credential to someone else (OSSA-2020-005).
                try policy.enforce("identity:update_credential", auth, target: ["target.credential.user_id": .string(credential.userID)])
                try await q.update(credential)
                return credential
            }
            return respond("credential", wire.credential(updated, blob: try decryptBlob(updated.encryptedBlob)))
        }
        router.delete("/v3/credentials/{credential_id}") { _, context in
            let credential = try await credentialFor(context, rule: "identity:delete_credential")
            try await manager.store.write { q in try await q.delete(from: "credentials", where: "id", credential.id) }
            return JSONResponse.empty()
        }
    }

    private func credentialFor(_ context: StratusRequestContext, rule: String) async throws -> CredentialRecord {
        let auth = try context.requireAuth()
        let id = try context.parameters.require("credential_id")
        guard let credential = try await manager.store.read({ q in try await q.credential(id: id) }) else {
            throw IdentityErrors.notFound("credential", id)
        }
        try policy.enforce(rule, auth, target: ["target.credential.user_id": .string(credential.userID)])
        return credential
    }

    private func encryptBlob(_ blob: String) throws -> String {
        try manager.credentialKeys.primaryKey.seal(Array(blob.utf8), timestamp: Timestamp.now().seconds)
    }

    private func decryptBlob(_ sealed: String) throws -> String {
        guard let raw = Base64URL.decode(sealed) else { throw APIError(.internalServerError, "A stored credential is unreadable.") }
        for key in manager.credentialKeys.allKeys {
            if let opened = key.open(raw) { return String(decoding: opened.payload, as: UTF8.self) }
        }
        throw APIError(.internalServerError, "A stored credential cannot be decrypted with the keys held.")
    }
}
