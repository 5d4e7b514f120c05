import Hummingbird
import StratusKit

extension NetworkAPI {
    static let securityGroupAttributes: Set<String> = standardAttributes.union(["stateful"])
    static let ruleAttributes: Set<String> = [
        "security_group_id", "direction", "ethertype", "protocol", "port_range_min", "port_range_max",
        "remote_ip_prefix", "remote_group_id", "remote_address_group_id", "description", "project_id", "tenant_id",
    ]

    func registerSecurityGroups(on router: Router<StratusRequestContext>) {
        router.post("/v2.0/security-groups") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "security_group", allowed: Self.securityGroupAttributes)
            let group = try await manager.createSecurityGroup(
                name: try fields.string("name") ?? "", description: try fields.string("description"),
                stateful: try fields.bool("stateful"), projectID: try Self.projectID(fields), auth: auth)
            return respond(.created, "security_group", NetworkWire.securityGroup(group))
        }
        router.get("/v2.0/security-groups") { request, context in
            let auth = try context.requireAuth()
            let projectFilter = request.uri.queryParameters.getAll("project_id") + request.uri.queryParameters.getAll("tenant_id")
            let groups = try await manager.listSecurityGroups(
                auth: auth, filteredProjectID: projectFilter.count == 1 ? String(projectFilter[0]) : nil)
            return try NeutronList(request: request).respond(
                "security_groups", groups.map(NetworkWire.securityGroup), path: "/v2.0/security-groups", baseURL: publicURL)
        }
        router.get("/v2.0/security-groups/{security_group_id}") { _, context in
            let auth = try context.requireAuth()
            let group = try await manager.getSecurityGroup(try context.parameters.require("security_group_id"), auth: auth)
            return respond("security_group", NetworkWire.securityGroup(group))
        }
        router.put("/v2.0/security-groups/{security_group_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "security_group", allowed: Self.securityGroupAttributes)
            let group = try await manager.updateSecurityGroup(
                try context.parameters.require("security_group_id"), name: try fields.string("name"),
                description: try fields.string("description"), expectedRevision: try request.expectedRevision(), auth: auth)
            return respond("security_group", NetworkWire.securityGroup(group))
        }
        router.delete("/v2.0/security-groups/{security_group_id}") { request, context in
            let auth = try context.requireAuth()
            try await manager.deleteSecurityGroup(try context.parameters.require("security_group_id"), expectedRevision: try request.expectedRevision(), auth: auth)
            return JSONResponse.empty()
        }
        router.post("/v2.0/security-group-rules") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "security_group_rule", allowed: Self.ruleAttributes)
            let protocolValue: String? =
                switch fields.object["protocol"] {
                case .string(let text)?: text
                case .int(let number)?: String(number)
                default: nil
                }
            let rule = try await manager.createSecurityGroupRule(
                NetworkManager.RuleRequest(
                    securityGroupID: try fields.string("security_group_id"), direction: try fields.string("direction"),
                    ethertype: try fields.string("ethertype"), proto: protocolValue,
                    portRangeMin: try Self.int(fields, "port_range_min"), portRangeMax: try Self.int(fields, "port_range_max"),
                    remoteIPPrefix: try fields.string("remote_ip_prefix"), remoteGroupID: try fields.string("remote_group_id"),
                    remoteAddressGroupID: try fields.string("remote_address_group_id"),
                    description: try fields.string("description"), projectID: try Self.projectID(fields)),
                auth: auth)
            return respond(.created, "security_group_rule", NetworkWire.securityGroupRule(rule))
        }
        router.get("/v2.0/security-group-rules") { request, context in
            let auth = try context.requireAuth()
            let rules = try await manager.listSecurityGroupRules(auth: auth)
            return try NeutronList(request: request).respond(
                "security_group_rules", rules.map(NetworkWire.securityGroupRule), path: "/v2.0/security-group-rules",
                baseURL: publicURL)
        }
        router.get("/v2.0/security-group-rules/{rule_id}") { _, context in
            let auth = try context.requireAuth()
            let rule = try await manager.getSecurityGroupRule(try context.parameters.require("rule_id"), auth: auth)
            return respond("security_group_rule", NetworkWire.securityGroupRule(rule))
        }
        router.delete("/v2.0/security-group-rules/{rule_id}") { request, context in
            let auth = try context.requireAuth()
            try await manager.deleteSecurityGroupRule(try context.parameters.require("rule_id"), expectedRevision: try request.expectedRevision(), auth: auth)
            return JSONResponse.empty()
        }
    }
}
