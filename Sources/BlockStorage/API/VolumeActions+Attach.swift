import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// Volume actions: the attach, detach, reserve and connection actions Nova used before the attachments API.
    func attachVolumeActions() -> [String: VolumeActionHandler] {
        [:]
    }
}
