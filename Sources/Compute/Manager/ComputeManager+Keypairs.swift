import StratusKit

/// Keypairs belong to a user: each user sees and manages their own, an admin anyone's
/// (naming the user with `user_id`). Names are unique per user.
extension ComputeManager {
    private static func userTarget(_ userID: String) -> PolicyAttributes { ["user_id": .string(userID)] }

    /// Generates an RSA pair when no public key is given (the private key is returned,
    /// never stored), else imports the key. 409 when the user already has the name.
    func createKeypair(
        _ auth: AuthContext, name: String, type: String, publicKey: String?, userID: String?
    ) async throws -> (keypair: KeypairRecord, privateKey: String?) {
        let owner = userID ?? auth.userID
        try policy.enforce("os_compute_api:os-keypairs:create", auth, target: Self.userTarget(owner))
        var privateKey: String?
        let material: String
        let fingerprint: String
        if let publicKey {
            material = publicKey
            if type == "x509" {
                guard let print = KeypairCrypto.x509Fingerprint(publicKey) else {
                    throw ComputeErrors.invalidKeypair("failed to generate X509 fingerprint.")
                }
                fingerprint = print
            } else {
                guard let print = KeypairCrypto.sshFingerprint(publicKey) else {
                    throw ComputeErrors.invalidKeypair("failed to generate fingerprint")
                }
                fingerprint = print
            }
        } else {
            guard type == "ssh" else {
                throw ComputeErrors.invalidKeypair("generating x509 keypairs is not supported; import a certificate")
            }
            let pair = try KeypairCrypto.generateRSA()
            guard let print = KeypairCrypto.sshFingerprint(pair.publicKey) else {
                throw ComputeErrors.invalidKeypair("failed to generate fingerprint")
            }
            (privateKey, material, fingerprint) = (pair.privateKey, pair.publicKey, print)
        }
        let keypair = try await write { q in
            if try await q.keypair(named: name, of: owner) != nil {
                throw ComputeErrors.conflict("Key pair '\(name)' already exists.")
            }
            try await quotaCheck.checkKeypair(q, projectID: auth.projectID, userID: owner)
            let record = KeypairRecord(
                id: try await q.nextKeypairID(), userID: owner, name: name, type: type, publicKey: material,
                fingerprint: fingerprint, createdAt: .now())
            try await q.insert(record)
            return record
        }
        logger.info("keypair created", metadata: ["keypair": "\(name)", "owner": "\(owner)", "generated": "\(privateKey != nil)"])
        return (keypair, privateKey)
    }

    func listKeypairs(_ auth: AuthContext, userID: String?, page: ListPage) async throws -> [KeypairRecord] {
        let owner = userID ?? auth.userID
        try policy.enforce("os_compute_api:os-keypairs:index", auth, target: Self.userTarget(owner))
        let all = try await read { q in try await q.keypairs(of: owner) }
        return try page.apply(
            all, key: \.name, markerMissing: ComputeErrors.badRequest("Marker \(page.marker ?? "") could not be found."))
    }

    func keypair(_ name: String, _ auth: AuthContext, userID: String?) async throws -> KeypairRecord {
        let owner = userID ?? auth.userID
        try policy.enforce("os_compute_api:os-keypairs:show", auth, target: Self.userTarget(owner))
        guard let keypair = try await read({ q in try await q.keypair(named: name, of: owner) }) else {
            throw ComputeErrors.keypairNotFound(name, user: owner)
        }
        return keypair
    }

    func deleteKeypair(_ name: String, _ auth: AuthContext, userID: String?) async throws {
        let owner = userID ?? auth.userID
        try policy.enforce("os_compute_api:os-keypairs:delete", auth, target: Self.userTarget(owner))
        try await write { q in
            guard try await q.keypair(named: name, of: owner) != nil else { throw ComputeErrors.keypairNotFound(name, user: owner) }
            try await q.deleteKeypair(named: name, of: owner)
        }
    }
}
