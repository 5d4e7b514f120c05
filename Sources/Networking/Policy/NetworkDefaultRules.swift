/// Neutron's default policy (its secure-RBAC defaults) for networks, subnets and ports.
/// Targets carry `project_id` (the resource's project), `network_owner` (the project of the
/// network a subnet or port is on), `network_shared` and `network_external`.
enum NetworkDefaultRules {
    static let admin = "role:admin"
    static let projectMember = "role:member and project_id:%(project_id)s"
    static let projectReader = "role:reader and project_id:%(project_id)s"
    static let networkOwnerMember = "role:member and project_id:%(network_owner)s"
    static let networkOwnerReader = "role:reader and project_id:%(network_owner)s"
    static let shared = "'True':%(network_shared)s"
    static let external = "'True':%(network_external)s"
    static let adminOrMember = "\(admin) or (\(projectMember))"
    static let adminOrMemberOrNetworkOwner = "\(admin) or (\(projectMember)) or (\(networkOwnerMember))"

    static let rules: [String: String] = [
        "context_is_admin": admin,
        "create_network": adminOrMember,
        "create_network:shared": admin,
        "create_network:router:external": admin,
        "create_network:provider": admin,
        "create_network:segments": admin,
        "get_network": "\(admin) or (\(projectReader)) or \(shared) or \(external)",
        "get_network:provider": admin,
        "update_network": adminOrMember,
        "update_network:shared": admin,
        "update_network:router:external": admin,
        "update_network:provider": admin,
        "delete_network": adminOrMember,
        "create_subnet": adminOrMemberOrNetworkOwner,
        "get_subnet": "\(admin) or (\(projectReader)) or (\(networkOwnerReader)) or \(shared) or \(external)",
        "update_subnet": adminOrMemberOrNetworkOwner,
        "delete_subnet": adminOrMemberOrNetworkOwner,
        "create_port": "\(admin) or (\(projectMember)) or (\(networkOwnerMember)) or (role:member and \(shared))",
        "create_port:fixed_ips:ip_address": "\(admin) or (\(networkOwnerMember))",
        "create_port:mac_address": "\(admin) or (\(networkOwnerMember))",
        "create_port:binding": admin,
        "create_port:device_owner:network": "\(admin) or (\(networkOwnerMember))",
        "get_port": "\(admin) or (\(projectReader)) or (\(networkOwnerReader))",
        "get_port:binding": admin,
        "update_port": adminOrMemberOrNetworkOwner,
        "update_port:fixed_ips:ip_address": "\(admin) or (\(networkOwnerMember))",
        "update_port:mac_address": admin,
        "update_port:binding": admin,
        "delete_port": adminOrMemberOrNetworkOwner,
        "create_router": adminOrMember,
        "create_router:distributed": admin,
        "create_router:external_gateway_info:external_fixed_ips": admin,
        "create_router:external_gateway_info:enable_snat": admin,
        "get_router": "\(admin) or (\(projectReader))",
        "update_router": adminOrMember,
        "delete_router": adminOrMember,
        "add_router_interface": adminOrMember,
        "remove_router_interface": adminOrMember,
        "create_floatingip": adminOrMember,
        "create_floatingip:floating_ip_address": admin,
        "get_floatingip": "\(admin) or (\(projectReader))",
        "update_floatingip": adminOrMember,
        "delete_floatingip": adminOrMember,
        "create_rbac_policy": adminOrMember,
        "create_rbac_policy:target_tenant": admin,
        "get_rbac_policy": "\(admin) or (\(projectReader))",
        "update_rbac_policy": adminOrMember,
        "delete_rbac_policy": adminOrMember,
        "get_network_ip_availability": admin,
        "create_subnetpool": adminOrMember,
        "create_subnetpool:shared": admin,
        "delete_subnetpool": adminOrMember,
        "get_agent": admin,
        "update_agent": admin,
        "delete_agent": admin,
        "get_quota": "\(admin) or (\(projectReader))",
        "update_quota": admin,
        "delete_quota": admin,
        "create_security_group": adminOrMember,
        "get_security_group": "\(admin) or (\(projectReader))",
        "update_security_group": adminOrMember,
        "delete_security_group": adminOrMember,
        "create_security_group_rule": adminOrMember,
        "get_security_group_rule": "\(admin) or (\(projectReader))",
        "delete_security_group_rule": adminOrMember,
        "create_address_group": adminOrMember,
        "get_address_group": "\(admin) or (\(projectReader))",
        "update_address_group": adminOrMember,
        "delete_address_group": adminOrMember,
        "add_addresses": adminOrMember,
        "remove_addresses": adminOrMember,
    ]
}
