import Hummingbird
import StratusKit

extension NetworkAPI {
    static let addressGroupAttributes: Set<String> = ["name", "description", "project_id", "tenant_id", "addresses"]

    static func addressGroupBody(_ group: AddressGroupRecord) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(group.id), "name": .string(group.name), "addresses": .array(group.addresses.map(JSONValue.string)),
        ]
        NetworkWire.standard(&body, group.standard, projectID: group.projectID)
        body.removeValue(forKey: "tags")
        return .object(body)
    }

    func registerAddressGroups(on router: Router<StratusRequestContext>) {
        router.post("/v2.0/address-groups") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(
                try await request.jsonObject(context: context), "address_group", allowed: Self.addressGroupAttributes)
            let group = try await manager.createAddressGroup(
                name: try fields.string("name"), description: try fields.string("description"),
                addresses: try fields.stringArray("addresses"), projectID: try Self.projectID(fields), auth: auth)
            return respond(.created, "address_group", Self.addressGroupBody(group))
        }
        router.get("/v2.0/address-groups") { request, context in
            let auth = try context.requireAuth()
            let groups = try await manager.listAddressGroups(auth: auth)
            return try NeutronList(request: request).respond(
                "address_groups", groups.map(Self.addressGroupBody), path: "/v2.0/address-groups", baseURL: publicURL)
        }
        router.get("/v2.0/address-groups/{address_group_id}") { _, context in
            let auth = try context.requireAuth()
            let group = try await manager.getAddressGroup(try context.parameters.require("address_group_id"), auth: auth)
            return respond("address_group", Self.addressGroupBody(group))
        }
        router.put("/v2.0/address-groups/{address_group_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(
                try await request.jsonObject(context: context), "address_group", allowed: ["name", "description"])
            let group = try await manager.updateAddressGroup(
                try context.parameters.require("address_group_id"), name: try fields.string("name"),
                description: try fields.string("description"), expectedRevision: try request.expectedRevision(), auth: auth)
            return respond("address_group", Self.addressGroupBody(group))
        }
        for action in ["add_addresses", "remove_addresses"] {
            router.put(RouterPath("/v2.0/address-groups/{address_group_id}/\(action)")) { request, context in
                var request = request
                let auth = try context.requireAuth()
                let body = try await request.jsonObject(context: context)
                guard let addresses = body["addresses"]?.arrayValue?.compactMap(\.stringValue),
                    addresses.count == body["addresses"]?.arrayValue?.count
                else { throw NetworkErrors.badRequest("address_group", "addresses must be a list of CIDRs") }
                let id = try context.parameters.require("address_group_id")
                let group =
                    action == "add_addresses"
                    ? try await manager.addAddresses(id, addresses, auth: auth)
                    : try await manager.removeAddresses(id, addresses, auth: auth)
                return respond("address_group", Self.addressGroupBody(group))
            }
        }
        router.delete("/v2.0/address-groups/{address_group_id}") { request, context in
            let auth = try context.requireAuth()
            try await manager.deleteAddressGroup(
                try context.parameters.require("address_group_id"), expectedRevision: try request.expectedRevision(), auth: auth)
            return JSONResponse.empty()
        }
    }
}
