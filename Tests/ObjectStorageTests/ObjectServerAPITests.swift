import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StratusKit
import XCTest

@testable import ObjectStorage

#if canImport(Glibc)
    import Glibc
#endif

final class ObjectServerAPITests: XCTestCase {
    let stamps = TimestampSource()

    func testPutThenGetReturnsTheSameBytesAndETag() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let body = randomBytes(300_000)  // several read and write chunks
        let timestamp = stamps.make()
        try await fixture.withClient { client in
            let put = try await client.put(
                "/d1/17/a/c/dir/obj", body, timestamp: timestamp, contentType: "image/png",
                headers: ["X-Object-Meta-Color": "blue", "X-Object-Sysmeta-Owner": "x", "Content-Encoding": "gzip",
                          "X-Unrelated": "dropped"])
            XCTAssertEqual(put.status, .created)
            XCTAssertEqual(put.headers[.eTag], "\"\(md5Hex(body))\"")

            let get = try await client.get("/d1/17/a/c/dir/obj")
            XCTAssertEqual(get.status, .ok)
            XCTAssertEqual(get.bytes, body)
            XCTAssertEqual(get.headers[.eTag], "\"\(md5Hex(body))\"")
            XCTAssertEqual(get.headers[.contentType], "image/png")
            XCTAssertEqual(get.headers[.contentLength], String(body.count))
            XCTAssertEqual(get.headers["X-Object-Meta-Color"], "blue")
            XCTAssertEqual(get.headers["X-Object-Sysmeta-Owner"], "x")
            XCTAssertEqual(get.headers[.contentEncoding], "gzip")
            XCTAssertNil(get.headers["X-Unrelated"])
            XCTAssertEqual(get.headers["X-Timestamp"], timestamp.normal)
            XCTAssertEqual(get.headers["X-Backend-Timestamp"], timestamp.internal)
            XCTAssertEqual(get.headers[.lastModified], HTTPDate.format(timestamp.ceilingSeconds))

            let head = try await client.head("/d1/17/a/c/dir/obj")
            XCTAssertEqual(head.status, .ok)
            XCTAssertEqual(head.bytes, [])
            XCTAssertEqual(head.headers[.contentLength], String(body.count))
            XCTAssertEqual(head.headers[.eTag], get.headers[.eTag])
        }
        // On disk: <device>/objects/<partition>/<suffix>/<hash>/<timestamp>.data, hash from the ring's HashPath.
        let digest = try ObjectServerFixture.hashPath.digest(account: "a", container: "c", object: "dir/obj")
        let hash = Hex.lowercase(digest)
        XCTAssertEqual(hash, md5Hex(Array("/a/c/dir/obj".utf8) + Array("stratus-test-suffix".utf8)))
        let directory = fixture.devicePath + "/objects/17/" + hash.suffix(3) + "/" + hash
        XCTAssertEqual(fixture.files(in: directory), [timestamp.internal + ".data"])
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + timestamp.internal + ".data"))
        XCTAssertEqual(Array(data), body)
        let metadata = try XCTUnwrap(try MetadataXattr.read(path: directory + "/" + timestamp.internal + ".data"))
        XCTAssertEqual(metadata["name"], "/a/c/dir/obj")
        XCTAssertEqual(metadata["ETag"], md5Hex(body))
        XCTAssertEqual(metadata["Content-Length"], String(body.count))
        XCTAssertEqual(metadata["X-Timestamp"], timestamp.internal)
        XCTAssertEqual(metadata["X-Object-Meta-Color"], "blue")
        // Nothing left in tmp.
        XCTAssertEqual(fixture.files(in: fixture.devicePath + "/tmp"), [])
    }

    func testOlderOrEqualPutIsRefusedAndNewerReplaces() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let (t1, t2, t3) = (stamps.make(), stamps.make(), stamps.make())
        try await fixture.withClient { client in
            let r1 = try await client.put("/d1/0/a/c/o", Array("two".utf8), timestamp: t2).status
            XCTAssertEqual(r1, .created)
            for stale in [t1, t2] {
                let refused = try await client.put("/d1/0/a/c/o", Array("old".utf8), timestamp: stale)
                XCTAssertEqual(refused.status, .conflict)
                XCTAssertEqual(refused.headers["X-Backend-Timestamp"], t2.internal)
            }
            let r2 = try await client.get("/d1/0/a/c/o").text
            XCTAssertEqual(r2, "two")
            let r3 = try await client.put("/d1/0/a/c/o", Array("three".utf8), timestamp: t3).status
            XCTAssertEqual(r3, .created)
            let r4 = try await client.get("/d1/0/a/c/o").text
            XCTAssertEqual(r4, "three")
        }
        // The older .data was cleaned up.
        XCTAssertEqual(fixture.files(in: try fixture.hashDirectory("o")), [t3.internal + ".data"])
    }

    func testDeleteLeavesTombstoneAndGetReports404WithItsTimestamp() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let (t1, t2, t3, t4) = (stamps.make(), stamps.make(), stamps.make(), stamps.make())
        try await fixture.withClient { client in
            try await client.put("/d1/0/a/c/o", Array("data".utf8), timestamp: t2, contentType: "text/plain")
            let stale = try await client.delete("/d1/0/a/c/o", timestamp: t1)
            XCTAssertEqual(stale.status, .conflict)
            XCTAssertEqual(stale.headers["X-Backend-Timestamp"], t2.internal)
            let r5 = try await client.get("/d1/0/a/c/o").status
            XCTAssertEqual(r5, .ok)

            let deleted = try await client.delete("/d1/0/a/c/o", timestamp: t3)
            XCTAssertEqual(deleted.status, .noContent)
            XCTAssertEqual(deleted.headers["X-Backend-Timestamp"], t3.internal)
            XCTAssertEqual(deleted.headers["X-Backend-Content-Type"], "text/plain")

            for response in [try await client.get("/d1/0/a/c/o"), try await client.head("/d1/0/a/c/o")] {
                XCTAssertEqual(response.status, .notFound)
                XCTAssertEqual(response.headers["X-Backend-Timestamp"], t3.internal)
            }
            // Deleting again: 404, but the newer tombstone is written.
            let again = try await client.delete("/d1/0/a/c/o", timestamp: t4)
            XCTAssertEqual(again.status, .notFound)
            let r6 = try await client.get("/d1/0/a/c/o").headers["X-Backend-Timestamp"]
            XCTAssertEqual(r6, t4.internal)
            // A never-written object: 404 without a backend timestamp.
            let missing = try await client.get("/d1/0/a/c/nothing")
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertNil(missing.headers["X-Backend-Timestamp"])
        }
        XCTAssertEqual(fixture.files(in: try fixture.hashDirectory("o")), [t4.internal + ".ts"])
    }

    func testPostReplacesMetadataAndKeepsContentTypeUnlessGiven() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let (t1, t2, t3, t4) = (stamps.make(), stamps.make(), stamps.make(), stamps.make())
        try await fixture.withClient { client in
            try await client.put(
                "/d1/0/a/c/o", Array("hello".utf8), timestamp: t2, contentType: "text/plain",
                headers: ["X-Object-Meta-Old": "1", "X-Object-Sysmeta-Kept": "s"])
            let stale = try await client.post("/d1/0/a/c/o", timestamp: t1, headers: ["X-Object-Meta-New": "x"])
            XCTAssertEqual(stale.status, .conflict)

            let posted = try await client.post("/d1/0/a/c/o", timestamp: t3, headers: ["X-Object-Meta-New": "2"])
            XCTAssertEqual(posted.status, .accepted)
            XCTAssertEqual(posted.headers["X-Backend-Content-Type"], "text/plain")
            var get = try await client.get("/d1/0/a/c/o")
            XCTAssertEqual(get.text, "hello")
            XCTAssertEqual(get.headers["X-Object-Meta-New"], "2")
            XCTAssertNil(get.headers["X-Object-Meta-Old"])
            XCTAssertEqual(get.headers["X-Object-Sysmeta-Kept"], "s")
            XCTAssertEqual(get.headers[.contentType], "text/plain")
            XCTAssertEqual(get.headers[.eTag], "\"\(md5Hex(Array("hello".utf8)))\"")
            XCTAssertEqual(get.headers["X-Timestamp"], t3.normal)
            XCTAssertEqual(get.headers["X-Backend-Data-Timestamp"], t2.internal)

            let retyped = try await client.post("/d1/0/a/c/o", timestamp: t4, headers: ["Content-Type": "text/csv"])
            XCTAssertEqual(retyped.status, .accepted)
            get = try await client.get("/d1/0/a/c/o")
            XCTAssertEqual(get.headers[.contentType], "text/csv")
            XCTAssertNil(get.headers["X-Object-Meta-New"])

            let r7 = try await client.post("/d1/0/a/c/missing", timestamp: t4).status
            XCTAssertEqual(r7, .notFound)
        }
        XCTAssertEqual(fixture.files(in: try fixture.hashDirectory("o")), [t2.internal + ".data", t4.internal + ".meta"])
    }

    func testRanges() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let body = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
        try await fixture.withClient { [stamps] client in
            try await client.put("/d1/0/a/c/o", body, timestamp: stamps.make(), contentType: "text/plain")
            var response = try await client.get("/d1/0/a/c/o", headers: ["Range": "bytes=10-15"])
            XCTAssertEqual(response.status, .partialContent)
            XCTAssertEqual(response.text, "abcdef")
            XCTAssertEqual(response.headers[.contentRange], "bytes 10-15/36")
            XCTAssertEqual(response.headers[.contentLength], "6")

            response = try await client.get("/d1/0/a/c/o", headers: ["Range": "bytes=-4"])
            XCTAssertEqual(response.text, "wxyz")
            response = try await client.get("/d1/0/a/c/o", headers: ["Range": "bytes=30-"])
            XCTAssertEqual(response.text, "uvwxyz")
            XCTAssertEqual(response.headers[.contentRange], "bytes 30-35/36")

            response = try await client.get("/d1/0/a/c/o", headers: ["Range": "bytes=0-1,10-12,-2"])
            XCTAssertEqual(response.status, .partialContent)
            let contentType = try XCTUnwrap(response.headers[.contentType])
            XCTAssertTrue(contentType.hasPrefix("multipart/byteranges;boundary="), contentType)
            let boundary = String(contentType.dropFirst("multipart/byteranges;boundary=".count))
            XCTAssertEqual(response.headers[.contentLength], String(response.body.readableBytes))
            let expected =
                "--\(boundary)\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/36\r\n\r\n01\r\n"
                + "--\(boundary)\r\nContent-Type: text/plain\r\nContent-Range: bytes 10-12/36\r\n\r\nabc\r\n"
                + "--\(boundary)\r\nContent-Type: text/plain\r\nContent-Range: bytes 34-35/36\r\n\r\nyz\r\n"
                + "--\(boundary)--"
            XCTAssertEqual(response.text, expected)

            response = try await client.get("/d1/0/a/c/o", headers: ["Range": "bytes=36-40"])
            XCTAssertEqual(response.status, .rangeNotSatisfiable)
            XCTAssertEqual(response.headers[.contentRange], "bytes */36")

            // A malformed header is ignored: the whole object.
            response = try await client.get("/d1/0/a/c/o", headers: ["Range": "bytes=9-3"])
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.bytes, body)
        }
    }

    func testConditionalRequests() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let body = Array("conditional".utf8)
        let etag = md5Hex(body)
        let timestamp = stamps.make()
        try await fixture.withClient { [stamps] client in
            try await client.put("/d1/0/a/c/o", body, timestamp: timestamp)
            let modified = HTTPDate.format(timestamp.ceilingSeconds)
            let earlier = HTTPDate.format(timestamp.ceilingSeconds - 10)
            let cases: [([String: String], HTTPResponse.Status)] = [
                (["If-Match": "\"\(etag)\""], .ok),
                (["If-Match": etag], .ok),
                (["If-Match": "*"], .ok),
                (["If-Match": "\"other\""], .preconditionFailed),
                (["If-None-Match": "\"\(etag)\""], .notModified),
                (["If-None-Match": "*"], .notModified),
                (["If-None-Match": "\"other\", \"more\""], .ok),
                (["If-Modified-Since": modified], .notModified),
                (["If-Modified-Since": earlier], .ok),
                (["If-Unmodified-Since": earlier], .preconditionFailed),
                (["If-Unmodified-Since": modified], .ok),
                (["If-Modified-Since": "not a date"], .ok),
            ]
            for (headers, status) in cases {
                let get = try await client.get("/d1/0/a/c/o", headers: headers)
                XCTAssertEqual(get.status, status, "\(headers)")
                if status != .ok { XCTAssertEqual(get.bytes, [], "\(headers)") }
                XCTAssertEqual(get.headers[.eTag], "\"\(etag)\"", "\(headers)")
                let r8 = try await client.head("/d1/0/a/c/o", headers: headers).status
                XCTAssertEqual(r8, status, "\(headers)")
            }
            let r9 = try await client.get("/d1/0/a/c/missing", headers: ["If-Match": "*"]).status
            XCTAssertEqual(r9, .preconditionFailed)
            let r10 = try await client.get("/d1/0/a/c/missing", headers: ["If-None-Match": "*"]).status
            XCTAssertEqual(r10, .notFound)
            // PUT with If-None-Match: * refuses to overwrite.
            let refused = try await client.put("/d1/0/a/c/o", body, timestamp: stamps.make(), headers: ["If-None-Match": "*"])
            XCTAssertEqual(refused.status, .preconditionFailed)
            let created = try await client.put("/d1/0/a/c/new", body, timestamp: stamps.make(), headers: ["If-None-Match": "*"])
            XCTAssertEqual(created.status, .created)
        }
    }

    func testETagMismatchIs422AndLeavesNothingBehind() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let body = randomBytes(100_000)
        try await fixture.withClient { [stamps] client in
            let wrong = try await client.put(
                "/d1/0/a/c/o", body, timestamp: stamps.make(), headers: ["ETag": md5Hex(Array("something else".utf8))])
            XCTAssertEqual(wrong.status, .unprocessableContent)
            let r11 = try await client.get("/d1/0/a/c/o").status
            XCTAssertEqual(r11, .notFound)
            let right = try await client.put("/d1/0/a/c/o2", body, timestamp: stamps.make(), headers: ["ETag": "\"\(md5Hex(body))\""])
            XCTAssertEqual(right.status, .created)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: try fixture.hashDirectory("o")))
        XCTAssertEqual(fixture.files(in: fixture.devicePath + "/tmp"), [])
    }

    func testExpiredObjectsAre404() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let now = Date().timeIntervalSince1970
        let written = SwiftTimestamp(seconds: now - 100)!
        let deleteAt = Int64(now - 50)
        try await fixture.withClient { client in
            let put = try await client.put(
                "/d1/0/a/c/o", Array("soon gone".utf8), timestamp: written, headers: ["X-Delete-At": String(deleteAt)])
            XCTAssertEqual(put.status, .created)
            let get = try await client.get("/d1/0/a/c/o")
            XCTAssertEqual(get.status, .notFound)
            XCTAssertEqual(get.headers["X-Backend-Timestamp"], written.internal)
            let r12 = try await client.head("/d1/0/a/c/o").status
            XCTAssertEqual(r12, .notFound)
            // Judged at a time before the expiry (a request's X-Timestamp), it is there.
            let before = try await client.get("/d1/0/a/c/o", headers: ["X-Timestamp": SwiftTimestamp(seconds: now - 75)!.internal])
            XCTAssertEqual(before.status, .ok)
            XCTAssertEqual(before.headers["X-Delete-At"], String(deleteAt))
            let r13 = try await client.post("/d1/0/a/c/o", timestamp: SwiftTimestamp(seconds: now)!).status
            XCTAssertEqual(r13, .notFound)
            // An X-Delete-At not after the write's own timestamp is refused.
            let past = try await client.put(
                "/d1/0/a/c/p", Array("x".utf8), timestamp: SwiftTimestamp(seconds: now)!,
                headers: ["X-Delete-At": String(Int64(now) - 1)])
            XCTAssertEqual(past.status, .badRequest)
            XCTAssertEqual(past.text, "X-Delete-At in past")
            let future = try await client.put(
                "/d1/0/a/c/p", Array("x".utf8), timestamp: SwiftTimestamp(seconds: now)!, headers: ["X-Delete-After": "3600"])
            XCTAssertEqual(future.status, .created)
            let r14 = try await client.get("/d1/0/a/c/p").headers["X-Delete-At"]
            XCTAssertEqual(r14, String(Int64(now) + 3600))
        }
    }

    func testSuffixHashesChangeWhenAnObjectChanges() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let hash = try fixture.layout.objectHash(account: "a", container: "c", object: "o")
        let suffix = String(hash.suffix(3))
        let (t1, t2, t3) = (stamps.make(), stamps.make(), stamps.make())
        try await fixture.withClient { client in
            var (response, hashes) = try await client.replicate("/d1/5")
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(hashes, [:])

            try await client.put("/d1/5/a/c/o", Array("v1".utf8), timestamp: t1)
            (response, hashes) = try await client.replicate("/d1/5")
            XCTAssertEqual(hashes, [suffix: md5Hex(Array((t1.internal + ".data").utf8))])
            let afterPut = hashes

            // Unchanged partition: same answer.
            (_, hashes) = try await client.replicate("/d1/5")
            XCTAssertEqual(hashes, afterPut)

            let r15 = try await client.post("/d1/5/a/c/o", timestamp: t2, headers: ["X-Object-Meta-A": "b"]).status
            XCTAssertEqual(r15, .accepted)
            (_, hashes) = try await client.replicate("/d1/5")
            XCTAssertEqual(hashes, [suffix: md5Hex(Array((t2.internal + ".meta" + t1.internal + ".data").utf8))])

            try await client.delete("/d1/5/a/c/o", timestamp: t3)
            (_, hashes) = try await client.replicate("/d1/5")
            XCTAssertEqual(hashes, [suffix: md5Hex(Array((t3.internal + ".ts").utf8))])

            // Naming a suffix recomputes it even without an invalidation (a file changed behind
            // the server's back).
            let directory = try fixture.hashDirectory("o", partition: "5")
            XCTAssertEqual(rename(directory + "/" + t3.internal + ".ts", directory + "/" + t1.internal + ".ts"), 0)
            (_, hashes) = try await client.replicate("/d1/5")
            XCTAssertEqual(hashes, [suffix: md5Hex(Array((t3.internal + ".ts").utf8))])
            (_, hashes) = try await client.replicate("/d1/5/\(suffix)-fff")
            XCTAssertEqual(hashes, [suffix: md5Hex(Array((t1.internal + ".ts").utf8))])
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: fixture.devicePath + "/objects/5/hashes.json"))
    }

    func testReclaimedTombstoneDropsTheSuffix() async throws {
        let clockOffset = ClockOffset()
        let fixture = try ObjectServerFixture(clock: { Date().timeIntervalSince1970 + clockOffset.seconds })
        defer { fixture.remove() }
        try await fixture.withClient { [stamps] client in
            try await client.put("/d1/5/a/c/o", Array("v1".utf8), timestamp: stamps.make())
            try await client.delete("/d1/5/a/c/o", timestamp: stamps.make())
            let r16 = try await client.replicate("/d1/5").1.count
            XCTAssertEqual(r16, 1)
            clockOffset.seconds = 8 * 24 * 3600
            let hash = try fixture.layout.objectHash(account: "a", container: "c", object: "o")
            let r17 = try await client.replicate("/d1/5/\(hash.suffix(3))").1
            XCTAssertEqual(r17, [:])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: try fixture.hashDirectory("o", partition: "5")))
    }

    func testQuarantineAndChecksumVerifierCatchAFlippedByte() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let body = randomBytes(10_000)
        let timestamp = stamps.make()
        try await fixture.withClient { client in
            try await client.put("/d1/3/a/c/o", body, timestamp: timestamp)
            let before = try await client.replicate("/d1/3").1
            XCTAssertEqual(before.count, 1)
            let directory = try fixture.hashDirectory("o", partition: "3")
            let dataFile = directory + "/" + timestamp.internal + ".data"
            XCTAssertEqual(try ObjectChecksum.verify(dataFile: dataFile), .valid)

            // Flip one bit in the middle of the file.
            let fd = open(dataFile, O_RDWR)
            var byte: UInt8 = 0
            XCTAssertEqual(pread(fd, &byte, 1, 5000), 1)
            byte ^= 0x10
            XCTAssertEqual(pwrite(fd, &byte, 1, 5000), 1)
            close(fd)

            guard case .corrupt(let reason) = try ObjectChecksum.verify(dataFile: dataFile) else {
                return XCTFail("a flipped byte went unnoticed")
            }
            XCTAssertTrue(reason.contains("is not ETag"), reason)
            let (result, moved) = try ObjectChecksum.audit(hashDirectory: directory, devicePath: fixture.devicePath)
            XCTAssertNotEqual(result, .valid)
            let hash = try fixture.layout.objectHash(account: "a", container: "c", object: "o")
            XCTAssertEqual(moved, fixture.devicePath + "/quarantined/objects/" + hash)
            XCTAssertEqual(fixture.files(in: fixture.devicePath + "/quarantined/objects/" + hash), [timestamp.internal + ".data"])
            XCTAssertFalse(FileManager.default.fileExists(atPath: directory))
            let r18 = try await client.get("/d1/3/a/c/o").status
            XCTAssertEqual(r18, .notFound)
            let r19 = try await client.replicate("/d1/3").1
            XCTAssertEqual(r19, [:])
        }
    }

    func testGetQuarantinesAnObjectWhoseBytesNoLongerMatch() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let timestamp = stamps.make()
        try await fixture.withClient { client in
            try await client.put("/d1/3/a/c/o", Array("original".utf8), timestamp: timestamp)
            let dataFile = try fixture.hashDirectory("o", partition: "3") + "/" + timestamp.internal + ".data"
            let fd = open(dataFile, O_WRONLY)
            XCTAssertEqual(pwrite(fd, "X", 1, 0), 1)
            close(fd)
            let r20 = try await client.get("/d1/3/a/c/o").text
            XCTAssertEqual(r20, "Xriginal")  // served, then caught
            let r21 = try await client.get("/d1/3/a/c/o").status
            XCTAssertEqual(r21, .notFound)
            // A size that disagrees with Content-Length is caught when opening.
            try await client.put("/d1/3/a/c/p", Array("original".utf8), timestamp: timestamp)
            let other = try fixture.hashDirectory("p", partition: "3") + "/" + timestamp.internal + ".data"
            XCTAssertEqual(truncate(other, 3), 0)
            let r22 = try await client.head("/d1/3/a/c/p").status
            XCTAssertEqual(r22, .notFound)
        }
        XCTAssertEqual(fixture.files(in: fixture.devicePath + "/quarantined/objects").count, 2)
    }

    func testContainerUpdatesGoToAsyncPendingWhenTheSenderFails() async throws {
        let failing = RecordingSender(fails: true)
        let fixture = try ObjectServerFixture(sender: failing)
        defer { fixture.remove() }
        let (t1, t2) = (stamps.make(), stamps.make())
        let container = [
            "X-Container-Host": "10.0.0.1:6201, 10.0.0.2:6201", "X-Container-Device": "sdb, sdc",
            "X-Container-Partition": "42", "X-Trans-Id": "tx123",
        ]
        try await fixture.withClient { client in
            try await client.put("/d1/0/a/c/o", Array("hello".utf8), timestamp: t1, contentType: "text/plain", headers: container)
            XCTAssertEqual(failing.updates.count, 2)
            XCTAssertEqual(
                failing.updates.map(\.1), [
                    ContainerUpdateTarget(host: "10.0.0.1:6201", device: "sdb", partition: "42"),
                    ContainerUpdateTarget(host: "10.0.0.2:6201", device: "sdc", partition: "42"),
                ])
            let entries = try AsyncPending.list(devicePath: fixture.devicePath)
            XCTAssertEqual(entries.count, 1)  // both failures name the same file
            let hash = try fixture.layout.objectHash(account: "a", container: "c", object: "o")
            XCTAssertEqual(entries.first?.path, fixture.devicePath + "/async_pending/\(hash.suffix(3))/\(hash)-\(t1.internal)")
            let update = try XCTUnwrap(entries.first.flatMap(AsyncPending.load))
            XCTAssertEqual(update.op, "PUT")
            XCTAssertEqual([update.account, update.container, update.object], ["a", "c", "o"])
            XCTAssertEqual(update.headers["x-size"], "5")
            XCTAssertEqual(update.headers["x-etag"], md5Hex(Array("hello".utf8)))
            XCTAssertEqual(update.headers["x-content-type"], "text/plain")
            XCTAssertEqual(update.headers["x-timestamp"], t1.internal)
            XCTAssertEqual(update.headers["x-trans-id"], "tx123")

            try await client.delete("/d1/0/a/c/o", timestamp: t2, headers: container)
            let after = try AsyncPending.list(devicePath: fixture.devicePath)
            XCTAssertEqual(after.map(\.timestamp), [t2, t1])
            XCTAssertEqual(AsyncPending.load(after[0])?.op, "DELETE")
            XCTAssertEqual(AsyncPending.load(after[0])?.headers["x-timestamp"], t2.internal)

            // Without the proxy's container headers there is nothing to update.
            try await client.put("/d1/0/a/c/quiet", Array("x".utf8), timestamp: t2)
            XCTAssertEqual(try AsyncPending.list(devicePath: fixture.devicePath).count, 2)
        }
    }

    func testContainerUpdatesAreSentOrKeptWithoutASender() async throws {
        let working = RecordingSender(fails: false)
        let sending = try ObjectServerFixture(sender: working)
        let silent = try ObjectServerFixture(sender: nil)
        defer {
            sending.remove()
            silent.remove()
        }
        let headers = ["X-Container-Host": "10.0.0.1:6201", "X-Container-Device": "sdb", "X-Container-Partition": "7"]
        let timestamp = stamps.make()
        let later = stamps.make()
        try await sending.withClient { client in
            try await client.put("/d1/0/a/c/o", Array("x".utf8), timestamp: timestamp, headers: headers)
            try await client.post("/d1/0/a/c/o", timestamp: later, headers: headers.merging(["Content-Type": "text/x"]) { $1 })
        }
        XCTAssertEqual(working.updates.map(\.0.op), ["PUT", "PUT"])
        XCTAssertEqual(working.updates.last?.0.headers["x-content-type"], "text/x")
        XCTAssertEqual(working.updates.last?.0.headers["x-timestamp"], timestamp.internal)
        XCTAssertNotNil(working.updates.last?.0.headers["x-meta-timestamp"])
        XCTAssertEqual(try AsyncPending.list(devicePath: sending.devicePath), [])
        try await silent.withClient { client in
            try await client.put("/d1/0/a/c/o", Array("x".utf8), timestamp: timestamp, headers: headers)
        }
        XCTAssertEqual(try AsyncPending.list(devicePath: silent.devicePath).count, 1)
    }

    func testMissingDeviceIs507() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        try await fixture.withClient { [stamps] client in
            let put = try await client.put("/d2/0/a/c/o", Array("x".utf8), timestamp: stamps.make())
            XCTAssertEqual(put.status.code, 507)
            XCTAssertTrue(put.text.contains("Drive: d2"), put.text)
            let r23 = try await client.get("/d2/0/a/c/o").status
            XCTAssertEqual(r23.code, 507)
            let r24 = try await client.head("/d2/0/a/c/o").status
            XCTAssertEqual(r24.code, 507)
            let r25 = try await client.delete("/d2/0/a/c/o", timestamp: stamps.make()).status
            XCTAssertEqual(r25.code, 507)
            let r26 = try await client.post("/d2/0/a/c/o", timestamp: stamps.make()).status
            XCTAssertEqual(r26.code, 507)
            let r27 = try await client.replicate("/d2/0").0.status
            XCTAssertEqual(r27.code, 507)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.root + "/d2"))
    }

    func testRequestValidation() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        try await fixture.withClient { [stamps] client in
            var response = try await client.execute(uri: "/d1/0/a/c/o", method: .put, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "x"))
            XCTAssertEqual(response.status, .badRequest)
            XCTAssertEqual(response.text, "Missing X-Timestamp header")
            response = try await client.put("/d1/0/a/c/o", [], timestamp: stamps.make(), headers: ["X-Timestamp": "yesterday"])
            XCTAssertEqual(response.status, .badRequest)
            response = try await client.execute(
                uri: "/d1/0/a/c/o", method: .put, headers: [HTTPField.Name("X-Timestamp")!: stamps.make().internal],
                body: ByteBuffer(string: "x"))
            XCTAssertEqual(response.text, "No content type")
            response = try await client.execute(
                uri: "/d1/0/a/c/o", method: .put,
                headers: [HTTPField.Name("X-Timestamp")!: stamps.make().internal, .contentType: "text/plain"])
            XCTAssertEqual(response.status, .lengthRequired)
            response = try await client.put("/d1/0/a/c/o", [], timestamp: stamps.make(), headers: ["X-Object-Meta-Big": String(repeating: "v", count: 300)])
            XCTAssertEqual(response.status, .badRequest)
            let r28 = try await client.get("/d1/0/a/c").status
            XCTAssertEqual(r28, .badRequest)
            let r29 = try await client.get("/d1/0/a/c/").status
            XCTAssertEqual(r29, .badRequest)
            let r30 = try await client.delete("/d1/0/a/c/o", timestamp: stamps.make(), headers: ["X-Timestamp": "x"]).status
            XCTAssertEqual(r30, .badRequest)
            // A zero-byte object, and a name with slashes and escapes.
            response = try await client.put("/d1/0/a/c/x%20y/z", [], timestamp: stamps.make())
            XCTAssertEqual(response.status, .created)
            XCTAssertEqual(response.headers[.eTag], "\"d41d8cd98f00b204e9800998ecf8427e\"")
            let r31 = try await client.get("/d1/0/a/c/x%20y/z").status
            XCTAssertEqual(r31, .ok)
            XCTAssertEqual(
                try fixture.files(in: fixture.hashDirectory("x y/z")).count, 1)
        }
    }

    /// Through a real HTTP/1.1 connection: a chunked PUT, and REPLICATE (which SwiftNIO's
    /// parser does not let through) via POST with `X-Backend-Replicate`.
    func testChunkedPutAndReplicateOverTheWire() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let timestamp = stamps.make()
        let app = Application(router: fixture.server.makeRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let chunked = try await Task.detached {
                try RawHTTP.exchange(
                    port: port,
                    Array(
                        ("PUT /d1/9/a/c/chunky HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Timestamp: \(timestamp.internal)\r\n"
                            + "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").utf8))
            }.value
            XCTAssertTrue(chunked.hasPrefix("HTTP/1.1 201"), chunked)
            let get = try await client.execute(uri: "/d1/9/a/c/chunky", method: .get)
            XCTAssertEqual(String(buffer: get.body), "hello world")
            XCTAssertEqual(get.headers[.contentLength], "11")

            let verb = try await Task.detached {
                try RawHTTP.exchange(port: port, Array("REPLICATE /d1/9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
            }.value
            // If this starts passing through, the POST spelling below is no longer needed.
            XCTAssertTrue(verb.hasPrefix("HTTP/1.1 400"), "REPLICATE now gets through the HTTP parser: \(verb)")

            let replicate = try await client.execute(
                uri: "/d1/9", method: .post, headers: [HTTPField.Name("X-Backend-Replicate")!: "REPLICATE"])
            XCTAssertEqual(replicate.status, .ok)
            let hashes = try JSONDecoder().decode([String: String].self, from: Data(replicate.body.readableBytesView))
            XCTAssertEqual(hashes.values.first, md5Hex(Array((timestamp.internal + ".data").utf8)))
            // Without the header, a short POST path is just an invalid object path.
            let r32 = try await client.execute(uri: "/d1/9", method: .post).status
            XCTAssertEqual(r32, .badRequest)
        }
    }

    /// PUT + GET of 4 KiB objects through the router, in memory. Prints objects per second;
    /// `STRATUS_OBJECT_BENCH_COUNT` sets the number of objects (default 200).
    func testPutGetThroughput() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let count = ProcessInfo.processInfo.environment["STRATUS_OBJECT_BENCH_COUNT"].flatMap(Int.init) ?? 200
        let body = randomBytes(4096)
        let stamps = self.stamps
        try await fixture.withClient { client in
            let start = ContinuousClock.now
            for index in 0..<count {
                let put = try await client.put("/d1/\(index % 64)/a/c/o\(index)", body, timestamp: stamps.make())
                XCTAssertEqual(put.status, .created)
                let get = try await client.get("/d1/\(index % 64)/a/c/o\(index)")
                XCTAssertEqual(get.body.readableBytes, 4096)
            }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(String(format: "object server: %d PUT+GET pairs of 4 KiB in %.2f s: %.0f pairs/s", count, seconds, Double(count) / seconds))
        }
    }
}
