import HTTPTypes
import StratusKit
import XCTest

@testable import Compute

/// Keypairs: generation, import, fingerprints, duplicates, per-user visibility, paging.
final class KeypairTests: XCTestCase {
    /// An Ed25519 key and the MD5 fingerprint `ssh-keygen -l -E md5` reports for it.
    static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFVPgszc1TU3FFZvUq5ZmxOFRgV7o/5V1Bynn+OfMnwP fixture"
    static let ed25519Fingerprint = "91:de:ad:e4:3f:77:08:9e:33:29:20:da:90:39:2c:39"
    /// A self-signed certificate and its SHA-1 fingerprint as `openssl x509 -fingerprint -sha1` reports it.
    static let certificate = """
        -----BEGIN CERTIFICATE-----
        MIICCjCCAXOgAwIBAgIUbU8BzwUky+he6oga86hLqDPkYm0wDQYJKoZIhvcNAQEL
        BQAwFzEVMBMGA1UEAwwMc3RyYXR1cy10ZXN0MB4XDTI2MTEyNDE0MTkzMFoXDTM2
        MTEyMTE0MTkzMFowFzEVMBMGA1UEAwwMc3RyYXR1cy10ZXN0MIGfMA0GCSqGSIb3
        DQEBAQUAA4GNADCBiQKBgQCd06INAfw9gXlSZaAJEnN9Zbuj9z+u9N9joW1Ebqi3
        VrP7zkBWKkOqSbQQY2r5X+BIZR0IsuH0MqFcMT5iBKLkA53yWlmiTd/PZ1Aw0458
        zC4TMAUedNHuQo2Ebr9bcozvWHTmFj/EL2l9B3QXxzU2D8JNna3VatBS7udSLPJl
        BQIDAQABo1MwUTAdBgNVHQ4EFgQUsSS1vFT7XRzqP3mp0IdJJkRXbD0wHwYDVR0j
        BBgwFoAUsSS1vFT7XRzqP3mp0IdJJkRXbD0wDwYDVR0TAQH/BAUwAwEB/zANBgkq
        hkiG9w0BAQsFAAOBgQBF42avTVwNyP75YPPdlZI6+NaLfVZZgydC3zISaOeUVnfU
        CaYUFCHzB7H/tKsAO/gir1ce0EV7iYDNKF1m0U8KgZ56jzPNr1Eh+d7vS4nN7leD
        rrnaDbmw0FomE6cosXkrZn2tP5iyhE189cIZ+FGYvEXgGAo7pM9vxBbridYbyQ==
        -----END CERTIFICATE-----
        """
    static let certificateFingerprint = "36:d9:ae:b6:ef:89:7b:f0:51:79:c7:a0:ee:d2:83:65:ab:9a:17:b4"

    func testGenerateReturnsPrivateKeyOnceBelow292() async throws {
        try await ComputeTestCloud.run { cloud in
            let created = try await cloud.call(.post, "/v2.1/os-keypairs", version: "2.91", json: ["keypair": ["name": "gen"]])
            XCTAssertEqual(created.status, .created)
            let keypair = try XCTUnwrap(created.json?["keypair"])
            let privateKey = try XCTUnwrap(keypair["private_key"]?.stringValue)
            XCTAssertTrue(privateKey.hasPrefix("-----BEGIN RSA PRIVATE KEY-----"))
            let publicKey = try XCTUnwrap(keypair["public_key"]?.stringValue)
            XCTAssertTrue(publicKey.hasPrefix("ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB"), "RSA with exponent 65537")
            XCTAssertEqual(keypair["type"]?.stringValue, "ssh")
            let fingerprint = try XCTUnwrap(keypair["fingerprint"]?.stringValue)
            XCTAssertEqual(fingerprint.split(separator: ":").count, 16)

            let reimported = try await cloud.call(
                .post, "/v2.1/os-keypairs", json: ["keypair": ["name": "again", "public_key": .string(publicKey)]])
            XCTAssertEqual(reimported.json?["keypair"]?["fingerprint"]?.stringValue, fingerprint)

            let shown = try await cloud.call(.get, "/v2.1/os-keypairs/gen")
            XCTAssertNil(shown.json?["keypair"]?["private_key"], "the private key is never stored")
            XCTAssertEqual(shown.json?["keypair"]?["public_key"]?.stringValue, publicKey)
            XCTAssertEqual(shown.json?["keypair"]?["deleted"]?.boolValue, false)
            XCTAssertNotNil(shown.json?["keypair"]?["id"]?.intValue)

            let v21 = try await cloud.call(.post, "/v2.1/os-keypairs", version: "2.1", json: ["keypair": ["name": "old"]])
            XCTAssertEqual(v21.status, .ok, "200 below 2.2")
            XCTAssertNil(v21.json?["keypair"]?["type"])
            let v292 = try await cloud.call(.post, "/v2.1/os-keypairs", version: "2.92", json: ["keypair": ["name": "new"]])
            XCTAssertEqual(v292.status, .badRequest, "no generation from 2.92")
        }
    }

    func testImportComputesNovaFingerprints() async throws {
        try await ComputeTestCloud.run { cloud in
            let ssh = try await cloud.call(
                .post, "/v2.1/os-keypairs", json: ["keypair": ["name": "laptop", "public_key": .string(Self.ed25519)]])
            XCTAssertEqual(ssh.status, .created)
            XCTAssertEqual(ssh.json?["keypair"]?["fingerprint"]?.stringValue, Self.ed25519Fingerprint)
            XCTAssertNil(ssh.json?["keypair"]?["private_key"])
            let x509 = try await cloud.call(
                .post, "/v2.1/os-keypairs",
                json: ["keypair": ["name": "cert", "type": "x509", "public_key": .string(Self.certificate)]])
            XCTAssertEqual(x509.status, .created)
            XCTAssertEqual(x509.json?["keypair"]?["fingerprint"]?.stringValue, Self.certificateFingerprint)
            XCTAssertEqual(x509.json?["keypair"]?["type"]?.stringValue, "x509")

            let invalid = try await cloud.call(
                .post, "/v2.1/os-keypairs", json: ["keypair": ["name": "bad", "public_key": "ssh-rsa not-base64!"]])
            XCTAssertEqual(invalid.status, .badRequest)
            XCTAssertEqual(invalid.message, "Keypair data is invalid: failed to generate fingerprint")
            let mismatched = try await cloud.call(
                .post, "/v2.1/os-keypairs",
                json: ["keypair": ["name": "bad", "public_key": .string(Self.ed25519.replacingOccurrences(of: "ssh-ed25519", with: "ssh-rsa"))]])
            XCTAssertEqual(mismatched.status, .badRequest, "the blob's type has to match")
            let badType = try await cloud.call(
                .post, "/v2.1/os-keypairs", json: ["keypair": ["name": "bad", "type": "pgp", "public_key": .string(Self.ed25519)]])
            XCTAssertEqual(badType.status, .badRequest)
            let badName = try await cloud.call(
                .post, "/v2.1/os-keypairs", version: "2.91", json: ["keypair": ["name": "a@b", "public_key": .string(Self.ed25519)]])
            XCTAssertEqual(badName.status, .badRequest)
            let newName = try await cloud.call(
                .post, "/v2.1/os-keypairs", version: "2.92", json: ["keypair": ["name": "a@b.c", "public_key": .string(Self.ed25519)]])
            XCTAssertEqual(newName.status, .created, "2.92 allows @ and .")
        }
    }

    func testDuplicateNamesConflictPerUser() async throws {
        try await ComputeTestCloud.run { cloud in
            let body: JSONValue = ["keypair": ["name": "k1", "public_key": .string(Self.ed25519)]]
            try await cloud.call(.post, "/v2.1/os-keypairs", json: body)
            let duplicate = try await cloud.call(.post, "/v2.1/os-keypairs", json: body)
            XCTAssertEqual(duplicate.status, .conflict)
            XCTAssertEqual(duplicate.message, "Key pair 'k1' already exists.")
            let member = try await cloud.identity.project("dev")
            let theirs = try await cloud.call(.post, "/v2.1/os-keypairs", json: body, token: member.token)
            XCTAssertEqual(theirs.status, .created, "another user may use the same name")
        }
    }

    func testKeypairsArePerUser() async throws {
        try await ComputeTestCloud.run { cloud in
            let alice = try await cloud.identity.project("alice")
            let bob = try await cloud.identity.project("bob")
            let created = try await cloud.call(
                .post, "/v2.1/os-keypairs", json: ["keypair": ["name": "alice-key", "public_key": .string(Self.ed25519)]],
                token: alice.token)
            let aliceUser = try XCTUnwrap(created.json?["keypair"]?["user_id"]?.stringValue)

            let bobList = try await cloud.call(.get, "/v2.1/os-keypairs", token: bob.token)
            XCTAssertEqual(bobList.json?["keypairs"], [])
            let bobShow = try await cloud.call(.get, "/v2.1/os-keypairs/alice-key", token: bob.token)
            XCTAssertEqual(bobShow.status, .notFound)
            let bobDelete = try await cloud.call(.delete, "/v2.1/os-keypairs/alice-key", token: bob.token)
            XCTAssertEqual(bobDelete.status, .notFound)
            let bobPeek = try await cloud.call(.get, "/v2.1/os-keypairs?user_id=\(aliceUser)", token: bob.token)
            XCTAssertEqual(bobPeek.status, .forbidden, "only admins name another user")
            XCTAssertEqual(bobPeek.message, "Policy doesn't allow os_compute_api:os-keypairs:index to be performed.")
            let bobCreateForAlice = try await cloud.call(
                .post, "/v2.1/os-keypairs",
                json: ["keypair": ["name": "planted", "public_key": .string(Self.ed25519), "user_id": .string(aliceUser)]],
                token: bob.token)
            XCTAssertEqual(bobCreateForAlice.status, .forbidden)

            let aliceList = try await cloud.call(.get, "/v2.1/os-keypairs", token: alice.token)
            XCTAssertEqual(aliceList.json?["keypairs"]?.arrayValue?.first?["keypair"]?["name"]?.stringValue, "alice-key")
            let adminView = try await cloud.call(.get, "/v2.1/os-keypairs?user_id=\(aliceUser)", version: "2.10")
            XCTAssertEqual(adminView.json?["keypairs"]?.arrayValue?.count, 1)
            let adminOwn = try await cloud.call(.get, "/v2.1/os-keypairs")
            XCTAssertEqual(adminOwn.json?["keypairs"], [], "an admin's own list is their own")
            let adminCreate = try await cloud.call(
                .post, "/v2.1/os-keypairs", version: "2.10",
                json: ["keypair": ["name": "given", "public_key": .string(Self.ed25519), "user_id": .string(aliceUser)]])
            XCTAssertEqual(adminCreate.json?["keypair"]?["user_id"]?.stringValue, aliceUser)

            let deleted = try await cloud.call(.delete, "/v2.1/os-keypairs/alice-key", token: alice.token)
            XCTAssertEqual(deleted.status, .noContent)
            let deletedOld = try await cloud.call(
                .delete, "/v2.1/os-keypairs/given?user_id=\(aliceUser)", version: "2.1", token: alice.token)
            XCTAssertEqual(deletedOld.status, .accepted, "202 below 2.2")
            let missing = try await cloud.call(.get, "/v2.1/os-keypairs/alice-key", token: alice.token)
            XCTAssertEqual(missing.message, "Keypair alice-key not found for user \(aliceUser)")
        }
    }

    func testConcurrentCreatesAllSucceed() async throws {
        try await ComputeTestCloud.run { cloud in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        try await cloud.call(
                            .post, "/v2.1/os-keypairs",
                            json: ["keypair": ["name": .string("k\(index)"), "public_key": .string(Self.ed25519)]]
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(statuses, Array(repeating: .created, count: 12))
            let list = try await cloud.call(.get, "/v2.1/os-keypairs")
            let ids = Set(
                try await (0..<12).asyncMap { index in
                    try await cloud.call(.get, "/v2.1/os-keypairs/k\(index)").json?["keypair"]?["id"]?.intValue ?? -1
                })
            XCTAssertEqual(list.json?["keypairs"]?.arrayValue?.count, 12)
            XCTAssertEqual(ids.count, 12, "every keypair has its own id")
        }
    }

    func testPagingFrom235() async throws {
        try await ComputeTestCloud.run { cloud in
            for name in ["c", "a", "b"] {
                try await cloud.call(.post, "/v2.1/os-keypairs", json: ["keypair": ["name": .string(name), "public_key": .string(Self.ed25519)]])
            }
            let first = try await cloud.call(.get, "/v2.1/os-keypairs?limit=2", version: "2.35")
            XCTAssertEqual(first.json?["keypairs"]?.arrayValue?.compactMap { $0["keypair"]?["name"]?.stringValue }, ["a", "b"])
            XCTAssertEqual(
                first.json?["keypairs_links"]?.arrayValue?.first?["href"]?.stringValue, "http://127.0.0.1:8774/v2.1/os-keypairs?limit=2&marker=b")
            let second = try await cloud.call(.get, "/v2.1/os-keypairs?limit=2&marker=b", version: "2.35")
            XCTAssertEqual(second.json?["keypairs"]?.arrayValue?.compactMap { $0["keypair"]?["name"]?.stringValue }, ["c"])
            XCTAssertNil(second.json?["keypairs_links"])
            let unpaged = try await cloud.call(.get, "/v2.1/os-keypairs?limit=2", version: "2.34")
            XCTAssertEqual(unpaged.json?["keypairs"]?.arrayValue?.count, 3, "no paging below 2.35")
            let badMarker = try await cloud.call(.get, "/v2.1/os-keypairs?marker=zz", version: "2.35")
            XCTAssertEqual(badMarker.status, .badRequest)
            let strict = try await cloud.call(.get, "/v2.1/os-keypairs?colour=red", version: "2.75")
            XCTAssertEqual(strict.status, .badRequest, "unknown query parameters are refused from 2.75")
        }
    }
}

extension Sequence {
    /// The results of an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
