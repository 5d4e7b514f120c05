import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

extension ImageAPI {
    /// Attributes a create request may not carry.
    static let createReadOnly: Set<String> = ImagePatchOperation.readOnly.subtracting(["id"])
        .union(ImagePatchOperation.derived)

    func registerImages(on router: Router<StratusRequestContext>) {
        router.post("/v2/images") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let requested = try Self.requestedImage(try await request.jsonObject(context: context))
            let image = try await manager.createImage(requested, auth: auth)
            var headers = HTTPFields()
            headers[.location] = publicURL + "/v2/images/\(image.id)"
            headers[HTTPField.Name("OpenStack-image-import-methods")!] = manager.importMethods.joined(separator: ",")
            headers[HTTPField.Name("OpenStack-image-store-ids")!] = manager.store.id
            return JSONResponse.make(.created, ImageWire.image(image), headers: headers)
        }
        router.get("/v2/images") { request, context in
            let auth = try context.requireAuth()
            let parameters = ImageListParameters(request: request)
            var query = try parameters.query(
                settings: manager.settings, isAdmin: policy.isAdmin(auth), projectID: auth.projectID)
            if let marker = parameters.first("marker") {
                query.marker = try await manager.markerImage(marker, auth: auth)
            }
            let images = try await manager.listImages(query, auth: auth)
            var body: [String: JSONValue] = [
                "images": .array(images.map(ImageWire.image)), "schema": "/v2/schemas/images",
                "first": .string(parameters.firstLink),
            ]
            if let last = images.last, images.count == query.limit, query.limit > 0 {
                body["next"] = .string(parameters.nextLink(marker: last.id))
            }
            return JSONResponse.make(.ok, .object(body))
        }
        router.get("/v2/images/{image_id}") { _, context in
            let auth = try context.requireAuth()
            let image = try await manager.getImage(try context.parameters.require("image_id"), auth: auth)
            return JSONResponse.make(.ok, ImageWire.image(image))
        }
        router.patch("/v2/images/{image_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let mediaType = request.mediaType ?? ""
            guard mediaType == ImagePatchOperation.mediaType21 || mediaType == ImagePatchOperation.mediaType20 else {
                throw APIError(
                    .unsupportedMediaType,
                    "Unsupported Content-Type \(mediaType); use \(ImagePatchOperation.mediaType21)",
                    headers: [HTTPField.Name("Accept-Patch")!: "\(ImagePatchOperation.mediaType21), \(ImagePatchOperation.mediaType20)"])
            }
            let body = try await request.jsonValue(context: context)
            let changes = try ImagePatchOperation.parse(body, mediaType: mediaType)
            let image = try await manager.updateImage(try context.parameters.require("image_id"), changes: changes, auth: auth)
            return JSONResponse.make(.ok, ImageWire.image(image))
        }
        router.delete("/v2/images/{image_id}") { _, context in
            let auth = try context.requireAuth()
            try await manager.deleteImage(try context.parameters.require("image_id"), auth: auth)
            return JSONResponse.empty()
        }
        router.post("/v2/images/{image_id}/actions/deactivate") { _, context in
            let auth = try context.requireAuth()
            try await manager.deactivate(try context.parameters.require("image_id"), auth: auth)
            return JSONResponse.empty()
        }
        router.post("/v2/images/{image_id}/actions/reactivate") { _, context in
            let auth = try context.requireAuth()
            try await manager.reactivate(try context.parameters.require("image_id"), auth: auth)
            return JSONResponse.empty()
        }
        router.put("/v2/images/{image_id}/tags/{tag}") { _, context in
            let auth = try context.requireAuth()
            let tag = try context.parameters.require("tag").removingPercentEncoding ?? ""
            try await manager.addTag(try context.parameters.require("image_id"), tag: tag, auth: auth)
            return JSONResponse.empty()
        }
        router.delete("/v2/images/{image_id}/tags/{tag}") { _, context in
            let auth = try context.requireAuth()
            let tag = try context.parameters.require("tag").removingPercentEncoding ?? ""
            try await manager.deleteTag(try context.parameters.require("image_id"), tag: tag, auth: auth)
            return JSONResponse.empty()
        }
    }

    /// A create request checked against the image schema.
    static func requestedImage(_ body: [String: JSONValue]) throws -> ImageRecord {
        for key in body.keys.sorted() {
            if createReadOnly.contains(key) { throw APIError.forbidden("Attribute '\(key)' is read-only.") }
            if ImagePatchOperation.reserved.contains(key) || key.hasPrefix("os_glance") {
                throw APIError.forbidden("Attribute '\(key)' is reserved.")
            }
        }
        var image = ImageRecord.requested()
        for (key, value) in body {
            switch key {
            case "id":
                guard let text = value.stringValue, UUID(uuidString: text) != nil else {
                    throw ImageSchemaValidation.schemaError("\(value.jsonText()) is not a valid UUID")
                }
                image.id = text.lowercased()
            case _ where ImagePatchOperation.core.contains(key):
                try ImageSchemaValidation.setCore(key, to: value, on: &image)
            default:
                guard key.count <= 255 else {
                    throw APIError.badRequest("Custom property should not be greater than 255 characters.")
                }
                image.properties[key] = try ImageSchemaValidation.propertyValue(key, value)
            }
        }
        return image
    }
}
