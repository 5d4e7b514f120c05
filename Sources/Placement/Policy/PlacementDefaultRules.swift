/// Placement's default policy: most of the API is for admins and for services (the
/// `service` role Nova and Neutron use); a project reader may see its own usages.
enum PlacementDefaultRules {
    static let adminOrService = "rule:admin_or_service_api"

    static let rules: [String: String] = {
        var rules: [String: String] = [
            "context_is_admin": "role:admin",
            "admin_api": "role:admin",
            "service_api": "role:service",
            "admin_or_service_api": "role:admin or role:service",
            "project_reader_api": "role:reader and project_id:%(project_id)s",
            "admin_or_project_reader_or_service_api": "role:admin or rule:project_reader_api or role:service",
            "placement:reshaper:reshape": "rule:service_api",
            "placement:usages": "rule:admin_or_project_reader_or_service_api",
        ]
        let adminOrServiceRules = [
            "placement:resource_providers:list", "placement:resource_providers:create",
            "placement:resource_providers:show", "placement:resource_providers:update",
            "placement:resource_providers:delete",
            "placement:resource_providers:inventories:list", "placement:resource_providers:inventories:create",
            "placement:resource_providers:inventories:show", "placement:resource_providers:inventories:update",
            "placement:resource_providers:inventories:delete",
            "placement:resource_providers:aggregates:list", "placement:resource_providers:aggregates:update",
            "placement:resource_providers:traits:list", "placement:resource_providers:traits:update",
            "placement:resource_providers:traits:delete",
            "placement:resource_providers:allocations:list", "placement:resource_providers:usages",
            "placement:resource_classes:list", "placement:resource_classes:create", "placement:resource_classes:show",
            "placement:resource_classes:update", "placement:resource_classes:delete",
            "placement:traits:list", "placement:traits:show", "placement:traits:update", "placement:traits:delete",
            "placement:allocations:list", "placement:allocations:manage", "placement:allocations:update",
            "placement:allocations:delete", "placement:allocation_candidates:list",
        ]
        for rule in adminOrServiceRules { rules[rule] = adminOrService }
        return rules
    }()
}
