import Foundation
import HTTPTypes
import StratusKit
import XCTest

@testable import ObjectStorage

/// Container updates handed to the container server of the same process: the same rows and
/// refusals as over HTTP, and updates for other hosts left to the remote sender.
final class LocalContainerUpdateTests: XCTestCase {
    static let localHost = "127.0.0.1:6201"

    static func update(_ op: String, _ object: String, _ headers: [String: String]) -> ContainerUpdate {
        ContainerUpdate(op: op, account: "AUTH_test", container: "c", object: object, headers: headers)
    }

    static let target = ContainerUpdateTarget(host: localHost, device: StorageTestCluster.device, partition: "0")

    func testRowsAreWrittenAndRemovedWithoutHTTP() async throws {
        try await StorageTestCluster.run { cluster in
            let remote = RecordingSender(fails: false)
            let sender = LocalContainerUpdateSender(containerServer: cluster.containers, localHosts: [Self.localHost], remote: remote)
            try await cluster.createContainer("c")
            let row = ["x-timestamp": ts(10), "x-size": "5", "x-content-type": "text/plain", "x-etag": "5d41402abc4b2a76b9719d911017c592"]
            try await sender.send(Self.update("PUT", "dir/o1", row), to: Self.target)
            try await sender.send(Self.update("PUT", "o2", row.merging(["x-size": "7"]) { _, new in new }), to: Self.target)
            var response = try await cluster.container(.get, "AUTH_test/c", headers: ["Accept": "application/json"])
            XCTAssertTrue(response.body.contains(#""name": "dir/o1""#), response.body)
            response = try await cluster.container(.head, "AUTH_test/c")
            XCTAssertEqual(response.header("X-Container-Object-Count"), "2")
            XCTAssertEqual(response.header("X-Container-Bytes-Used"), "12")

            try await sender.send(Self.update("DELETE", "o2", ["x-timestamp": ts(11)]), to: Self.target)
            response = try await cluster.container(.get, "AUTH_test/c")
            XCTAssertEqual(response.lines, ["dir/o1"])
            XCTAssertTrue(remote.updates.isEmpty, "nothing went to the remote sender")
        }
    }

    func testRefusalsThrowSoTheObjectServerQueuesThem() async throws {
        try await StorageTestCluster.run { cluster in
            let sender = LocalContainerUpdateSender(
                containerServer: cluster.containers, localHosts: [Self.localHost], remote: RecordingSender(fails: false))
            let row = ["x-timestamp": ts(10), "x-size": "5", "x-content-type": "text/plain", "x-etag": "e"]
            do {
                try await sender.send(Self.update("PUT", "o", row), to: Self.target)
                XCTFail("an update for a container with no database is refused")
            } catch let refused as ContainerUpdateRefused {
                XCTAssertEqual(refused.status, 404)
            }
            try await cluster.createContainer("c")
            for (update, status) in [
                (Self.update("PUT", "o", ["x-size": "5"]), 400),
                (Self.update("PUT", "o", ["x-timestamp": ts(10)]), 400),
                (Self.update("POST", "o", row), 405),
            ] {
                do {
                    try await sender.send(update, to: Self.target)
                    XCTFail("\(update) is refused")
                } catch let refused as ContainerUpdateRefused {
                    XCTAssertEqual(refused.status, status, "\(update)")
                }
            }
            let missingDevice = ContainerUpdateTarget(host: Self.localHost, device: "sdz9", partition: "0")
            do {
                try await sender.send(Self.update("PUT", "o", row), to: missingDevice)
                XCTFail("a device with no directory is refused")
            } catch let refused as ContainerUpdateRefused {
                XCTAssertEqual(refused.status, 507)
            }
            let response = try await cluster.container(.get, "AUTH_test/c")
            XCTAssertEqual(response.status, 204, "no row was written")
        }
    }

    func testUpdatesForOtherHostsGoToTheRemoteSender() async throws {
        try await StorageTestCluster.run { cluster in
            let remote = RecordingSender(fails: true)
            let sender = LocalContainerUpdateSender(containerServer: cluster.containers, localHosts: [Self.localHost], remote: remote)
            let elsewhere = ContainerUpdateTarget(host: "127.0.0.2:6201", device: "sda1", partition: "0")
            let update = Self.update("PUT", "o", ["x-timestamp": ts(10)])
            do {
                try await sender.send(update, to: elsewhere)
                XCTFail("the remote sender's failure reaches the caller")
            } catch is RecordingSender.Refused {}
            XCTAssertEqual(remote.updates.map(\.1), [elsewhere])
            XCTAssertEqual(remote.updates.map(\.0), [update])
        }
    }
}
