import Logging
import StratusKit

/// The Network service's domain logic (Neutron's plugin): networks with their segments,
/// subnets with IPAM, ports with their addresses. Routes parse and render; this decides.
final class NetworkManager: Sendable {
    let database: StratusDatabase
    let policy: NetworkPolicy
    let settings: NetworkSettings
    let typeDrivers: TypeDrivers
    let logger: Logger
    let computeNotifier: ComputeNotifier

    init(database: StratusDatabase, policy: NetworkPolicy, settings: NetworkSettings, logger: Logger) {
        self.database = database
        self.policy = policy
        self.settings = settings
        self.typeDrivers = TypeDrivers(settings: settings)
        self.logger = logger
        self.computeNotifier = ComputeNotifier(logger: logger)
    }

    func read<T: Sendable>(_ body: @Sendable (NetworkQueries) async throws -> T) async throws -> T {
        try await database.read { try await body(NetworkQueries(sql: $0)) }
    }

    func write<T: Sendable>(_ body: @Sendable (NetworkQueries) async throws -> T) async throws -> T {
        try await database.write { try await body(NetworkQueries(sql: $0)) }
    }

    /// A write that picks free values (addresses, MACs) and may race another transaction
    /// for them on PostgreSQL: tried again, as Neutron retries on a duplicate entry.
    func writeRetryingDuplicates<T: Sendable>(_ body: @Sendable (NetworkQueries) async throws -> T) async throws -> T {
        try await database.write(retryingDuplicates: 4) { try await body(NetworkQueries(sql: $0)) }
    }

    /// A network the caller may see (its own, shared, external; any for admins), else 404.
    func visibleNetwork(_ id: String, auth: AuthContext, in q: NetworkQueries) async throws -> NetworkRecord {
        guard let network = try await q.network(id: id)?.seen(by: auth.projectID),
            policy.allows("get_network", auth, target: NetworkPolicy.target(projectID: network.projectID, network: network))
        else { throw NetworkErrors.notFound("Network", id) }
        return network
    }

    /// The project a new resource belongs to: the caller's, or another one an admin names.
    func owningProject(_ requested: String?, auth: AuthContext) throws -> String {
        guard let caller = auth.projectID else { throw NetworkErrors.policy("project scope") }
        guard let requested, requested != caller else { return caller }
        guard policy.isAdmin(auth) else {
            throw APIError(
                .badRequest, "Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges",
                type: "HTTPBadRequest")
        }
        return requested
    }

    // MARK: Networks

    struct NetworkRequest: Sendable {
        var projectID: String?
        var name: String?
        var description: String?
        var adminStateUp: Bool?
        var shared: Bool?
        var external: Bool?
        var mtu: Int64?
        var portSecurityEnabled: Bool?
        var availabilityZoneHints: [String]?
        var tags: [String]?
        var dnsDomain: String?
        /// The provider extension's single segment, when any provider attribute was given.
        var providerSegment: SegmentRecord?
        /// The multi-provider extension's segments.
        var segments: [SegmentRecord]?
    }

    func createNetwork(_ request: NetworkRequest, auth: AuthContext) async throws -> NetworkRecord {
        if let domain = request.dnsDomain { try DNSNames.validate(domain, attribute: "dns_domain") }
        let project = try owningProject(request.projectID, auth: auth)
        let target = NetworkPolicy.target(projectID: project, network: nil)
        try policy.enforce("create_network", auth, target: target)
        if request.shared == true { try policy.enforce("create_network:shared", auth, target: target) }
        if request.external == true { try policy.enforce("create_network:router:external", auth, target: target) }
        if request.providerSegment != nil { try policy.enforce("create_network:provider", auth, target: target) }
        if request.segments != nil {
            try policy.enforce("create_network:segments", auth, target: target)
            if request.providerSegment != nil {
                throw NetworkErrors.invalidInput("Segments and provider values cannot both be set.")
            }
        }
        let now = Timestamp.now()
        return try await write { q in
            try await self.checkQuota("network", projectID: project, in: q)
            var segments: [SegmentRecord] = []
            if let requested = request.segments, !requested.isEmpty {
                for segment in requested {
                    let validated = try await self.typeDrivers.validateProviderSegment(segment, in: q)
                    if segments.contains(validated) {
                        throw NetworkErrors.invalidInput("Duplicate segment entry in request.")
                    }
                    segments.append(validated)
                }
            } else if let provider = request.providerSegment {
                segments = [try await self.typeDrivers.validateProviderSegment(provider, in: q)]
            } else {
                segments = [try await self.typeDrivers.allocateTenantSegment(in: q)]
            }
            // The smallest MTU of the segments carries over all of them.
            let maximum = segments.map { self.settings.mtu(for: $0.networkType) }.min() ?? self.settings.physicalMTU
            if let mtu = request.mtu, mtu > maximum || mtu < 68 {
                throw NetworkErrors.invalidInput("Requested MTU is too big, maximum is \(maximum)")
            }
            let network = NetworkRecord(
                id: IDGenerator.uuid(), projectID: project, name: request.name ?? "",
                adminStateUp: request.adminStateUp ?? true, shared: request.shared ?? false,
                external: request.external ?? false, mtu: request.mtu ?? maximum,
                portSecurityEnabled: request.portSecurityEnabled ?? true, status: "ACTIVE",
                availabilityZoneHints: request.availabilityZoneHints ?? [],
                standard: StandardAttributes(
                    description: request.description ?? "", createdAt: now, updatedAt: now, revisionNumber: 1,
                    tags: request.tags ?? []),
                dnsDomain: request.dnsDomain ?? "", segments: segments)
            try await q.save(network, exists: false)
            return network
        }
    }

    func listNetworks(auth: AuthContext) async throws -> [NetworkRecord] {
        let visibleTo = policy.isAdmin(auth) ? nil : auth.projectID ?? ""
        return try await read { q in try await q.networks(visibleTo: visibleTo).map { $0.seen(by: auth.projectID) } }
    }

    func getNetwork(_ id: String, auth: AuthContext) async throws -> NetworkRecord {
        try await read { q in try await self.visibleNetwork(id, auth: auth, in: q) }
    }

    func updateNetwork(_ id: String, _ request: NetworkRequest, expectedRevision: Int64? = nil, auth: AuthContext)
        async throws -> NetworkRecord
    {
        try await write { q in
            var network = try await self.visibleNetwork(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: network.standard.revisionNumber)
            let target = NetworkPolicy.target(projectID: network.projectID, network: network)
            try self.policy.enforce("update_network", auth, target: target)
            if let shared = request.shared, shared != network.shared {
                try self.policy.enforce("update_network:shared", auth, target: target)
                network.shared = shared
            }
            if let external = request.external, external != network.external {
                try self.policy.enforce("update_network:router:external", auth, target: target)
                network.external = external
            }
            if request.providerSegment != nil { try self.policy.enforce("update_network:provider", auth, target: target) }
            if let name = request.name { network.name = name }
            if let description = request.description { network.standard.description = description }
            if let adminStateUp = request.adminStateUp { network.adminStateUp = adminStateUp }
            if let portSecurity = request.portSecurityEnabled { network.portSecurityEnabled = portSecurity }
            if let mtu = request.mtu {
                let maximum = self.settings.mtu(for: network.segments.first?.networkType ?? "local")
                guard mtu <= maximum, mtu >= 68 else {
                    throw NetworkErrors.invalidInput("Requested MTU is too big, maximum is \(maximum)")
                }
                network.mtu = mtu
            }
            if let tags = request.tags { network.standard.tags = tags }
            if let domain = request.dnsDomain {
                try DNSNames.validate(domain, attribute: "dns_domain")
                network.dnsDomain = domain
            }
            network.standard.updatedAt = Timestamp.now()
            network.standard.revisionNumber += 1
            try await q.save(network, exists: true)
            return network
        }
    }

    /// Deleting a network with ports other than its own service ports is refused (409 InUse).
    func deleteNetwork(_ id: String, expectedRevision: Int64? = nil, auth: AuthContext) async throws {
        try await write { q in
            let network = try await self.visibleNetwork(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: network.standard.revisionNumber)
            try self.policy.enforce("delete_network", auth, target: NetworkPolicy.target(projectID: network.projectID, network: network))
            if try await q.portCount(networkID: id) > 0 {
                throw APIError(
                    .conflict,
                    "Unable to complete operation on network \(id). There are one or more ports still in use on the network.",
                    type: "NetworkInUse")
            }
            for subnet in try await q.subnets(networkIDs: [id]) { try await q.delete("subnets", id: subnet.id) }
            try await q.deleteNetwork(id)
        }
        logger.info("network deleted", metadata: ["network_id": "\(id)"])
    }
}

extension NetworkManager {
    /// 412 unless the resource is at the revision the request's `If-Match` names.
    static func requireRevision(_ expected: Int64?, current: Int64) throws {
        guard let expected, expected != current else { return }
        throw APIError(
            .preconditionFailed, "Constrained to \(expected), but current revision is \(current)",
            type: "RevisionNumberConstraintFailed")
    }
}
