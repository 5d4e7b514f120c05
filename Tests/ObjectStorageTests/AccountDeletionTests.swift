import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import StratusKit
import XCTest

@testable import ObjectStorage

/// Account PUT and DELETE through the proxy (`allow_account_management`), and what a deleted
/// account answers afterwards.
final class AccountDeletionTests: XCTestCase {
    static let users = "test:tester:testing:.admin,reseller:admin:adminpw:.reseller_admin"

    func testAccountManagementIsOffByDefault() async throws {
        try await ProxyTests.withProxy(tempAuthUsers: Self.users) { client in
            let reseller = try await ProxyCaller.signIn(client, "reseller:admin", "adminpw")
            for method in [HTTPRequest.Method.delete, .put] {
                let response = try await reseller.call(method, "/v1/AUTH_test")
                XCTAssertEqual(response.status, .methodNotAllowed, "\(method)")
                XCTAssertEqual(response.headers[.allow], "GET, HEAD, OPTIONS, POST")
            }
            let anonymous = try await ProxyCaller(client: client, token: nil).call(.delete, "/v1/AUTH_test")
            XCTAssertEqual(anonymous.status, .methodNotAllowed, "405 comes before authorization, as in Swift")
        }
    }

    func testOnlyResellerAdminsDeleteAccounts() async throws {
        try await ProxyTests.withProxy(tempAuthUsers: Self.users, allowAccountManagement: true, tokenValidator: FixedKeystone()) { client in
            let owner = try await ProxyCaller.signIn(client, "test:tester", "testing")
            let reseller = try await ProxyCaller.signIn(client, "reseller:admin", "adminpw")
            let keystoneOwner = ProxyCaller(client: client, token: "member-pK")

            var response = try await reseller.call(.delete, "/v1/AUTH_test")
            XCTAssertEqual(response.status, .notFound, "an account never written cannot be deleted")

            // Creating accounts: reseller admins, and Keystone owners their own (keystoneauth);
            // a TempAuth owner may not PUT its account (tempauth).
            response = try await owner.call(.put, "/v1/AUTH_test")
            XCTAssertEqual(response.status, .forbidden)
            response = try await reseller.call(.put, "/v1/AUTH_test", headers: ["X-Account-Meta-Plan": "gold"])
            XCTAssertEqual(response.status, .created)
            response = try await reseller.call(.put, "/v1/AUTH_test")
            XCTAssertEqual(response.status, .accepted)
            response = try await owner.call(.head, "/v1/AUTH_test")
            XCTAssertEqual(response.headers["X-Account-Meta-Plan"], "gold")
            response = try await keystoneOwner.call(.put, "/v1/AUTH_pK")
            XCTAssertEqual(response.status, .created)
            response = try await keystoneOwner.call(.put, "/v1/AUTH_pOther")
            XCTAssertEqual(response.status, .forbidden)

            // Deleting: reseller admins only.
            response = try await owner.call(.put, "/v1/AUTH_test/photos")
            XCTAssertEqual(response.status, .created)
            response = try await owner.call(.put, "/v1/AUTH_test/photos/cat.jpg", body: "meow")
            XCTAssertEqual(response.status, .created)
            response = try await owner.call(.delete, "/v1/AUTH_test")
            XCTAssertEqual(response.status, .forbidden, "an owner does not delete its own account")
            response = try await keystoneOwner.call(.delete, "/v1/AUTH_pK")
            XCTAssertEqual(response.status, .forbidden)
            response = try await ProxyCaller(client: client, token: nil).call(.delete, "/v1/AUTH_test")
            XCTAssertEqual(response.status, .unauthorized)
            response = try await reseller.call(.delete, "/v1/AUTH_test?multipart-manifest=delete")
            XCTAssertEqual(response.status, .badRequest, "no query string on an account DELETE")
            response = try await reseller.call(.delete, "/v1/AUTH_test")
            XCTAssertEqual(response.status, .noContent)

            // A deleted account: 410 to reads, 404 to writes, never created again.
            for caller in [owner, reseller] {
                response = try await caller.call(.head, "/v1/AUTH_test")
                XCTAssertEqual(response.status, .gone)
                XCTAssertEqual(response.headers["X-Account-Status"], "Deleted")
                response = try await caller.call(.get, "/v1/AUTH_test?format=json")
                XCTAssertEqual(response.status, .gone)
            }
            response = try await owner.call(.post, "/v1/AUTH_test", headers: ["X-Account-Meta-Color": "red"])
            XCTAssertEqual(response.status, .notFound)
            response = try await owner.call(.put, "/v1/AUTH_test/more")
            XCTAssertEqual(response.status, .notFound)
            for method in [HTTPRequest.Method.head, .get, .post, .delete] {
                response = try await owner.call(method, "/v1/AUTH_test/photos")
                XCTAssertEqual(response.status, .notFound, "container \(method)")
            }
            response = try await owner.call(.put, "/v1/AUTH_test/photos/dog.jpg", body: "woof")
            XCTAssertEqual(response.status, .notFound, "objects are not written into a deleted account")
            response = try await reseller.call(.put, "/v1/AUTH_test")
            XCTAssertEqual(response.status, .forbidden, "Recently deleted: not even a reseller admin makes it again")
            response = try await reseller.call(.delete, "/v1/AUTH_test")
            XCTAssertEqual(response.status, .notFound, "deleted already")
            response = try await keystoneOwner.call(.head, "/v1/AUTH_pK")
            XCTAssertEqual(response.status, .noContent, "other accounts are untouched")

            // A Keystone token with the ResellerAdmin role deletes accounts too.
            let keystoneReseller = ProxyCaller(client: client, token: "reseller")
            response = try await keystoneReseller.call(.delete, "/v1/AUTH_pK")
            XCTAssertEqual(response.status, .noContent)
            response = try await keystoneOwner.call(.get, "/v1/AUTH_pK")
            XCTAssertEqual(response.status, .gone)
        }
    }
}
