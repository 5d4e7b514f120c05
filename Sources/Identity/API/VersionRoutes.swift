import HTTPTypes
import Hummingbird
import StratusKit

extension IdentityAPI {
    /// Identity API v3.14, the version Keystone has served since Ussuri.
    var versionDocument: JSONValue {
        [
            "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
            "links": [["rel": "self", "href": .string(publicURL + "/v3/")]],
            "media-types": [["base": "application/json", "type": "application/vnd.openstack.identity-v3+json"]],
        ]
    }

    func registerVersions(on router: Router<StratusRequestContext>) {
        router.get("/") { _, _ in
            JSONResponse.make(.multipleChoices, ["versions": ["values": [versionDocument]]])
        }
        router.get("/v3") { _, _ in respond("version", versionDocument) }
    }
}
