import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// GET /servers and /servers/detail: filters, sorting, paging and links.
final class ServerListTests: XCTestCase {
    func testFiltersSortingAndPaging() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            let project = try await cloud.cloud.project("lister")
            let member = try await cloud.cloud.user("lister-member", projectID: project, role: "member")
            let web1 = try await cloud.createServer("web-1", token: member, extra: ["tags": ["blue"]])
            let web2 = try await cloud.createServer("web-2", token: member, flavor: "2", extra: ["tags": ["blue", "red"]])
            let db = try await cloud.createServer("db-1", token: member)
            for id in [web1, web2, db] { try await cloud.waitFor(id, status: "ACTIVE") }
            let adminOwn = try await cloud.createServer("admin-own")
            try await cloud.waitFor(adminOwn, status: "ACTIVE")
            try await XCTAssertEqualAsync(try await cloud.action(db, ["os-stop": .null], token: member).status, 202)
            try await cloud.waitFor(db, status: "SHUTOFF")

            func names(_ query: String, token: String? = nil, detail: Bool = false) async throws -> [String] {
                let answer = try await cloud.compute(.GET, (detail ? "/servers/detail" : "/servers") + query, token: token ?? member)
                XCTAssertEqual(answer.status, 200, "\(query): \(String(describing: answer.json))")
                return answer.json?["servers"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            }

            let all = try await names("")
            XCTAssertEqual(all, ["db-1", "web-2", "web-1"], "newest first by default")
            try await XCTAssertEqualAsync(try await names("?name=%5Eweb"), ["web-2", "web-1"], "name is a regular expression")
            try await XCTAssertEqualAsync(try await names("?name=-1%24"), ["db-1", "web-1"])
            try await XCTAssertEqualAsync(try await names("?status=SHUTOFF"), ["db-1"])
            try await XCTAssertEqualAsync(try await names("?status=ACTIVE"), ["web-2", "web-1"])
            try await XCTAssertEqualAsync(try await names("?flavor=2"), ["web-2"])
            try await XCTAssertEqualAsync(try await names("?image=\(cloud.imageID)").count, 3)
            try await XCTAssertEqualAsync(try await names("?tags=blue"), ["web-2", "web-1"])
            try await XCTAssertEqualAsync(try await names("?tags=blue,red"), ["web-2"], "tags: all of them")
            try await XCTAssertEqualAsync(try await names("?tags-any=red,green"), ["web-2"])
            try await XCTAssertEqualAsync(try await names("?not-tags=red"), ["db-1", "web-1"])
            try await XCTAssertEqualAsync(try await names("?sort_key=display_name&sort_dir=asc"), ["db-1", "web-1", "web-2"])

            let future = "2999-01-01T00:00:00Z"
            try await XCTAssertEqualAsync(try await names("?changes-since=\(future)"), [])
            let past = "2000-01-01T00:00:00Z"
            try await XCTAssertEqualAsync(try await names("?changes-since=\(past)").count, 3)

            let own = try await names("", token: cloud.adminToken)
            XCTAssertEqual(own, ["admin-own"], "the admin lists its own project by default")
            let everyone = try await names("?all_tenants=1", token: cloud.adminToken)
            XCTAssertEqual(Set(everyone), ["admin-own", "db-1", "web-2", "web-1"])
            let byProject = try await names("?all_tenants=1&project_id=\(project)", token: cloud.adminToken)
            XCTAssertEqual(Set(byProject), ["db-1", "web-2", "web-1"])
            let memberAllTenants = try await cloud.compute(.GET, "/servers?all_tenants=1", token: member)
            XCTAssertEqual(memberAllTenants.status, 403, "all_tenants needs the admin")
            XCTAssertEqual(
                memberAllTenants.json?["forbidden"]?["message"]?.stringValue,
                "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.")

            let firstPage = try await cloud.compute(.GET, "/servers?limit=2", token: member)
            let page = firstPage.json?["servers"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            XCTAssertEqual(page, ["db-1", "web-2"])
            let next = try XCTUnwrap(firstPage.json?["servers_links"]?.arrayValue?.first)
            XCTAssertEqual(next["rel"]?.stringValue, "next")
            let href = try XCTUnwrap(next["href"]?.stringValue)
            XCTAssertTrue(href.contains("marker=\(web2)"), href)
            XCTAssertTrue(href.contains("limit=2"), href)
            try await XCTAssertEqualAsync(try await names("?limit=2&marker=\(web2)"), ["web-1"])
            let lastPage = try await cloud.compute(.GET, "/servers?limit=2&marker=\(web2)", token: member)
            XCTAssertNil(lastPage.json?["servers_links"], "no next link on the last page")
            let badMarker = try await cloud.compute(.GET, "/servers?marker=\(UUID().uuidString.lowercased())", token: member)
            XCTAssertEqual(badMarker.status, 400)

            let detail = try await cloud.compute(.GET, "/servers/detail?name=db", token: member)
            let shown = try XCTUnwrap(detail.json?["servers"]?.arrayValue?.first)
            XCTAssertEqual(shown["status"]?.stringValue, "SHUTOFF")
            XCTAssertEqual(shown["tenant_id"]?.stringValue, project)
            XCTAssertNotNil(shown["addresses"]?["shared-net"])
            let brief = try await XCTUnwrapAsync(try await cloud.compute(.GET, "/servers?name=db", token: member).json?["servers"]?.arrayValue?.first)
            XCTAssertEqual(Set(brief.objectValue?.keys.map { $0 } ?? []), ["id", "name", "links"])

            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(web1)", token: member).status, 204)
            try await cloud.waitUntilDeleted(web1)
            let deleted = try await cloud.compute(.GET, "/servers/detail?changes-since=\(past)", token: member)
            let deletedOne = deleted.json?["servers"]?.arrayValue?.first { $0["id"]?.stringValue == web1 }
            XCTAssertEqual(deletedOne?["status"]?.stringValue, "DELETED", "changes-since shows deleted servers")
            try await XCTAssertEqualAsync(try await names(""), ["db-1", "web-2"])
        }
    }
}
