import AsyncHTTPClient
import StratusKit

/// `NetworkClient` over the Networking (Neutron v2.0) REST API.
public struct HTTPNetworkClient: NetworkClient {
    let caller: ServiceCaller

    public init(session: ServiceSession, httpClient: HTTPClient = .shared) {
        caller = ServiceCaller(session: session, httpClient: httpClient, serviceType: "network", serviceName: "network")
    }

    public func network(id: String) async throws -> NetworkSummary? {
        let answer = try await caller.send(.GET, "/v2.0/networks/" + ServiceCaller.encode(id))
        if answer.status == 404 { return nil }
        return Self.network(try caller.field(try caller.expect(answer, 200), "network"))
    }

    public func networks(ids: [String]) async throws -> [NetworkSummary] {
        guard !ids.isEmpty else { return [] }
        return try await networkList(ids.map { ("id", $0) })
    }

    public func networksAvailable(toProject projectID: String) async throws -> [NetworkSummary] {
        let own = try await networkList([("project_id", projectID), ("shared", "false")])
        let shared = try await networkList([("shared", "true")])
        var seen = Set<String>()
        return (own + shared).filter { !$0.external && seen.insert($0.id).inserted }
            .filter { $0.shared || $0.projectID == projectID }
    }

    private func networkList(_ query: [(String, String)]) async throws -> [NetworkSummary] {
        let answer = try caller.expect(try await caller.send(.GET, "/v2.0/networks" + ServiceCaller.query(query)), 200)
        return (try caller.field(answer, "networks").arrayValue ?? []).compactMap(Self.network)
    }

    public func securityGroupIDs(named names: [String], projectID: String) async throws -> [String] {
        guard !names.isEmpty else { return [] }
        let answer = try caller.expect(
            try await caller.send(.GET, "/v2.0/security-groups" + ServiceCaller.query([("project_id", projectID)])), 200)
        let groups = (try caller.field(answer, "security_groups").arrayValue ?? []).compactMap {
            group -> (id: String, name: String)? in
            guard let id = group["id"]?.stringValue, group["project_id"]?.stringValue ?? projectID == projectID else {
                return nil
            }
            return (id, group["name"]?.stringValue ?? "")
        }
        return try names.map { name in
            if let byID = groups.first(where: { $0.id == name }) { return byID.id }
            let matches = groups.filter { $0.name == name }
            if matches.count > 1 {
                throw ServiceClientError(
                    service: "network", status: 400,
                    message: "Multiple security groups found matching '\(name)'. Use an ID to be more specific.")
            }
            guard let match = matches.first else {
                throw ServiceClientError(
                    service: "network", status: 400, message: "Security group \(name) not found for project \(projectID).")
            }
            return match.id
        }
    }

    public func createPort(_ request: PortCreateRequest) async throws -> PortSummary {
        var port: [String: JSONValue] = [
            "network_id": .string(request.networkID), "project_id": .string(request.projectID),
            "device_id": .string(request.deviceID), "device_owner": .string(request.deviceOwner),
        ]
        if !request.fixedIPs.isEmpty { port["fixed_ips"] = .array(request.fixedIPs.map(Self.fixedIP)) }
        if let groups = request.securityGroups { port["security_groups"] = .array(groups.map(JSONValue.string)) }
        if let host = request.hostID { port["binding:host_id"] = .string(host) }
        if let name = request.name { port["name"] = .string(name) }
        let answer = try caller.expect(try await caller.send(.POST, "/v2.0/ports", json: ["port": .object(port)]), 201)
        return try portSummary(try caller.field(answer, "port"))
    }

    public func port(id: String) async throws -> PortSummary? {
        let answer = try await caller.send(.GET, Self.portPath(id))
        if answer.status == 404 { return nil }
        return try portSummary(try caller.field(try caller.expect(answer, 200), "port"))
    }

    public func ports(deviceID: String) async throws -> [PortSummary] {
        let answer = try caller.expect(
            try await caller.send(.GET, "/v2.0/ports" + ServiceCaller.query([("device_id", deviceID)])), 200)
        return try (try caller.field(answer, "ports").arrayValue ?? []).map(portSummary)
    }

    public func bindPort(id: String, hostID: String, deviceID: String, deviceOwner: String) async throws -> PortSummary {
        let body: JSONValue = [
            "port": ["binding:host_id": .string(hostID), "device_id": .string(deviceID), "device_owner": .string(deviceOwner)]
        ]
        let answer = try caller.expect(try await caller.send(.PUT, Self.portPath(id), json: body), 200)
        return try portSummary(try caller.field(answer, "port"))
    }

    public func unbindPort(id: String) async throws {
        let body: JSONValue = ["port": ["binding:host_id": "", "device_id": "", "device_owner": ""]]
        _ = try caller.expect(try await caller.send(.PUT, Self.portPath(id), json: body), 200, 404)
    }

    public func deletePort(id: String) async throws {
        _ = try caller.expect(try await caller.send(.DELETE, Self.portPath(id)), 204, 404)
    }

    private static func portPath(_ id: String) -> String { "/v2.0/ports/" + ServiceCaller.encode(id) }

    private static func fixedIP(_ entry: PortFixedIP) -> JSONValue {
        var object: [String: JSONValue] = [:]
        if let subnet = entry.subnetID { object["subnet_id"] = .string(subnet) }
        if let address = entry.ipAddress { object["ip_address"] = .string(address) }
        return .object(object)
    }

    static func network(_ json: JSONValue) -> NetworkSummary? {
        guard let id = json["id"]?.stringValue else { return nil }
        return NetworkSummary(
            id: id, name: json["name"]?.stringValue ?? "",
            projectID: json["project_id"]?.stringValue ?? json["tenant_id"]?.stringValue ?? "",
            status: json["status"]?.stringValue ?? "", shared: json["shared"]?.boolValue ?? false,
            external: json["router:external"]?.boolValue ?? false, adminStateUp: json["admin_state_up"]?.boolValue ?? true,
            subnetIDs: (json["subnets"]?.arrayValue ?? []).compactMap(\.stringValue),
            mtu: json["mtu"]?.intValue.map { Int($0) })
    }

    func portSummary(_ json: JSONValue) throws -> PortSummary {
        guard let id = json["id"]?.stringValue, let networkID = json["network_id"]?.stringValue else {
            throw ServiceClientError(service: "network", status: 200, message: "A port in the response lacks its id")
        }
        return PortSummary(
            id: id, networkID: networkID, projectID: json["project_id"]?.stringValue ?? json["tenant_id"]?.stringValue ?? "",
            macAddress: json["mac_address"]?.stringValue ?? "", status: json["status"]?.stringValue ?? "",
            deviceID: json["device_id"]?.stringValue ?? "", deviceOwner: json["device_owner"]?.stringValue ?? "",
            bindingHostID: json["binding:host_id"]?.stringValue ?? "",
            bindingVIFType: json["binding:vif_type"]?.stringValue ?? "",
            fixedIPs: (json["fixed_ips"]?.arrayValue ?? []).map {
                PortFixedIP(subnetID: $0["subnet_id"]?.stringValue, ipAddress: $0["ip_address"]?.stringValue)
            },
            securityGroupIDs: (json["security_groups"]?.arrayValue ?? []).compactMap(\.stringValue),
            name: json["name"]?.stringValue ?? "", adminStateUp: json["admin_state_up"]?.boolValue ?? true)
    }
}
