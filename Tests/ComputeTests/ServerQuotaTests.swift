import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// The instance quota at create, alone and under concurrent requests.
final class ServerQuotaTests: XCTestCase {
    /// Nova's default instance quota.
    private static let defaultInstanceLimit = 10

    func testConcurrentCreatesStopExactlyAtTheDefaultInstanceQuota() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            try await Self.crowd(cloud, projectName: "crowd", limit: Self.defaultInstanceLimit, setLimit: false)
        }
    }

    func testConcurrentCreatesStopExactlyAtAProjectLimitOfFifteen() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            try await Self.crowd(cloud, projectName: "crowd-15", limit: 15, setLimit: true)
        }
    }

    /// 20 creates at once in a new project whose instance limit is `limit` (set through
    /// os-quota-sets when `setLimit`): exactly `limit` are accepted, the rest get Nova's 403,
    /// and afterwards the servers, Placement's usages and the quota usage agree.
    private static func crowd(_ cloud: ComputeLiveCloud, projectName: String, limit: Int, setLimit: Bool) async throws {
        let project = try await cloud.cloud.project(projectName)
        let member = try await cloud.cloud.user(projectName + "-member", projectID: project, role: "member")
        if setLimit {
            let set = try await cloud.compute(.PUT, "/os-quota-sets/\(project)", json: ["quota_set": ["instances": .int(Int64(limit))]])
            XCTAssertEqual(set.status, 200, "\(String(describing: set.json))")
        }
        let answers = try await withThrowingTaskGroup(of: LiveCloud.Answer.self) { group in
            for index in 1...20 {
                group.addTask { try await cloud.requestServer("\(projectName)-\(index)", token: member) }
            }
            var answers: [LiveCloud.Answer] = []
            for try await answer in group { answers.append(answer) }
            return answers
        }
        let accepted = answers.filter { $0.status == 202 }
        let refused = answers.filter { $0.status == 403 }
        XCTAssertEqual(accepted.count, limit, "statuses: \(answers.map(\.status))")
        XCTAssertEqual(refused.count, 20 - limit)
        for answer in refused {
            XCTAssertEqual(
                answer.json?["forbidden"]?["message"]?.stringValue,
                "Quota exceeded for instances: Requested 1, but already used \(limit) of \(limit) instances")
        }
        let ids = accepted.compactMap { $0.json?["server"]?["id"]?.stringValue }
        for id in ids { try await cloud.waitFor(id, status: "ACTIVE", timeout: .seconds(60)) }

        let listed = try await cloud.compute(.GET, "/servers", token: member)
        XCTAssertEqual(listed.json?["servers"]?.arrayValue?.count, limit)
        let usages = try await cloud.cloud.call(
            .GET, cloud.cloud.placementURL + "/usages?project_id=\(project)", token: cloud.adminToken,
            headers: ["OpenStack-API-Version": "placement 1.9"])
        XCTAssertEqual(usages.json?["usages"]?["VCPU"]?.intValue, Int64(limit), "one m1.tiny each in Placement")
        XCTAssertEqual(usages.json?["usages"]?["MEMORY_MB"]?.intValue, Int64(limit * 512))
        let detail = try await cloud.compute(.GET, "/os-quota-sets/\(project)/detail")
        XCTAssertEqual(detail.json?["quota_set"]?["instances"]?["in_use"]?.intValue, Int64(limit))
        XCTAssertEqual(detail.json?["quota_set"]?["instances"]?["limit"]?.intValue, Int64(limit))

        let oneMore = try await cloud.requestServer("one-more", token: member)
        XCTAssertEqual(oneMore.status, 403)
        try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(ids[0])", token: member).status, 204)
        try await cloud.waitUntilDeleted(ids[0])
        let fits = try await cloud.requestServer("fits-again", token: member)
        XCTAssertEqual(fits.status, 202, "a deleted server frees its quota")
    }
}
