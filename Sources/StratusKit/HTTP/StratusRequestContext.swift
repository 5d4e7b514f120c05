import HTTPTypes
import Hummingbird
import Logging

/// The per-request context of every Stratus API: the request id and, once the token
/// middleware ran, who is calling.
public struct StratusRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var requestID: String = ""
    public var auth: AuthContext?
    /// Why the presented token was refused, reported by routes that need one.
    public var authFailure: APIError?
    /// The microversion negotiated for this request, on APIs that have microversions.
    public var microversion: Microversion?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { 1 << 20 }

    /// The caller, or a 401 when the request carried no valid token.
    public func requireAuth() throws -> AuthContext {
        guard let auth else {
            throw authFailure ?? APIError(.unauthorized, "The request you have made requires authentication.")
        }
        return auth
    }
}
