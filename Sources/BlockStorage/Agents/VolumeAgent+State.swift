import Foundation
import StratusKit

extension VolumeAgent {
    /// The agent's handlers for extend, retype and upload to image.
    func addStateHandlers(to endpoint: inout RPCEndpoint) {
    }
}
