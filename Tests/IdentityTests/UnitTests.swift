import Foundation
import NIOCore
import StratusKit
import Testing

@testable import Identity

@Suite("Token and password building blocks")
struct UnitTests {
    @Test func fernetRoundTripAndTamper() throws {
        let key = try #require(FernetKey(base64: FernetKey.generateEncoded()))
        let other = try #require(FernetKey(base64: FernetKey.generateEncoded()))
        let token = try key.seal(Array("hello".utf8), timestamp: 1_700_000_000)
        let raw = try #require(Base64URL.decode(token))
        let opened = try #require(key.open(raw))
        #expect(opened.payload == Array("hello".utf8))
        #expect(opened.timestamp == 1_700_000_000)
        #expect(other.open(raw) == nil)
        var tampered = raw
        tampered[30] ^= 1
        #expect(key.open(tampered) == nil)
        #expect(FernetKey(base64: "too-short") == nil)
    }

    /// A token from the Fernet specification's test vectors must open with its key.
    @Test func fernetSpecificationVector() throws {
        let key = try #require(FernetKey(base64: "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="))
        let token = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="
        let raw = try #require(Base64URL.decode(token))
        let opened = try #require(key.open(raw))
        #expect(String(decoding: opened.payload, as: UTF8.self) == "hello")
        #expect(opened.timestamp == 499_162_800)
    }

    @Test func payloadRoundTrip() throws {
        let payload = TokenPayload(
            userID: "u1", methods: ["password", "token"], scope: .project("p1"), issuedAt: Timestamp(microseconds: 123),
            expiresAt: Timestamp(microseconds: 456), auditIDs: ["a", "b"], applicationCredentialID: "ac")
        #expect(TokenPayload(decoding: payload.encoded()) == payload)
        #expect(TokenPayload(decoding: Array(payload.encoded().dropLast())) == nil)
        #expect(TokenPayload(decoding: []) == nil)
    }

    @Test func keyRepositoryRotation() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(IDGenerator.hex())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let repository = FernetKeyRepository(directory: directory, maxActiveKeys: 3)
        try repository.setUpIfNeeded()
        #expect(Set(repository.heldIndexes) == [0, 1])
        let staged = try String(contentsOfFile: directory + "/0", encoding: .utf8)
        #expect(try repository.rotate() == [0, 1, 2])
        #expect(try String(contentsOfFile: directory + "/2", encoding: .utf8) == staged)
        #expect(repository.heldIndexes.first == 2)
        #expect(try repository.rotate() == [0, 2, 3])
    }

    @Test(arguments: [PasswordHashAlgorithm.bcrypt, .pbkdf2Sha512, .scrypt])
    func passwordHashing(_ algorithm: PasswordHashAlgorithm) throws {
        let rounds: Int? = switch algorithm {
        case .bcrypt: 4
        case .pbkdf2Sha512: 1000
        case .scrypt: 10
        }
        let hash = try PasswordHasher.hashNow("correct horse", algorithm: algorithm, rounds: rounds)
        #expect(!hash.contains("correct"))
        #expect(PasswordHasher.verifyNow("correct horse", hash: hash))
        #expect(!PasswordHasher.verifyNow("wrong horse", hash: hash))
    }

    @Test func revocationMatching() {
        let list = RevocationList()
        let payload = TokenPayload(
            userID: "u1", methods: ["password"], scope: .project("p1"), issuedAt: Timestamp(microseconds: 100),
            expiresAt: Timestamp(microseconds: 1000), auditIDs: ["a1", "chain"], applicationCredentialID: nil)
        #expect(!list.isRevoked(payload, projectDomainID: "d"))
        list.add(event(userID: "u2", before: 200))
        #expect(!list.isRevoked(payload, projectDomainID: "d"))
        list.add(event(auditID: "chain", before: 200))
        #expect(!list.isRevoked(payload, projectDomainID: "d"))
        list.add(event(userID: "u1", projectID: "p1", before: 50))
        #expect(!list.isRevoked(payload, projectDomainID: "d"))
        list.add(event(domainID: "d", before: 100))
        #expect(list.isRevoked(payload, projectDomainID: "d"))
    }
}

/// A revocation event with only the given fields set.
private func event(
    userID: String? = nil, projectID: String? = nil, domainID: String? = nil, auditID: String? = nil, before: Int64
) -> RevocationEvent {
    RevocationEvent(
        id: IDGenerator.hex(), userID: userID, projectID: projectID, domainID: domainID, auditID: auditID,
        issuedBefore: Timestamp(microseconds: before), revokedAt: Timestamp(microseconds: before))
}

@Suite("Base64URL")
struct Base64URLTests {
    @Test func matchesFoundation() {
        for length in 0..<40 {
            let bytes = IDGenerator.randomBytes(length)
            #expect(bytes.count == length)
            let standard = Data(bytes).base64EncodedString()
            let urlSafe = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            #expect(Base64URL.encode(bytes, padded: true) == urlSafe)
            #expect(Base64URL.encode(bytes, padded: false) == urlSafe.replacingOccurrences(of: "=", with: ""))
            #expect(Base64URL.decode(urlSafe) == bytes)
            #expect(Base64URL.decode(standard) == bytes)
        }
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("ab!d") == nil)
    }
}

@Suite("Catalog URL variables")
struct CatalogSubstitutionTests {
    @Test func projectAndUserVariablesAreFilledOrTheEndpointLeftOut() {
        let template: JSONValue = [
            [
                "type": "object-store",
                "endpoints": [
                    ["interface": "public", "url": "http://127.0.0.1:8080/v1/AUTH_$(project_id)s"],
                    ["interface": "internal", "url": "http://10.0.0.1:8080/v1/AUTH_$(tenant_id)s/$(user_id)s"],
                ],
            ],
            ["type": "image", "endpoints": [["interface": "public", "url": "http://127.0.0.1:9292"]]],
        ]
        let scoped = CatalogProvider.substitute(template, values: ["project_id": "p1", "tenant_id": "p1", "user_id": "u1"])
        let urls = (scoped.arrayValue?.first?["endpoints"]?.arrayValue ?? []).map { $0["url"]?.stringValue }
        #expect(urls == ["http://127.0.0.1:8080/v1/AUTH_p1", "http://10.0.0.1:8080/v1/AUTH_p1/u1"])
        let domainScoped = CatalogProvider.substitute(template, values: ["project_id": nil, "tenant_id": nil, "user_id": "u1"])
        #expect(domainScoped.arrayValue?.first?["endpoints"]?.arrayValue?.count == 0)
        #expect(domainScoped.arrayValue?.last?["endpoints"]?.arrayValue?.first?["url"] == "http://127.0.0.1:9292")
    }

    @Test func theCatalogIsSplicedIntoTheEncodedTokenBody() throws {
        let token: JSONValue = ["token": ["methods": ["password"], "user": ["id": "u1", "name": "admin"]]]
        let catalog: JSONValue = [["type": "image", "endpoints": [["interface": "public", "url": "http://127.0.0.1:9292"]]]]
        var spliced = TokenProvider.splicing(
            catalog: ByteBuffer(bytes: catalog.serialized()), into: ByteBuffer(bytes: token.serialized()))
        let parsed = try JSONValue.parse(bytes: spliced.readBytes(length: spliced.readableBytes) ?? [])
        #expect(parsed["token"]?["catalog"] == catalog)
        #expect(parsed["token"]?["user"]?["id"] == "u1")
        #expect(parsed["token"]?.objectValue?.count == 3)
    }
}
