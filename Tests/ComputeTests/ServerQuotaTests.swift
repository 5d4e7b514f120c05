import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// The instance quota at create, alone and under concurrent requests.
final class ServerQuotaTests: XCTestCase {
    /// Nova's default instance quota; per-project limits (`os-quota-sets`) are not served yet,
    /// so the tests run against the default.
    private static let instanceLimit = 10

    func testConcurrentCreatesStopExactlyAtTheInstanceQuota() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            let project = try await cloud.cloud.project("crowd")
            let member = try await cloud.cloud.user("crowd-member", projectID: project, role: "member")
            let answers = try await withThrowingTaskGroup(of: LiveCloud.Answer.self) { group in
                for index in 1...20 {
                    group.addTask { try await cloud.requestServer("crowd-\(index)", token: member) }
                }
                var answers: [LiveCloud.Answer] = []
                for try await answer in group { answers.append(answer) }
                return answers
            }
            let accepted = answers.filter { $0.status == 202 }
            let refused = answers.filter { $0.status == 403 }
            XCTAssertEqual(accepted.count, Self.instanceLimit, "statuses: \(answers.map(\.status))")
            XCTAssertEqual(refused.count, 20 - Self.instanceLimit)
            for answer in refused {
                let message = answer.json?["forbidden"]?["message"]?.stringValue ?? ""
                XCTAssertEqual(
                    message,
                    "Quota exceeded for instances: Requested 1, but already used \(Self.instanceLimit) of \(Self.instanceLimit) instances")
            }
            let ids = accepted.compactMap { $0.json?["server"]?["id"]?.stringValue }
            for id in ids { try await cloud.waitFor(id, status: "ACTIVE", timeout: .seconds(60)) }

            let listed = try await cloud.compute(.GET, "/servers", token: member)
            XCTAssertEqual(listed.json?["servers"]?.arrayValue?.count, Self.instanceLimit)
            let usages = try await cloud.cloud.call(
                .GET, cloud.cloud.placementURL + "/usages?project_id=\(project)", token: cloud.adminToken,
                headers: ["OpenStack-API-Version": "placement 1.9"])
            XCTAssertEqual(usages.json?["usages"]?["VCPU"]?.intValue, Int64(Self.instanceLimit), "one m1.tiny each in Placement")
            XCTAssertEqual(usages.json?["usages"]?["MEMORY_MB"]?.intValue, Int64(Self.instanceLimit * 512))

            let oneMore = try await cloud.requestServer("one-more", token: member)
            XCTAssertEqual(oneMore.status, 403)
            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(ids[0])", token: member).status, 204)
            try await cloud.waitUntilDeleted(ids[0])
            let fits = try await cloud.requestServer("fits-again", token: member)
            XCTAssertEqual(fits.status, 202, "a deleted server frees its quota")
        }
    }

    func testConcurrentCreatesAgainstAProjectLimitOfFifteen() throws {
        throw XCTSkip("needs per-project instance limits (os-quota-sets), which Compute does not serve yet")
    }
}
