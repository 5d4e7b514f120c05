import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import StratusKit

@Suite("Shared building blocks")
struct SupportTests {
    @Test func timestampFormatsAndParses() throws {
        let time = Timestamp(microseconds: 1_446_823_937_893_769)
        #expect(time.iso8601Microseconds == "2015-11-06T15:32:17.893769Z")
        #expect(time.iso8601Seconds == "2015-11-06T15:32:17Z")
        #expect(Timestamp.parse("2015-11-06T15:32:17.893769Z") == time)
        #expect(Timestamp.parse("2015-11-06T15:32:17.893769") == time)
        #expect(Timestamp.parse("2015-11-06T17:32:17.893769+02:00") == time)
        #expect(Timestamp.parse("2015-11-06T15:32:17Z")?.microseconds == 1_446_823_937_000_000)
        #expect(Timestamp.parse("1969-12-31T23:59:59Z")?.microseconds == -1_000_000)
        #expect(Timestamp(microseconds: -1_000_000).iso8601Seconds == "1969-12-31T23:59:59Z")
        #expect(Timestamp(microseconds: -1).iso8601Microseconds == "1969-12-31T23:59:59.999999Z")
        #expect(Timestamp(microseconds: 1_446_823_937_000_042).iso8601NoZone == "2015-11-06T15:32:17.000042")
        #expect(Timestamp(microseconds: 0).iso8601Microseconds == "1970-01-01T00:00:00.000000Z")
        for bad in ["", "2015-13-01T00:00:00Z", "yesterday", "2015-11-06T15:32:17Zjunk"] {
            #expect(Timestamp.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func jsonValueRoundTrip() throws {
        let value: JSONValue = ["a": [1, "two", true, nil], "b": ["c": 1.5]]
        #expect(JSONValue.parse(value.jsonText()) == value)
        #expect(JSONValue.parse("{\"x\": 1") == nil)
        let fields = JSONFields(["name": "n", "count": 3, "tags": ["a"]], name: "thing")
        #expect(try fields.string("name") == "n")
        #expect(throws: APIError.self) { try fields.string("count") }
        #expect(throws: APIError.self) { try fields.requiredString("missing") }
        #expect(try fields.stringArray("tags") == ["a"])
        #expect(fields.extra(excluding: ["name"]).keys.sorted() == ["count", "tags"])
    }

    @Test func databaseURLs() throws {
        #expect(try DatabaseURL(parsing: "sqlite:/tmp/x.db") == .sqlite(path: "/tmp/x.db"))
        let postgres = try DatabaseURL(parsing: "postgres://me:p%40ss@db.example:6543/cloud")
        #expect(postgres == .postgres(host: "db.example", port: 6543, username: "me", password: "p@ss", database: "cloud"))
        #expect(postgres.description == "postgres://me:***@db.example:6543/cloud")
        #expect(throws: ConfigError.self) { try DatabaseURL(parsing: "mysql://x") }
    }

    @Test func configFileAndEnvironment() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("stratus-\(IDGenerator.hex()).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "identity:\n  token_expiration: 600\n  port: 5001\ndatabase:\n  url: sqlite:/x\n".write(toFile: file, atomically: true, encoding: .utf8)
        let config = try StratusConfig.load(
            file: file,
            environment: [
                "STRATUS_IDENTITY_PORT": "5002", "HOME": "/root", "STRATUS_SECURITY_COMPLIANCE_LOCKOUT_DURATION": "60",
            ])
        #expect(try config.int("security_compliance.lockout_duration", default: 0) == 60)
        #expect(try config.int("identity.token_expiration", default: 1) == 600)
        #expect(try config.int("identity.port", default: 1) == 5002)
        #expect(config.string("database.url") == "sqlite:/x")
        #expect(try config.int("identity.missing", default: 7) == 7)
        #expect(throws: ConfigError.self) { try StratusConfig(values: ["a.b": "x"]).int("a.b", default: 0) }
    }

    @Test func serialLockRunsOneAtATime() async throws {
        let lock = AsyncSerialLock()
        let active = ManagedCounter()
        let overlaps = ManagedCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await lock.withLock {
                        if active.next() != 0 { _ = overlaps.next() }
                        try await Task.sleep(for: .milliseconds(1))
                        _ = active.decrement()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(overlaps.current == 0)
        #expect(active.current == 0)
    }

    @Test func sqliteWritesRollBackOnError() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stratus-\(IDGenerator.hex()).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try await StratusDatabase.open(.sqlite(path: path), logger: .init(label: "test"))
        try await database.write { sql in try await sql.raw("CREATE TABLE t (id TEXT PRIMARY KEY)").run() }
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        await #expect(throws: (any Error).self) {
            try await database.write { sql in
                try await sql.raw("INSERT INTO t VALUES ('a')").run()
                throw APIError.badRequest("stop")
            }
        }
        let rows = try await database.read { sql in try await sql.raw("SELECT id FROM t").all().count }
        #expect(rows == 0)
        try await database.write { sql in try await sql.raw("INSERT INTO t VALUES ('a')").run() }
        await #expect(throws: APIError.self) {
            try await database.write { sql in try await sql.raw("INSERT INTO t VALUES ('a')").run() }
        }
        await database.close()
    }
}

@Suite("The standard middleware")
struct MiddlewareTests {
    struct RejectingValidator: TokenValidating {
        func validate(token: String) async throws -> AuthContext {
            guard token == "good" else { throw APIError(.unauthorized, "bad token") }
            return AuthContext(
                userID: "u", userName: "u", userDomainID: "default", userDomainName: "Default", scope: .system,
                roles: [], methods: ["password"], auditIDs: [], issuedAt: .now(), expiresAt: .now())
        }
    }

    struct PlainRenderer: APIErrorRendering {
        func render(_ error: APIError, request: Request) -> Response {
            JSONResponse.make(error.status, ["message": .string(error.message)])
        }
    }

    @Test func requestIDsMetricsAuthAndErrors() async throws {
        let router = Router.stratus(service: "test", errorRenderer: PlainRenderer(), tokenValidator: RejectingValidator())
        router.get("/whoami") { _, context in JSONResponse.make(.ok, ["user": .string(try context.requireAuth().userID)]) }
        router.get("/boom") { _, _ -> Response in throw CancellationError() }
        router.get("/open") { _, _ in JSONResponse.make(.ok, ["open": true]) }
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        try await Application(router: router, logger: logger).test(.router) { client in
            let ok = try await client.execute(uri: "/whoami", method: .get, headers: [HTTPField.Name("X-Auth-Token")!: "good"])
            #expect(ok.status == .ok)
            let id = try #require(ok.headers[HTTPField.Name("x-openstack-request-id")!])
            #expect(id.hasPrefix("req-") && id.count == 40)
            let anonymous = try await client.execute(uri: "/whoami", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[HTTPField.Name("x-openstack-request-id")!] != nil)
            let refused = try await client.execute(uri: "/whoami", method: .get, headers: [HTTPField.Name("X-Auth-Token")!: "bad"])
            #expect(refused.status == .unauthorized)
            #expect(String(buffer: refused.body).contains("bad token"))
            // A public route answers whatever token came along.
            #expect(try await client.execute(uri: "/open", method: .get, headers: [HTTPField.Name("X-Auth-Token")!: "bad"]).status == .ok)
            let missing = try await client.execute(uri: "/nowhere", method: .get)
            #expect(missing.status == .notFound)
            #expect(String(buffer: missing.body).contains("could not be found"))
            let boom = try await client.execute(uri: "/boom", method: .get)
            #expect(boom.status == .internalServerError)
            #expect(!String(buffer: boom.body).contains("Cancellation"))
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            let exposition = String(buffer: metrics.body)
            #expect(exposition.contains(#"stratus_http_requests_total{service="test",method="GET",route="/whoami",status="401"}"#))
            #expect(exposition.contains("stratus_http_request_duration_seconds_bucket"))
        }
    }

    @Test func logLinesCarryMetadataAndHideSecrets() {
        #expect(StructuredLogHandler.quoted("plain") == "plain")
        #expect(StructuredLogHandler.quoted("two words") == "\"two words\"")
        #expect(StructuredLogHandler.quoted("a\r\nb \"c\"") == #""a\r\nb \"c\"""#)
        #expect(StructuredLogHandler.quoted("tab\there \u{1}") == #""tab\there \u0001""#)
        #expect(StructuredLogHandler.redacted.contains("password"))
        var handler = StructuredLogHandler(label: "identity", level: .info)
        handler[metadataKey: "request_id"] = "req-1"
        handler[metadataKey: "hb.request.id"] = "7"
        handler[metadataKey: "status"] = "overridden"
        let event = LogEvent(
            level: .info, message: "request", metadata: ["status": "201", "path": "/v3 x", "password": "hunter2"],
            source: nil, file: #file, function: #function, line: #line)
        #expect(
            String(decoding: handler.line(for: event, at: Timestamp(microseconds: 0)), as: UTF8.self)
                == "1970-01-01T00:00:00.000000Z level=info logger=identity msg=request path=\"/v3 x\" request_id=req-1 status=201\n")
    }
}

@Suite("JSON serialization")
struct JSONSerializationTests {
    @Test func writerWritesMembersInOrderAndEscapes() throws {
        var json = JSONWriter()
        json.object { json in
            json.member("name", "a \"quoted\"\nline")
            json.member("none", nil as String?)
            json.member("flag", false)
            json.member("tags", ["x", "y"])
            json.array("items") { json in
                json.object { json in json.member("id", "1") }
                json.object { json in json.member("id", "2") }
            }
            json.object("nested") { json in json.member("raw", encoded: Array("[1,2]".utf8)) }
            json.array("empty") { _ in }
        }
        #expect(
            String(decoding: json.bytes, as: UTF8.self)
                == #"{"name":"a \"quoted\"\nline","none":null,"flag":false,"tags":["x","y"],"items":[{"id":"1"},{"id":"2"}],"nested":{"raw":[1,2]},"empty":[]}"#)
        let parsed = try JSONValue.parse(bytes: json.bytes)
        #expect(parsed["name"] == "a \"quoted\"\nline")
        #expect(parsed["items"]?.arrayValue?.count == 2)
    }

    @Test func serializesLikeFoundationAndParsesBack() throws {
        let value: JSONValue = [
            "text": "quote \" backslash \\ newline \n tab \t control \u{01} unicode é✓", "int": -42, "double": 1.5,
            "whole": 2.0, "flags": [true, false, nil], "nested": ["b": [], "a": [:]],
        ]
        let text = value.jsonText()
        #expect(text.hasPrefix("{\"double\":1.5,\"flags\":[true,false,null],\"int\":-42,\"nested\":{\"a\":{},\"b\":[]}"))
        #expect(text.contains("\\u0001"))
        let reparsed = try #require(JSONValue.parse(text))
        #expect(reparsed["text"] == value["text"])
        #expect(reparsed["nested"] == value["nested"])
        let foundation = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(foundation?["text"] as? String == value["text"]?.stringValue)
    }
}

@Suite("JSON parsing")
struct JSONParsingTests {
    @Test func parsesWhatFoundationParses() throws {
        let text = #"{"a": [1, -2, 3.5, 1e3, -0.25E-2, true, false, null], "s": "q\"b\\s\/n\nt\tu\u00e9\ud83d\ude00", "e": {}, "l": []}"#
        let value = try #require(JSONValue.parse(text))
        #expect(value["a"] == [1, -2, 3.5, 1000.0, -0.0025, true, false, nil])
        #expect(value["s"] == "q\"b\\s/n\nt\tué😀")
        #expect(value["e"] == [:])
        #expect(value["l"] == [])
        #expect(JSONValue.parse("  \"x\" ") == "x")
        #expect(JSONValue.parse("9223372036854775807") == .int(Int64.max))
        #expect(JSONValue.parse("9223372036854775808") == .double(9223372036854775808))
    }

    @Test(arguments: [
        "", "{", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "01", "1.", ".5", "-", "tru", "nul", "\"unterminated",
        "\"bad \\x escape\"", "\"\\ud83d alone\"", "{\"a\":1} trailing", "\"raw \n newline\"", "[\"\u{7f}\", 1e]",
        "{1: 2}", "'single'",
    ])
    func rejectsMalformedJSON(_ text: String) {
        #expect(JSONValue.parse(text) == nil)
    }

    @Test func limitsNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(JSONValue.parse(deep) == nil)
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(JSONValue.parse(fine) != nil)
    }
}

@Suite("Request ids")
struct RequestIDTests {
    @Test func uniqueUUIDv4Form() throws {
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let id = RequestIDGenerator.next()
            #expect(seen.insert(id).inserted)
            #expect(id.hasPrefix("req-") && id.count == 40)
            let uuid = try #require(UUID(uuidString: String(id.dropFirst(4))))
            #expect(uuid.uuidString.lowercased() == String(id.dropFirst(4)))
            let version = id[id.index(id.startIndex, offsetBy: 4 + 14)]
            #expect(version == "4")
            let variant = id[id.index(id.startIndex, offsetBy: 4 + 19)]
            #expect("89ab".contains(variant))
        }
    }
}
