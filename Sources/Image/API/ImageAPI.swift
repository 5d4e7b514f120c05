import HTTPTypes
import Hummingbird
import StratusKit

/// The Glance v2 routes. Each file of this folder registers one resource's routes.
struct ImageAPI: Sendable {
    let manager: ImageManager
    /// `http://127.0.0.1:9292`: where the API is served.
    let publicURL: String

    var policy: ImagePolicy { manager.policy }

    func register(on router: Router<StratusRequestContext>) {
        registerDiscovery(on: router)
        registerImages(on: router)
        registerImageData(on: router)
        registerMembers(on: router)
        registerTasks(on: router)
    }
}

extension Request {
    /// The declared body length, when the client sent one.
    var contentLength: Int64? { headers[.contentLength].flatMap { Int64($0) } }

    /// The media type of the body, without parameters, lowercased.
    var mediaType: String? {
        headers[.contentType].map {
            $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        }
    }
}
