import Foundation
import StratusKit

extension VolumeAgent {
    /// The agent's handlers for initialize and terminate connections for attachments.
    func addConnectionHandlers(to endpoint: inout RPCEndpoint) {
    }
}
