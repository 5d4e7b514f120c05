import Foundation
import HTTPTypes
import ObjectStorage
import StratusKit
import XCTest

/// Throughput figures, printed as `figure:` lines (run with
/// `swift test --skip-build --filter BrokerPerformanceTests`). They assert only loose floors, so
/// that a pathological regression (a reopen or a full scan per request) fails.
final class BrokerPerformanceTests: XCTestCase {
    func testObjectRowPutsPerSecondIntoOneContainer() async throws {
        try await StorageTestCluster.run { cluster in
            try await cluster.createContainer("hot")
            let count = 3000
            let start = ContinuousClock.now
            for index in 0..<count {
                let response = try await cluster.putObject("AUTH_test/hot/object-\(index)", at: ts(Double(index) / 100 + 1), size: 1024)
                XCTAssertEqual(response.status, 201)
            }
            let seconds = Self.seconds(ContinuousClock.now - start)
            let rate = Double(count) / seconds
            print(String(format: "figure: %d object row PUTs into one container through the router: %.2f s, %.0f PUT/s", count, seconds, rate))
            let response = try await cluster.container(.head, "AUTH_test/hot")
            XCTAssertEqual(response.header("X-Container-Object-Count"), String(count))
            XCTAssertGreaterThan(rate, 100)
            XCTAssertEqual(cluster.containers.cache.statistics.opened, 1, "the container stayed open")
        }
    }

    func testJSONListingOfTenThousandObjects() async throws {
        try await StorageTestCluster.run { cluster in
            try await cluster.createContainer("big")
            let broker = try cluster.containers.broker(device: "sda1", partition: "0", account: "AUTH_test", container: "big")
            let load = ContinuousClock.now
            for batch in 0..<10 {
                try await broker.mergeItems((0..<1000).map {
                    ObjectRecord(
                        name: String(format: "photos/2024/%06d.jpg", batch * 1000 + $0), createdAt: SwiftTimestamp(seconds: 1_700_000_000)!,
                        size: 123_456, contentType: "image/jpeg", etag: "d41d8cd98f00b204e9800998ecf8427e")
                })
            }
            let loadSeconds = Self.seconds(ContinuousClock.now - load)
            var timings: [Double] = []
            for _ in 0..<5 {
                let start = ContinuousClock.now
                let response = try await cluster.container(.get, "AUTH_test/big?format=json")
                timings.append(Self.seconds(ContinuousClock.now - start) * 1000)
                XCTAssertEqual(response.status, 200)
                XCTAssertEqual(JSONValue.parse(response.body)?.arrayValue?.count, 10_000)
            }
            var queryTimings: [Double] = []
            for _ in 0..<5 {
                let start = ContinuousClock.now
                let entries = try await broker.listObjects(ListingQuery())
                queryTimings.append(Self.seconds(ContinuousClock.now - start) * 1000)
                XCTAssertEqual(entries.count, 10_000)
            }
            let plainStart = ContinuousClock.now
            let plain = try await cluster.container(.get, "AUTH_test/big")
            let plainMilliseconds = Self.seconds(ContinuousClock.now - plainStart) * 1000
            XCTAssertEqual(plain.lines.count, 10_000)
            let best = timings.min()!, median = timings.sorted()[2]
            print(String(format: "figure: merge of 10,000 object rows in 10 batches: %.2f s", loadSeconds))
            print(String(format: "figure: JSON listing of 10,000 objects through the router: best %.1f ms, median %.1f ms (plain text %.1f ms; the database query alone: best %.1f ms)", best, median, plainMilliseconds, queryTimings.min()!))
            XCTAssertLessThan(best, 5000)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
