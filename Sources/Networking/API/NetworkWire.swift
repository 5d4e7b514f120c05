import StratusKit

/// Renders networks, subnets and ports as Neutron shows them. Provider and binding
/// attributes are shown only to callers the policy allows (admins by default).
enum NetworkWire {
    static func time(_ timestamp: Timestamp) -> JSONValue { .string(timestamp.iso8601Seconds) }

    static func standard(_ body: inout [String: JSONValue], _ standard: StandardAttributes, projectID: String) {
        body["description"] = .string(standard.description)
        body["created_at"] = time(standard.createdAt)
        body["updated_at"] = time(standard.updatedAt)
        body["revision_number"] = .int(standard.revisionNumber)
        body["tags"] = .array(standard.tags.map(JSONValue.string))
        body["project_id"] = .string(projectID)
        body["tenant_id"] = .string(projectID)
    }

    static func network(_ network: NetworkRecord, subnets: [String], showProvider: Bool) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(network.id), "name": .string(network.name), "admin_state_up": .bool(network.adminStateUp),
            "status": .string(network.status), "shared": .bool(network.isSharedForViewer),
            "router:external": .bool(network.isExternalForViewer),
            "mtu": .int(network.mtu), "port_security_enabled": .bool(network.portSecurityEnabled),
            "availability_zone_hints": .array(network.availabilityZoneHints.map(JSONValue.string)),
            // Zones a network is actually hosted in come with the DHCP agents (the data plane).
            "availability_zones": [],
            "subnets": .array(subnets.map(JSONValue.string)), "dns_domain": .string(network.dnsDomain),
        ]
        standard(&body, network.standard, projectID: network.projectID)
        if showProvider {
            if network.segments.count == 1, let segment = network.segments.first {
                body["provider:network_type"] = .string(segment.networkType)
                body["provider:physical_network"] = segment.physicalNetwork.isEmpty ? .null : .string(segment.physicalNetwork)
                body["provider:segmentation_id"] = segment.segmentationID.map(JSONValue.int) ?? .null
            } else {
                body["segments"] = .array(network.segments.map { segment in
                    [
                        "provider:network_type": .string(segment.networkType),
                        "provider:physical_network": segment.physicalNetwork.isEmpty ? .null : .string(segment.physicalNetwork),
                        "provider:segmentation_id": segment.segmentationID.map(JSONValue.int) ?? .null,
                    ]
                })
            }
        }
        return .object(body)
    }

    static func subnet(_ subnet: SubnetRecord) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(subnet.id), "name": .string(subnet.name), "network_id": .string(subnet.networkID),
            "ip_version": .int(Int64(subnet.ipVersion)), "cidr": .string(subnet.cidr), "gateway_ip": .optional(subnet.gatewayIP),
            "enable_dhcp": .bool(subnet.enableDHCP), "ipv6_ra_mode": .optional(subnet.ipv6RAMode),
            "ipv6_address_mode": .optional(subnet.ipv6AddressMode),
            "allocation_pools": .array(subnet.allocationPools.map { ["start": .string($0.first.description), "end": .string($0.last.description)] }),
            "dns_nameservers": .array(subnet.dnsNameservers.map(JSONValue.string)), "host_routes": .array(subnet.hostRoutes),
            "subnetpool_id": .optional(subnet.subnetPoolID), "service_types": [],
        ]
        standard(&body, subnet.standard, projectID: subnet.projectID)
        return .object(body)
    }

    static func port(_ port: PortRecord, showBinding: Bool, dnsDomain: String) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(port.id), "name": .string(port.name), "network_id": .string(port.networkID),
            "mac_address": .string(port.macAddress), "admin_state_up": .bool(port.adminStateUp), "status": .string(port.status),
            "device_id": .string(port.deviceID), "device_owner": .string(port.deviceOwner),
            "fixed_ips": .array(port.fixedIPs.map { ["subnet_id": .string($0.subnetID), "ip_address": .string($0.ipAddress)] }),
            "port_security_enabled": .bool(port.portSecurityEnabled), "allowed_address_pairs": .array(port.allowedAddressPairs),
            "binding:vnic_type": .string(port.bindingVNICType),
            "security_groups": .array(port.securityGroups.map(JSONValue.string)),
            "dns_name": .string(port.dnsName),
            "dns_assignment": DNSNames.assignment(dnsName: port.dnsName, fixedIPs: port.fixedIPs, dnsDomain: dnsDomain),
        ]
        if showBinding {
            body["binding:host_id"] = .string(port.bindingHostID)
            body["binding:profile"] = .object(port.bindingProfile)
            body["binding:vif_type"] = .string(port.bindingVIFType)
            body["binding:vif_details"] = .object(port.bindingVIFType == PortBinding.boundVIFType ? PortBinding.boundVIFDetails : [:])
        }
        standard(&body, port.standard, projectID: port.projectID)
        return .object(body)
    }

    static func securityGroupRule(_ rule: SecurityGroupRuleRecord) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(rule.id), "security_group_id": .string(rule.securityGroupID),
            "direction": .string(rule.direction), "ethertype": .string(rule.ethertype), "protocol": .optional(rule.proto),
            "port_range_min": rule.portRangeMin.map(JSONValue.int) ?? .null,
            "port_range_max": rule.portRangeMax.map(JSONValue.int) ?? .null,
            "remote_ip_prefix": .optional(rule.remoteIPPrefix), "remote_group_id": .optional(rule.remoteGroupID),
            "remote_address_group_id": .optional(rule.remoteAddressGroupID), "normalized_cidr": .optional(rule.remoteIPPrefix),
        ]
        standard(&body, rule.standard, projectID: rule.projectID)
        body.removeValue(forKey: "tags")
        return .object(body)
    }

    static func securityGroup(_ group: SecurityGroupRecord) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(group.id), "name": .string(group.name), "stateful": .bool(group.stateful), "shared": false,
            "security_group_rules": .array(group.rules.map(securityGroupRule)),
        ]
        standard(&body, group.standard, projectID: group.projectID)
        return .object(body)
    }

    static func router(_ router: RouterRecord, gateway: PortRecord?, showAdminFields: Bool) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(router.id), "name": .string(router.name), "status": .string(router.status),
            "admin_state_up": .bool(router.adminStateUp), "routes": .array(router.routes),
            "availability_zone_hints": [], "availability_zones": [], "flavor_id": .null,
            "external_gateway_info": gateway.map { port in
                [
                    "network_id": .string(port.networkID), "enable_snat": .bool(router.enableSNAT),
                    "external_fixed_ips": .array(port.fixedIPs.map { ["subnet_id": .string($0.subnetID), "ip_address": .string($0.ipAddress)] }),
                ]
            } ?? .null,
        ]
        if showAdminFields {
            body["distributed"] = .bool(router.distributed)
            body["ha"] = .bool(router.ha)
        }
        standard(&body, router.standard, projectID: router.projectID)
        return .object(body)
    }

    static func routerInterface(router: RouterRecord, port: PortRecord, subnetIDs: [String]) -> JSONValue {
        [
            "id": .string(router.id), "tenant_id": .string(router.projectID), "project_id": .string(router.projectID),
            "port_id": .string(port.id), "network_id": .string(port.networkID),
            "subnet_id": .optional(subnetIDs.first), "subnet_ids": .array(subnetIDs.map(JSONValue.string)),
        ]
    }

    static func floatingIP(_ floatingIP: FloatingIPRecord) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(floatingIP.id), "floating_ip_address": .string(floatingIP.floatingIPAddress),
            "floating_network_id": .string(floatingIP.floatingNetworkID), "router_id": .optional(floatingIP.routerID),
            "port_id": .optional(floatingIP.portID), "fixed_ip_address": .optional(floatingIP.fixedIPAddress),
            "status": .string(floatingIP.status), "port_forwardings": [],
            "dns_name": .string(floatingIP.dnsName), "dns_domain": .string(floatingIP.dnsDomain),
        ]
        standard(&body, floatingIP.standard, projectID: floatingIP.projectID)
        return .object(body)
    }
}
