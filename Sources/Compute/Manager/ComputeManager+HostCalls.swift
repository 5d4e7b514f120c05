import HTTPTypes
import StratusKit

extension ComputeManager {
    /// Calls the server's compute host and waits for its answer. An API error the host
    /// threw (a 404 for a port, a 409 for a guest not running …) comes back as that error.
    func callHost(
        _ host: String, _ method: String, args: [String: JSONValue], _ auth: AuthContext, requestID: String,
        timeout: Duration = .seconds(60)
    ) async throws -> JSONValue {
        let backends = try requireBackends()
        do {
            return try await backends.bus.call(
                ComputeRPC.compute(host: host), method: method, args: args,
                context: MessagingContext(auth: auth, requestID: requestID), timeout: timeout)
        } catch let error as RemoteError {
            throw Self.apiError(from: error) ?? error
        }
    }

    /// The `APIError` a remote handler threw, read back from its `<code> <message>` text.
    static func apiError(from remote: RemoteError) -> APIError? {
        guard remote.exceptionType == "APIError", let space = remote.message.firstIndex(of: " "),
            let code = Int(remote.message[..<space]), (400..<600).contains(code)
        else { return nil }
        return APIError(HTTPResponse.Status(code: code), String(remote.message[remote.message.index(after: space)...]))
    }
}
