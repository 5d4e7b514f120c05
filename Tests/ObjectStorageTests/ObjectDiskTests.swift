import CObjectStorage
import Crypto
import Foundation
import StratusKit
import XCTest

@testable import ObjectStorage

#if canImport(Glibc)
    import Glibc
#endif

final class ObjectDiskTests: XCTestCase {
    func testHashDirectoryKeepsNewestDataOrTombstoneAndNewerMeta() {
        let t = (1...6).map { "170000000\($0).00000" }
        var contents = HashDirectoryContents(names: [t[0] + ".data", t[1] + ".data", t[2] + ".meta", t[3] + ".meta"])
        XCTAssertEqual(contents.data?.name, t[1] + ".data")
        XCTAssertEqual(contents.meta?.name, t[3] + ".meta")
        XCTAssertEqual(Set(contents.obsolete.map(\.name)), [t[0] + ".data", t[2] + ".meta"])

        // A newer tombstone makes everything before it obsolete.
        contents = HashDirectoryContents(names: [t[0] + ".data", t[1] + ".meta", t[2] + ".ts", t[3] + ".ts"])
        XCTAssertNil(contents.data)
        XCTAssertEqual(contents.tombstone?.name, t[3] + ".ts")
        XCTAssertEqual(Set(contents.obsolete.map(\.name)), [t[0] + ".data", t[1] + ".meta", t[2] + ".ts"])

        // Newer data makes the tombstone and older .meta obsolete; a .meta after it stays.
        contents = HashDirectoryContents(names: [t[0] + ".ts", t[1] + ".meta", t[2] + ".data", t[4] + ".meta", "junk"])
        XCTAssertEqual(contents.data?.name, t[2] + ".data")
        XCTAssertEqual(contents.meta?.name, t[4] + ".meta")
        XCTAssertNil(contents.tombstone)
        XCTAssertEqual(Set(contents.obsolete.map(\.name)), [t[0] + ".ts", t[1] + ".meta"])
        XCTAssertEqual(contents.unexpected, ["junk"])

        // A .meta alone means nothing.
        contents = HashDirectoryContents(names: [t[0] + ".meta"])
        XCTAssertNil(contents.data)
        XCTAssertNil(contents.meta)
        XCTAssertEqual(contents.possiblyReclaimable.map(\.name), [t[0] + ".meta"])
    }

    func testCleanupReclaimsOldTombstonesAndRemovesEmptyDirectory() throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let directory = fixture.devicePath + "/objects/0/abc/0123456789abcdef0123456789abcabc"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in ["1700000000.00000.data", "1700000001.00000.ts"] {
            _ = FileManager.default.createFile(atPath: directory + "/" + name, contents: Data())
        }
        var contents = try HashDirectory.cleanup(directory, reclaimAge: 100, now: 1_700_000_050)
        XCTAssertEqual(contents.tombstone?.name, "1700000001.00000.ts")
        XCTAssertEqual(fixture.files(in: directory), ["1700000001.00000.ts"])
        contents = try HashDirectory.cleanup(directory, reclaimAge: 100, now: 1_700_000_200)
        XCTAssertNil(contents.tombstone)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory))
    }

    func testRangeParsingFollowsSwift() throws {
        XCTAssertNil(ByteRanges(header: "bytes=5-3"))
        XCTAssertNil(ByteRanges(header: "bytes=-"))
        XCTAssertNil(ByteRanges(header: "bytes=45"))
        XCTAssertNil(ByteRanges(header: "bytes=a-4"))
        XCTAssertNil(ByteRanges(header: "items=0-4"))
        XCTAssertNil(ByteRanges(header: "bytes=0-1,"))
        let ranges = try XCTUnwrap(ByteRanges(header: "bytes=0-9, 20-, -5, 95-200, 200-300"))
        XCTAssertEqual(ranges.ranges(forLength: 100), [0..<10, 20..<100, 95..<100, 95..<100])
        XCTAssertEqual(try XCTUnwrap(ByteRanges(header: "bytes=-500")).ranges(forLength: 100), [0..<100])
        XCTAssertEqual(try XCTUnwrap(ByteRanges(header: "bytes=-0")).ranges(forLength: 100), [])
        XCTAssertEqual(try XCTUnwrap(ByteRanges(header: "bytes=100-")).ranges(forLength: 100), [])
        // More than two overlapping pairs is refused as abusive.
        XCTAssertEqual(try XCTUnwrap(ByteRanges(header: "bytes=0-50,1-50,2-50")).ranges(forLength: 100), [])
        XCTAssertEqual(
            try XCTUnwrap(ByteRanges(header: "bytes=0-50,60-70")).ranges(forLength: 100), [0..<51, 60..<71])
    }

    func testHTTPDates() {
        XCTAssertEqual(HTTPDate.format(1_767_225_600), "Thu, 01 Jan 2026 00:00:00 GMT")
        XCTAssertEqual(HTTPDate.parse("Thu, 01 Jan 2026 00:00:00 GMT"), 1_767_225_600)
        XCTAssertEqual(HTTPDate.parse("Thursday, 01-Jan-26 00:00:00 GMT"), 1_767_225_600)
        XCTAssertEqual(HTTPDate.parse("Thu Jan  1 00:00:00 2026"), 1_767_225_600)
        XCTAssertNil(HTTPDate.parse("yesterday"))
        XCTAssertNil(HTTPDate.parse("Thu, 01 Jan 2026 00:00:00 GMT trailing"))
    }

    func testMetadataRoundTripsThroughExtendedAttributes() throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let path = fixture.devicePath + "/file"
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        let fd = open(path, O_RDWR)
        defer { close(fd) }
        let metadata = ["name": "/a/c/o", "X-Object-Meta-Ünïcode": "välue ☃", "ETag": "x"]
        try MetadataXattr.write(metadata, fd: fd, path: path)
        XCTAssertEqual(try MetadataXattr.read(fd: fd, path: path), metadata)
        // The stored form is JSON, readable by anyone with getxattr.
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = cobjs_fgetxattr(fd, "user.swift.metadata", &buffer, buffer.count)
        XCTAssertGreaterThan(count, 0)
        let decoded = try JSONDecoder().decode([String: String].self, from: Data(buffer.prefix(count)))
        XCTAssertEqual(decoded, metadata)
        // A checksum that does not match makes the metadata unreadable (corrupt).
        let wrong = Array("00000000000000000000000000000000".utf8)
        XCTAssertEqual(cobjs_fsetxattr(fd, "user.swift.metadata_checksum", wrong, wrong.count), 0)
        XCTAssertNil(try MetadataXattr.read(fd: fd, path: path))
    }

    func testAsyncPendingListsNewestPerObjectFirst() throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let hash = try fixture.layout.objectHash(account: "a", container: "c", object: "o")
        let older = ContainerUpdate(op: "PUT", account: "a", container: "c", object: "o", headers: ["x-timestamp": "1700000000.00000"])
        var newer = older
        newer.op = "DELETE"
        newer.headers["x-timestamp"] = "1700000001.00000"
        let path = try AsyncPending.save(older, devicePath: fixture.devicePath, hash: hash, timestamp: older.timestamp!)
        XCTAssertEqual(path, fixture.devicePath + "/async_pending/\(hash.suffix(3))/\(hash)-1700000000.00000")
        try AsyncPending.save(newer, devicePath: fixture.devicePath, hash: hash, timestamp: newer.timestamp!)
        let entries = try AsyncPending.list(devicePath: fixture.devicePath)
        XCTAssertEqual(entries.map(\.timestamp.internal), ["1700000001.00000", "1700000000.00000"])
        XCTAssertEqual(entries.map(\.isNewest), [true, false])
        XCTAssertEqual(AsyncPending.load(entries[0]), newer)
        XCTAssertEqual(AsyncPending.load(entries[1]), older)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        XCTAssertEqual(json?["obj"] as? String, "o")
        XCTAssertEqual(json?["op"] as? String, "PUT")
        for entry in entries { AsyncPending.remove(entry) }
        XCTAssertEqual(try AsyncPending.list(devicePath: fixture.devicePath), [])
    }

    func testWriterKeepsBytesNamelessUntilCommitThenInvalidatesTheSuffix() throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let disk = try DiskFile(layout: fixture.layout, device: "d1", partition: "1", account: "a", container: "c", object: "o")
        let abandoned = try disk.makeWriter(size: 5)
        try Array("hello".utf8).withUnsafeBytes { try abandoned.write($0) }
        // O_TMPFILE: the bytes have no name anywhere until committed.
        XCTAssertEqual(fixture.files(in: fixture.devicePath + "/tmp"), [])
        abandoned.abort()
        XCTAssertFalse(FileManager.default.fileExists(atPath: disk.hashDirectory))

        try FileManager.default.createDirectory(atPath: disk.partitionPath, withIntermediateDirectories: true)
        let writer = try disk.makeWriter(size: nil)
        try Array("hello".utf8).withUnsafeBytes { try writer.write($0) }
        XCTAssertEqual(writer.etag, md5Hex(Array("hello".utf8)))
        let timestamp = SwiftTimestamp("1700000000.5")!
        try disk.commitData(writer, metadata: ["Content-Length": "5", "ETag": writer.etag], timestamp: timestamp, reclaimAge: 1, now: 0)
        XCTAssertEqual(fixture.files(in: disk.hashDirectory), ["1700000000.50000.data"])
        let invalid = try String(contentsOfFile: disk.partitionPath + "/hashes.invalid", encoding: .utf8)
        XCTAssertEqual(invalid, disk.suffix + "\n")
        let object = try disk.open(now: 1_700_000_001)
        XCTAssertEqual(object.metadata["name"], "/a/c/o")
        XCTAssertEqual(object.contentLength, 5)
        // Another name that hashed to this directory would be refused, not served.
        let other = DiskFile(devicePath: disk.devicePath, partition: "1", name: "/a/c/p", hash: disk.hash)
        XCTAssertThrowsError(try other.open(now: 1_700_000_001)) { error in
            guard case DiskFileError.collision = error else { return XCTFail("\(error)") }
        }
    }
}
