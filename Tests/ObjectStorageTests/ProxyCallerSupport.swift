import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import StratusKit
import XCTest

@testable import ObjectStorage

/// A proxy client that signs in TempAuth users and sends requests with their tokens.
struct ProxyCaller: Sendable {
    let client: any TestClientProtocol
    let token: String?

    static func signIn(_ client: any TestClientProtocol, _ user: String, _ key: String) async throws -> ProxyCaller {
        let session = try await ProxyTests.token(client, user: user, key: key)
        XCTAssertEqual(session.status, .ok, "sign in as \(user)")
        return ProxyCaller(client: client, token: try XCTUnwrap(session.token))
    }

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, headers extra: [String: String] = [:], body: String = "")
        async throws -> TestResponse
    {
        var headers = HTTPFields(extra)
        if let token { headers[HTTPField.Name("X-Auth-Token")!] = token }
        if method == .put, headers[.contentLength] == nil { headers[.contentLength] = String(body.utf8.count) }
        return try await client.execute(uri: path, method: method, headers: headers, body: ByteBuffer(string: body))
    }
}

/// Keystone tokens for the tests: `member-<project>` is a member of that project (user
/// `user-<project>`), `reseller` has the ResellerAdmin role.
struct FixedKeystone: TokenValidating {
    func validate(token: String) async throws -> AuthContext {
        let now = Timestamp.now()
        let later = Timestamp(microseconds: now.microseconds + 3_600_000_000)
        let (project, role): (String, String)
        if token.hasPrefix("member-") {
            (project, role) = (String(token.dropFirst("member-".count)), "member")
        } else if token == "reseller" {
            (project, role) = ("service", "ResellerAdmin")
        } else {
            throw APIError(.unauthorized, "The request you have made requires authentication.")
        }
        return AuthContext(
            userID: "user-\(project)", userName: "user-\(project)", userDomainID: "default", userDomainName: "Default",
            scope: .project(id: project, name: project, domainID: "default", domainName: "Default"),
            roles: [RoleReference(id: "r1", name: role)], methods: ["password"], auditIDs: ["a"], issuedAt: now, expiresAt: later)
    }
}
