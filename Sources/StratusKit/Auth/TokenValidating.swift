/// Turns an `X-Auth-Token` into an `AuthContext`, or throws a 401 `APIError`.
/// Identity implements it directly; other services reach it through this protocol only,
/// in memory in one process or over the Identity API across processes.
public protocol TokenValidating: Sendable {
    func validate(token: String) async throws -> AuthContext
}
