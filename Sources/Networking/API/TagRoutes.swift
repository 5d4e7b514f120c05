import Hummingbird
import StratusKit

/// The tag extension's sub-resource: `/v2.0/{networks|subnets|ports}/{id}/tags[/{tag}]`
/// (the openstack CLI sets a new network's tags with `PUT …/tags`).
extension NetworkAPI {
    func registerTags(on router: Router<StratusRequestContext>) {
        // A path position keeps the parameter name the resource's own routes give it.
        for (collection, parameter) in [("networks", "network_id"), ("subnets", "subnet_id"), ("ports", "port_id")] {
            let base = "/v2.0/\(collection)/{\(parameter)}/tags"
            router.get(RouterPath(base)) { _, context in
                let auth = try context.requireAuth()
                let tags = try await manager.tags(collection, try context.parameters.require(parameter), auth: auth)
                return JSONResponse.make(.ok, ["tags": .array(tags.map(JSONValue.string))])
            }
            router.put(RouterPath(base)) { request, context in
                var request = request
                let auth = try context.requireAuth()
                let body = try await request.jsonObject(context: context)
                guard let tags = body["tags"]?.arrayValue?.compactMap(\.stringValue) else {
                    throw NetworkErrors.badRequest("request", "tags must be a list of strings")
                }
                let id = try context.parameters.require(parameter)
                let saved = try await manager.changeTags(collection, id, auth: auth) { _ in tags }
                return JSONResponse.make(.ok, ["tags": .array(saved.map(JSONValue.string))])
            }
            router.delete(RouterPath(base)) { _, context in
                let auth = try context.requireAuth()
                _ = try await manager.changeTags(collection, try context.parameters.require(parameter), auth: auth) { _ in [] }
                return JSONResponse.empty()
            }
            router.put(RouterPath(base + "/{tag}")) { _, context in
                let auth = try context.requireAuth()
                let tag = try context.parameters.require("tag").removingPercentEncoding ?? ""
                _ = try await manager.changeTags(collection, try context.parameters.require(parameter), auth: auth) { tags in
                    tags.contains(tag) ? tags : tags + [tag]
                }
                return JSONResponse.empty(.created)
            }
            router.delete(RouterPath(base + "/{tag}")) { _, context in
                let auth = try context.requireAuth()
                let tag = try context.parameters.require("tag").removingPercentEncoding ?? ""
                _ = try await manager.changeTags(collection, try context.parameters.require(parameter), auth: auth) { tags in
                    guard tags.contains(tag) else { throw APIError(.notFound, "Tag \(tag) could not be found.", type: "TagNotFound") }
                    return tags.filter { $0 != tag }
                }
                return JSONResponse.empty()
            }
        }
    }
}
