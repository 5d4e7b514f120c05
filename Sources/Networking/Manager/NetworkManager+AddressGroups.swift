import StratusKit

/// Address groups: named sets of CIDRs a security group rule can use as its remote end
/// (`remote_address_group_id`). Addresses change only through `add_addresses` and
/// `remove_addresses`; a group that rules use cannot be deleted.
extension NetworkManager {
    func visibleAddressGroup(_ id: String, auth: AuthContext, in q: NetworkQueries) async throws -> AddressGroupRecord {
        guard let group = try await q.addressGroups(ids: [id]).first,
            policy.allows("get_address_group", auth, target: Self.routerTarget(group.projectID))
        else { throw APIError(.notFound, "Address group \(id) could not be found.", type: "AddressGroupNotFound") }
        return group
    }

    /// An address as Neutron keeps it: a CIDR with the host bits cleared (`10.0.0.0/24`).
    /// A bare address (no prefix length) is refused, as Neutron's `type:subnet_list` does.
    static func normalizedAddressGroupEntry(_ text: String) throws -> String {
        guard text.contains("/"), let cidr = CIDR(text) else {
            throw APIError(
                .badRequest, "Invalid input for addresses. Reason: '\(text)' is not a valid IP subnet.", type: "HTTPBadRequest")
        }
        return cidr.description
    }

    func createAddressGroup(
        name: String?, description: String?, addresses: [String]?, projectID: String?, auth: AuthContext
    ) async throws -> AddressGroupRecord {
        let project = try owningProject(projectID, auth: auth)
        try policy.enforce("create_address_group", auth, target: Self.routerTarget(project))
        let normalized = Set(try (addresses ?? []).map(Self.normalizedAddressGroupEntry)).sorted()
        let now = Timestamp.now()
        let group = AddressGroupRecord(
            id: IDGenerator.uuid(), projectID: project, name: name ?? "", addresses: normalized,
            standard: StandardAttributes(description: description ?? "", createdAt: now, updatedAt: now, revisionNumber: 0))
        try await write { q in try await q.save(group, exists: false) }
        return group
    }

    func listAddressGroups(auth: AuthContext) async throws -> [AddressGroupRecord] {
        try await read { q in
            try await q.addressGroups(projectID: self.policy.isAdmin(auth) ? nil : auth.projectID ?? "")
        }
    }

    func getAddressGroup(_ id: String, auth: AuthContext) async throws -> AddressGroupRecord {
        try await read { q in try await self.visibleAddressGroup(id, auth: auth, in: q) }
    }

    func updateAddressGroup(
        _ id: String, name: String?, description: String?, expectedRevision: Int64? = nil, auth: AuthContext
    ) async throws -> AddressGroupRecord {
        try await changeAddressGroup(id, action: "update_address_group", expectedRevision: expectedRevision, auth: auth) { group in
            if let name { group.name = name }
            if let description { group.standard.description = description }
        }
    }

    /// Adds addresses; any already in the group is 400 `AddressesAlreadyExist`.
    func addAddresses(_ id: String, _ addresses: [String], auth: AuthContext) async throws -> AddressGroupRecord {
        let requested = Set(try addresses.map(Self.normalizedAddressGroupEntry))
        return try await changeAddressGroup(id, action: "add_addresses", auth: auth) { group in
            let present = requested.intersection(group.addresses).sorted()
            guard present.isEmpty else {
                throw APIError(
                    .badRequest, "Addresses \(present) already exist in the address group \(id).", type: "AddressesAlreadyExist")
            }
            group.addresses = (group.addresses + requested).sorted()
        }
    }

    /// Removes addresses; any not in the group is 404 `AddressesNotFound`.
    func removeAddresses(_ id: String, _ addresses: [String], auth: AuthContext) async throws -> AddressGroupRecord {
        let requested = Set(try addresses.map(Self.normalizedAddressGroupEntry))
        return try await changeAddressGroup(id, action: "remove_addresses", auth: auth) { group in
            let missing = requested.subtracting(group.addresses).sorted()
            guard missing.isEmpty else {
                throw APIError(
                    .notFound, "Addresses \(missing) not found in the address group \(id).", type: "AddressesNotFound")
            }
            group.addresses.removeAll(where: requested.contains)
        }
    }

    func deleteAddressGroup(_ id: String, expectedRevision: Int64? = nil, auth: AuthContext) async throws {
        try await write { q in
            let group = try await self.visibleAddressGroup(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: group.standard.revisionNumber)
            try self.policy.enforce("delete_address_group", auth, target: Self.routerTarget(group.projectID))
            if try await q.addressGroupInUse(id) {
                throw APIError(
                    .conflict, "Address group \(id) is in use on one or more security group rules.", type: "AddressGroupInUse")
            }
            try await q.deleteAddressGroup(id)
        }
    }

    private func changeAddressGroup(
        _ id: String, action: String, expectedRevision: Int64? = nil, auth: AuthContext,
        _ change: @Sendable (inout AddressGroupRecord) throws -> Void
    ) async throws -> AddressGroupRecord {
        try await write { q in
            var group = try await self.visibleAddressGroup(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: group.standard.revisionNumber)
            try self.policy.enforce(action, auth, target: Self.routerTarget(group.projectID))
            try change(&group)
            group.standard.updatedAt = Timestamp.now()
            group.standard.revisionNumber += 1
            try await q.save(group, exists: true)
            return group
        }
    }
}
