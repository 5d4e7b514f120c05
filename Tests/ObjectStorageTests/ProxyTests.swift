import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StratusKit
import Synchronization
import XCTest

@testable import ObjectStorage

/// The proxy in front of live account, container and object servers (on loopback ports),
/// driven over HTTP through its public v1 API with v1.0 (TempAuth) tokens.
final class ProxyTests: XCTestCase {
    /// Keystone is not part of these tests: every Keystone token is refused.
    struct NoKeystone: TokenValidating {
        func validate(token: String) async throws -> AuthContext {
            throw APIError(.unauthorized, "The request you have made requires authentication.")
        }
    }

    static func withProxy(
        allowVersionedWrites: Bool = true,
        tempAuthUsers: String = "test:tester:testing:.admin,test:guest:guestpw", allowAccountManagement: Bool = false,
        tokenValidator: any TokenValidating = NoKeystone(), _ body: @Sendable @escaping (any TestClientProtocol) async throws -> Void
    ) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("proxy-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let devices = root + "/devices"
        for index in 1...4 { try FileManager.default.createDirectory(atPath: "\(devices)/d\(index)", withIntermediateDirectories: true) }
        let hashPath = HashPath(prefix: "", suffix: "proxy-tests")
        let accountServer = AccountServer(devicesRoot: devices, hashPath: hashPath)
        let containerServer = ContainerServer(
            devicesRoot: devices, hashPath: hashPath, accountUpdateSender: LocalAccountUpdateSender(accountServer: accountServer))
        let updateClient = BackendClient()
        let objectServer = ObjectServer(
            layout: ObjectDiskLayout(devices: devices, hashPath: hashPath),
            containerUpdateSender: HTTPContainerUpdateSender(client: updateClient))
        // Whatever the test body throws is kept until every server and client is shut down.
        let failure = Mutex<(any Error)?>(nil)
        do {
            try await Application(router: accountServer.makeRouter()).test(.live) { accountClient in
                try await Application(router: containerServer.makeRouter()).test(.live) { containerClient in
                    try await Application(router: objectServer.makeRouter()).test(.live) { objectClient in
                        try DefaultRings.ensure(
                            in: root + "/rings", deviceCount: 4, partPower: 6,
                            ports: ["account": accountClient.port!, "container": containerClient.port!, "object": objectClient.port!],
                            seed: 7)
                        let rings = try StorageRings(directory: root + "/rings", hashPath: hashPath)
                        let proxy = try ProxyServer(
                            rings: rings, publicURL: "http://127.0.0.1:8080", tempAuthUsers: tempAuthUsers,
                            allowVersionedWrites: allowVersionedWrites, allowAccountManagement: allowAccountManagement)
                        try await Application(router: proxy.makeRouter(tokenValidator: tokenValidator)).test(.live) { client in
                            do {
                                try await body(client)
                            } catch {
                                failure.withLock { $0 = error }
                            }
                        }
                        await proxy.shutdown()
                    }
                }
            }
        } catch {
            failure.withLock { $0 = $0 ?? error }
        }
        await updateClient.shutdown()
        await containerServer.shutdown()
        await accountServer.shutdown()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    static func token(_ client: any TestClientProtocol, user: String, key: String) async throws -> (status: HTTPResponse.Status, token: String?, url: String?) {
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Auth-User")!] = user
        headers[HTTPField.Name("X-Auth-Key")!] = key
        return try await client.execute(uri: "/auth/v1.0", method: .get, headers: headers) { response in
            (response.status, response.headers[HTTPField.Name("X-Auth-Token")!], response.headers[HTTPField.Name("X-Storage-Url")!])
        }
    }

    func testContainersThroughTheProxy() async throws {
        try await Self.withProxy { client in
            let refused = try await Self.token(client, user: "test:tester", key: "wrong")
            XCTAssertEqual(refused.status, .unauthorized)
            let session = try await Self.token(client, user: "test:tester", key: "testing")
            XCTAssertEqual(session.status, .ok)
            XCTAssertEqual(session.url, "http://127.0.0.1:8080/v1/AUTH_test")
            let token = try XCTUnwrap(session.token)
            XCTAssertTrue(token.hasPrefix("AUTH_tk"))

            @Sendable func call(_ method: HTTPRequest.Method, _ path: String, token: String? = token, headers extra: [String: String] = [:])
                async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: String)
            {
                var headers = HTTPFields()
                if let token { headers[HTTPField.Name("X-Auth-Token")!] = token }
                for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
                return try await client.execute(uri: path, method: method, headers: headers) { response in
                    (response.status, response.headers, String(buffer: response.body))
                }
            }

            let fresh = try await call(.head, "/v1/AUTH_test")
            XCTAssertEqual(fresh.status, .noContent, "an account never written reads as empty")
            XCTAssertEqual(fresh.headers[HTTPField.Name("X-Account-Container-Count")!], "0")
            let noToken = try await call(.get, "/v1/AUTH_test", token: nil)
            XCTAssertEqual(noToken.status, .unauthorized)
            let other = try await call(.get, "/v1/AUTH_other")
            XCTAssertEqual(other.status, .forbidden, "a caller owns only its own account")
            let guestSession = try await Self.token(client, user: "test:guest", key: "guestpw")
            let guest = try XCTUnwrap(guestSession.token)
            let guestRead = try await call(.get, "/v1/AUTH_test", token: guest)
            XCTAssertEqual(guestRead.status, .forbidden, "a user without .admin has no access of its own")

            let created = try await call(.put, "/v1/AUTH_test/photos", headers: ["X-Container-Meta-Color": "blue"])
            XCTAssertEqual(created.status, .created)
            let again = try await call(.put, "/v1/AUTH_test/photos")
            XCTAssertEqual(again.status, .accepted)
            let listed = try await call(.get, "/v1/AUTH_test?format=json")
            XCTAssertEqual(listed.status, .ok)
            XCTAssertTrue(listed.body.contains("\"name\": \"photos\"") || listed.body.contains("\"name\":\"photos\""), listed.body)
            let head = try await call(.head, "/v1/AUTH_test/photos")
            XCTAssertEqual(head.status, .noContent)
            XCTAssertEqual(head.headers[HTTPField.Name("X-Container-Meta-Color")!], "blue")
            XCTAssertEqual(head.headers[HTTPField.Name("X-Container-Object-Count")!], "0")
            let posted = try await call(.post, "/v1/AUTH_test/photos", headers: ["X-Container-Meta-Color": "green"])
            XCTAssertEqual(posted.status, .noContent)
            let after = try await call(.head, "/v1/AUTH_test/photos")
            XCTAssertEqual(after.headers[HTTPField.Name("X-Container-Meta-Color")!], "green")
            let tooLong = try await call(.put, "/v1/AUTH_test/" + String(repeating: "c", count: 257))
            XCTAssertEqual(tooLong.status, .badRequest)
            let missingObjectContainer = try await call(.put, "/v1/AUTH_test/nothere/file", headers: ["Content-Length": "0"])
            XCTAssertEqual(missingObjectContainer.status, .notFound)
            let deleted = try await call(.delete, "/v1/AUTH_test/photos")
            XCTAssertEqual(deleted.status, .noContent)
            let gone = try await call(.get, "/v1/AUTH_test/photos")
            XCTAssertEqual(gone.status, .notFound)
            let info = try await call(.get, "/info", token: nil)
            XCTAssertTrue(info.body.contains("\"max_file_size\""))
        }
    }
}
