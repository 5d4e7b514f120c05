import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `GET /` (the versions served) and `GET /v2.1` (the v2.1 document), open to anyone.
    func registerVersions(on router: Router<StratusRequestContext>) {
        router.get("/") { _, _ in Self.respond(["versions": [versionDocument(detailed: false)]]) }
        router.get("/v2.1") { _, _ in Self.respond(["version": versionDocument(detailed: true)]) }
    }

    /// The v2.1 entry: its range, status and links; the detailed form adds the
    /// documentation link and the media type.
    func versionDocument(detailed: Bool) -> JSONValue {
        let range = ComputeService.microversions
        var links: [JSONValue] = [["href": .string(versionedURL + "/"), "rel": "self"]]
        var document: [String: JSONValue] = [
            "id": "v2.1", "status": "CURRENT", "version": .string(range.maximum.description),
            "min_version": .string(range.minimum.description), "updated": "2013-07-23T11:33:21Z",
        ]
        if detailed {
            links.append(["href": "http://docs.openstack.org/", "rel": "describedby", "type": "text/html"])
            document["media-types"] = [
                ["base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"]
            ]
        }
        document["links"] = .array(links)
        return .object(document)
    }
}
