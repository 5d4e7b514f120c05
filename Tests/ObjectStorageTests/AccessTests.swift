import HTTPTypes
import Hummingbird
import NIOCore
import XCTest

@testable import ObjectStorage

/// Container ACLs and temporary URL signatures (expected signatures computed with Python's
/// `hmac` module, as Swift computes them).
final class AccessTests: XCTestCase {
    func testContainerACLElements() {
        let bob = ProxyIdentity(account: "AUTH_pB", isResellerAdmin: false, aclNames: ["pB:bob", "pB:*", "*:bob"])
        let read = ContainerACL("pB:*, .rlistings")
        XCTAssertTrue(read.allowsObjectRead(bob))
        XCTAssertTrue(read.allowsListing(bob))
        XCTAssertFalse(read.allowsObjectRead(nil), "no referrer rule: anonymous callers are not granted")
        let publicRead = ContainerACL(".r:*")
        XCTAssertTrue(publicRead.allowsObjectRead(nil))
        XCTAssertFalse(publicRead.allowsListing(nil), "listing needs .rlistings too")
        XCTAssertTrue(ContainerACL(".r:*,.rlistings").allowsListing(nil))
        XCTAssertFalse(ContainerACL("pC:*").grants(bob))
        XCTAssertTrue(ContainerACL("*:*").grants(bob))
        XCTAssertFalse(ContainerACL(nil).grants(bob))
    }

    func testTempURLSignatures() throws {
        let path = "/v1/AUTH_test/c/o"
        let now: Int64 = 1_800_000_000
        func url(_ sig: String, prefix: String? = nil) throws -> TempURL {
            var query = ["temp_url_sig": sig, "temp_url_expires": "1893456000"]
            if let prefix { query["temp_url_prefix"] = prefix }
            return try XCTUnwrap(TempURL(query: query))
        }
        let sha1 = try url("4b038f3324e6c36a4ab0f676adb08242aada4b33")
        XCTAssertTrue(sha1.isValid(method: "GET", path: path, keys: ["other", "secret"], now: now))
        XCTAssertTrue(sha1.isValid(method: "HEAD", path: path, keys: ["secret"], now: now), "HEAD rides on a GET signature")
        XCTAssertFalse(sha1.isValid(method: "PUT", path: path, keys: ["secret"], now: now))
        XCTAssertFalse(sha1.isValid(method: "GET", path: "/v1/AUTH_test/c/p", keys: ["secret"], now: now))
        XCTAssertFalse(sha1.isValid(method: "GET", path: path, keys: ["wrong"], now: now))
        XCTAssertFalse(sha1.isValid(method: "GET", path: path, keys: ["secret"], now: 1_893_456_001), "expired")
        let sha256 = try url("1ef0ea3f64434d5c0b699f162b15d9c258a111e6b6121f0922b9e9c3fbdbb699")
        XCTAssertTrue(sha256.isValid(method: "GET", path: path, keys: ["secret"], now: now))
        let sha512 = try url("sha512:zzeZ6ohhLu1oZzhucg3sJtmPxjnl-vWb-LGMMfSZl1t3j5Cq_WbJOASbo6GADKQla4nzDrFQ4xLd-EnfRsjlXQ")
        XCTAssertTrue(sha512.isValid(method: "GET", path: path, keys: ["secret"], now: now))
        let prefixed = try url("605406f4e117cdc8df112fa1ab870a8b4486547a08466a1321e169a9056922df", prefix: "pre")
        XCTAssertTrue(prefixed.isValid(method: "GET", path: "/v1/AUTH_test/c/prefix/file", keys: ["secret"], now: now))
        XCTAssertFalse(prefixed.isValid(method: "GET", path: "/v1/AUTH_test/c/other", keys: ["secret"], now: now))
        XCTAssertNil(TempURL(query: ["temp_url_sig": "x"]))
    }
}

/// The gatekeeper: what a client sends never sets system metadata or backend headers.
final class GatekeeperTests: XCTestCase {
    func testClientSystemMetadataAndBackendHeadersAreDropped() {
        var fields = HTTPFields()
        fields[HTTPField.Name("X-Container-Sysmeta-Versions-Location")!] = "elsewhere"
        fields[HTTPField.Name("X-Object-Sysmeta-Slo-Size")!] = "1"
        fields[HTTPField.Name("X-Backend-Replication")!] = "True"
        fields[HTTPField.Name("X-Container-Meta-Color")!] = "blue"
        let head = HTTPRequest(method: .post, scheme: "http", authority: "proxy", path: "/v1/AUTH_test/c", headerFields: fields)
        let cleaned = ProxyServer.withoutSystemMetadata(Request(head: head, body: RequestBody(buffer: ByteBuffer())))
        XCTAssertEqual(cleaned.headers.map(\.name.canonicalName), ["x-container-meta-color"])
    }
}
