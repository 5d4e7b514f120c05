import Foundation
import StratusKit

extension VolumeAgent {
    /// The agent's handlers for snapshot create and delete, revert.
    func addSnapshotHandlers(to endpoint: inout RPCEndpoint) {
    }
}
