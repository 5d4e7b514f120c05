import Foundation
import StratusKit

extension VolumeAgent {
    /// The agent's handlers for initialize and terminate connections for attachments:
    /// calls (the API waits for the connection info), answered by the driver.
    func addConnectionHandlers(to endpoint: inout RPCEndpoint) {
        endpoint.on(VolumeRPC.Method.initializeConnection) { [self] request in
            let location = try await connectedLocation(request)
            return try await driver.initializeConnection(location, connector: request.args["connector"] ?? .null).json
        }
        endpoint.on(VolumeRPC.Method.terminateConnection) { [self] request in
            let location = try await connectedLocation(request)
            try await driver.terminateConnection(location, connector: request.args["connector"] ?? .null)
            return .null
        }
    }

    private func connectedLocation(_ request: RPCRequest) async throws -> VolumeLocation {
        let id = request.args["volume_id"]?.stringValue ?? ""
        guard let volume = try await volume(id), let location = volume.location else {
            throw VolumeDriverError("Volume \(id) is not on this back end.")
        }
        return location
    }
}
