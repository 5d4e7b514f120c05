import Foundation
import StratusKit
import _NIOFileSystem

extension ImageService {
    /// Registers a file on this host as a public image of `ownerProjectID`, through the
    /// same create and upload path as the API (so its format is checked and it is hashed);
    /// an active image of that name and owner is reused, a half-registered one replaced.
    /// Returns the image id.
    public func registerPublicImage(
        name: String, file: String, diskFormat: String, containerFormat: String, properties: [String: String] = [:],
        ownerProjectID: String, userID: String
    ) async throws -> String {
        let now = Timestamp.now()
        let auth = AuthContext(
            userID: userID, userName: "admin", userDomainID: "default", userDomainName: "Default",
            scope: .project(id: ownerProjectID, name: "admin", domainID: "default", domainName: "Default"),
            roles: ["admin", "member", "reader"].map { RoleReference(id: $0, name: $0) }, methods: ["password"],
            auditIDs: [], issuedAt: now, expiresAt: now.adding(seconds: 3600))
        var query = ImageListQuery(projectID: ownerProjectID, isAdmin: true)
        query.equalities = [("name", [name]), ("owner", [ownerProjectID])]
        query.osHidden = nil
        for existing in try await manager.listImages(query, auth: auth) {
            if existing.status == .active, existing.properties == properties { return existing.id }
            try await manager.write { q in
                guard var current = try await q.image(id: existing.id, forUpdate: true) else { return }
                current.protected = false
                try await q.update(current)
            }
            try await manager.deleteImage(existing.id, auth: auth)
        }
        var requested = ImageRecord.requested()
        requested.name = name
        requested.visibility = .public
        requested.diskFormat = diskFormat
        requested.containerFormat = containerFormat
        requested.properties = properties
        let image = try await manager.createImage(requested, auth: auth)
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(file)) { handle in
            let size = try await handle.info().size
            try await manager.upload(image.id, data: handle.readChunks(in: 0..<size), declaredLength: size, auth: auth)
        }
        return image.id
    }
}
