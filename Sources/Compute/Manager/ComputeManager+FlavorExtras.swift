import StratusKit

/// A flavor's extra specs (`os-extra_specs`) and project access (`os-flavor-access`).
extension ComputeManager {
    func extraSpecs(of flavorID: String, _ auth: AuthContext) async throws -> [String: String] {
        try policy.enforce("os_compute_api:os-flavor-extra-specs:index", auth, target: Self.projectTarget(auth))
        return try await flavor(flavorID, auth).extraSpecs
    }

    func extraSpec(_ key: String, of flavorID: String, _ auth: AuthContext) async throws -> String {
        try policy.enforce("os_compute_api:os-flavor-extra-specs:show", auth, target: Self.projectTarget(auth))
        guard let value = try await flavor(flavorID, auth).extraSpecs[key] else {
            throw ComputeErrors.notFound("Flavor \(flavorID) has no extra specs with key \(key).")
        }
        return value
    }

    /// Creates or replaces the given specs (`create` for a POST, `update` for a PUT of one key).
    func setExtraSpecs(_ specs: [String: String], of flavorID: String, rule: String, _ auth: AuthContext) async throws {
        try policy.enforce("os_compute_api:os-flavor-extra-specs:\(rule)", auth, target: Self.projectTarget(auth))
        try await write { q in
            guard let flavor = try await q.flavor(flavorID: flavorID) else { throw ComputeErrors.flavorNotFound(flavorID) }
            try await q.setExtraSpecs(specs, of: flavor.internalID)
        }
    }

    func deleteExtraSpec(_ key: String, of flavorID: String, _ auth: AuthContext) async throws {
        try policy.enforce("os_compute_api:os-flavor-extra-specs:delete", auth, target: Self.projectTarget(auth))
        try await write { q in
            guard let flavor = try await q.flavor(flavorID: flavorID) else { throw ComputeErrors.flavorNotFound(flavorID) }
            guard flavor.extraSpecs[key] != nil else {
                throw ComputeErrors.notFound("Flavor \(flavorID) has no extra specs with key \(key).")
            }
            try await q.deleteExtraSpec(key, of: flavor.internalID)
        }
    }

    /// The projects granted a private flavor; 404 for a public one, whose access is everyone's.
    func flavorAccess(_ flavorID: String, _ auth: AuthContext) async throws -> [String] {
        try policy.enforce("os_compute_api:os-flavor-access", auth, target: [:])
        return try await read { q in
            guard let flavor = try await q.flavor(flavorID: flavorID) else { throw ComputeErrors.flavorNotFound(flavorID) }
            guard !flavor.isPublic else { throw ComputeErrors.notFound("Access list not available for public flavors.") }
            return try await q.accessProjects(of: flavor.internalID)
        }
    }

    func addFlavorAccess(_ flavorID: String, project: String, _ auth: AuthContext) async throws -> [String] {
        try policy.enforce("os_compute_api:os-flavor-access:add_tenant_access", auth, target: [:])
        return try await write { q in
            guard let flavor = try await q.flavor(flavorID: flavorID) else { throw ComputeErrors.flavorNotFound(flavorID) }
            guard !flavor.isPublic else { throw ComputeErrors.conflict("Can not add access to a public flavor.") }
            guard try await !q.accessProjects(of: flavor.internalID).contains(project) else {
                throw ComputeErrors.conflict(
                    "Flavor access already exists for flavor \(flavorID) and project \(project) combination.")
            }
            try await q.addAccess(flavor.internalID, project: project)
            return try await q.accessProjects(of: flavor.internalID)
        }
    }

    func removeFlavorAccess(_ flavorID: String, project: String, _ auth: AuthContext) async throws -> [String] {
        try policy.enforce("os_compute_api:os-flavor-access:remove_tenant_access", auth, target: [:])
        return try await write { q in
            guard let flavor = try await q.flavor(flavorID: flavorID) else { throw ComputeErrors.flavorNotFound(flavorID) }
            guard try await q.accessProjects(of: flavor.internalID).contains(project) else {
                throw ComputeErrors.notFound("Flavor access not found for \(flavorID) / \(project) combination.")
            }
            try await q.removeAccess(flavor.internalID, project: project)
            return try await q.accessProjects(of: flavor.internalID)
        }
    }
}
