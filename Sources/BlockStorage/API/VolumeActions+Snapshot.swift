import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// Volume actions: revert to the latest snapshot (3.40).
    func snapshotVolumeActions() -> [String: VolumeActionHandler] {
        [
            "revert": { auth, id, value, context in
                try Self.require(context, 3, 40)
                guard let snapshotID = value["snapshot_id"]?.stringValue else {
                    throw BlockStorageErrors.badRequest(
                        "Invalid input for field/attribute revert. Value: \(value.jsonText()). 'snapshot_id' is a required property")
                }
                try await manager.revertVolume(id, toSnapshot: snapshotID, auth, requestID: context.requestID)
                return Self.accepted()
            }
        ]
    }
}
