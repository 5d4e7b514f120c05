import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// Volume actions: extend, retype, bootable, readonly flag, reset status, force delete, image metadata and upload to image.
    func stateVolumeActions() -> [String: VolumeActionHandler] {
        [:]
    }
}
