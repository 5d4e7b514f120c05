import AsyncHTTPClient
import Foundation
import ServiceClients
import StratusKit
import StratusTestSupport
import XCTest

final class ServiceSessionTests: XCTestCase {
    func testEndpointsComeFromTheCatalogUnlessOverridden() async throws {
        try await LiveCloud.run { cloud in
            let session = cloud.session()
            let placement = try await session.endpoint(type: "placement")
            XCTAssertEqual(placement, cloud.placementURL)
            let network = try await session.endpoint(type: "network")
            XCTAssertEqual(network, cloud.networkURL)
            let image = try await session.endpoint(type: "image")
            XCTAssertEqual(image, cloud.imageURL)
            do {
                _ = try await session.endpoint(type: "volumev3")
                XCTFail("no volume service is registered")
            } catch let error as ServiceClientError {
                XCTAssertEqual(error.service, "identity")
                XCTAssertEqual(error.status, 0)
                XCTAssertTrue(error.message.contains("volumev3"), error.message)
            }

            let overridden = cloud.session(overrides: ["placement": cloud.placementURL + "/"])
            let chosen = try await overridden.endpoint(type: "placement")
            XCTAssertEqual(chosen, cloud.placementURL)

            var elsewhere = cloud.credentials
            elsewhere.region = "RegionTwo"
            do {
                _ = try await ServiceSession(credentials: elsewhere).endpoint(type: "placement")
                XCTFail("no endpoint in RegionTwo")
            } catch let error as ServiceClientError {
                XCTAssertTrue(error.message.contains("RegionTwo"), error.message)
            }
        }
    }

    func testOneTokenServesManyCallsAndIsRenewedAfterRevocation() async throws {
        try await LiveCloud.run { cloud in
            let session = cloud.session()
            let placement = HTTPPlacementClient(session: session)
            let network = HTTPNetworkClient(session: session)
            let provider = UUID().uuidString.lowercased()
            try await placement.ensureResourceProvider(uuid: provider, name: "host-a", parentUUID: nil)
            for _ in 0..<5 { _ = try await placement.usages(providerUUID: provider) }
            _ = try await network.networks(ids: [UUID().uuidString.lowercased()])
            let first = try await session.token()
            let issued = await session.tokensIssued
            XCTAssertEqual(issued, 1, "one token for every call")

            let revoked = try await cloud.call(
                .DELETE, cloud.identityURL + "/v3/auth/tokens", token: try await cloud.adminToken(),
                headers: ["X-Subject-Token": first])
            XCTAssertEqual(revoked.status, 204)
            let usages = try await placement.usages(providerUUID: provider)
            XCTAssertEqual(usages, [:])
            let renewed = await session.tokensIssued
            XCTAssertEqual(renewed, 2, "a refused token is renewed once and the call repeated")
            let second = try await session.token()
            XCTAssertNotEqual(first, second)

            await session.invalidateToken()
            _ = try await session.token()
            let afterInvalidate = await session.tokensIssued
            XCTAssertEqual(afterInvalidate, 3)
        }
    }

    func testATokenIsRenewedShortlyBeforeItExpires() async throws {
        try await LiveCloud.run(config: ["identity.token_expiration": "4"]) { cloud in
            let session = cloud.session()
            let first = try await session.token()
            let cached = try await session.token()
            XCTAssertEqual(first, cached)
            // A 4 s token is renewed in its last second.
            try await Task.sleep(for: .milliseconds(3300))
            let renewed = try await session.token()
            XCTAssertNotEqual(first, renewed)
            let issued = await session.tokensIssued
            XCTAssertEqual(issued, 2)
            let usages = try await HTTPPlacementClient(session: session).allocations(consumerUUID: UUID().uuidString.lowercased())
            XCTAssertNil(usages.consumerGeneration)
        }
    }

    func testAnUnreachableServiceIsStatusZero() async throws {
        // The shared client keeps trying to connect until the request's deadline; this one gives up at once.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        let failFast = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            try await Self.checkUnreachable(failFast)
        } catch {
            try? await failFast.shutdown()
            throw error
        }
        try await failFast.shutdown()
    }

    private static func checkUnreachable(_ failFast: HTTPClient) async throws {
        try await LiveCloud.run { cloud in
            var nowhere = cloud.credentials
            nowhere.authURL = "http://127.0.0.1:1/v3"
            do {
                _ = try await ServiceSession(credentials: nowhere, httpClient: failFast).token()
                XCTFail("nothing listens on port 1")
            } catch let error as ServiceClientError {
                XCTAssertEqual(error.service, "identity")
                XCTAssertEqual(error.status, 0)
            }
            let misdirected = ServiceSession(
                credentials: cloud.credentials, httpClient: failFast, endpointOverrides: ["placement": "http://127.0.0.1:1"])
            do {
                try await HTTPPlacementClient(session: misdirected, httpClient: failFast).deleteAllocations(consumerUUID: UUID().uuidString)
                XCTFail("nothing listens on port 1")
            } catch let error as ServiceClientError {
                XCTAssertEqual(error.service, "placement")
                XCTAssertEqual(error.status, 0)
            }
        }
    }

    func testConcurrentCallersShareOneAuthentication() async throws {
        try await LiveCloud.run { cloud in
            let session = cloud.session()
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await session.token() } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            XCTAssertEqual(tokens.count, 1)
            let issued = await session.tokensIssued
            XCTAssertEqual(issued, 1)
        }
    }

    func testWrongCredentialsAndTheServiceUsersPasswordReset() async throws {
        try await LiveCloud.run { cloud in
            var wrong = cloud.credentials
            wrong.password = "not-the-password"
            do {
                _ = try await ServiceSession(credentials: wrong).token()
                XCTFail("a wrong password is refused")
            } catch let error as ServiceClientError {
                XCTAssertEqual(error.service, "identity")
                XCTAssertEqual(error.status, 401)
                XCTAssertEqual(error.message, "The request you have made requires authentication.")
            }

            // The service user: an admin of project `service`, made once, its password reset on change.
            let firstID = try await cloud.identity.ensureServiceUser(name: LiveCloud.serviceUser, password: LiveCloud.servicePassword)
            let againID = try await cloud.identity.ensureServiceUser(name: LiveCloud.serviceUser, password: LiveCloud.servicePassword)
            XCTAssertEqual(firstID, againID)
            let token = try await cloud.session().token()
            let check = try await cloud.call(
                .GET, cloud.identityURL + "/v3/auth/tokens", token: token, headers: ["X-Subject-Token": token])
            XCTAssertEqual(check.json?["token"]?["project"]?["name"], "service")
            XCTAssertEqual(check.json?["token"]?["user"]?["id"]?.stringValue, firstID)
            let roles = (check.json?["token"]?["roles"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            XCTAssertTrue(roles.contains("admin"), "\(roles)")

            let changedID = try await cloud.identity.ensureServiceUser(name: LiveCloud.serviceUser, password: "rotated-secret")
            XCTAssertEqual(changedID, firstID)
            let stale = try await cloud.call(
                .GET, cloud.identityURL + "/v3/auth/tokens", token: try await cloud.adminToken(), headers: ["X-Subject-Token": token])
            XCTAssertEqual(stale.status, 404, "the old password's tokens are revoked")
            do {
                _ = try await cloud.session().token()
                XCTFail("the old password no longer works")
            } catch let error as ServiceClientError {
                XCTAssertEqual(error.status, 401)
            }
            var rotated = cloud.credentials
            rotated.password = "rotated-secret"
            _ = try await ServiceSession(credentials: rotated).token()
        }
    }
}
