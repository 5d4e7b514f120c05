import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StratusKit
import XCTest

@testable import ObjectStorage

/// Large objects, server-side copy and bulk operations through the proxy's public v1 API,
/// over live account, container and object servers.
final class ProxyLargeObjectTests: XCTestCase {
    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: ByteBuffer
        var bytes: [UInt8] { Array(buffer: body) }
        var text: String { String(buffer: body) }
        func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
    }

    /// A TempAuth user of `AUTH_test` talking to the proxy.
    struct Session: Sendable {
        let client: any TestClientProtocol
        let token: String

        @discardableResult
        func call(_ method: HTTPRequest.Method, _ path: String, headers extra: [String: String] = [:], body: [UInt8]? = nil)
            async throws -> Answer
        {
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Auth-Token")!] = token
            for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
            return try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) }) {
                Answer(status: $0.status, headers: $0.headers, body: $0.body)
            }
        }

        /// Uploads an object and returns its ETag (MD5 hex).
        @discardableResult
        func put(_ path: String, _ bytes: [UInt8], headers: [String: String] = [:]) async throws -> String {
            let answer = try await call(.put, path, headers: headers, body: bytes)
            XCTAssertEqual(answer.status, .created, "PUT \(path): \(answer.text)")
            return md5(bytes)
        }
    }

    static func withSession(_ body: @Sendable @escaping (Session) async throws -> Void) async throws {
        try await ProxyTests.withProxy { client in
            let session = try await ProxyTests.token(client, user: "test:tester", key: "testing")
            try await body(Session(client: client, token: try XCTUnwrap(session.token)))
        }
    }

    static func md5(_ bytes: some Sequence<UInt8>) -> String {
        var digest = Insecure.MD5()
        digest.update(data: Array(bytes))
        return Hex.lowercase(digest.finalize())
    }

    /// Bytes that differ from one position to the next, so that misplaced ranges show.
    static func pattern(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &+ $0 >> 8) }
    }

    func testDynamicLargeObjectRoundTrip() async throws {
        try await Self.withSession { s in
            do {
                let value = try await s.call(.put, "/v1/AUTH_test/big").status
                XCTAssertEqual(value, .created)
            }
            do {
                let value = try await s.call(.put, "/v1/AUTH_test/big_segments").status
                XCTAssertEqual(value, .created)
            }
            let parts = [Self.pattern(100_000, seed: 1), Self.pattern(70_001, seed: 2), Self.pattern(1, seed: 3)]
            var etags: [String] = []
            for (index, part) in parts.enumerated() {
                etags.append(try await s.put("/v1/AUTH_test/big_segments/file/0000000\(index)", part))
            }
            // Not under the prefix: not part of the object.
            try await s.put("/v1/AUTH_test/big_segments/other/00000000", [1, 2, 3])
            let whole = parts.flatMap { $0 }
            let etag = "\"\(Self.md5(etags.joined().utf8))\""

            let bad = try await s.call(.put, "/v1/AUTH_test/big/file", headers: ["X-Object-Manifest": "big_segments"], body: [])
            XCTAssertEqual(bad.status, .badRequest)
            XCTAssertEqual(bad.text, "X-Object-Manifest must be in the format container/prefix")
            try await s.put("/v1/AUTH_test/big/file", [], headers: ["X-Object-Manifest": "big_segments/file/", "Content-Type": "application/x-test"])

            let get = try await s.call(.get, "/v1/AUTH_test/big/file")
            XCTAssertEqual(get.status, .ok)
            XCTAssertEqual(get.bytes, whole, "the segments in name order")
            XCTAssertEqual(get.header("ETag"), etag, "MD5 of the segments' ETags")
            XCTAssertEqual(get.header("Content-Length"), String(whole.count))
            XCTAssertEqual(get.header("Content-Type"), "application/x-test")
            XCTAssertEqual(get.header("X-Object-Manifest"), "big_segments/file/")
            let head = try await s.call(.head, "/v1/AUTH_test/big/file")
            XCTAssertEqual(head.status, .ok)
            XCTAssertEqual(head.header("ETag"), etag)
            XCTAssertEqual(head.header("Content-Length"), String(whole.count))

            let across = try await s.call(.get, "/v1/AUTH_test/big/file", headers: ["Range": "bytes=99990-100020"])
            XCTAssertEqual(across.status, .partialContent)
            XCTAssertEqual(across.bytes, Array(whole[99990...100020]))
            XCTAssertEqual(across.header("Content-Range"), "bytes 99990-100020/\(whole.count)")
            let suffix = try await s.call(.get, "/v1/AUTH_test/big/file", headers: ["Range": "bytes=-5"])
            XCTAssertEqual(suffix.bytes, Array(whole.suffix(5)))
            let open = try await s.call(.get, "/v1/AUTH_test/big/file", headers: ["Range": "bytes=170000-"])
            XCTAssertEqual(open.bytes, Array(whole[170000...]))
            let unsatisfiable = try await s.call(.get, "/v1/AUTH_test/big/file", headers: ["Range": "bytes=999999-"])
            XCTAssertEqual(unsatisfiable.status, .rangeNotSatisfiable)
            XCTAssertEqual(unsatisfiable.header("Content-Range"), "bytes */\(whole.count)")
            let several = try await s.call(.get, "/v1/AUTH_test/big/file", headers: ["Range": "bytes=0-1,5-6"])
            XCTAssertEqual(several.status, .ok, "a DLO ignores several ranges, as Swift does")
            XCTAssertEqual(several.bytes.count, whole.count)

            let unchanged = try await s.call(.get, "/v1/AUTH_test/big/file", headers: ["If-None-Match": etag])
            XCTAssertEqual(unchanged.status, .notModified)
            let mismatch = try await s.call(.get, "/v1/AUTH_test/big/file", headers: ["If-Match": "\"nope\""])
            XCTAssertEqual(mismatch.status, .preconditionFailed)

            let manifest = try await s.call(.get, "/v1/AUTH_test/big/file?multipart-manifest=get")
            XCTAssertEqual(manifest.status, .ok)
            XCTAssertEqual(manifest.bytes, [], "the manifest object itself")
            XCTAssertEqual(manifest.header("ETag"), "\"\(Self.md5([UInt8]()))\"")

            // Segments added later are part of the object.
            let more = Self.pattern(10, seed: 9)
            try await s.put("/v1/AUTH_test/big_segments/file/00000003", more)
            do {
                let value = try await s.call(.get, "/v1/AUTH_test/big/file").bytes
                XCTAssertEqual(value, whole + more)
            }

            // An empty prefix listing: an empty object.
            try await s.put("/v1/AUTH_test/big/empty", [], headers: ["X-Object-Manifest": "big_segments/none/"])
            let empty = try await s.call(.get, "/v1/AUTH_test/big/empty")
            XCTAssertEqual(empty.status, .ok)
            XCTAssertEqual(empty.header("Content-Length"), "0")
            XCTAssertEqual(empty.header("ETag"), "\"\(Self.md5([UInt8]()))\"")
        }
    }

    func testStaticLargeObjectRoundTrip() async throws {
        try await Self.withSession { s in
            for container in ["slo", "segs"] {
                let value = try await s.call(.put, "/v1/AUTH_test/\(container)").status
                XCTAssertEqual(value, .created)
            }
            let one = Self.pattern(200_000, seed: 4)
            let two = Self.pattern(150_000, seed: 5)
            let three = Self.pattern(50_000, seed: 6)
            let etagOne = try await s.put("/v1/AUTH_test/segs/one", one)
            let etagTwo = try await s.put("/v1/AUTH_test/segs/two", two)
            let etagThree = try await s.put("/v1/AUTH_test/segs/three", three)
            let manifest = """
                [{"path": "/segs/one", "etag": "\(etagOne)", "size_bytes": 200000},
                 {"path": "segs/two", "etag": null},
                 {"path": "/segs/three", "size_bytes": "50000", "range": "100-49999"},
                 {"data": "\(Data("tail".utf8).base64EncodedString())"}]
                """
            let put = try await s.call(
                .put, "/v1/AUTH_test/slo/big?multipart-manifest=put", headers: ["Content-Type": "application/x-big"],
                body: Array(manifest.utf8))
            XCTAssertEqual(put.status, .created, put.text)
            let whole = one + two + Array(three[100...]) + Array("tail".utf8)
            let expectedETag = Self.md5((etagOne + etagTwo + "\(etagThree):100-49999;" + Self.md5("tail".utf8)).utf8)
            XCTAssertEqual(put.header("ETag"), "\"\(expectedETag)\"")

            let get = try await s.call(.get, "/v1/AUTH_test/slo/big")
            XCTAssertEqual(get.status, .ok)
            XCTAssertEqual(get.bytes.count, whole.count)
            XCTAssertEqual(get.bytes, whole, "byte-identical concatenation")
            XCTAssertEqual(get.header("ETag"), "\"\(expectedETag)\"")
            XCTAssertEqual(get.header("Content-Type"), "application/x-big", "swift_bytes is not shown")
            XCTAssertEqual(get.header("X-Static-Large-Object"), "True")
            XCTAssertNil(get.header("X-Object-Sysmeta-Slo-Etag"), "system metadata stays inside")
            let head = try await s.call(.head, "/v1/AUTH_test/slo/big")
            XCTAssertEqual(head.header("Content-Length"), String(whole.count))
            XCTAssertEqual(head.header("ETag"), "\"\(expectedETag)\"")

            for range in [(199_990, 200_010), (349_990, 350_100), (0, 0), (whole.count - 3, whole.count - 1)] {
                let partial = try await s.call(.get, "/v1/AUTH_test/slo/big", headers: ["Range": "bytes=\(range.0)-\(range.1)"])
                XCTAssertEqual(partial.status, .partialContent)
                XCTAssertEqual(partial.bytes, Array(whole[range.0...range.1]), "range \(range)")
                XCTAssertEqual(partial.header("Content-Range"), "bytes \(range.0)-\(range.1)/\(whole.count)")
            }
            let multi = try await s.call(.get, "/v1/AUTH_test/slo/big", headers: ["Range": "bytes=0-9,199995-200004"])
            XCTAssertEqual(multi.status, .partialContent)
            let boundary = try XCTUnwrap(multi.header("Content-Type")?.components(separatedBy: "boundary=").last)
            XCTAssertTrue(multi.text.hasSuffix("--\(boundary)--"))
            XCTAssertEqual(Int(multi.header("Content-Length") ?? ""), multi.bytes.count)
            XCTAssertTrue(multi.text.contains("Content-Range: bytes 199995-200004/\(whole.count)\r\n\r\n"))
            do {
                let value = try await s.call(.get, "/v1/AUTH_test/slo/big", headers: ["Range": "bytes=\(whole.count)-"]).status
                XCTAssertEqual(value,
                .rangeNotSatisfiable)
            }

            // The stored manifest and the uploaded form.
            let stored = try await s.call(.get, "/v1/AUTH_test/slo/big?multipart-manifest=get")
            XCTAssertEqual(stored.header("Content-Type"), "application/json; charset=utf-8")
            let entries = try XCTUnwrap(JSONValue.parse(stored.text)?.arrayValue)
            XCTAssertEqual(entries.count, 4)
            XCTAssertEqual(entries[1]["name"], "/segs/two")
            XCTAssertEqual(entries[1]["hash"], .string(etagTwo))
            XCTAssertEqual(entries[1]["bytes"], 150_000)
            XCTAssertEqual(entries[2]["range"], "100-49999")
            let raw = try await s.call(.get, "/v1/AUTH_test/slo/big?multipart-manifest=get&format=raw")
            let rawEntries = try XCTUnwrap(JSONValue.parse(raw.text)?.arrayValue)
            XCTAssertEqual(rawEntries[0]["path"], "/segs/one")
            XCTAssertEqual(rawEntries[0]["size_bytes"], 200_000)

            // The container listing shows the large object's size.
            let listing = try await s.call(.get, "/v1/AUTH_test/slo?format=json")
            let rows = try XCTUnwrap(JSONValue.parse(listing.text)?.arrayValue)
            XCTAssertEqual(rows.first?["bytes"], .int(Int64(whole.count)))
            XCTAssertEqual(rows.first?["content_type"], "application/x-big")

            // An SLO inside an SLO.
            let outer = """
                [{"path": "/slo/big", "etag": "\(expectedETag)", "size_bytes": \(whole.count)}, {"path": "/segs/two"}]
                """
            let nested = try await s.call(.put, "/v1/AUTH_test/slo/outer?multipart-manifest=put", body: Array(outer.utf8))
            XCTAssertEqual(nested.status, .created, nested.text)
            let outerGet = try await s.call(.get, "/v1/AUTH_test/slo/outer", headers: ["Range": "bytes=\(whole.count - 4)-\(whole.count + 9)"])
            XCTAssertEqual(outerGet.bytes, Array(whole.suffix(4)) + Array(two.prefix(10)))

            // A changed first segment: 409 before any byte is sent.
            try await s.put("/v1/AUTH_test/segs/one", Self.pattern(200_000, seed: 99))
            do {
                let value = try await s.call(.get, "/v1/AUTH_test/slo/big").status
                XCTAssertEqual(value, .conflict)
            }
            try await s.put("/v1/AUTH_test/segs/one", one)

            // Deleting with ?multipart-manifest=delete removes the segments, then the manifest.
            let deleted = try await s.call(.delete, "/v1/AUTH_test/slo/big?multipart-manifest=delete")
            XCTAssertEqual(deleted.status, .ok)
            XCTAssertTrue(deleted.text.contains("Number Deleted: 4\n"), deleted.text)
            XCTAssertTrue(deleted.text.contains("Response Status: 200 OK\n"), deleted.text)
            for path in ["segs/one", "segs/two", "segs/three", "slo/big"] {
                do {
                    let value = try await s.call(.head, "/v1/AUTH_test/\(path)").status
                    XCTAssertEqual(value, .notFound, path)
                }
            }
        }
    }

    func testStaticLargeObjectSegmentChecks() async throws {
        try await Self.withSession { s in
            for container in ["slo", "segs"] { try await s.call(.put, "/v1/AUTH_test/\(container)") }
            let etag = try await s.put("/v1/AUTH_test/segs/a", Self.pattern(1000, seed: 1))
            try await s.put("/v1/AUTH_test/segs/tiny", [])
            let manifest = """
                [{"path": "/segs/a", "etag": "0123456789abcdef0123456789abcdef"},
                 {"path": "/segs/a", "size_bytes": 999},
                 {"path": "/segs/missing"},
                 {"path": "/segs/tiny"},
                 {"path": "/segs/a", "etag": "\(etag)", "range": "2000-3000"},
                 {"path": "/segs/a"}]
                """
            let refused = try await s.call(.put, "/v1/AUTH_test/slo/bad?multipart-manifest=put", body: Array(manifest.utf8))
            XCTAssertEqual(refused.status, .badRequest)
            XCTAssertEqual(refused.header("Content-Type"), "text/plain")
            XCTAssertEqual(
                refused.text,
                """
                Errors:
                /segs/a, Etag Mismatch
                /segs/a, Size Mismatch
                /segs/missing, 404 Not Found
                /segs/tiny, Too small; each segment must be at least 1 byte.
                /segs/a, Unsatisfiable Range

                """)
            do {
                let value = try await s.call(.head, "/v1/AUTH_test/slo/bad").status
                XCTAssertEqual(value, .notFound, "nothing stored")
            }

            let json = try await s.call(
                .put, "/v1/AUTH_test/slo/bad?multipart-manifest=put", headers: ["Accept": "application/json"],
                body: Array(#"[{"path": "/segs/missing"}]"#.utf8))
            XCTAssertEqual(json.status, .badRequest)
            XCTAssertEqual(json.text, #"{"Errors": [["/segs/missing", "404 Not Found"]]}"#)

            let malformed = try await s.call(
                .put, "/v1/AUTH_test/slo/bad?multipart-manifest=put",
                body: Array(#"[{"path": "nocontainer"}, {"path": "/segs/a", "extra": 1}, "x", {"path": "/slo/bad"}]"#.utf8))
            XCTAssertEqual(malformed.status, .badRequest)
            XCTAssertEqual(
                malformed.text,
                """
                Index 0: path does not refer to an object. Path must be of the form /container/object.
                Index 1: extraneous keys "extra"
                Index 2: not a JSON object
                Index 3: manifest must not include itself as a segment

                """)
            do {
                let value = try await s.call(.put, "/v1/AUTH_test/slo/bad?multipart-manifest=put", body: Array("{}".utf8)).text
                XCTAssertEqual(value,
                "Manifest must be a list.\n")
            }
            let wrongETag = try await s.call(
                .put, "/v1/AUTH_test/slo/bad?multipart-manifest=put", headers: ["ETag": "00000000000000000000000000000000"],
                body: Array(#"[{"path": "/segs/a"}]"#.utf8))
            XCTAssertEqual(wrongETag.status, .unprocessableContent)
            let reserved = try await s.call(.put, "/v1/AUTH_test/slo/bad", headers: ["X-Static-Large-Object": "True"], body: [])
            XCTAssertEqual(reserved.status, .badRequest)
            let notSLO = try await s.call(.delete, "/v1/AUTH_test/segs/a?multipart-manifest=delete", headers: ["Accept": "application/json"])
            XCTAssertEqual(notSLO.status, .ok)
            XCTAssertEqual(
                notSLO.text,
                #"{"Response Status": "400 Bad Request", "Response Body": "", "Number Deleted": 0, "Number Not Found": 0, "Errors": [["/segs/a", "Not an SLO manifest"]]}"#
            )
            do {
                let value = try await s.call(.head, "/v1/AUTH_test/segs/a").status
                XCTAssertEqual(value, .ok, "a plain object is not deleted")
            }
        }
    }

    func testServerSideCopy() async throws {
        try await Self.withSession { s in
            for container in ["src", "dst", "segs"] { try await s.call(.put, "/v1/AUTH_test/\(container)") }
            let data = Self.pattern(80_000, seed: 7)
            let etag = try await s.put(
                "/v1/AUTH_test/src/photo", data, headers: ["Content-Type": "image/x-test", "X-Object-Meta-Color": "blue"])
            let source = try await s.call(.head, "/v1/AUTH_test/src/photo")

            let copied = try await s.call(.copy, "/v1/AUTH_test/src/photo", headers: ["Destination": "/dst/copy", "X-Object-Meta-Size": "big"])
            XCTAssertEqual(copied.status, .created, copied.text)
            XCTAssertEqual(copied.header("X-Copied-From"), "src/photo")
            XCTAssertEqual(copied.header("X-Copied-From-Account"), "AUTH_test")
            XCTAssertEqual(copied.header("X-Copied-From-Last-Modified"), source.header("Last-Modified"))
            let copy = try await s.call(.get, "/v1/AUTH_test/dst/copy")
            XCTAssertEqual(copy.bytes, data)
            XCTAssertEqual(copy.header("ETag"), "\"\(etag)\"")
            XCTAssertEqual(copy.header("Content-Type"), "image/x-test")
            XCTAssertEqual(copy.header("X-Object-Meta-Color"), "blue", "metadata carried over")
            XCTAssertEqual(copy.header("X-Object-Meta-Size"), "big", "and the request's added")

            let fresh = try await s.call(
                .put, "/v1/AUTH_test/dst/fresh",
                headers: ["X-Copy-From": "src/photo", "X-Fresh-Metadata": "true", "X-Object-Meta-New": "yes", "Content-Length": "0"])
            XCTAssertEqual(fresh.status, .created, fresh.text)
            XCTAssertEqual(fresh.header("X-Copied-From"), "src/photo")
            let freshHead = try await s.call(.head, "/v1/AUTH_test/dst/fresh")
            XCTAssertNil(freshHead.header("X-Object-Meta-Color"))
            XCTAssertEqual(freshHead.header("X-Object-Meta-New"), "yes")
            XCTAssertEqual(freshHead.header("ETag"), "\"\(etag)\"")

            let partial = try await s.call(
                .put, "/v1/AUTH_test/dst/part", headers: ["X-Copy-From": "/src/photo", "Range": "bytes=10-19", "Content-Length": "0"])
            XCTAssertEqual(partial.status, .created)
            do {
                let value = try await s.call(.get, "/v1/AUTH_test/dst/part").bytes
                XCTAssertEqual(value, Array(data[10...19]))
            }

            do {
                let value = try await s.call(.copy, "/v1/AUTH_test/src/missing", headers: ["Destination": "/dst/x"]).status
                XCTAssertEqual(value, .notFound)
            }
            do {
                let value = try await s.call(.copy, "/v1/AUTH_test/src/photo").status
                XCTAssertEqual(value, .preconditionFailed)
            }
            do {
                let value = try await s.call(.copy, "/v1/AUTH_test/src/photo", headers: ["Destination": "nocontainer"]).status
                XCTAssertEqual(value, .preconditionFailed)
            }
            do {
                let value = try await s.call(.copy, "/v1/AUTH_test/src/photo", headers: ["Destination": "/nothere/x"]).status
                XCTAssertEqual(value, .notFound)
            }
            do {
                let value = try await s.call(.copy, "/v1/AUTH_test/src/photo", headers: ["Destination": "/dst/x", "Destination-Account": "AUTH_other"]).status
                XCTAssertEqual(value,
                .forbidden)
            }
            do {
                let value = try await s.call(.put, "/v1/AUTH_test/dst/x", headers: ["X-Copy-From": "/src/photo"], body: [1]).status
                XCTAssertEqual(value, .badRequest)
            }

            // A large object is copied as its content, or as a manifest with ?multipart-manifest=get.
            let segment = try await s.put("/v1/AUTH_test/segs/1", Self.pattern(5000, seed: 1))
            try await s.put("/v1/AUTH_test/segs/2", Self.pattern(3000, seed: 2))
            let put = try await s.call(
                .put, "/v1/AUTH_test/src/slo?multipart-manifest=put",
                body: Array(#"[{"path": "/segs/1", "etag": "\#(segment)"}, {"path": "/segs/2"}]"#.utf8))
            XCTAssertEqual(put.status, .created)
            let whole = Self.pattern(5000, seed: 1) + Self.pattern(3000, seed: 2)
            do {
                let value = try await s.call(.copy, "/v1/AUTH_test/src/slo", headers: ["Destination": "/dst/flat"]).status
                XCTAssertEqual(value, .created)
            }
            let flat = try await s.call(.get, "/v1/AUTH_test/dst/flat")
            XCTAssertEqual(flat.bytes, whole)
            XCTAssertNil(flat.header("X-Static-Large-Object"), "a plain object")
            XCTAssertEqual(flat.header("ETag"), "\"\(Self.md5(whole))\"")
            let manifestCopy = try await s.call(
                .copy, "/v1/AUTH_test/src/slo?multipart-manifest=get", headers: ["Destination": "/dst/manifest"])
            XCTAssertEqual(manifestCopy.status, .created, manifestCopy.text)
            let again = try await s.call(.get, "/v1/AUTH_test/dst/manifest")
            XCTAssertEqual(again.header("X-Static-Large-Object"), "True")
            XCTAssertEqual(again.bytes, whole)
        }
    }

    func testBulkDelete() async throws {
        try await Self.withSession { s in
            for container in ["box", "full", "empty"] { try await s.call(.put, "/v1/AUTH_test/\(container)") }
            for name in ["a", "b%20c", "d/e"] { try await s.put("/v1/AUTH_test/box/\(name)", [1]) }
            try await s.put("/v1/AUTH_test/full/keep", [1])
            let names = ["/box/a", "/box/b%20c", "box/d/e", "/box/missing", "/full", "/empty", ""]
            let answer = try await s.call(
                .post, "/v1/AUTH_test?bulk-delete", headers: ["Accept": "application/json", "Content-Type": "text/plain"],
                body: Array(names.joined(separator: "\n").utf8))
            XCTAssertEqual(answer.status, .ok)
            XCTAssertEqual(answer.header("Content-Type"), "application/json")
            XCTAssertEqual(
                answer.text,
                #"{"Response Status": "400 Bad Request", "Response Body": "", "Number Deleted": 4, "Number Not Found": 1, "Errors": [["/full", "409 Conflict"]]}"#
            )
            for path in ["box/a", "box/b%20c", "box/d/e", "empty"] {
                do {
                    let value = try await s.call(.head, "/v1/AUTH_test/\(path)").status
                    XCTAssertEqual(value, .notFound, path)
                }
            }
            do {
                let value = try await s.call(.head, "/v1/AUTH_test/full").status
                XCTAssertEqual(value, .noContent)
            }

            let plain = try await s.call(.delete, "/v1/AUTH_test/full?bulk-delete", body: Array("/full/keep\n/full\n".utf8))
            XCTAssertEqual(plain.status, .ok)
            XCTAssertEqual(
                plain.text, "Number Deleted: 2\nNumber Not Found: 0\nResponse Body: \nResponse Status: 200 OK\nErrors:\n")
            let nothing = try await s.call(.post, "/v1/AUTH_test?bulk-delete", headers: ["Accept": "application/xml"], body: [])
            XCTAssertEqual(
                nothing.text,
                "<delete>\n<number_deleted>0</number_deleted>\n<number_not_found>0</number_not_found>\n"
                    + "<response_body>Invalid bulk delete.</response_body>\n<response_status>400 Bad Request</response_status>\n"
                    + "<errors>\n</errors>\n</delete>\n")
        }
    }

    func testExtractArchive() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tar-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tree = directory + "/tree"
        try FileManager.default.createDirectory(atPath: tree + "/photos/2024", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: tree + "/docs", withIntermediateDirectories: true)
        let big = Self.pattern(300_000, seed: 3)
        try Data(big).write(to: URL(fileURLWithPath: tree + "/photos/2024/big.bin"))
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: tree + "/docs/readme.txt"))
        try Data("top\n".utf8).write(to: URL(fileURLWithPath: tree + "/top.txt"))
        for (archive, flags) in [("plain.tar", "-cf"), ("packed.tar.gz", "-czf")] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
            process.arguments = [flags, directory + "/" + archive, "-C", tree, "."]
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
        }
        let plain = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/plain.tar")))
        let packed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/packed.tar.gz")))

        try await Self.withSession { s in
            let answer = try await s.call(
                .put, "/v1/AUTH_test?extract-archive=tar", headers: ["Accept": "application/json", "X-Object-Meta-Source": "tar"],
                body: plain)
            XCTAssertEqual(answer.status, .ok)
            XCTAssertEqual(
                answer.text, #"{"Response Status": "201 Created", "Response Body": "", "Number Files Created": 2, "Errors": []}"#,
                "top.txt is outside any container")
            let file = try await s.call(.get, "/v1/AUTH_test/photos/2024/big.bin")
            XCTAssertEqual(file.bytes, big)
            XCTAssertEqual(file.header("X-Object-Meta-Source"), "tar")
            do {
                let value = try await s.call(.get, "/v1/AUTH_test/docs/readme.txt").header("Content-Type")
                XCTAssertEqual(value, "text/plain")
            }

            try await s.call(.put, "/v1/AUTH_test/unpacked")
            let gz = try await s.call(.put, "/v1/AUTH_test/unpacked/v1?extract-archive=tar.gz", body: packed)
            XCTAssertEqual(gz.text, "Number Files Created: 3\nResponse Body: \nResponse Status: 201 Created\nErrors:\n")
            do {
                let value = try await s.call(.get, "/v1/AUTH_test/unpacked/v1/photos/2024/big.bin").bytes
                XCTAssertEqual(value, big)
            }
            do {
                let value = try await s.call(.get, "/v1/AUTH_test/unpacked/v1/top.txt").text
                XCTAssertEqual(value, "top\n")
            }

            let garbage = try await s.call(.put, "/v1/AUTH_test/unpacked?extract-archive=tar.gz", body: Array("not gzip".utf8))
            XCTAssertTrue(garbage.text.contains("Response Status: 400 Bad Request\n"), garbage.text)
            XCTAssertTrue(garbage.text.contains("Invalid Tar File"), garbage.text)
            do {
                let value = try await s.call(.put, "/v1/AUTH_test?extract-archive=zip", body: []).status
                XCTAssertEqual(value, .badRequest)
            }
        }
    }

    func testInfoPublishesTheFeatures() async throws {
        try await Self.withSession { s in
            let text = try await s.call(.get, "/info").text
            let info = try XCTUnwrap(JSONValue.parse(text))
            XCTAssertEqual(info["slo"]?["max_manifest_segments"], 1000)
            XCTAssertEqual(info["slo"]?["max_manifest_size"], 8_388_608)
            XCTAssertEqual(info["slo"]?["min_segment_size"], 1)
            XCTAssertNotNil(info["dlo"])
            XCTAssertEqual(info["bulk_delete"]?["max_deletes_per_request"], 10_000)
            XCTAssertEqual(info["bulk_delete"]?["max_failed_deletes"], 1000)
            XCTAssertEqual(info["bulk_upload"]?["max_containers_per_extraction"], 10_000)
            XCTAssertEqual(info["bulk_upload"]?["max_failed_extractions"], 1000)
            XCTAssertNotNil(info["swift"]?["max_file_size"])
        }
    }
}
