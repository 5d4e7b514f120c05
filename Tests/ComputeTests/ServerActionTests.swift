import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// The power and state actions through the HTTP API: each transition, Nova's 409 for a
/// wrong state, the lock, the console and the instance actions.
final class ServerActionTests: XCTestCase {
    func testStateTransitionsAndConflicts() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("actions")
            try await cloud.waitFor(id, status: "ACTIVE")

            func expectConflict(_ body: JSONValue, _ action: String, _ state: String) async throws {
                let answer = try await cloud.action(id, body)
                XCTAssertEqual(answer.status, 409, "\(action) in \(state)")
                XCTAssertEqual(
                    answer.json?["conflictingRequest"]?["message"]?.stringValue,
                    "Cannot '\(action)' instance \(id) while it is in vm_state \(state)")
            }

            try await expectConflict(["os-start": .null], "start", "active")
            try await expectConflict(["unpause": .null], "unpause", "active")
            try await expectConflict(["resume": .null], "resume", "active")
            try await expectConflict(["unrescue": .null], "unrescue", "active")
            try await expectConflict(["confirmResize": .null], "confirm_resize", "active")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["os-stop": .null]).status, 202)
            let stopped = try await cloud.waitFor(id, status: "SHUTOFF")
            XCTAssertEqual(stopped["OS-EXT-STS:power_state"]?.intValue, 4)
            try await expectConflict(["os-stop": .null], "stop", "stopped")
            try await expectConflict(["pause": .null], "pause", "stopped")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["os-start": .null]).status, 202)
            try await cloud.waitFor(id, status: "ACTIVE")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["pause": .null]).status, 202)
            try await cloud.waitFor(id, status: "PAUSED")
            try await expectConflict(["suspend": .null], "suspend", "paused")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["unpause": .null]).status, 202)
            try await cloud.waitFor(id, status: "ACTIVE")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["suspend": .null]).status, 202)
            try await cloud.waitFor(id, status: "SUSPENDED")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["resume": .null]).status, 202)
            try await cloud.waitFor(id, status: "ACTIVE")

            let rescue = try await cloud.action(id, ["rescue": .null])
            XCTAssertEqual(rescue.status, 200)
            XCTAssertNotNil(rescue.json?["adminPass"]?.stringValue)
            try await cloud.waitFor(id, status: "RESCUE")
            try await expectConflict(["reboot": ["type": "SOFT"]], "reboot", "rescued")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["unrescue": .null]).status, 202)
            try await cloud.waitFor(id, status: "ACTIVE")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["reboot": ["type": "HARD"]]).status, 202)
            try await cloud.waitFor(id, status: "ACTIVE")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["reboot": ["type": "SOFT"]]).status, 202)
            try await cloud.waitFor(id, status: "ACTIVE")

            let reset = try await cloud.action(id, ["os-resetState": ["state": "error"]])
            XCTAssertEqual(reset.status, 202)
            try await XCTAssertEqualAsync(try await cloud.server(id)["status"]?.stringValue, "ERROR")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["os-resetState": ["state": "active"]]).status, 202)
            try await XCTAssertEqualAsync(try await cloud.server(id)["status"]?.stringValue, "ACTIVE")

            // One host: the live migration is accepted, its checks find no other host, and the
            // server is left as it was (LiveMigrationTests has the rest).
            let nowhere = try await cloud.action(id, ["os-migrateLive": ["host": .null, "block_migration": "auto"]])
            XCTAssertEqual(nowhere.status, 202)
            let unmoved = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(unmoved["OS-EXT-SRV-ATTR:host"]?.stringValue, "compute1")
        }
    }

    func testLockRefusesTheOwnerButNotTheAdmin() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let project = try await cloud.cloud.project("locked")
            let member = try await cloud.cloud.user("locked-member", projectID: project, role: "member")
            let id = try await cloud.createServer("locked-vm", token: member)
            try await cloud.waitFor(id, status: "ACTIVE")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["lock": .null]).status, 202, "the admin locks it")
            let refused = try await cloud.action(id, ["os-stop": .null], token: member)
            XCTAssertEqual(refused.status, 409)
            XCTAssertEqual(refused.json?["conflictingRequest"]?["message"]?.stringValue, "Instance \(id) is locked")
            let deleteRefused = try await cloud.compute(.DELETE, "/servers/\(id)", token: member)
            XCTAssertEqual(deleteRefused.status, 409)
            let unlockRefused = try await cloud.action(id, ["unlock": .null], token: member)
            XCTAssertNotEqual(unlockRefused.status, 202, "the owner cannot lift the admin's lock")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["os-stop": .null]).status, 202, "the admin is not held by the lock")
            try await cloud.waitFor(id, status: "SHUTOFF")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["unlock": .null]).status, 202)
            try await XCTAssertEqualAsync(try await cloud.action(id, ["os-start": .null], token: member).status, 202)
            try await cloud.waitFor(id, status: "ACTIVE")
        }
    }

    func testConsoleOutputAndInstanceActions() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let project = try await cloud.cloud.project("events")
            let member = try await cloud.cloud.user("events-member", projectID: project, role: "member")
            let id = try await cloud.createServer("console", token: member)
            try await cloud.waitFor(id, status: "ACTIVE")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["os-stop": .null], token: member).status, 202)
            try await cloud.waitFor(id, status: "SHUTOFF")

            let console = try await cloud.action(id, ["os-getConsoleOutput": ["length": -1]], token: member)
            XCTAssertEqual(console.status, 200)
            let output = try XCTUnwrap(console.json?["output"]?.stringValue)
            XCTAssertTrue(output.contains(id), output)
            let lines = output.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
            // As in Nova, length counts the pieces between newlines: the log ends with one, so
            // the last two pieces are the last line and the empty rest.
            let last = try await cloud.action(id, ["os-getConsoleOutput": ["length": 2]], token: member)
            XCTAssertEqual(last.json?["output"]?.stringValue, lines.last.map { $0 + "\n" })

            let actions = try await cloud.compute(.GET, "/servers/\(id)/os-instance-actions", token: member, version: "2.58")
            XCTAssertEqual(actions.status, 200)
            let list = try XCTUnwrap(actions.json?["instanceActions"]?.arrayValue)
            XCTAssertEqual(list.compactMap { $0["action"]?.stringValue }, ["stop", "create"], "newest first")
            let createRequest = try XCTUnwrap(list.last?["request_id"]?.stringValue)

            let asMember = try await cloud.compute(
                .GET, "/servers/\(id)/os-instance-actions/\(createRequest)", token: member, version: "2.58")
            let memberEvents = try XCTUnwrap(asMember.json?["instanceAction"]?["events"]?.arrayValue)
            XCTAssertFalse(memberEvents.isEmpty)
            XCTAssertTrue(memberEvents.allSatisfy { $0["result"]?.stringValue == "Success" })
            XCTAssertTrue(memberEvents.allSatisfy { $0["traceback"] == nil }, "tracebacks are for admins")
            let asAdmin = try await cloud.compute(.GET, "/servers/\(id)/os-instance-actions/\(createRequest)", version: "2.62")
            let adminEvents = try XCTUnwrap(asAdmin.json?["instanceAction"]?["events"]?.arrayValue)
            XCTAssertTrue(adminEvents.allSatisfy { $0.objectValue?.keys.contains("traceback") == true })
            XCTAssertTrue(adminEvents.contains { $0["host"]?.stringValue == "compute1" }, "from 2.62 the admin sees the host")
        }
    }
}
