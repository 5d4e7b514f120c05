import Foundation
import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/flavors/{id}/os-extra_specs`: list, create or replace several, show, set and delete one.
    func registerFlavorExtraSpecs(on router: Router<StratusRequestContext>) {
        let collection = "/v2.1/flavors/{flavor_id}/os-extra_specs"
        router.get(RouterPath(collection)) { _, context in
            let auth = try context.requireAuth()
            let specs = try await manager.extraSpecs(of: try context.parameters.require("flavor_id"), auth)
            return Self.respond(["extra_specs": .object(specs.mapValues { .string($0) })])
        }
        router.post(RouterPath(collection)) { request, context in
            let auth = try context.requireAuth()
            let body = try await Self.body(request, context)
            guard let value = body["extra_specs"] else { throw ComputeErrors.badRequest("'extra_specs' is a required property") }
            guard let object = value.objectValue else {
                throw ComputeErrors.invalidInput("extra_specs", value, "\(value.jsonText()) is not of type 'object'")
            }
            if let extra = body.keys.first(where: { $0 != "extra_specs" }) {
                throw ComputeErrors.badRequest("Additional properties are not allowed ('\(extra)' was unexpected)")
            }
            let specs = try Self.extraSpecs(object)
            try await manager.setExtraSpecs(specs, of: try context.parameters.require("flavor_id"), rule: "create", auth)
            return Self.respond(["extra_specs": .object(specs.mapValues { .string($0) })])
        }
        router.get(RouterPath(collection + "/{key}")) { _, context in
            let auth = try context.requireAuth()
            let key = try context.parameters.require("key")
            let value = try await manager.extraSpec(key, of: try context.parameters.require("flavor_id"), auth)
            return Self.respond(.object([key: .string(value)]))
        }
        router.put(RouterPath(collection + "/{key}")) { request, context in
            let auth = try context.requireAuth()
            let key = try context.parameters.require("key")
            let body = try await Self.body(request, context)
            guard body.count == 1 else {
                throw ComputeErrors.invalidInput(
                    "body", .object(body),
                    body.isEmpty ? "{} does not have enough properties" : "\(JSONValue.object(body).jsonText()) has too many properties")
            }
            let specs = try Self.extraSpecs(body)
            guard specs[key] != nil else { throw ComputeErrors.badRequest("Request body and URI mismatch") }
            try await manager.setExtraSpecs(specs, of: try context.parameters.require("flavor_id"), rule: "update", auth)
            return Self.respond(.object(specs.mapValues { .string($0) }))
        }
        router.delete(RouterPath(collection + "/{key}")) { _, context in
            let auth = try context.requireAuth()
            try await manager.deleteExtraSpec(
                try context.parameters.require("key"), of: try context.parameters.require("flavor_id"), auth)
            return JSONResponse.empty(.accepted)
        }
    }

    /// Extra specs as stored: keys of letters, digits and `-_:. ` (1–255), values strings,
    /// numbers or booleans of up to 255 characters, kept as text.
    static func extraSpecs(_ object: [String: JSONValue]) throws -> [String: String] {
        var specs: [String: String] = [:]
        for (key, value) in object {
            guard (1...255).contains(key.count),
                key.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_:. ".unicodeScalars.contains($0)) })
            else {
                throw ComputeErrors.badRequest(
                    "Additional properties are not allowed ('\(key)' was unexpected)")
            }
            let text: String
            switch value {
            case .string(let string): text = string
            case .int(let int): text = String(int)
            case .double(let double): text = String(double)
            case .bool(let flag): text = flag ? "True" : "False"
            default: throw ComputeErrors.invalidInput(key, value, "\(value.jsonText()) is not of type 'string', 'number', 'boolean'")
            }
            guard text.count <= 255 else { throw ComputeErrors.invalidInput(key, value, "'\(text)' is too long") }
            specs[key] = text
        }
        return specs
    }
}
