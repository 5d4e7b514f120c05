import Hummingbird
import StratusKit

extension ImageAPI {
    /// The v2 minor versions Glance has published; the newest is CURRENT.
    static let versions = [
        "2.17", "2.16", "2.15", "2.14", "2.13", "2.12", "2.11", "2.10", "2.9", "2.8", "2.7", "2.6", "2.5", "2.4", "2.3",
        "2.2", "2.1", "2.0",
    ]

    func versionsBody() -> JSONValue {
        let list: [JSONValue] = Self.versions.enumerated().map { index, version in
            [
                "id": .string("v" + version), "status": .string(index == 0 ? "CURRENT" : "SUPPORTED"),
                "links": [["rel": "self", "href": .string(publicURL + "/v2/")]],
            ]
        }
        return ["versions": .array(list)]
    }

    func registerDiscovery(on router: Router<StratusRequestContext>) {
        router.get("/") { _, _ in JSONResponse.make(.multipleChoices, versionsBody()) }
        router.get("/versions") { _, _ in JSONResponse.make(.ok, versionsBody()) }
        router.get("/v2/schemas/{schema_name}") { _, context in
            let name = try context.parameters.require("schema_name")
            guard let schema = ImageSchemas.document(named: name) else {
                throw APIError.notFound("The resource could not be found.")
            }
            return JSONResponse.make(.ok, schema)
        }
        router.get("/v2/info/import") { _, context in
            _ = try context.requireAuth()
            return JSONResponse.make(
                .ok,
                [
                    "import-methods": [
                        "description": "Import methods available.", "type": "array",
                        "value": .array(manager.importMethods.map(JSONValue.string)),
                    ]
                ])
        }
        router.get("/v2/info/stores") { _, context in
            _ = try context.requireAuth()
            return JSONResponse.make(
                .ok,
                ["stores": [["id": .string(manager.store.id), "description": .string(manager.store.storeDescription), "default": "true"]]])
        }
        router.get("/v2/info/usage") { _, context in
            let auth = try context.requireAuth()
            return JSONResponse.make(.ok, ["usage": try await manager.usageBody(auth: auth)])
        }
    }
}
