import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import StratusKit
import XCTest

@testable import ObjectStorage

/// Account ACLs (`X-Account-Access-Control`), as TempAuth honours them.
final class AccountACLTests: XCTestCase {
    func testHeaderValidationAndDisplay() throws {
        XCTAssertNil(AccountACL.problem(in: #"{"admin":["a"],"read-write":[],"read-only":["b","c"]}"#))
        XCTAssertNil(AccountACL.problem(in: ""), "the empty string removes the ACL")
        XCTAssertNil(AccountACL.problem(in: "{}"))
        XCTAssertEqual(AccountACL.problem(in: "not json"), "Syntax error in input ('not json')")
        XCTAssertEqual(AccountACL.problem(in: #"["admin"]"#), #"Syntax error in input ('["admin"]')"#, "a JSON list is not an ACL")
        XCTAssertEqual(AccountACL.problem(in: #"{"owner":["a"]}"#), #"Key "owner" not recognized"#)
        XCTAssertEqual(AccountACL.problem(in: #"{"read-only":"a"}"#), #"Value for key "read-only" must be a list"#)
        XCTAssertEqual(AccountACL.problem(in: #"{"admin":["a",1]}"#), #"Elements of "admin" list must be strings"#)
        XCTAssertEqual(PythonRepr.string("it's"), #""it's""#)

        XCTAssertEqual(
            AccountACL.displayed(stored: #"{ "read-only" : ["b"], "admin": ["é"] }"#), #"{"admin":["\u00e9"],"read-only":["b"]}"#,
            "sorted keys, no spaces, non-ASCII escaped (format_acl)")
        XCTAssertNil(AccountACL.displayed(stored: "{}"))
        XCTAssertNil(AccountACL.displayed(stored: nil))

        let acl = try XCTUnwrap(AccountACL(stored: #"{"admin":["test:boss"],"read-write":["test:bob"],"read-only":["test"]}"#))
        XCTAssertEqual(acl.level(for: ["test", "test:boss"]), .admin, "the strongest level wins")
        XCTAssertEqual(acl.level(for: ["test", "test:bob"]), .readWrite)
        XCTAssertEqual(acl.level(for: ["test", "test:eve"]), .readOnly, "a bare account name grants every user of it")
        XCTAssertNil(acl.level(for: ["other", "other:bob"]))
        XCTAssertNil(AccountACL(stored: #"{"admin":[]}"#), "an ACL that grants nobody is none")
    }

    /// The TempAuth users: the owner, three users of the same account (no `.admin`) and the
    /// owner of another account.
    static let users = [
        "test:tester:testing:.admin", "test:reader:readerpw", "test:writer:writerpw", "test:helper:helperpw",
        "other:outsider:outsiderpw:.admin",
    ].joined(separator: ",")

    static let acl = #"{"read-only":["test:reader"],"read-write":["test:writer"],"admin":["test:helper"]}"#

    func testGrantsOfEachLevel() async throws {
        try await ProxyTests.withProxy(tempAuthUsers: Self.users, tokenValidator: FixedKeystone()) { client in
            let owner = try await ProxyCaller.signIn(client, "test:tester", "testing")
            let reader = try await ProxyCaller.signIn(client, "test:reader", "readerpw")
            let writer = try await ProxyCaller.signIn(client, "test:writer", "writerpw")
            let helper = try await ProxyCaller.signIn(client, "test:helper", "helperpw")
            let outsider = try await ProxyCaller.signIn(client, "other:outsider", "outsiderpw")
            let account = "/v1/AUTH_test"

            var response = try await owner.call(.put, account + "/shared", headers: ["X-Container-Read": "other:outsider"])
            XCTAssertEqual(response.status, .created)
            response = try await owner.call(.put, account + "/shared/hello.txt", body: "hello")
            XCTAssertEqual(response.status, .created)
            response = try await owner.call(
                .post, account, headers: ["X-Account-Meta-Temp-Url-Key": "secret", "X-Account-Meta-Color": "blue"])
            XCTAssertEqual(response.status, .noContent)
            for caller in [reader, writer, helper] {
                response = try await caller.call(.get, account)
                XCTAssertEqual(response.status, .forbidden, "no ACL yet: users without .admin have no access")
            }

            // Only owners set the ACL; what they set is checked first.
            response = try await reader.call(.post, account, headers: [AccountACL.headerName: Self.acl])
            XCTAssertEqual(response.status, .forbidden)
            response = try await reader.call(.post, account, headers: [AccountACL.headerName: "{not json"])
            XCTAssertEqual(response.status, .badRequest, "TempAuth checks the header before anything else")
            response = try await owner.call(.post, account, headers: [AccountACL.headerName: #"{"read-only":"test:reader"}"#])
            XCTAssertEqual(response.status, .badRequest)
            XCTAssertEqual(
                response.text,
                "X-Account-Access-Control invalid: Value for key \"read-only\" must be a list\n\nInput: {\"read-only\":\"test:reader\"}\n")
            response = try await owner.call(.post, account, headers: [AccountACL.headerName: #"{"owner":["test:reader"]}"#])
            XCTAssertEqual(response.status, .badRequest)
            XCTAssertTrue(response.text.contains(#"Key "owner" not recognized"#), response.text)
            response = try await owner.call(.post, account, headers: [AccountACL.sysmetaName: Self.acl])
            XCTAssertEqual(response.status, .noContent)
            response = try await reader.call(.get, account)
            XCTAssertEqual(response.status, .forbidden, "system metadata sent by a client is dropped (gatekeeper)")

            response = try await owner.call(.post, account, headers: [AccountACL.headerName: Self.acl])
            XCTAssertEqual(response.status, .noContent)
            response = try await owner.call(.head, account)
            XCTAssertEqual(
                response.headers[AccountACL.headerName],
                #"{"admin":["test:helper"],"read-only":["test:reader"],"read-write":["test:writer"]}"#,
                "owners see the ACL, normalized")
            XCTAssertEqual(response.headers["X-Account-Meta-Temp-Url-Key"], "secret")
            XCTAssertNil(response.headers[AccountACL.sysmetaName])

            // read-only: reads everywhere, owner-only headers hidden, no writes.
            response = try await reader.call(.head, account)
            XCTAssertEqual(response.status, .noContent)
            XCTAssertEqual(response.headers["X-Account-Meta-Color"], "blue")
            XCTAssertNil(response.headers["X-Account-Meta-Temp-Url-Key"], "temporary URL keys are for owners")
            XCTAssertNil(response.headers[AccountACL.headerName], "the ACL is for owners")
            response = try await reader.call(.get, account)
            XCTAssertEqual(response.text, "shared\n")
            response = try await reader.call(.head, account + "/shared")
            XCTAssertEqual(response.status, .noContent)
            XCTAssertNil(response.headers["X-Container-Read"], "container ACLs are for owners")
            response = try await reader.call(.get, account + "/shared")
            XCTAssertEqual(response.text, "hello.txt\n")
            response = try await reader.call(.get, account + "/shared/hello.txt")
            XCTAssertEqual(response.text, "hello")
            response = try await reader.call(.put, account + "/shared/new.txt", body: "x")
            XCTAssertEqual(response.status, .forbidden)
            response = try await reader.call(.delete, account + "/shared/hello.txt")
            XCTAssertEqual(response.status, .forbidden)
            response = try await reader.call(.put, account + "/mine")
            XCTAssertEqual(response.status, .forbidden)
            response = try await reader.call(.post, account, headers: ["X-Account-Meta-Color": "red"])
            XCTAssertEqual(response.status, .forbidden)

            // read-write: containers and objects, but the account itself only for reading.
            response = try await writer.call(.put, account + "/shared/new.txt", body: "from the writer")
            XCTAssertEqual(response.status, .created)
            response = try await writer.call(.copy, account + "/shared/new.txt", headers: ["Destination": "/shared/copy.txt"])
            XCTAssertEqual(response.status, .created, "a copy inside the account")
            response = try await writer.call(.delete, account + "/shared/copy.txt")
            XCTAssertEqual(response.status, .noContent)
            response = try await writer.call(.put, account + "/made-by-writer", headers: ["X-Container-Read": ".r:*"])
            XCTAssertEqual(response.status, .created)
            response = try await owner.call(.head, account + "/made-by-writer")
            XCTAssertNil(response.headers["X-Container-Read"], "owner-only headers of other callers are dropped")
            response = try await writer.call(.post, account + "/made-by-writer", headers: ["X-Container-Meta-Kind": "scratch"])
            XCTAssertEqual(response.status, .noContent)
            response = try await writer.call(.delete, account + "/made-by-writer")
            XCTAssertEqual(response.status, .noContent)
            response = try await writer.call(.get, account)
            XCTAssertEqual(response.status, .ok)
            response = try await writer.call(.post, account, headers: ["X-Account-Meta-Color": "red"])
            XCTAssertEqual(response.status, .forbidden)
            response = try await writer.call(.post, account, headers: [AccountACL.headerName: #"{"admin":["test:writer"]}"#])
            XCTAssertEqual(response.status, .forbidden, "an ACL never lets a non-admin set ACLs")

            // admin: as the owner.
            response = try await helper.call(.head, account)
            XCTAssertEqual(response.headers["X-Account-Meta-Temp-Url-Key"], "secret")
            XCTAssertNotNil(response.headers[AccountACL.headerName])
            response = try await helper.call(.head, account + "/shared")
            XCTAssertEqual(response.headers["X-Container-Read"], "other:outsider")

            // Someone else's account stays closed; the container ACL still works as before.
            response = try await outsider.call(.get, account)
            XCTAssertEqual(response.status, .forbidden)
            response = try await outsider.call(.get, account + "/shared/hello.txt")
            XCTAssertEqual(response.status, .ok)
            response = try await outsider.call(.put, account + "/shared/x", body: "x")
            XCTAssertEqual(response.status, .forbidden)
            response = try await ProxyCaller(client: client, token: nil).call(.get, account)
            XCTAssertEqual(response.status, .unauthorized)

            // Admins change the ACL too; the empty ACL takes every grant away.
            response = try await helper.call(.post, account, headers: [AccountACL.headerName: #"{"read-only":["test:writer"]}"#])
            XCTAssertEqual(response.status, .noContent)
            response = try await writer.call(.put, account + "/shared/again.txt", body: "x")
            XCTAssertEqual(response.status, .forbidden, "the writer is a reader now")
            response = try await writer.call(.get, account + "/shared/new.txt")
            XCTAssertEqual(response.text, "from the writer")
            response = try await owner.call(.post, account, headers: [AccountACL.headerName: "{}"])
            XCTAssertEqual(response.status, .noContent)
            response = try await owner.call(.head, account)
            XCTAssertNil(response.headers[AccountACL.headerName])
            for caller in [reader, writer, helper] {
                response = try await caller.call(.get, account + "/shared/hello.txt")
                XCTAssertEqual(response.status, .forbidden)
            }
        }
    }

    /// keystoneauth does not read account ACLs: a Keystone token named in one gets nothing.
    func testKeystoneTokensAreNotGrantedByAccountACLs() async throws {
        try await ProxyTests.withProxy(tempAuthUsers: Self.users, tokenValidator: FixedKeystone()) { client in
            let owner = try await ProxyCaller.signIn(client, "test:tester", "testing")
            let keystone = ProxyCaller(client: client, token: "member-pB")
            var response = try await keystone.call(.head, "/v1/AUTH_pB")
            XCTAssertEqual(response.status, .noContent, "the token owns its project's account")
            response = try await owner.call(.put, "/v1/AUTH_test/shared")
            XCTAssertEqual(response.status, .created)
            let grantees = #"{"read-write":["pB","pB:user-pB","*:user-pB","pB:*","AUTH_pB"]}"#
            response = try await owner.call(.post, "/v1/AUTH_test", headers: [AccountACL.headerName: grantees])
            XCTAssertEqual(response.status, .noContent)
            for path in ["/v1/AUTH_test", "/v1/AUTH_test/shared"] {
                response = try await keystone.call(.get, path)
                XCTAssertEqual(response.status, .forbidden, path)
            }
            // A Keystone owner sets an ACL on its own account: kept and shown (for TempAuth users).
            response = try await keystone.call(.post, "/v1/AUTH_pB", headers: [AccountACL.headerName: #"{"read-only":["test:reader"]}"#])
            XCTAssertEqual(response.status, .noContent)
            response = try await keystone.call(.head, "/v1/AUTH_pB")
            XCTAssertEqual(response.headers[AccountACL.headerName], #"{"read-only":["test:reader"]}"#)
            let reader = try await ProxyCaller.signIn(client, "test:reader", "readerpw")
            response = try await reader.call(.get, "/v1/AUTH_pB")
            XCTAssertEqual(response.status, .noContent)
            response = try await reader.call(.put, "/v1/AUTH_pB/c")
            XCTAssertEqual(response.status, .forbidden)
        }
    }
}
