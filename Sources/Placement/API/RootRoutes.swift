import Hummingbird
import StratusKit

extension PlacementAPI {
    /// `GET /`: the version document, open to anyone.
    func registerRoot(on router: PlacementRouteTable) {
        router.get("/") { _, context in
            let range = PlacementService.microversions
            let version: JSONValue = [
                "id": .string("v\(range.minimum)"), "min_version": .string(range.minimum.description),
                "max_version": .string(range.maximum.description), "status": "CURRENT",
                "links": [["rel": "self", "href": ""]],
            ]
            return Self.respond(["versions": [version]], context)
        }
    }
}
