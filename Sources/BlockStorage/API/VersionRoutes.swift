import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// `GET /` (300, the versions served) and `GET /v3` (200, the same list), open to anyone.
    func registerVersions(on router: Router<StratusRequestContext>) {
        router.get("/") { _, _ in Self.respond(["versions": [versionDocument()]], status: .multipleChoices) }
        router.get("/v3") { _, _ in Self.respond(["versions": [versionDocument()]]) }
    }

    func versionDocument() -> JSONValue {
        let range = BlockStorageService.microversions
        return [
            "id": "v3.0", "status": "CURRENT", "version": .string(range.maximum.description),
            "min_version": .string(range.minimum.description), "updated": "2023-08-31T00:00:00Z",
            "links": [
                ["rel": "describedby", "type": "text/html", "href": "https://docs.openstack.org/"],
                ["rel": "self", "href": .string(publicURL + "/v3/")],
            ],
            "media-types": [["base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"]],
        ]
    }
}
