import Hummingbird
import StratusKit

/// One `POST /volumes/{id}/action` handler: gets the caller, the volume id, the action's
/// value (the body's single key's value) and the request context; returns the response.
typealias VolumeActionHandler = @Sendable (AuthContext, String, JSONValue, StratusRequestContext) async throws -> Response

extension BlockStorageAPI {
    /// `POST /volumes/{id}/action`: the body's single key names the action. The handlers
    /// come from the files that own each group of actions.
    func registerVolumeActions(on router: Router<StratusRequestContext>) {
        let handlers = volumeActionHandlers()
        for path in Self.paths("/volumes/{volume_id}/action") {
            router.post(path) { request, context in
                let auth = try Self.auth(context)
                let (name, value) = try Self.singleAction(try await Self.body(request, context))
                guard let handler = handlers[name] else {
                    throw Self.unknownAction(name)
                }
                return try await handler(auth, try context.parameters.require("volume_id"), value, context)
            }
        }
    }

    /// Every volume action by name.
    func volumeActionHandlers() -> [String: VolumeActionHandler] {
        var handlers: [String: VolumeActionHandler] = [:]
        for group in [stateVolumeActions(), snapshotVolumeActions(), attachVolumeActions()] {
            handlers.merge(group) { current, _ in current }
        }
        return handlers
    }
}
