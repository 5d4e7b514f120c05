import Foundation
import StratusKit
import XCTest

@testable import Placement

/// Allocation candidates over a thousand compute nodes: the search reads the providers
/// with a handful of queries, whatever their number.
final class CandidateScaleTests: XCTestCase {
    func testAThousandProvidersAnswerInOneRequest() async throws {
        try await PlacementTestCloud.run { cloud in
            let count = 1000
            try await cloud.service.manager.write { q in
                let now = Timestamp.now()
                for index in 0..<count {
                    let uuid = IDGenerator.uuid()
                    try await q.insert(
                        ProviderRecord(
                            uuid: uuid, name: "node-\(index)", generation: 1, parentUUID: nil, rootUUID: uuid, createdAt: now,
                            updatedAt: now))
                    try await q.replaceInventories(
                        of: uuid,
                        with: [
                            "VCPU": InventoryRecord(total: Int64(4 + index % 8)),
                            "MEMORY_MB": InventoryRecord(total: 8192),
                        ])
                }
            }
            let started = Date()
            let all = try await cloud.call(.get, "/allocation_candidates?resources=VCPU:11,MEMORY_MB:1024")
            let elapsed = Date().timeIntervalSince(started)
            XCTAssertEqual(all.status, .ok)
            XCTAssertEqual(all.json?["allocation_requests"]?.arrayValue?.count, count / 8, "only the nodes with 11 VCPU")
            XCTAssertEqual(all.json?["provider_summaries"]?.objectValue?.count, count / 8)
            XCTAssertLessThan(elapsed, 10, "answered in \(elapsed)s")
            let limited = try await cloud.call(.get, "/allocation_candidates?resources=VCPU:1&limit=5")
            XCTAssertEqual(limited.json?["allocation_requests"]?.arrayValue?.count, 5)
            XCTAssertEqual(limited.json?["provider_summaries"]?.objectValue?.count, 5)
        }
    }
}
