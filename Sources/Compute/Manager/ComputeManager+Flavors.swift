import Foundation
import StratusKit

/// Flavors: who sees which (public ones for everyone, private ones for admins and the
/// projects granted access), and their admin-only management.
extension ComputeManager {
    private static let createRule = "os_compute_api:os-flavor-manage:create"
    private static let updateRule = "os_compute_api:os-flavor-manage:update"
    private static let deleteRule = "os_compute_api:os-flavor-manage:delete"

    /// The internal ids of the flavors granted to the project (none without a project).
    private static func granted(to projectID: String?, _ q: ComputeQueries) async throws -> Set<Int64> {
        guard let projectID else { return [] }
        return try await q.flavorsGranted(to: projectID)
    }

    /// Whether the caller may see the flavor.
    private func canSee(_ flavor: FlavorRecord, _ auth: AuthContext, granted: Set<Int64>) -> Bool {
        flavor.isPublic || policy.isAdmin(auth) || granted.contains(flavor.internalID)
    }

    func listFlavors(_ auth: AuthContext, _ query: FlavorQuery) async throws -> [FlavorRecord] {
        let isAdmin = policy.isAdmin(auth)
        let projectID = auth.projectID
        let (all, granted) = try await read { q in
            (try await q.flavors(), try await Self.granted(to: projectID, q))
        }
        let visible = all.filter { canSee($0, auth, granted: granted) }.sorted(by: query.ordered)
        let visibility = isAdmin ? query.isPublic : true
        return try query.page.apply(
            visible, key: \.flavorID, markerMissing: ComputeErrors.badRequest("marker [\(query.page.marker ?? "")] not found")
        ) { flavor in
            switch visibility {
            case .some(true): guard flavor.isPublic || granted.contains(flavor.internalID) else { return false }
            case .some(false): guard !flavor.isPublic else { return false }
            case .none: break
            }
            if !isAdmin, flavor.disabled { return false }
            if let minRAM = query.minRAM, flavor.memoryMB < minRAM { return false }
            if let minDisk = query.minDisk, flavor.rootGB < minDisk { return false }
            return true
        }
    }

    /// The flavor, or Nova's 404 when it does not exist or the caller may not see it.
    func flavor(_ flavorID: String, _ auth: AuthContext) async throws -> FlavorRecord {
        let projectID = auth.projectID
        let (flavor, granted) = try await read { q in
            (try await q.flavor(flavorID: flavorID), try await Self.granted(to: projectID, q))
        }
        guard let flavor, canSee(flavor, auth, granted: granted) else { throw ComputeErrors.flavorNotFound(flavorID) }
        return flavor
    }

    /// Creates a flavor; its id is a new UUID unless given. 409 for a name or id in use.
    func createFlavor(_ auth: AuthContext, _ draft: FlavorRecord, idGiven: Bool) async throws -> FlavorRecord {
        try policy.enforce(Self.createRule, auth, target: [:])
        var flavor = draft
        if !idGiven { flavor.flavorID = IDGenerator.uuid() }
        let created = flavor
        return try await write { q in
            if try await q.flavorNameExists(created.name) {
                throw ComputeErrors.conflict("Flavor with name \(created.name) already exists.")
            }
            if try await q.flavor(flavorID: created.flavorID) != nil {
                throw ComputeErrors.conflict("Flavor with ID \(created.flavorID) already exists.")
            }
            var stored = created
            stored.internalID = try await q.nextFlavorInternalID()
            stored.createdAt = .now()
            try await q.insert(stored)
            return stored
        }
    }

    func updateFlavorDescription(_ flavorID: String, to description: String?, _ auth: AuthContext) async throws -> FlavorRecord {
        try policy.enforce(Self.updateRule, auth, target: [:])
        return try await write { q in
            guard var flavor = try await q.flavor(flavorID: flavorID) else { throw ComputeErrors.flavorNotFound(flavorID) }
            try await q.updateDescription(of: flavor.internalID, to: description)
            flavor.description = description
            return flavor
        }
    }

    func deleteFlavor(_ flavorID: String, _ auth: AuthContext) async throws {
        try policy.enforce(Self.deleteRule, auth, target: [:])
        try await write { q in
            guard let flavor = try await q.flavor(flavorID: flavorID) else { throw ComputeErrors.flavorNotFound(flavorID) }
            try await q.deleteFlavor(flavor.internalID)
        }
    }

    /// Whether the caller's flavor bodies (from 2.61) carry extra specs.
    func showsExtraSpecs(_ auth: AuthContext) -> Bool {
        policy.allows("os_compute_api:os-flavor-extra-specs:index", auth, target: Self.projectTarget(auth))
    }
}
