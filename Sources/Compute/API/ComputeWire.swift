import Hummingbird
import StratusKit

/// The JSON shapes of flavors and keypairs, by microversion.
enum ComputeWire {
    /// `self` (versioned) and `bookmark` (unversioned) links of a resource.
    static func links(_ api: ComputeAPI, _ collection: String, _ id: String) -> JSONValue {
        [
            ["href": .string("\(api.versionedURL)/\(collection)/\(id)"), "rel": "self"],
            ["href": .string("\(api.publicURL)/\(collection)/\(id)"), "rel": "bookmark"],
        ]
    }

    /// A flavor in a plain list: id, name, links (and description from 2.55).
    static func flavorSummary(_ flavor: FlavorRecord, _ api: ComputeAPI, version: Microversion) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(flavor.flavorID), "name": .string(flavor.name), "links": links(api, "flavors", flavor.flavorID),
        ]
        if version.isAtLeast(2, 55) { body["description"] = .optional(flavor.description) }
        return .object(body)
    }

    /// A flavor in full: swap is `""` when none below 2.75; description from 2.55; extra
    /// specs from 2.61 for callers allowed to read them.
    static func flavor(_ flavor: FlavorRecord, _ api: ComputeAPI, version: Microversion, extraSpecs: Bool) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(flavor.flavorID), "name": .string(flavor.name), "ram": .int(flavor.memoryMB),
            "vcpus": .int(flavor.vcpus), "disk": .int(flavor.rootGB), "OS-FLV-EXT-DATA:ephemeral": .int(flavor.ephemeralGB),
            "OS-FLV-DISABLED:disabled": .bool(flavor.disabled), "os-flavor-access:is_public": .bool(flavor.isPublic),
            "rxtx_factor": .double(flavor.rxtxFactor), "links": links(api, "flavors", flavor.flavorID),
        ]
        body["swap"] = flavor.swapMB == 0 && !version.isAtLeast(2, 75) ? .string("") : .int(flavor.swapMB)
        if version.isAtLeast(2, 55) { body["description"] = .optional(flavor.description) }
        if version.isAtLeast(2, 61), extraSpecs {
            body["extra_specs"] = .object(flavor.extraSpecs.mapValues { .string($0) })
        }
        return .object(body)
    }

    static func flavorAccess(_ flavorID: String, _ projects: [String]) -> JSONValue {
        ["flavor_access": .array(projects.map { ["flavor_id": .string(flavorID), "tenant_id": .string($0)] })]
    }

    /// A keypair in a list: name, public key, fingerprint (and type from 2.2).
    static func keypairSummary(_ keypair: KeypairRecord, version: Microversion) -> JSONValue {
        var body: [String: JSONValue] = [
            "name": .string(keypair.name), "public_key": .string(keypair.publicKey),
            "fingerprint": .string(keypair.fingerprint),
        ]
        if version.isAtLeast(2, 2) { body["type"] = .string(keypair.type) }
        return ["keypair": .object(body)]
    }

    /// A created keypair: with its owner, and the private key of a generated pair.
    static func createdKeypair(_ keypair: KeypairRecord, privateKey: String?, version: Microversion) -> JSONValue {
        var body: [String: JSONValue] = [
            "name": .string(keypair.name), "public_key": .string(keypair.publicKey),
            "fingerprint": .string(keypair.fingerprint), "user_id": .string(keypair.userID),
        ]
        if let privateKey { body["private_key"] = .string(privateKey) }
        if version.isAtLeast(2, 2) { body["type"] = .string(keypair.type) }
        return ["keypair": .object(body)]
    }

    /// One keypair in full, with the database fields Nova shows.
    static func keypair(_ keypair: KeypairRecord, version: Microversion) -> JSONValue {
        var body: [String: JSONValue] = [
            "name": .string(keypair.name), "public_key": .string(keypair.publicKey),
            "fingerprint": .string(keypair.fingerprint), "user_id": .string(keypair.userID), "id": .int(keypair.id),
            "created_at": .string(keypair.createdAt.iso8601NoZone), "updated_at": .null, "deleted_at": .null,
            "deleted": false,
        ]
        if version.isAtLeast(2, 2) { body["type"] = .string(keypair.type) }
        return ["keypair": .object(body)]
    }

    /// The `next` link of a full page: the request's query with the marker set to the
    /// last item's key.
    static func nextLinks(_ url: String, _ request: Request, marker: String) -> JSONValue {
        var items: [(name: String, value: String)] = request.uri.queryParameters
            .filter { $0.key != "marker" }.map { (String($0.key), String($0.value)) }
        items.append(("marker", marker))
        return [["href": .string(url + "?" + QueryString.encode(items)), "rel": "next"]]
    }
}
