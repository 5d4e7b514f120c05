import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// Volume actions: revert to a snapshot.
    func snapshotVolumeActions() -> [String: VolumeActionHandler] {
        [:]
    }
}
