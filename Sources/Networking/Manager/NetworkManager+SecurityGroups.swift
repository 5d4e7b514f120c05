import StratusKit

/// Security groups: every project gets a `default` group the first time it uses groups or
/// ports, with Neutron's default rules (all egress, ingress from members of the group);
/// groups and rules are managed by their project; a duplicate rule is a conflict.
extension NetworkManager {
    static let protocolNumbers: [String: Int64] = [
        "icmp": 1, "igmp": 2, "tcp": 6, "egp": 8, "udp": 17, "ipv6-encap": 41, "rsvp": 46, "gre": 47, "esp": 50, "ah": 51,
        "ipv6-icmp": 58, "icmpv6": 58, "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43, "ipv6-frag": 44, "ospf": 89,
        "pgm": 113, "vrrp": 112, "sctp": 132, "dccp": 33, "udplite": 136, "ipip": 4, "any": -1,
    ]
    static let portProtocols: Set<String> = ["tcp", "udp", "sctp", "dccp", "udplite", "6", "17", "132", "33", "136"]

    /// The project's `default` group, made (with its rules) when it does not exist yet.
    func ensureDefaultSecurityGroup(projectID: String, in q: NetworkQueries) async throws -> SecurityGroupRecord {
        if let existing = try await q.securityGroups(projectID: projectID).first(where: { $0.name == "default" }) {
            return existing
        }
        let now = Timestamp.now()
        var group = SecurityGroupRecord(
            id: IDGenerator.uuid(), projectID: projectID, name: "default", stateful: true,
            standard: StandardAttributes(description: "Default security group", createdAt: now, updatedAt: now, revisionNumber: 1))
        try await q.save(group, exists: false)
        for (direction, ethertype) in [("egress", "IPv4"), ("egress", "IPv6"), ("ingress", "IPv4"), ("ingress", "IPv6")] {
            let rule = SecurityGroupRuleRecord(
                id: IDGenerator.uuid(), securityGroupID: group.id, projectID: projectID, direction: direction,
                ethertype: ethertype, proto: nil, portRangeMin: nil, portRangeMax: nil, remoteIPPrefix: nil,
                remoteGroupID: direction == "ingress" ? group.id : nil,
                standard: StandardAttributes(createdAt: now, updatedAt: now, revisionNumber: 0))
            try await q.insert(rule)
            group.rules.append(rule)
        }
        return group
    }

    private static func groupTarget(_ group: SecurityGroupRecord) -> PolicyAttributes {
        ["project_id": .string(group.projectID), "tenant_id": .string(group.projectID)]
    }

    func visibleSecurityGroup(_ id: String, auth: AuthContext, in q: NetworkQueries) async throws -> SecurityGroupRecord {
        guard let group = try await q.securityGroups(ids: [id]).first,
            policy.allows("get_security_group", auth, target: Self.groupTarget(group))
        else { throw NetworkErrors.notFound("Security group", id).with(type: "SecurityGroupNotFound") }
        return group
    }

    func createSecurityGroup(name: String, description: String?, stateful: Bool?, projectID: String?, auth: AuthContext)
        async throws -> SecurityGroupRecord
    {
        let project = try owningProject(projectID, auth: auth)
        try policy.enforce("create_security_group", auth, target: ["project_id": .string(project)])
        if name == "default" {
            throw APIError(.conflict, "Default security group already exists.", type: "SecurityGroupDefaultAlreadyExists")
        }
        let now = Timestamp.now()
        return try await write { q in
            _ = try await self.ensureDefaultSecurityGroup(projectID: project, in: q)
            try await self.checkQuota("security_group", projectID: project, in: q)
            var group = SecurityGroupRecord(
                id: IDGenerator.uuid(), projectID: project, name: name, stateful: stateful ?? true,
                standard: StandardAttributes(description: description ?? "", createdAt: now, updatedAt: now, revisionNumber: 1))
            try await q.save(group, exists: false)
            // A new group allows all egress, as Neutron's does.
            for ethertype in ["IPv4", "IPv6"] {
                let rule = SecurityGroupRuleRecord(
                    id: IDGenerator.uuid(), securityGroupID: group.id, projectID: project, direction: "egress",
                    ethertype: ethertype, proto: nil, portRangeMin: nil, portRangeMax: nil, remoteIPPrefix: nil,
                    remoteGroupID: nil, standard: StandardAttributes(createdAt: now, updatedAt: now, revisionNumber: 0))
                try await q.insert(rule)
                group.rules.append(rule)
            }
            return group
        }
    }

    /// The caller's groups (all for admins); the project's default group is made first
    /// when it does not exist yet (a write only then: lists are read-only otherwise). As in
    /// Neutron, an admin's list filtered by one `project_id` makes that project's default group.
    func listSecurityGroups(auth: AuthContext, filteredProjectID: String? = nil) async throws -> [SecurityGroupRecord] {
        let scope = policy.isAdmin(auth) ? nil : auth.projectID ?? ""
        let list: @Sendable (NetworkQueries) async throws -> [SecurityGroupRecord] = { q in
            try await q.securityGroups(projectID: scope)
                .filter { self.policy.allows("get_security_group", auth, target: Self.groupTarget($0)) }
        }
        let filtered = policy.isAdmin(auth) ? filteredProjectID : nil
        guard let project = filtered ?? auth.projectID else { return try await read(list) }
        let hasDefault = try await read { q in try await q.hasSecurityGroup(projectID: project, name: "default") }
        if hasDefault { return try await read(list) }
        return try await write { q in
            _ = try await self.ensureDefaultSecurityGroup(projectID: project, in: q)
            return try await list(q)
        }
    }

    func getSecurityGroup(_ id: String, auth: AuthContext) async throws -> SecurityGroupRecord {
        try await read { q in try await self.visibleSecurityGroup(id, auth: auth, in: q) }
    }

    func updateSecurityGroup(_ id: String, name: String?, description: String?, expectedRevision: Int64? = nil, auth: AuthContext) async throws
        -> SecurityGroupRecord
    {
        try await write { q in
            var group = try await self.visibleSecurityGroup(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: group.standard.revisionNumber)
            try self.policy.enforce("update_security_group", auth, target: Self.groupTarget(group))
            if let name {
                if group.name == "default", name != "default" {
                    throw APIError(.conflict, "Insufficient rights for removing default security group.", type: "SecurityGroupCannotUpdateDefault")
                }
                group.name = name
            }
            if let description { group.standard.description = description }
            group.standard.updatedAt = Timestamp.now()
            group.standard.revisionNumber += 1
            try await q.save(group, exists: true)
            return group
        }
    }

    func deleteSecurityGroup(_ id: String, expectedRevision: Int64? = nil, auth: AuthContext) async throws {
        try await write { q in
            let group = try await self.visibleSecurityGroup(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: group.standard.revisionNumber)
            try self.policy.enforce("delete_security_group", auth, target: Self.groupTarget(group))
            if group.name == "default", !self.policy.isAdmin(auth) {
                throw APIError(.conflict, "Insufficient rights for removing default security group.", type: "SecurityGroupCannotRemoveDefault")
            }
            if try await q.portsUsing(securityGroupID: id) > 0 {
                throw APIError(.conflict, "Security Group \(id) in use.", type: "SecurityGroupInUse")
            }
            try await q.deleteSecurityGroup(id)
        }
    }

    struct RuleRequest: Sendable {
        var securityGroupID: String?
        var direction: String?
        var ethertype: String?
        var proto: String?
        var portRangeMin: Int64?
        var portRangeMax: Int64?
        var remoteIPPrefix: String?
        var remoteGroupID: String?
        var remoteAddressGroupID: String?
        var description: String?
        var projectID: String?
    }

    func createSecurityGroupRule(_ request: RuleRequest, auth: AuthContext) async throws -> SecurityGroupRuleRecord {
        guard let groupID = request.securityGroupID else { throw NetworkErrors.badRequest("security group rule", "security_group_id is required") }
        guard let direction = request.direction, ["ingress", "egress"].contains(direction) else {
            throw NetworkErrors.invalidInput("'\(request.direction ?? "None")' is not in ['ingress', 'egress']")
        }
        let ethertype = request.ethertype ?? "IPv4"
        guard ["IPv4", "IPv6"].contains(ethertype) else {
            throw NetworkErrors.invalidInput("'\(ethertype)' is not in ['IPv4', 'IPv6']")
        }
        var proto = request.proto?.lowercased()
        if proto == "any" || proto == "" { proto = nil }
        if let name = proto, Self.protocolNumbers[name] == nil {
            guard let number = Int64(name), (0...255).contains(number) else {
                throw APIError(
                    .badRequest, "Security group rule protocol \(name) not supported. Only protocol values \(Self.protocolNumbers.keys.sorted()) and integer representations [0 to 255] are supported.",
                    type: "SecurityGroupRuleInvalidProtocol")
            }
        }
        if request.portRangeMin != nil || request.portRangeMax != nil {
            guard let name = proto else {
                throw NetworkErrors.invalidInput("Must also specify protocol if port range is given.")
            }
            if Self.portProtocols.contains(name) {
                let low = request.portRangeMin ?? request.portRangeMax ?? 0
                let high = request.portRangeMax ?? low
                guard (1...65535).contains(low), (1...65535).contains(high), low <= high else {
                    throw APIError(
                        .badRequest, "For TCP/UDP protocols, port_range_min must be <= port_range_max",
                        type: "SecurityGroupInvalidPortRange")
                }
            } else if ["icmp", "icmpv6", "ipv6-icmp", "1", "58"].contains(name) {
                for value in [request.portRangeMin, request.portRangeMax].compactMap({ $0 }) where !(0...255).contains(value) {
                    throw APIError(.badRequest, "Invalid value for ICMP field (type or code): \(value)", type: "SecurityGroupInvalidIcmpValue")
                }
            } else {
                throw NetworkErrors.invalidInput("Port ranges are not supported for protocol \(name).")
            }
        }
        if [request.remoteIPPrefix, request.remoteGroupID, request.remoteAddressGroupID].compactMap({ $0 }).count > 1 {
            throw APIError(
                .badRequest, "Invalid input for operation: Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.",
                type: "SecurityGroupMultipleRemoteEntites")
        }
        var prefix: String?
        if let text = request.remoteIPPrefix {
            guard let cidr = CIDR(text) ?? IPAddress(text).map({ CIDR(network: $0, prefixLength: $0.bitWidth) }) else {
                throw NetworkErrors.invalidInput("'\(text)' is not a valid IP prefix")
            }
            guard (cidr.version == .v4) == (ethertype == "IPv4") else {
                throw APIError(
                    .badRequest, "Conflicting value ethertype \(ethertype) for CIDR \(text)",
                    type: "SecurityGroupConflictingEtherType")
            }
            prefix = cidr.description
        }
        let now = Timestamp.now()
        let (ruleProtocol, rulePrefix) = (proto, prefix)
        return try await write { q in
            let group = try await self.visibleSecurityGroup(groupID, auth: auth, in: q)
            try self.policy.enforce("create_security_group_rule", auth, target: Self.groupTarget(group))
            if let remote = request.remoteGroupID { _ = try await self.visibleSecurityGroup(remote, auth: auth, in: q) }
            if let remote = request.remoteAddressGroupID { _ = try await self.visibleAddressGroup(remote, auth: auth, in: q) }
            let rule = SecurityGroupRuleRecord(
                id: IDGenerator.uuid(), securityGroupID: group.id, projectID: group.projectID, direction: direction,
                ethertype: ethertype, proto: ruleProtocol,
                portRangeMin: request.portRangeMin ?? (request.portRangeMax != nil && Self.portProtocols.contains(ruleProtocol ?? "") ? request.portRangeMax : nil),
                portRangeMax: request.portRangeMax ?? (Self.portProtocols.contains(ruleProtocol ?? "") ? request.portRangeMin : nil),
                remoteIPPrefix: rulePrefix, remoteGroupID: request.remoteGroupID,
                standard: StandardAttributes(description: request.description ?? "", createdAt: now, updatedAt: now, revisionNumber: 0),
                remoteAddressGroupID: request.remoteAddressGroupID)
            if let existing = group.rules.first(where: { $0.sameTraffic(as: rule) }) {
                throw APIError(.conflict, "Security group rule already exists. Rule id is \(existing.id).", type: "SecurityGroupRuleExists")
            }
            try await self.checkQuota("security_group_rule", projectID: group.projectID, in: q)
            try await q.insert(rule)
            return rule
        }
    }

    func listSecurityGroupRules(auth: AuthContext) async throws -> [SecurityGroupRuleRecord] {
        try await listSecurityGroups(auth: auth).flatMap(\.rules)
    }

    func visibleRule(_ id: String, auth: AuthContext, in q: NetworkQueries) async throws -> SecurityGroupRuleRecord {
        guard let rule = try await q.securityGroupRules(ids: [id]).first,
            policy.allows("get_security_group_rule", auth, target: ["project_id": .string(rule.projectID)])
        else { throw NetworkErrors.notFound("Security group rule", id).with(type: "SecurityGroupRuleNotFound") }
        return rule
    }

    func getSecurityGroupRule(_ id: String, auth: AuthContext) async throws -> SecurityGroupRuleRecord {
        try await read { q in try await self.visibleRule(id, auth: auth, in: q) }
    }

    func deleteSecurityGroupRule(_ id: String, expectedRevision: Int64? = nil, auth: AuthContext) async throws {
        try await write { q in
            let rule = try await self.visibleRule(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: rule.standard.revisionNumber)
            try self.policy.enforce("delete_security_group_rule", auth, target: ["project_id": .string(rule.projectID)])
            try await q.delete("security_group_rules", id: id)
        }
    }
}

extension APIError {
    /// The same error under another Neutron type name.
    func with(type: String) -> APIError {
        var copy = self
        copy.type = type
        return copy
    }
}
