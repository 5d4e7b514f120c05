import StratusKit

/// Subnet pools: prefixes a project (or, when shared or default, every project) cuts
/// subnets from by prefix length.
extension NetworkManager {
    func visibleSubnetPool(_ id: String, auth: AuthContext, in q: NetworkQueries) async throws -> SubnetPoolRecord {
        guard let pool = try await q.subnetPools(ids: [id]).first,
            pool.shared || pool.isDefault || pool.projectID == auth.projectID || policy.isAdmin(auth)
        else { throw APIError(.notFound, "Subnet pool \(id) could not be found.", type: "SubnetPoolNotFound") }
        return pool
    }

    /// The pool a subnet request names, or the default pool of its IP version.
    func subnetPool(for request: SubnetRequest, version: Int, auth: AuthContext, in q: NetworkQueries) async throws
        -> SubnetPoolRecord
    {
        if let id = request.subnetPoolID {
            let pool = try await visibleSubnetPool(id, auth: auth, in: q)
            guard pool.ipVersion == version else {
                throw NetworkErrors.badRequest("subnet", "Cannot allocate IPv\(version) subnet from IPv\(pool.ipVersion) subnet pool")
            }
            return pool
        }
        guard let pool = try await q.subnetPools().first(where: { $0.isDefault && $0.ipVersion == version }) else {
            throw NetworkErrors.badRequest("subnet", "No default subnet pool found for IPv\(version)")
        }
        return pool
    }

    struct SubnetPoolRequest: Sendable {
        var projectID: String?
        var name: String?
        var description: String?
        var prefixes: [String]?
        var defaultPrefixLength: Int?
        var minPrefixLength: Int?
        var maxPrefixLength: Int?
        var isDefault: Bool?
        var shared: Bool?
        var tags: [String]?
    }

    func createSubnetPool(_ request: SubnetPoolRequest, auth: AuthContext) async throws -> SubnetPoolRecord {
        let project = try owningProject(request.projectID, auth: auth)
        let target = Self.routerTarget(project)
        try policy.enforce("create_subnetpool", auth, target: target)
        if request.shared == true || request.isDefault == true { try policy.enforce("create_subnetpool:shared", auth, target: target) }
        let prefixes = try Self.poolPrefixes(request.prefixes ?? [])
        guard let first = prefixes.first else { throw NetworkErrors.badRequest("subnetpool", "prefixes are required") }
        let minimum = request.minPrefixLength ?? prefixes.map(\.prefixLength).min() ?? 8
        let maximum = request.maxPrefixLength ?? first.network.bitWidth
        let defaultLength = request.defaultPrefixLength ?? minimum
        try Self.checkPrefixBounds(minimum: minimum, default: defaultLength, maximum: maximum, width: first.network.bitWidth)
        let now = Timestamp.now()
        return try await write { q in
            if request.isDefault == true,
                try await q.subnetPools().contains(where: { $0.isDefault && $0.ipVersion == first.version.rawValue })
            {
                throw APIError(.badRequest, "A default subnetpool for this IP family has already been set.", type: "BadRequest")
            }
            let pool = SubnetPoolRecord(
                id: IDGenerator.uuid(), projectID: project, name: request.name ?? "", ipVersion: first.version.rawValue,
                prefixes: prefixes.map(\.description), defaultPrefixLength: defaultLength, minPrefixLength: minimum,
                maxPrefixLength: maximum, isDefault: request.isDefault ?? false, shared: request.shared ?? false,
                standard: StandardAttributes(
                    description: request.description ?? "", createdAt: now, updatedAt: now, revisionNumber: 0,
                    tags: request.tags ?? []))
            try await q.save(pool, exists: false)
            return pool
        }
    }

    /// Prefixes as given, each a valid network of one IP version.
    private static func poolPrefixes(_ texts: [String]) throws -> [CIDR] {
        let prefixes = try texts.map { text -> CIDR in
            guard let cidr = CIDR(text, strict: true) else { throw NetworkErrors.invalidInput("'\(text)' is not a valid IP subnet") }
            return cidr
        }
        guard prefixes.allSatisfy({ $0.version == prefixes.first?.version }) else {
            throw NetworkErrors.invalidInput("Prefixes of a subnet pool must all be of one IP version")
        }
        return prefixes
    }

    private static func checkPrefixBounds(minimum: Int, default defaultLength: Int, maximum: Int, width: Int) throws {
        guard 0 <= minimum, minimum <= defaultLength, defaultLength <= maximum, maximum <= width else {
            throw APIError(
                .badRequest,
                "Illegal prefix bounds: min_prefixlen=\(minimum), default_prefixlen=\(defaultLength), max_prefixlen=\(maximum).",
                type: "IllegalSubnetPoolPrefixBounds")
        }
    }

    /// Name, description, tags, prefix bounds, `is_default` (admins), and prefixes, which
    /// may only grow: every existing prefix must lie inside the new ones.
    func updateSubnetPool(_ id: String, _ request: SubnetPoolRequest, expectedRevision: Int64? = nil, auth: AuthContext)
        async throws -> SubnetPoolRecord
    {
        let newPrefixes = try request.prefixes.map(Self.poolPrefixes)
        return try await write { q in
            var pool = try await self.visibleSubnetPool(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: pool.standard.revisionNumber)
            let target = Self.routerTarget(pool.projectID)
            try self.policy.enforce("update_subnetpool", auth, target: target)
            if let name = request.name { pool.name = name }
            if let description = request.description { pool.standard.description = description }
            if let tags = request.tags { pool.standard.tags = tags }
            if let newPrefixes {
                guard newPrefixes.allSatisfy({ $0.version.rawValue == pool.ipVersion }) else {
                    throw NetworkErrors.invalidInput("Prefixes of a subnet pool must all be of one IP version")
                }
                let kept = pool.prefixes.compactMap { CIDR($0) }.allSatisfy { old in
                    newPrefixes.contains { $0.prefixLength <= old.prefixLength && $0.contains(old.network) }
                }
                guard kept else {
                    throw APIError(
                        .badRequest, "Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes.",
                        type: "IllegalSubnetPoolPrefixUpdate")
                }
                pool.prefixes = newPrefixes.map(\.description)
            }
            pool.minPrefixLength = request.minPrefixLength ?? pool.minPrefixLength
            pool.maxPrefixLength = request.maxPrefixLength ?? pool.maxPrefixLength
            pool.defaultPrefixLength = request.defaultPrefixLength ?? pool.defaultPrefixLength
            try Self.checkPrefixBounds(
                minimum: pool.minPrefixLength, default: pool.defaultPrefixLength, maximum: pool.maxPrefixLength,
                width: pool.ipVersion == 6 ? 128 : 32)
            if let isDefault = request.isDefault, isDefault != pool.isDefault {
                try self.policy.enforce("update_subnetpool:is_default", auth, target: target)
                if isDefault, try await q.subnetPools().contains(where: { $0.isDefault && $0.ipVersion == pool.ipVersion }) {
                    throw APIError(.badRequest, "A default subnetpool for this IP family has already been set.", type: "BadRequest")
                }
                pool.isDefault = isDefault
            }
            pool.standard.updatedAt = Timestamp.now()
            pool.standard.revisionNumber += 1
            try await q.save(pool, exists: true)
            return pool
        }
    }

    func listSubnetPools(auth: AuthContext) async throws -> [SubnetPoolRecord] {
        try await read { q in
            try await q.subnetPools().filter { $0.shared || $0.isDefault || $0.projectID == auth.projectID || self.policy.isAdmin(auth) }
        }
    }

    func getSubnetPool(_ id: String, auth: AuthContext) async throws -> SubnetPoolRecord {
        try await read { q in try await self.visibleSubnetPool(id, auth: auth, in: q) }
    }

    func deleteSubnetPool(_ id: String, expectedRevision: Int64? = nil, auth: AuthContext) async throws {
        try await write { q in
            let pool = try await self.visibleSubnetPool(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: pool.standard.revisionNumber)
            try self.policy.enforce("delete_subnetpool", auth, target: Self.routerTarget(pool.projectID))
            if try await !q.allocatedPrefixes(subnetPoolID: id).isEmpty {
                throw APIError(.conflict, "Subnet pool \(id) cannot be deleted: subnets use it.", type: "SubnetPoolInUse")
            }
            try await q.delete("subnet_pools", id: id)
        }
    }
}
