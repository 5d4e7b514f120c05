import Foundation
import StratusKit

/// What `stratus up` registers in the catalog for one running service.
public struct CatalogRegistration: Sendable {
    public var type: String
    public var name: String
    public var url: String

    public init(type: String, name: String, url: String) {
        self.type = type
        self.name = name
        self.url = url
    }
}

/// The outcome of bootstrapping, for the startup banner and clouds.yaml.
public struct BootstrapResult: Sendable {
    public var adminUserID: String
    public var adminProjectID: String
    public var createdAdmin: Bool
}

extension IdentityService {
    /// Makes sure the cloud's base identity exists, as `keystone-manage bootstrap` does:
    /// domain `default`, projects `admin` and `service`, user `admin`, roles `admin`,
    /// `member`, `reader` (admin implies member implies reader) and `service`, the admin's
    /// project and system role assignments, the region, and one catalog entry (public,
    /// internal and admin endpoints) per service. Idempotent: a second run changes nothing
    /// that exists, except endpoint URLs that moved.
    ///
    /// `resetPassword` sets the existing admin's password to `adminPassword` (when the
    /// operator passed a different one than last time).
    public func bootstrap(
        adminPassword: String, resetPassword: Bool = false, region: String = "RegionOne", services: [CatalogRegistration]
    ) async throws -> BootstrapResult {
        let store = manager.store
        let existingAdmin = try await store.read { q in try await q.user(name: "admin", domainID: "default") }
        let passwordHash = existingAdmin == nil || resetPassword ? try await manager.hasher.hash(adminPassword) : nil
        return try await store.write { q in
            if try await q.domain(id: "default") == nil {
                try await q.insert(
                    DomainRecord(id: "default", name: "Default", enabled: true, description: "The default domain", extra: [:]))
            }
            func project(_ name: String, _ description: String) async throws -> ProjectRecord {
                if let found = try await q.project(name: name, domainID: "default") { return found }
                let created = ProjectRecord(
                    id: IDGenerator.hex(), name: name, domainID: "default", parentID: nil, enabled: true,
                    description: description, extra: [:])
                try await q.insert(created)
                return created
            }
            let adminProject = try await project("admin", "Bootstrap project for initializing the cloud.")
            _ = try await project("service", "Project of the cloud's services.")
            var roles: [String: RoleRecord] = [:]
            let existingRoles = try await q.allRoles()
            for name in ["admin", "member", "reader", "service"] {
                if let found = existingRoles.first(where: { $0.name == name && $0.domainID == nil }) {
                    roles[name] = found
                } else {
                    let created = RoleRecord(id: IDGenerator.hex(), name: name, domainID: nil, description: nil, extra: [:])
                    try await q.insert(created)
                    roles[name] = created
                }
            }
            let implications = try await q.implications()
            for (prior, implied) in [("admin", "member"), ("member", "reader")] {
                let priorID = roles[prior]!.id
                let impliedID = roles[implied]!.id
                if !implications.contains(where: { $0.prior == priorID && $0.implied == impliedID }) {
                    try await q.insertImplication(prior: priorID, implied: impliedID)
                }
            }
            var admin = existingAdmin
            if var existing = existingAdmin, let passwordHash {
                let now = Timestamp.now()
                existing.passwordHash = passwordHash
                existing.passwordCreatedAt = now
                existing.passwordExpiresAt = nil
                try await q.update(existing)
                try await q.recordPasswordHistory(userID: existing.id, hash: passwordHash, at: now)
                try await self.manager.revoke(in: q, userID: existing.id)
            }
            if admin == nil, let passwordHash {
                let now = Timestamp.now()
                let created = UserRecord(
                    id: IDGenerator.hex(), name: "admin", domainID: "default", enabled: true,
                    defaultProjectID: adminProject.id, extra: [:], passwordHash: passwordHash, passwordCreatedAt: now,
                    passwordExpiresAt: nil, failedAuthCount: 0, failedAuthAt: nil, createdAt: now, lastActiveAt: nil)
                try await q.insert(created)
                try await q.recordPasswordHistory(userID: created.id, hash: passwordHash, at: now)
                admin = created
            }
            let adminID = admin!.id
            let adminRole = roles["admin"]!.id
            try await q.insert(
                AssignmentRecord(type: .userProject, actorID: adminID, targetID: adminProject.id, roleID: adminRole, inherited: false))
            try await q.insert(
                AssignmentRecord(type: .userSystem, actorID: adminID, targetID: "system", roleID: adminRole, inherited: false))
            if try await q.region(id: region) == nil {
                try await q.insert(RegionRecord(id: region, description: "", parentRegionID: nil, extra: [:]))
            }
            for registration in services {
                try await Self.register(registration, region: region, in: q)
            }
            return BootstrapResult(adminUserID: adminID, adminProjectID: adminProject.id, createdAdmin: existingAdmin == nil)
        }
    }

    private static func register(_ registration: CatalogRegistration, region: String, in q: IdentityQueries) async throws {
        let service: ServiceRecord
        if let found = try await q.listServices(type: registration.type).first(where: { $0.name == registration.name }) {
            service = found
        } else {
            service = ServiceRecord(
                id: IDGenerator.hex(), type: registration.type, enabled: true,
                extra: ["name": .string(registration.name), "description": .string("Stratus \(registration.type) service")])
            try await q.insert(service)
        }
        let endpoints = try await q.listEndpoints(serviceID: service.id, interface: nil, regionID: nil)
        for interface in ["public", "internal", "admin"] {
            if var existing = endpoints.first(where: { $0.interface == interface && $0.regionID == region }) {
                if existing.url != registration.url {
                    existing.url = registration.url
                    try await q.update(existing)
                }
            } else {
                try await q.insert(
                    EndpointRecord(
                        id: IDGenerator.hex(), serviceID: service.id, interface: interface, regionID: region,
                        url: registration.url, enabled: true, extra: [:]))
            }
        }
    }
}
