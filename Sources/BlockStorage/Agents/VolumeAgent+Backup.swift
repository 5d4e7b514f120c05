import Foundation
import StratusKit

extension VolumeAgent {
    /// The agent's handlers for backup create, restore and delete.
    func addBackupHandlers(to endpoint: inout RPCEndpoint) {
    }
}
