import Foundation
import HTTPTypes
import ObjectStorage
import StratusKit
import XCTest

final class ContainerServerTests: XCTestCase {
    // MARK: Containers

    func testContainerPutIsCreatedThenAcceptedAndHeadShowsStats() async throws {
        try await StorageTestCluster.run { cluster in
            var response = try await cluster.createContainer("c", at: ts(10))
            XCTAssertEqual(response.status, 201)
            response = try await cluster.createContainer("c", at: ts(20))
            XCTAssertEqual(response.status, 202)
            XCTAssertEqual(response.body, "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>")
            try await cluster.putObject("AUTH_test/c/o1", at: ts(30), size: 5)
            try await cluster.putObject("AUTH_test/c/o2", at: ts(31), size: 7)
            response = try await cluster.container(.head, "AUTH_test/c")
            XCTAssertEqual(response.status, 204)
            XCTAssertEqual(response.header("X-Container-Object-Count"), "2")
            XCTAssertEqual(response.header("X-Container-Bytes-Used"), "12")
            XCTAssertEqual(response.header("X-PUT-Timestamp"), ts(20))
            XCTAssertEqual(response.header("X-Backend-PUT-Timestamp"), ts(20))
            XCTAssertEqual(response.header("X-Backend-DELETE-Timestamp"), "0000000000.00000")
            XCTAssertNotNil(response.header("X-Timestamp").flatMap(SwiftTimestamp.init))
            XCTAssertEqual(response.header("Content-Type"), "text/plain; charset=utf-8")
            XCTAssertEqual(response.header("Last-Modified"), "Tue, 14 Nov 2023 22:13:40 GMT")
            XCTAssertEqual(response.body, "")
            // An older PUT does not move the put timestamp back.
            response = try await cluster.createContainer("c", at: ts(15))
            XCTAssertEqual(response.status, 202)
            response = try await cluster.container(.head, "AUTH_test/c")
            XCTAssertEqual(response.header("X-PUT-Timestamp"), ts(20))
        }
    }

    func testRequestsNeedATimestampADeviceAndAValidPath() async throws {
        try await StorageTestCluster.run { cluster in
            var response = try await cluster.container(.put, "AUTH_test/c")
            XCTAssertEqual(response.status, 400)
            XCTAssertEqual(response.body, "Missing X-Timestamp header")
            response = try await cluster.container(.put, "AUTH_test/c", headers: ["X-Timestamp": "yesterday"])
            XCTAssertEqual(response.status, 400)
            XCTAssertEqual(response.body, "Invalid X-Timestamp header")
            response = try await StorageTestCluster.send(
                cluster.containerClient, .put, "/sdz9/0/AUTH_test/c", headers: ["X-Timestamp": ts(1)])
            XCTAssertEqual(response.status, 507)
            XCTAssertEqual(
                response.body,
                "<html><h1>Insufficient Storage</h1><p>There was not enough space to save the resource. Drive: sdz9</p></html>")
            response = try await StorageTestCluster.send(cluster.containerClient, .get, "/sda1/0/AUTH_test", headers: [:])
            XCTAssertEqual(response.status, 400)
            XCTAssertEqual(response.body, "Invalid path: /sda1/0/AUTH_test")
            response = try await StorageTestCluster.send(cluster.containerClient, .head, "/sda1/0/AUTH_test/c%FF", headers: [:])
            XCTAssertEqual(response.status, 412)
            response = try await StorageTestCluster.send(cluster.containerClient, .get, "/sda1/0/AUTH_test/c%FF", headers: [:])
            XCTAssertEqual(response.body, "Invalid UTF8 or contains NULL")
            response = try await StorageTestCluster.send(cluster.containerClient, .init("COPY")!, "/sda1/0/AUTH_test/c", headers: [:])
            XCTAssertEqual(response.status, 405)
            response = try await StorageTestCluster.send(
                cluster.containerClient, .post, "/sda1/0/AUTH_test/c/o", headers: ["X-Timestamp": ts(1)])
            XCTAssertEqual(response.status, 400, "POST takes a container path only")
            response = try await cluster.container(.put, "AUTH_test/a%00b", headers: ["X-Timestamp": ts(1)])
            XCTAssertEqual(response.status, 400)
            XCTAssertEqual(response.body, "Invalid reserved-namespace container")
            response = try await cluster.putObject("AUTH_test/c/%00versioned", at: ts(1))
            XCTAssertEqual(response.body, "Invalid reserved-namespace object in user-namespace container")
            response = try await cluster.putObject("AUTH_test/%00c/plain", at: ts(1))
            XCTAssertEqual(response.body, "Invalid user-namespace object in reserved-namespace container")
            response = try await cluster.container(.head, "AUTH_test/nothing")
            XCTAssertEqual(response.status, 404)
            XCTAssertEqual(response.header("X-Backend-PUT-Timestamp"), "0000000000.00000")
            XCTAssertNil(response.header("X-Container-Object-Count"))
            response = try await cluster.container(.get, "AUTH_test/nothing")
            XCTAssertEqual(response.status, 404)
            XCTAssertEqual(response.body, "<html><h1>Not Found</h1><p>The resource could not be found.</p></html>")
        }
    }

    func testObjectRowsNeedAContainerAndTheObjectHeaders() async throws {
        try await StorageTestCluster.run { cluster in
            var response = try await cluster.putObject("AUTH_test/none/o", at: ts(1))
            XCTAssertEqual(response.status, 404)
            response = try await cluster.container(.delete, "AUTH_test/none/o", headers: ["X-Timestamp": ts(1)])
            XCTAssertEqual(response.status, 404)
            try await cluster.createContainer("c")
            response = try await cluster.container(.put, "AUTH_test/c/o", headers: ["X-Timestamp": ts(2), "X-Size": "3"])
            XCTAssertEqual(response.status, 400)
            response = try await cluster.putObject("AUTH_test/c/dir/with%20space/o%2Fslash", at: ts(2), size: 3)
            XCTAssertEqual(response.status, 201)
            response = try await cluster.container(.get, "AUTH_test/c")
            XCTAssertEqual(response.lines, ["dir/with space/o/slash"])
            // Internal (dot) accounts get their containers on the first row.
            response = try await cluster.putObject(".expiring_objects/1700000000/o", at: ts(3), size: 1)
            XCTAssertEqual(response.status, 201)
            response = try await cluster.container(.head, ".expiring_objects/1700000000")
            XCTAssertEqual(response.header("X-Container-Object-Count"), "1")
            XCTAssertEqual(response.header("X-PUT-Timestamp"), ts(3))
        }
    }

    func testObjectRowsFollowTheNewestTimestampThroughTheAPI() async throws {
        try await StorageTestCluster.run { cluster in
            try await cluster.createContainer("c")
            // Delete at t=20 arrives before the put at t=10 it supersedes.
            var response = try await cluster.container(.delete, "AUTH_test/c/o", headers: ["X-Timestamp": ts(20)])
            XCTAssertEqual(response.status, 204)
            response = try await cluster.putObject("AUTH_test/c/o", at: ts(10), size: 100)
            XCTAssertEqual(response.status, 201)
            response = try await cluster.container(.head, "AUTH_test/c")
            XCTAssertEqual(response.header("X-Container-Object-Count"), "0")
            XCTAssertEqual(response.header("X-Container-Bytes-Used"), "0")
            response = try await cluster.putObject("AUTH_test/c/o", at: ts(30), size: 9, etag: "abc")
            response = try await cluster.putObject("AUTH_test/c/o", at: ts(25), size: 1000, etag: "old")
            response = try await cluster.container(.get, "AUTH_test/c?format=json")
            XCTAssertEqual(
                response.body,
                #"[{"bytes": 9, "hash": "abc", "name": "o", "content_type": "application/octet-stream", "last_modified": "2023-11-14T22:13:50.000000"}]"#)
            XCTAssertEqual(response.header("X-Container-Bytes-Used"), "9")
        }
    }

    func testContainerDeleteIsRefusedWhileObjectsRemain() async throws {
        try await StorageTestCluster.run { cluster in
            var response = try await cluster.container(.delete, "AUTH_test/c", headers: ["X-Timestamp": ts(1)])
            XCTAssertEqual(response.status, 404)
            try await cluster.createContainer("c", at: ts(1))
            try await cluster.putObject("AUTH_test/c/o", at: ts(2), size: 4)
            response = try await cluster.container(.delete, "AUTH_test/c", headers: ["X-Timestamp": ts(3)])
            XCTAssertEqual(response.status, 409)
            XCTAssertEqual(response.body, "<html><h1>Conflict</h1><p>There was a conflict when trying to complete your request.</p></html>")
            try await cluster.container(.delete, "AUTH_test/c/o", headers: ["X-Timestamp": ts(4)])
            response = try await cluster.container(.delete, "AUTH_test/c", headers: ["X-Timestamp": ts(5)])
            XCTAssertEqual(response.status, 204)
            response = try await cluster.container(.head, "AUTH_test/c")
            XCTAssertEqual(response.status, 404)
            XCTAssertEqual(response.header("X-Backend-DELETE-Timestamp"), ts(5))
            response = try await cluster.container(.delete, "AUTH_test/c", headers: ["X-Timestamp": ts(6)])
            XCTAssertEqual(response.status, 404, "already deleted")
            // A PUT older than the delete leaves it deleted; a newer one recreates it.
            response = try await cluster.createContainer("c", at: ts(4))
            XCTAssertEqual(response.status, 409)
            response = try await cluster.createContainer("c", at: ts(7))
            XCTAssertEqual(response.status, 201)
            response = try await cluster.container(.head, "AUTH_test/c")
            XCTAssertEqual(response.header("X-Container-Object-Count"), "0")
        }
    }

    func testMetadataIsSetAndRemovedByPutAndPost() async throws {
        try await StorageTestCluster.run { cluster in
            try await cluster.createContainer("c", at: ts(1), headers: ["X-Container-Meta-Color": "blue", "x-container-read": ".r:*"])
            var response = try await cluster.container(
                .post, "AUTH_test/c", headers: ["X-Timestamp": ts(2), "x-container-meta-SIZE": "large", "X-Container-Meta-Color": "red"])
            XCTAssertEqual(response.status, 204)
            response = try await cluster.container(.head, "AUTH_test/c")
            XCTAssertEqual(response.header("X-Container-Meta-Color"), "red")
            XCTAssertEqual(response.header("X-Container-Meta-Size"), "large")
            XCTAssertEqual(response.header("X-Container-Read"), ".r:*")
            XCTAssertEqual(response.header("X-PUT-Timestamp"), ts(2), "POST moves the put timestamp")
            // An empty value removes; an older value loses.
            response = try await cluster.container(
                .post, "AUTH_test/c", headers: ["X-Timestamp": ts(3), "X-Container-Meta-Size": "", "X-Container-Meta-Other": "x"])
            response = try await cluster.container(.post, "AUTH_test/c", headers: ["X-Timestamp": ts(1.5), "X-Container-Meta-Color": "green"])
            response = try await cluster.container(.get, "AUTH_test/c")
            XCTAssertEqual(response.status, 204)
            XCTAssertEqual(response.header("X-Container-Meta-Color"), "red")
            XCTAssertNil(response.header("X-Container-Meta-Size"))
            XCTAssertEqual(response.header("X-Container-Meta-Other"), "x")
            // Too much metadata is 400.
            var headers = ["X-Timestamp": ts(4)]
            for index in 0..<91 { headers["X-Container-Meta-K\(index)"] = "v" }
            response = try await cluster.container(.post, "AUTH_test/c", headers: headers)
            XCTAssertEqual(response.status, 400)
            XCTAssertEqual(response.body, "Too many metadata items; max 90")
            response = try await cluster.container(.post, "AUTH_test/missing", headers: ["X-Timestamp": ts(4)])
            XCTAssertEqual(response.status, 404)
        }
    }

    // MARK: Listings

    /// Lists of (query parameters, expected entries) produced by Swift's own listing code
    /// (`ContainerBroker.list_objects_iter`) over the same names; `SUBDIR:` marks a subdir entry.
    static let listingCases: [([(String, String)], [String])] = [
            ([], ["a", "a-b", "a/b", "a/b/c", "a/c", "a0", "b", "b/", "b/x", "b/y/z", "b0", "c/d/e", "d", "zz", "é", "é/f", "éx"]),
            ([("limit", "3")], ["a", "a-b", "a/b"]),
            ([("marker", "b")], ["b/", "b/x", "b/y/z", "b0", "c/d/e", "d", "zz", "é", "é/f", "éx"]),
            ([("end_marker", "b/x")], ["a", "a-b", "a/b", "a/b/c", "a/c", "a0", "b", "b/"]),
            ([("marker", "a/b"), ("end_marker", "c")], ["a/b/c", "a/c", "a0", "b", "b/", "b/x", "b/y/z", "b0"]),
            ([("prefix", "a")], ["a", "a-b", "a/b", "a/b/c", "a/c", "a0"]),
            ([("prefix", "a/")], ["a/b", "a/b/c", "a/c"]),
            ([("prefix", "b/"), ("delimiter", "/")], ["b/", "b/x", "SUBDIR:b/y/"]),
            ([("prefix", "a"), ("delimiter", "/")], ["a", "a-b", "SUBDIR:a/", "a0"]),
            ([("delimiter", "/")], ["a", "a-b", "SUBDIR:a/", "a0", "b", "SUBDIR:b/", "b0", "SUBDIR:c/", "d", "zz", "é", "SUBDIR:é/", "éx"]),
            ([("delimiter", "/"), ("limit", "4")], ["a", "a-b", "SUBDIR:a/", "a0"]),
            ([("delimiter", "/"), ("marker", "a/")], ["a0", "b", "SUBDIR:b/", "b0", "SUBDIR:c/", "d", "zz", "é", "SUBDIR:é/", "éx"]),
            ([("delimiter", "/"), ("marker", "a")], ["a-b", "SUBDIR:a/", "a0", "b", "SUBDIR:b/", "b0", "SUBDIR:c/", "d", "zz", "é", "SUBDIR:é/", "éx"]),
            ([("delimiter", "/"), ("marker", "a/b")], ["SUBDIR:a/", "a0", "b", "SUBDIR:b/", "b0", "SUBDIR:c/", "d", "zz", "é", "SUBDIR:é/", "éx"]),
            ([("delimiter", "/"), ("end_marker", "b0")], ["a", "a-b", "SUBDIR:a/", "a0", "b", "SUBDIR:b/"]),
            ([("delimiter", "/"), ("reverse", "true")], ["éx", "SUBDIR:é/", "é", "zz", "d", "SUBDIR:c/", "b0", "SUBDIR:b/", "b", "a0", "SUBDIR:a/", "a-b", "a"]),
            ([("reverse", "true")], ["éx", "é/f", "é", "zz", "d", "c/d/e", "b0", "b/y/z", "b/x", "b/", "b", "a0", "a/c", "a/b/c", "a/b", "a-b", "a"]),
            ([("marker", "d"), ("end_marker", "a/b"), ("reverse", "true")], ["c/d/e", "b0", "b/y/z", "b/x", "b/", "b", "a0", "a/c", "a/b/c"]),
            ([("limit", "2"), ("reverse", "true")], ["éx", "é/f"]),
            ([("delimiter", "-")], ["a", "SUBDIR:a-", "a/b", "a/b/c", "a/c", "a0", "b", "b/", "b/x", "b/y/z", "b0", "c/d/e", "d", "zz", "é", "é/f", "éx"]),
            ([("prefix", "a"), ("delimiter", "/"), ("end_marker", "a/c")], ["a", "a-b", "SUBDIR:a/"]),
            ([("path", "b")], ["b/x"]),
            ([("path", "a")], ["a/b", "a/c"]),
            ([("path", "")], ["a", "a-b", "b", "b/", "d", "zz", "é", "éx"]),
            ([("path", "b/")], ["b/x"]),
            ([("prefix", "b"), ("delimiter", "/"), ("reverse", "true")], ["b0", "SUBDIR:b/", "b"]),
            ([("delimiter", "/"), ("marker", "b0"), ("reverse", "true")], ["SUBDIR:b/", "b", "a0", "SUBDIR:a/", "a-b", "a"]),
            ([("delimiter", "b/")], ["a", "a-b", "a/b", "SUBDIR:a/b/", "a/c", "a0", "b", "SUBDIR:b/", "b0", "c/d/e", "d", "zz", "é", "é/f", "éx"]),
            ([("prefix", "é")], ["é", "é/f", "éx"]),
            ([("prefix", "é"), ("delimiter", "/")], ["é", "SUBDIR:é/", "éx"]),
    ]

    func testListingParametersMatchSwift() async throws {
        try await StorageTestCluster.run { cluster in
            try await cluster.createContainer("c")
            let names = ["a", "a/b", "a/b/c", "a/c", "a-b", "a0", "b", "b/", "b/x", "b/y/z", "b0", "c/d/e", "d", "é", "é/f", "éx", "zz", "gone"]
            for name in names {
                try await cluster.putObject("AUTH_test/c/" + Self.escape(name), at: ts(1))
            }
            try await cluster.container(.delete, "AUTH_test/c/gone", headers: ["X-Timestamp": ts(2)])
            // A reserved-namespace name, hidden from listings.
            let broker = try cluster.containers.broker(device: "sda1", partition: "0", account: "AUTH_test", container: "c")
            try await broker.putObject(ObjectRecord(name: "\u{0}hidden", createdAt: SwiftTimestamp(seconds: 1)!, size: 0, contentType: "t", etag: "e"))
            for (parameters, expected) in Self.listingCases {
                let query = (parameters + [("format", "json")]).map { "\($0.0)=\(Self.escape($0.1))" }.joined(separator: "&")
                let response = try await cluster.container(.get, "AUTH_test/c?" + query)
                XCTAssertEqual(response.status, 200, query)
                let entries = (JSONValue.parse(response.body)?.arrayValue ?? []).map { entry in
                    entry["subdir"]?.stringValue.map { "SUBDIR:" + $0 } ?? entry["name"]?.stringValue ?? "?"
                }
                XCTAssertEqual(entries, expected, query)
            }
            let response = try await cluster.container(.get, "AUTH_test/c?prefix=a/&format=json", headers: ["X-Backend-Allow-Reserved-Names": "true"])
            XCTAssertEqual(JSONValue.parse(response.body)?.arrayValue?.count, 3)
            let all = try await cluster.container(.get, "AUTH_test/c", headers: ["X-Backend-Allow-Reserved-Names": "true"])
            XCTAssertEqual(all.lines.first, "\u{0}hidden")
        }
    }

    func testListingFormatsAreSwiftsByteForByte() async throws {
        try await StorageTestCluster.run { cluster in
            try await cluster.createContainer("c%26%22d")
            let rows: [(String, String, Int, String, String)] = [
                ("a.txt", "1700000000.00000", 5, "text/plain", "e1"),
                ("manifest", "1700000002.25000", 0, "application/octet-stream;swift_bytes=1000", "e3"),
                ("photos/", "1700000003.00000", 0, "application/directory", "d"),
                ("photos/b.jpg", "1700000003.00000", 0, "image/jpeg", "d"),
                ("x&<y>\"", "1700000004.00000", 1, "", "e4"),
                ("zebra é", "1700000005.00001", 7, "text/plain; charset=utf-8", "e5"),
            ]
            for (name, time, size, type, etag) in rows {
                let response = try await cluster.container(
                    .put, "AUTH_test/c%26%22d/" + Self.escape(name),
                    headers: ["X-Timestamp": time, "X-Size": String(size), "X-Content-Type": type, "X-Etag": etag])
                XCTAssertEqual(response.status, 201)
            }
            // Expected bodies as Swift's container server writes them for the same rows.
            var response = try await cluster.container(.get, "AUTH_test/c%26%22d?delimiter=/&format=json")
            XCTAssertEqual(response.header("Content-Type"), "application/json; charset=utf-8")
            XCTAssertEqual(
                response.body,
                "[{\"bytes\": 5, \"hash\": \"e1\", \"name\": \"a.txt\", \"content_type\": \"text/plain\", \"last_modified\": \"2023-11-14T22:13:20.000000\"}, {\"bytes\": 1000, \"hash\": \"e3\", \"name\": \"manifest\", \"content_type\": \"application/octet-stream\", \"last_modified\": \"2023-11-14T22:13:22.250000\"}, {\"subdir\": \"photos/\"}, {\"bytes\": 1, \"hash\": \"e4\", \"name\": \"x&<y>\\\"\", \"content_type\": \"\", \"last_modified\": \"2023-11-14T22:13:24.000000\"}, {\"bytes\": 7, \"hash\": \"e5\", \"name\": \"zebra \\u00e9\", \"content_type\": \"text/plain;charset=utf-8\", \"last_modified\": \"2023-11-14T22:13:25.000010\"}]")
            response = try await cluster.container(.get, "AUTH_test/c%26%22d?delimiter=/&format=xml")
            XCTAssertEqual(response.header("Content-Type"), "application/xml; charset=utf-8")
            XCTAssertEqual(
                response.body,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<container name=\"c&amp;&quot;d\"><object><name>a.txt</name><hash>e1</hash><bytes>5</bytes><content_type>text/plain</content_type><last_modified>2023-11-14T22:13:20.000000</last_modified></object><object><name>manifest</name><hash>e3</hash><bytes>1000</bytes><content_type>application/octet-stream</content_type><last_modified>2023-11-14T22:13:22.250000</last_modified></object><subdir name=\"photos/\"><name>photos/</name></subdir><object><name>x&amp;&lt;y&gt;\"</name><hash>e4</hash><bytes>1</bytes><content_type /><last_modified>2023-11-14T22:13:24.000000</last_modified></object><object><name>zebra \u{e9}</name><hash>e5</hash><bytes>7</bytes><content_type>text/plain;charset=utf-8</content_type><last_modified>2023-11-14T22:13:25.000010</last_modified></object></container>")
            response = try await cluster.container(.get, "AUTH_test/c%26%22d?delimiter=/")
            XCTAssertEqual(response.header("Content-Type"), "text/plain; charset=utf-8")
            XCTAssertEqual(response.body, "a.txt\nmanifest\nphotos/\nx&<y>\"\nzebra é\n")
            // The Accept header chooses when there is no format parameter; format wins over it.
            response = try await cluster.container(.get, "AUTH_test/c%26%22d?limit=1", headers: ["Accept": "application/json"])
            XCTAssertEqual(response.header("Content-Type"), "application/json; charset=utf-8")
            response = try await cluster.container(.get, "AUTH_test/c%26%22d?limit=1", headers: ["Accept": "text/xml;q=0.9, application/json;q=0.5"])
            XCTAssertEqual(response.header("Content-Type"), "text/xml; charset=utf-8")
            XCTAssertTrue(response.body.hasPrefix("<?xml"))
            response = try await cluster.container(.get, "AUTH_test/c%26%22d?limit=1&format=json", headers: ["Accept": "application/xml"])
            XCTAssertEqual(response.header("Content-Type"), "application/json; charset=utf-8")
            response = try await cluster.container(.get, "AUTH_test/c%26%22d?limit=1&format=yaml")
            XCTAssertEqual(response.body, "a.txt\n")
            response = try await cluster.container(.get, "AUTH_test/c%26%22d", headers: ["Accept": "image/png"])
            XCTAssertEqual(response.status, 406)
            response = try await cluster.container(.get, "AUTH_test/c%26%22d", headers: ["Accept": "json"])
            XCTAssertEqual(response.status, 400)
            XCTAssertEqual(response.body, "Invalid Accept header")
            response = try await cluster.container(.head, "AUTH_test/c%26%22d", headers: ["Accept": "*/*"])
            XCTAssertEqual(response.header("Content-Type"), "text/plain; charset=utf-8")
        }
    }

    func testEmptyListingsAndLimits() async throws {
        try await StorageTestCluster.run { cluster in
            try await cluster.createContainer("empty")
            var response = try await cluster.container(.get, "AUTH_test/empty")
            XCTAssertEqual(response.status, 204, "an empty plain-text listing")
            XCTAssertEqual(response.body, "")
            response = try await cluster.container(.get, "AUTH_test/empty?format=json")
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.body, "[]")
            response = try await cluster.container(.get, "AUTH_test/empty?format=xml")
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<container name=\"empty\" />")
            response = try await cluster.container(.get, "AUTH_test/empty?limit=10001")
            XCTAssertEqual(response.status, 412)
            XCTAssertEqual(response.body, "Maximum limit is 10000")
            response = try await cluster.container(.get, "AUTH_test/empty?limit=10000")
            XCTAssertEqual(response.status, 204)
            response = try await cluster.container(.get, "AUTH_test/empty?limit=-5&format=json")
            XCTAssertEqual(response.status, 200, "a limit that is not digits means the default")
            response = try await cluster.container(.get, "AUTH_test/empty?prefix=%FF")
            XCTAssertEqual(response.status, 400)
            XCTAssertEqual(response.body, "\"prefix\" parameter not valid UTF-8")
        }
    }

    func testListingLimitDefaultsToTenThousand() async throws {
        try await StorageTestCluster.run { cluster in
            try await cluster.createContainer("big")
            let broker = try cluster.containers.broker(device: "sda1", partition: "0", account: "AUTH_test", container: "big")
            try await broker.mergeItems((0..<10_005).map {
                ObjectRecord(name: String(format: "o%06d", $0), createdAt: SwiftTimestamp(seconds: 1)!, size: 1, contentType: "t", etag: "e")
            })
            var response = try await cluster.container(.get, "AUTH_test/big")
            XCTAssertEqual(response.lines.count, 10_000)
            XCTAssertEqual(response.lines.last, "o009999")
            response = try await cluster.container(.get, "AUTH_test/big?marker=o009999")
            XCTAssertEqual(response.lines, ["o010000", "o010001", "o010002", "o010003", "o010004"])
            response = try await cluster.container(.head, "AUTH_test/big")
            XCTAssertEqual(response.header("X-Container-Object-Count"), "10005")
        }
    }

    /// Percent-encodes a name for a path or query (everything but unreserved characters and `/`).
    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/")) ?? text
    }
}
