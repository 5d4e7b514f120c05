import Hummingbird
import StratusKit

extension NetworkAPI {
    /// The extensions this service implements, as `/v2.0/extensions` lists them (clients
    /// check this list before they send extension attributes).
    static let extensions: [(alias: String, name: String, description: String)] = [
        ("standard-attr-description", "standard-attr-description", "Extension to add descriptions to standard attributes"),
        ("standard-attr-timestamp", "Standard Attribute Timestamp", "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes."),
        ("standard-attr-revisions", "Resource revision numbers", "This extension will display the revision number of neutron resources."),
        ("standard-attr-tag", "Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip", "Enables to set tag on resources with standard attribute."),
        ("project-id", "project_id field enabled", "Extension that indicates that project_id field is enabled."),
        ("net-mtu", "Network MTU", "Provides MTU attribute for a network resource."),
        ("net-mtu-writable", "Network MTU (writable)", "Provides a writable MTU attribute for a network resource."),
        ("external-net", "Neutron external network", "Adds external network attribute to network resource."),
        ("provider", "Provider Network", "Expose mapping of virtual networks to physical networks"),
        ("multi-provider", "Multi Provider Network", "Expose mapping of virtual networks to multiple physical networks"),
        ("port-security", "Port Security", "Provides port security"),
        ("security-group", "security-group", "The security groups extension."),
        ("router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway."),
        ("ext-gw-mode", "Neutron L3 Configurable external gateway mode", "Extension of the router abstraction for specifying whether SNAT should occur on the external gateway"),
        ("extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"),
        ("stateful-security-group", "Stateful security group", "Indicates if the security group is stateful or not"),
        ("binding", "Port Binding", "Expose port bindings of a virtual port to external application"),
        ("allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs"),
        ("network_availability_zone", "Network Availability Zone", "Availability zone support for network."),
        ("rbac-policies", "RBAC Policies", "Allows creation and modification of policies that control tenant access to resources."),
        ("network-ip-availability", "Network IP Availability", "Provides IP availability data for each network and subnet."),
        ("revision-if-match", "If-Match constraints based on revision_number", "Extension indicating that If-Match based on revision_number is supported."),
        ("subnet_allocation", "Subnet Allocation", "Enables allocation of subnets from a subnet pool"),
        ("default-subnetpools", "Default Subnetpools", "Provides ability to mark and use a subnetpool as the default."),
        ("agent", "agent", "The agent management extension."),
        ("availability_zone", "Availability Zone", "The availability zone extension."),
        ("quotas", "Quota management support", "Expose functions for quotas management per project"),
        ("quota_details", "Quota details management support", "Expose functions for quotas usage statistics per project"),
        ("pagination", "Pagination support", "Extension that indicates that pagination is enabled."),
        ("sorting", "Sorting support", "Extension that indicates that sorting is enabled."),
        ("dns-integration", "DNS Integration", "Provides integration with DNS."),
        ("address-group", "Address group", "Support address group"),
        ("security-groups-remote-address-group", "Remote address group id field for security group rules", "Add new field of remote address group id in SG rules"),
    ]

    static func extensionBody(_ item: (alias: String, name: String, description: String)) -> JSONValue {
        [
            "alias": .string(item.alias), "name": .string(item.name), "description": .string(item.description),
            "updated": "2024-01-01T00:00:00-00:00", "links": [],
        ]
    }

    func registerDiscovery(on router: Router<StratusRequestContext>) {
        let versions: JSONValue = [
            "versions": [["id": "v2.0", "status": "CURRENT", "links": [["href": .string(publicURL + "/v2.0/"), "rel": "self"]]]]
        ]
        router.get("/") { _, _ in JSONResponse.make(.ok, versions) }
        router.get("/v2.0") { _, context in
            _ = try context.requireAuth()
            let resources: [JSONValue] = [
                ("network", "networks"), ("subnet", "subnets"), ("port", "ports"), ("security_group", "security-groups"),
                ("security_group_rule", "security-group-rules"), ("router", "routers"), ("floatingip", "floatingips"),
            ].map { name, collection in
                [
                    "name": .string(name), "collection": .string(collection),
                    "links": [["href": .string(publicURL + "/v2.0/" + collection), "rel": "self"]],
                ]
            }
            return JSONResponse.make(.ok, ["resources": .array(resources)])
        }
        router.get("/v2.0/extensions") { _, context in
            _ = try context.requireAuth()
            return JSONResponse.make(.ok, ["extensions": .array(Self.extensions.map(Self.extensionBody))])
        }
        router.get("/v2.0/extensions/{alias}") { _, context in
            _ = try context.requireAuth()
            let alias = try context.parameters.require("alias")
            guard let item = Self.extensions.first(where: { $0.alias == alias }) else {
                throw APIError(.notFound, "Extension with alias \(alias) does not exist", type: "HTTPNotFound")
            }
            return JSONResponse.make(.ok, ["extension": Self.extensionBody(item)])
        }
    }
}
