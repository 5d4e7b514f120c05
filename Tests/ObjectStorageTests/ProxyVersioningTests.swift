import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StratusKit
import XCTest

@testable import ObjectStorage

/// Legacy object versioning (`X-Versions-Location`, `X-History-Location`) through the proxy's
/// public v1 API, over live account, container and object servers.
final class ProxyVersioningTests: XCTestCase {
    typealias Session = ProxyLargeObjectTests.Session

    struct ArchivedVersion: Equatable {
        var name: String
        var contentType: String
        var bytes: Int64
    }

    /// The archive container's listing, oldest first.
    static func archived(_ s: Session, _ container: String, prefix: String? = nil) async throws -> [ArchivedVersion] {
        var path = "/v1/AUTH_test/\(container)?format=json"
        if let prefix { path += "&prefix=" + (prefix.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? prefix) }
        let listing = try await s.call(.get, path)
        XCTAssertEqual(listing.status, .ok, listing.text)
        let rows = try XCTUnwrap(JSONValue.parse(listing.text)?.arrayValue)
        return rows.map {
            ArchivedVersion(
                name: $0["name"]?.stringValue ?? "", contentType: $0["content_type"]?.stringValue ?? "",
                bytes: $0["bytes"].flatMap { SLOManifest.integer($0) } ?? -1)
        }
    }

    struct UnexpectedListing: Error { var versions: [ArchivedVersion] }

    /// The archive listing, which must hold `count` versions (else the test stops here).
    static func archived(_ s: Session, _ container: String, prefix: String? = nil, count: Int) async throws -> [ArchivedVersion] {
        let versions = try await archived(s, container, prefix: prefix)
        guard versions.count == count else {
            XCTFail("\(versions.count) archived versions, expected \(count): \(versions)")
            throw UnexpectedListing(versions: versions)
        }
        return versions
    }

    static func text(_ s: Session, _ path: String) async throws -> String? {
        let answer = try await s.call(.get, path)
        return answer.status == .ok ? answer.text : nil
    }

    static func createContainers(_ s: Session, _ names: [String], headers: [String: String] = [:]) async throws {
        for name in names {
            let status = try await s.call(.put, "/v1/AUTH_test/\(name)", headers: headers).status
            XCTAssertEqual(status, .created, name)
        }
    }

    // MARK: Container headers

    func testContainerHeadersBecomeSystemMetadataAndAreShownBack() async throws {
        try await ProxyLargeObjectTests.withSession { s in
            let put = try await s.call(.put, "/v1/AUTH_test/docs", headers: ["X-Versions-Location": "docs-archive"])
            XCTAssertEqual(put.status, .created)
            let head = try await s.call(.head, "/v1/AUTH_test/docs")
            XCTAssertEqual(head.header("X-Versions-Location"), "docs-archive")
            XCTAssertNil(head.header("X-History-Location"))
            XCTAssertNil(head.header("X-Container-Sysmeta-Versions-Location"), "system metadata stays inside")
            XCTAssertNil(head.header("X-Container-Sysmeta-Versions-Mode"))
            let listing = try await s.call(.get, "/v1/AUTH_test/docs")
            XCTAssertEqual(listing.header("X-Versions-Location"), "docs-archive", "listings show it too")

            // History mode replaces stack mode.
            var posted = try await s.call(.post, "/v1/AUTH_test/docs", headers: ["X-History-Location": "docs-history"])
            XCTAssertEqual(posted.status, .noContent)
            var after = try await s.call(.head, "/v1/AUTH_test/docs")
            XCTAssertEqual(after.header("X-History-Location"), "docs-history")
            XCTAssertNil(after.header("X-Versions-Location"))

            // Both with values: 400, nothing changes.
            let both = try await s.call(
                .post, "/v1/AUTH_test/docs", headers: ["X-Versions-Location": "a", "X-History-Location": "b"])
            XCTAssertEqual(both.status, .badRequest)
            XCTAssertEqual(both.text, "Only one of x-versions-location or x-history-location may be specified")
            XCTAssertEqual(both.header("Content-Type"), "text/plain")
            after = try await s.call(.head, "/v1/AUTH_test/docs")
            XCTAssertEqual(after.header("X-History-Location"), "docs-history")

            // One empty, the other set: the set one wins.
            posted = try await s.call(.post, "/v1/AUTH_test/docs", headers: ["X-History-Location": "", "X-Versions-Location": "v2"])
            XCTAssertEqual(posted.status, .noContent)
            after = try await s.call(.head, "/v1/AUTH_test/docs")
            XCTAssertEqual(after.header("X-Versions-Location"), "v2")
            posted = try await s.call(.post, "/v1/AUTH_test/docs", headers: ["X-Versions-Location": "", "X-History-Location": "h2"])
            XCTAssertEqual(posted.status, .noContent)
            after = try await s.call(.head, "/v1/AUTH_test/docs")
            XCTAssertEqual(after.header("X-History-Location"), "h2")
            XCTAssertNil(after.header("X-Versions-Location"))

            // A container name with a slash.
            let slash = try await s.call(.post, "/v1/AUTH_test/docs", headers: ["X-Versions-Location": "a/b"])
            XCTAssertEqual(slash.status, .preconditionFailed)
            XCTAssertEqual(slash.text, "Container name cannot contain slashes")

            // Removal, and a location winning over a removal in the same request.
            posted = try await s.call(.post, "/v1/AUTH_test/docs", headers: ["X-Remove-History-Location": "x"])
            XCTAssertEqual(posted.status, .noContent)
            after = try await s.call(.head, "/v1/AUTH_test/docs")
            XCTAssertNil(after.header("X-History-Location"))
            XCTAssertNil(after.header("X-Versions-Location"))
            posted = try await s.call(
                .post, "/v1/AUTH_test/docs", headers: ["X-Remove-Versions-Location": "x", "X-Versions-Location": "kept"])
            XCTAssertEqual(posted.status, .noContent)
            after = try await s.call(.head, "/v1/AUTH_test/docs")
            XCTAssertEqual(after.header("X-Versions-Location"), "kept")
            posted = try await s.call(.post, "/v1/AUTH_test/docs", headers: ["X-Versions-Location": ""])
            XCTAssertEqual(posted.status, .noContent)
            after = try await s.call(.head, "/v1/AUTH_test/docs")
            XCTAssertNil(after.header("X-Versions-Location"), "an empty location removes it")

            // Clients cannot write the system metadata themselves.
            posted = try await s.call(
                .post, "/v1/AUTH_test/docs",
                headers: ["X-Container-Sysmeta-Versions-Location": "sneaky", "X-Container-Sysmeta-Versions-Mode": "history"])
            XCTAssertEqual(posted.status, .noContent)
            after = try await s.call(.head, "/v1/AUTH_test/docs")
            XCTAssertNil(after.header("X-Versions-Location"))
            XCTAssertNil(after.header("X-History-Location"))

            let info = try await s.call(.get, "/info")
            let flags = JSONValue.parse(info.text)?["versioned_writes"]?["allowed_flags"]?.arrayValue?.compactMap(\.stringValue)
            XCTAssertEqual(flags, ["x-versions-location", "x-history-location"])
        }
    }

    func testLocationsAreUnquotedAndCutAtASlash() async throws {
        try await ProxyLargeObjectTests.withSession { s in
            try await Self.createContainers(s, ["my%20archive"])
            try await Self.createContainers(s, ["docs"], headers: ["X-Versions-Location": "my%20archive"])
            let head = try await s.call(.head, "/v1/AUTH_test/docs")
            XCTAssertEqual(head.header("X-Versions-Location"), "my%20archive", "shown as it was given")
            try await s.put("/v1/AUTH_test/docs/file", Array("one".utf8))
            try await s.put("/v1/AUTH_test/docs/file", Array("two".utf8))
            let versions = try await Self.archived(s, "my%20archive", count: 1)
            XCTAssertTrue(versions[0].name.hasPrefix("004file/"))

            // "%2Fx" unquotes to "/x": no archive name is left, so nothing is versioned.
            let posted = try await s.call(.post, "/v1/AUTH_test/docs", headers: ["X-Versions-Location": "%2Fx"])
            XCTAssertEqual(posted.status, .noContent)
            try await s.put("/v1/AUTH_test/docs/file", Array("three".utf8))
            let deleted = try await s.call(.delete, "/v1/AUTH_test/docs/file")
            XCTAssertEqual(deleted.status, .noContent)
            let gone = try await s.call(.get, "/v1/AUTH_test/docs/file")
            XCTAssertEqual(gone.status, .notFound)
            _ = try await Self.archived(s, "my%20archive", count: 1)
        }
    }

    func testTurnedOffVersionedWritesRefuseLocations() async throws {
        try await ProxyTests.withProxy(allowVersionedWrites: false) { client in
            let login = try await ProxyTests.token(client, user: "test:tester", key: "testing")
            let token = try XCTUnwrap(login.token)
            let s = Session(client: client, token: token)
            for header in ["X-Versions-Location", "X-History-Location"] {
                let put = try await s.call(.put, "/v1/AUTH_test/plain", headers: [header: "archive"])
                XCTAssertEqual(put.status, .preconditionFailed)
                XCTAssertEqual(put.text, "Versioned Writes is disabled")
            }
            try await Self.createContainers(s, ["plain"])
            let post = try await s.call(.post, "/v1/AUTH_test/plain", headers: ["X-Versions-Location": "archive"])
            XCTAssertEqual(post.status, .preconditionFailed)
            let head = try await s.call(.head, "/v1/AUTH_test/plain", headers: ["X-Versions-Location": "archive"])
            XCTAssertEqual(head.status, .noContent, "reads ignore the header")
            let removal = try await s.call(.post, "/v1/AUTH_test/plain", headers: ["X-Remove-Versions-Location": "x"])
            XCTAssertEqual(removal.status, .noContent)
            let info = try await s.call(.get, "/info")
            XCTAssertNil(JSONValue.parse(info.text)?["versioned_writes"])
        }
    }

    // MARK: Stack mode

    func testStackModeArchivesOnPutAndRestoresOnDelete() async throws {
        try await ProxyLargeObjectTests.withSession { s in
            try await Self.createContainers(s, ["archive"])
            try await Self.createContainers(s, ["docs"], headers: ["X-Versions-Location": "archive"])
            try await s.put("/v1/AUTH_test/docs/report", Array("one".utf8), headers: ["Content-Type": "text/x-one", "X-Object-Meta-Color": "red"])
            let first = try await s.call(.head, "/v1/AUTH_test/docs/report")
            let firstStamp = try XCTUnwrap(first.header("X-Timestamp"))
            let nothingYet = try await Self.archived(s, "archive")
            XCTAssertEqual(nothingYet, [], "a first upload archives nothing")

            try await s.put("/v1/AUTH_test/docs/report", Array("two".utf8), headers: ["Content-Type": "text/x-two"])
            let current = try await Self.text(s, "/v1/AUTH_test/docs/report")
            XCTAssertEqual(current, "two")
            var versions = try await Self.archived(s, "archive")
            XCTAssertEqual(versions, [ArchivedVersion(name: "006report/\(firstStamp)", contentType: "text/x-one", bytes: 3)])
            let old = try await s.call(.get, "/v1/AUTH_test/archive/006report/\(firstStamp)")
            XCTAssertEqual(old.text, "one")
            XCTAssertEqual(old.header("X-Object-Meta-Color"), "red", "metadata is archived with the bytes")
            XCTAssertEqual(old.header("ETag"), "\"\(ProxyLargeObjectTests.md5("one".utf8))\"")

            try await s.put("/v1/AUTH_test/docs/report", Array("three".utf8))
            versions = try await Self.archived(s, "archive")
            XCTAssertEqual(versions.map(\.bytes), [3, 3])

            // Each DELETE brings back the version before.
            var deleted = try await s.call(.delete, "/v1/AUTH_test/docs/report")
            XCTAssertEqual(deleted.status, .noContent)
            var restored = try await s.call(.get, "/v1/AUTH_test/docs/report")
            XCTAssertEqual(restored.text, "two")
            XCTAssertEqual(restored.header("Content-Type"), "text/x-two")
            versions = try await Self.archived(s, "archive")
            XCTAssertEqual(versions.map(\.name), ["006report/\(firstStamp)"])
            deleted = try await s.call(.delete, "/v1/AUTH_test/docs/report")
            XCTAssertEqual(deleted.status, .noContent)
            restored = try await s.call(.get, "/v1/AUTH_test/docs/report")
            XCTAssertEqual(restored.text, "one")
            XCTAssertEqual(restored.header("X-Object-Meta-Color"), "red")
            versions = try await Self.archived(s, "archive")
            XCTAssertEqual(versions, [])

            // With nothing archived, a DELETE deletes.
            deleted = try await s.call(.delete, "/v1/AUTH_test/docs/report")
            XCTAssertEqual(deleted.status, .noContent)
            let gone = try await s.call(.get, "/v1/AUTH_test/docs/report")
            XCTAssertEqual(gone.status, .notFound)
            let again = try await s.call(.delete, "/v1/AUTH_test/docs/report")
            XCTAssertEqual(again.status, .notFound)

            // Names count UTF-8 bytes ("café/menu" is 10 bytes: 00a).
            try await s.put("/v1/AUTH_test/docs/caf%C3%A9/menu", Array("a".utf8))
            try await s.put("/v1/AUTH_test/docs/caf%C3%A9/menu", Array("b".utf8))
            versions = try await Self.archived(s, "archive", count: 1)
            XCTAssertTrue(versions[0].name.hasPrefix("00acafé/menu/"), versions[0].name)

            // POST changes metadata without making a version.
            let post = try await s.call(.post, "/v1/AUTH_test/docs/caf%C3%A9/menu", headers: ["X-Object-Meta-Kind": "lunch"])
            XCTAssertEqual(post.status, .accepted)
            versions = try await Self.archived(s, "archive", count: 1)
        }
    }

    func testStackModeSkipsVersionsThatVanished() async throws {
        try await ProxyLargeObjectTests.withSession { s in
            try await Self.createContainers(s, ["archive"])
            try await Self.createContainers(s, ["docs"], headers: ["X-Versions-Location": "archive"])
            try await s.put("/v1/AUTH_test/docs/note", Array("one".utf8))
            // The second version expires soon; its archived copy keeps the expiry.
            try await s.put("/v1/AUTH_test/docs/note", Array("two".utf8), headers: ["X-Delete-After": "2"])
            try await s.put("/v1/AUTH_test/docs/note", Array("three".utf8))
            let before = try await Self.archived(s, "archive", count: 2)
            try await Task.sleep(for: .seconds(3))
            let expired = try await s.call(.get, "/v1/AUTH_test/archive/\(before[1].name)")
            XCTAssertEqual(expired.status, .notFound, "listed, but expired")

            let deleted = try await s.call(.delete, "/v1/AUTH_test/docs/note")
            XCTAssertEqual(deleted.status, .noContent)
            let restored = try await Self.text(s, "/v1/AUTH_test/docs/note")
            XCTAssertEqual(restored, "one", "the expired version is passed over")
            let after = try await Self.archived(s, "archive")
            XCTAssertEqual(after.map(\.name), [before[1].name], "only the expired entry (for the expirer) is left")
        }
    }

    func testMissingArchiveContainer() async throws {
        try await ProxyLargeObjectTests.withSession { s in
            try await Self.createContainers(s, ["docs"], headers: ["X-Versions-Location": "nowhere"])
            try await s.put("/v1/AUTH_test/docs/file", Array("one".utf8))
            let refused = try await s.call(.put, "/v1/AUTH_test/docs/file", body: Array("two".utf8))
            XCTAssertEqual(refused.status, .preconditionFailed, "the current version cannot be archived")
            let kept = try await Self.text(s, "/v1/AUTH_test/docs/file")
            XCTAssertEqual(kept, "one")
            let deleted = try await s.call(.delete, "/v1/AUTH_test/docs/file")
            XCTAssertEqual(deleted.status, .noContent, "stack mode: nothing to restore, the object is deleted")

            try await Self.createContainers(s, ["history"], headers: ["X-History-Location": "nowhere"])
            try await s.put("/v1/AUTH_test/history/file", Array("one".utf8))
            let refusedDelete = try await s.call(.delete, "/v1/AUTH_test/history/file")
            XCTAssertEqual(refusedDelete.status, .preconditionFailed)
            let stillThere = try await Self.text(s, "/v1/AUTH_test/history/file")
            XCTAssertEqual(stillThere, "one")
        }
    }

    // MARK: History mode

    func testHistoryModeKeepsEveryVersionAndDeleteMarkers() async throws {
        try await ProxyLargeObjectTests.withSession { s in
            try await Self.createContainers(s, ["history"])
            try await Self.createContainers(s, ["docs"], headers: ["X-History-Location": "history"])
            try await s.put("/v1/AUTH_test/docs/log", Array("one".utf8))
            try await s.put("/v1/AUTH_test/docs/log", Array("two".utf8))
            let deleted = try await s.call(.delete, "/v1/AUTH_test/docs/log")
            XCTAssertEqual(deleted.status, .noContent)
            let gone = try await s.call(.get, "/v1/AUTH_test/docs/log")
            XCTAssertEqual(gone.status, .notFound, "history mode deletes")
            var versions = try await Self.archived(s, "history", count: 3)
            XCTAssertEqual(versions.map(\.bytes), [3, 3, 0])
            XCTAssertEqual(versions.map { $0.contentType == ContainerVersioning.deleteMarkerContentType }, [false, false, true])
            XCTAssertEqual(versions[2].contentType, "application/x-deleted;swift_versions_deleted=1")
            XCTAssertTrue(versions.allSatisfy { $0.name.hasPrefix("003log/") })
            let first = try await Self.text(s, "/v1/AUTH_test/history/\(versions[0].name)")
            let second = try await Self.text(s, "/v1/AUTH_test/history/\(versions[1].name)")
            XCTAssertEqual([first, second], ["one", "two"])

            // Deleting what is not there: 404, and still a marker.
            let missing = try await s.call(.delete, "/v1/AUTH_test/docs/log")
            XCTAssertEqual(missing.status, .notFound)
            versions = try await Self.archived(s, "history", count: 4)

            // Restoring is a COPY from the archive (which archives nothing: there is no current object).
            let copy = try await s.call(
                .copy, "/v1/AUTH_test/history/\(versions[0].name)", headers: ["Destination": "docs/log"])
            XCTAssertEqual(copy.status, .created)
            let back = try await Self.text(s, "/v1/AUTH_test/docs/log")
            XCTAssertEqual(back, "one")
            versions = try await Self.archived(s, "history", count: 4)
        }
    }

    func testStackModeOverDeleteMarkers() async throws {
        try await ProxyLargeObjectTests.withSession { s in
            try await Self.createContainers(s, ["archive"])
            try await Self.createContainers(s, ["docs"], headers: ["X-History-Location": "archive"])
            // History: one, two, deleted (marker).
            try await s.put("/v1/AUTH_test/docs/a", Array("one".utf8))
            try await s.put("/v1/AUTH_test/docs/a", Array("two".utf8))
            var status = try await s.call(.delete, "/v1/AUTH_test/docs/a").status
            XCTAssertEqual(status, .noContent)
            let posted = try await s.call(.post, "/v1/AUTH_test/docs", headers: ["X-Versions-Location": "archive"]).status
            XCTAssertEqual(posted, .noContent)

            // Stack mode, newest is a marker and no object: the version under it comes back and
            // both leave the archive.
            status = try await s.call(.delete, "/v1/AUTH_test/docs/a").status
            XCTAssertEqual(status, .noContent)
            var current = try await Self.text(s, "/v1/AUTH_test/docs/a")
            XCTAssertEqual(current, "two")
            var versions = try await Self.archived(s, "archive")
            XCTAssertEqual(versions.map(\.bytes), [3])

            // A marker over an object written after it: the DELETE goes back to the deleted state.
            try await s.call(.post, "/v1/AUTH_test/docs", headers: ["X-History-Location": "archive"])
            status = try await s.call(.delete, "/v1/AUTH_test/docs/a").status  // archives "two", marker
            XCTAssertEqual(status, .noContent)
            try await s.put("/v1/AUTH_test/docs/a", Array("three".utf8))
            try await s.call(.post, "/v1/AUTH_test/docs", headers: ["X-Versions-Location": "archive"])
            versions = try await Self.archived(s, "archive")
            XCTAssertEqual(versions.map(\.bytes), [3, 3, 0])
            status = try await s.call(.delete, "/v1/AUTH_test/docs/a").status
            XCTAssertEqual(status, .noContent)
            let deletedState = try await s.call(.get, "/v1/AUTH_test/docs/a")
            XCTAssertEqual(deletedState.status, .notFound)
            versions = try await Self.archived(s, "archive")
            XCTAssertEqual(versions.map(\.bytes), [3, 3, 0], "the archive is untouched")

            // Then the marker is popped with the version under it.
            status = try await s.call(.delete, "/v1/AUTH_test/docs/a").status
            XCTAssertEqual(status, .noContent)
            current = try await Self.text(s, "/v1/AUTH_test/docs/a")
            XCTAssertEqual(current, "two")
            versions = try await Self.archived(s, "archive")
            XCTAssertEqual(versions.map(\.bytes), [3])

            // Two markers in a row: only the newer one goes, nothing is restored.
            try await s.call(.post, "/v1/AUTH_test/docs", headers: ["X-History-Location": "archive"])
            status = try await s.call(.delete, "/v1/AUTH_test/docs/a").status  // archives "two", marker
            XCTAssertEqual(status, .noContent)
            status = try await s.call(.delete, "/v1/AUTH_test/docs/a").status  // a second marker
            XCTAssertEqual(status, .notFound)
            try await s.call(.post, "/v1/AUTH_test/docs", headers: ["X-Versions-Location": "archive"])
            versions = try await Self.archived(s, "archive")
            XCTAssertEqual(versions.map(\.bytes), [3, 3, 0, 0])
            status = try await s.call(.delete, "/v1/AUTH_test/docs/a").status
            XCTAssertEqual(status, .noContent)
            let stillDeleted = try await s.call(.get, "/v1/AUTH_test/docs/a")
            XCTAssertEqual(stillDeleted.status, .notFound)
            let remaining = try await Self.archived(s, "archive")
            XCTAssertEqual(remaining.map(\.bytes), [3, 3, 0])
            XCTAssertEqual(remaining.map(\.name), Array(versions.prefix(3).map(\.name)), "the newest marker went")
        }
    }

    // MARK: Writes that end in a PUT or DELETE

    func testCopyBulkDeleteAndLargeObjectsAreVersioned() async throws {
        try await ProxyLargeObjectTests.withSession { s in
            try await Self.createContainers(s, ["archive", "segs", "src"])
            try await Self.createContainers(s, ["docs"], headers: ["X-Versions-Location": "archive"])

            // COPY and PUT with X-Copy-From over a current object archive it first.
            try await s.put("/v1/AUTH_test/src/a", Array("from a".utf8))
            try await s.put("/v1/AUTH_test/docs/target", Array("original".utf8))
            let copied = try await s.call(.copy, "/v1/AUTH_test/src/a", headers: ["Destination": "docs/target"])
            XCTAssertEqual(copied.status, .created)
            var versions = try await Self.archived(s, "archive", prefix: "006target/", count: 1)
            let original = try await Self.text(s, "/v1/AUTH_test/archive/\(versions[0].name)")
            XCTAssertEqual(original, "original")
            let copyFrom = try await s.call(.put, "/v1/AUTH_test/docs/target", headers: ["X-Copy-From": "src/a", "Content-Length": "0"])
            XCTAssertEqual(copyFrom.status, .created)
            versions = try await Self.archived(s, "archive", prefix: "006target/", count: 2)

            // A bulk delete is a DELETE per object: stack mode restores.
            let bulk = try await s.call(
                .post, "/v1/AUTH_test?bulk-delete", headers: ["Accept": "application/json", "Content-Type": "text/plain"],
                body: Array("/docs/target".utf8))
            XCTAssertEqual(bulk.status, .ok)
            let afterBulk = try await Self.text(s, "/v1/AUTH_test/docs/target")
            XCTAssertEqual(afterBulk, "from a", "the version before the last copy is back")

            // An SLO is archived as its manifest: the archived copy is the same large object.
            let one = ProxyLargeObjectTests.pattern(2000, seed: 1)
            let two = ProxyLargeObjectTests.pattern(3000, seed: 2)
            try await s.put("/v1/AUTH_test/segs/one", one)
            try await s.put("/v1/AUTH_test/segs/two", two)
            let manifest = Array(#"[{"path": "/segs/one"}, {"path": "/segs/two"}]"#.utf8)
            let slo = try await s.call(.put, "/v1/AUTH_test/docs/big?multipart-manifest=put", body: manifest)
            XCTAssertEqual(slo.status, .created, slo.text)
            try await s.put("/v1/AUTH_test/docs/big", Array("small now".utf8))
            versions = try await Self.archived(s, "archive", prefix: "003big/", count: 1)
            XCTAssertEqual(versions[0].bytes, 5000, "listed with the large object's size")
            let archivedLarge = try await s.call(.get, "/v1/AUTH_test/archive/\(versions[0].name)")
            XCTAssertEqual(archivedLarge.bytes, one + two)
            XCTAssertEqual(archivedLarge.header("X-Static-Large-Object"), "True")
            let storedManifest = try await s.call(.get, "/v1/AUTH_test/archive/\(versions[0].name)?multipart-manifest=get")
            XCTAssertEqual(JSONValue.parse(storedManifest.text)?.arrayValue?.count, 2, "the manifest, not the segments' bytes")
            var status = try await s.call(.delete, "/v1/AUTH_test/docs/big").status
            XCTAssertEqual(status, .noContent)
            let restoredLarge = try await s.call(.get, "/v1/AUTH_test/docs/big")
            XCTAssertEqual(restoredLarge.bytes, one + two)
            XCTAssertEqual(restoredLarge.header("X-Static-Large-Object"), "True")

            // A DLO manifest too.
            try await s.put("/v1/AUTH_test/docs/dyn", [], headers: ["X-Object-Manifest": "segs/o"])
            try await s.put("/v1/AUTH_test/docs/dyn", Array("plain".utf8))
            versions = try await Self.archived(s, "archive", prefix: "003dyn/", count: 1)
            let archivedName = try XCTUnwrap(versions.first?.name)
            let archivedDynamic = try await s.call(.get, "/v1/AUTH_test/archive/\(archivedName)")
            XCTAssertEqual(archivedDynamic.header("X-Object-Manifest"), "segs/o")
            XCTAssertEqual(archivedDynamic.bytes, one)
            status = try await s.call(.delete, "/v1/AUTH_test/docs/dyn").status
            XCTAssertEqual(status, .noContent)
            let restoredDynamic = try await s.call(.get, "/v1/AUTH_test/docs/dyn")
            XCTAssertEqual(restoredDynamic.header("X-Object-Manifest"), "segs/o")
            XCTAssertEqual(restoredDynamic.bytes, one)
        }
    }

    // MARK: Authorization

    func testWriteAccessToTheVersionedContainerIsEnough() async throws {
        try await ProxyLargeObjectTests.withSession { s in
            try await Self.createContainers(s, ["archive"])
            try await Self.createContainers(s, ["shared"], headers: ["X-Versions-Location": "archive", "X-Container-Write": "test:guest"])
            try await Self.createContainers(s, ["private"], headers: ["X-Versions-Location": "archive"])
            let guestLogin = try await ProxyTests.token(s.client, user: "test:guest", key: "guestpw")
            let guestToken = try XCTUnwrap(guestLogin.token)
            let guest = Session(client: s.client, token: guestToken)

            try await guest.put("/v1/AUTH_test/shared/doc", Array("one".utf8))
            try await guest.put("/v1/AUTH_test/shared/doc", Array("two".utf8))
            var versions = try await Self.archived(s, "archive", count: 1)
            let read = try await guest.call(.get, "/v1/AUTH_test/archive/\(versions[0].name)")
            XCTAssertEqual(read.status, .forbidden, "without access to the archive itself")
            let removeArchived = try await guest.call(.delete, "/v1/AUTH_test/archive/\(versions[0].name)")
            XCTAssertEqual(removeArchived.status, .forbidden)
            let deleted = try await guest.call(.delete, "/v1/AUTH_test/shared/doc")
            XCTAssertEqual(deleted.status, .noContent)
            let restored = try await Self.text(s, "/v1/AUTH_test/shared/doc")
            XCTAssertEqual(restored, "one")

            try await s.put("/v1/AUTH_test/private/doc", Array("mine".utf8))
            let refused = try await guest.call(.put, "/v1/AUTH_test/private/doc", body: Array("theirs".utf8))
            XCTAssertEqual(refused.status, .forbidden)
            let refusedDelete = try await guest.call(.delete, "/v1/AUTH_test/private/doc")
            XCTAssertEqual(refusedDelete.status, .forbidden)
            versions = try await Self.archived(s, "archive")
            XCTAssertEqual(versions, [], "nothing was archived for a refused write")
            let kept = try await Self.text(s, "/v1/AUTH_test/private/doc")
            XCTAssertEqual(kept, "mine")
        }
    }
}
