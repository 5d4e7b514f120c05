import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/limits`: the project's absolute limits and usage (`tenant_id` names another project
    /// for admins); no rate limits. Network limits leave at 2.36, personality at 2.57.
    func registerLimits(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/limits") { request, context in
            let version = Self.version(context)
            let usage = try await manager.limits(try context.requireAuth(), projectID: request.query("tenant_id"))
            func limit(_ resource: String) -> JSONValue { .int(usage[resource]?.limit ?? -1) }
            func used(_ resource: String) -> JSONValue { .int(usage[resource]?.inUse ?? 0) }
            var absolute: [String: JSONValue] = [
                "maxTotalInstances": limit("instances"), "maxTotalCores": limit("cores"), "maxTotalRAMSize": limit("ram"),
                "maxServerMeta": limit("metadata_items"), "maxTotalKeypairs": limit("key_pairs"),
                "maxServerGroups": limit("server_groups"), "maxServerGroupMembers": limit("server_group_members"),
                "totalInstancesUsed": used("instances"), "totalCoresUsed": used("cores"), "totalRAMUsed": used("ram"),
                "totalServerGroupsUsed": used("server_groups"),
            ]
            if !version.isAtLeast(2, 36) {
                absolute["maxSecurityGroups"] = limit("security_groups")
                absolute["maxSecurityGroupRules"] = limit("security_group_rules")
                absolute["maxTotalFloatingIps"] = limit("floating_ips")
                // Security groups and floating IPs belong to the Network service; Nova counts none.
                absolute["totalSecurityGroupsUsed"] = 0
                absolute["totalFloatingIpsUsed"] = 0
            }
            if !version.isAtLeast(2, 57) {
                absolute["maxPersonality"] = limit("injected_files")
                absolute["maxPersonalitySize"] = limit("injected_file_content_bytes")
            }
            return Self.respond(["limits": ["absolute": .object(absolute), "rate": []]])
        }
    }
}
