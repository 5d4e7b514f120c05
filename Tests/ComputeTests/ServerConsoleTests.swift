import Foundation
import Logging
import ServiceLifecycle
import StratusKit
import StratusTestSupport
import XCTest

@testable import Compute

/// The ways into a guest through the HTTP API: changePassword, trigger_crash_dump,
/// diagnostics in both shapes, serial console URLs and their auth tokens.
final class ServerConsoleTests: XCTestCase {
    func testChangePassword() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let project = try await cloud.cloud.project("pw")
            let member = try await cloud.cloud.user("pw-member", projectID: project, role: "member")
            let reader = try await cloud.cloud.user("pw-reader", projectID: project, role: "reader")
            let id = try await cloud.createServer("pw-vm", token: member)
            try await cloud.waitFor(id, status: "ACTIVE")
            let driver = try cloud.fakeDriver(host: "compute1")

            let changed = try await cloud.action(id, ["changePassword": ["adminPass": "n3w-Secret"]], token: member)
            XCTAssertEqual(changed.status, 202)
            try await XCTAssertEqualAsync(try await driver.adminPassword(of: id), "n3w-Secret")
            let server = try await cloud.server(id)
            XCTAssertEqual(server["status"]?.stringValue, "ACTIVE")
            XCTAssertEqual(server["OS-EXT-STS:task_state"], .null)

            try await XCTAssertEqualAsync(
                try await cloud.action(id, ["changePassword": ["adminPass": "x"]], token: reader).status, 403)
            let missing = try await cloud.action(id, ["changePassword": [:]], token: member)
            XCTAssertEqual(missing.status, 400)
            let extra = try await cloud.action(id, ["changePassword": ["adminPass": "leak-me", "x": 1]], token: member)
            XCTAssertEqual(extra.status, 400)
            XCTAssertFalse(extra.json?.jsonText().contains("leak-me") ?? true, "a 400 does not echo the password")

            // The driver failing: Nova's 409, the task cleared, the password kept from the answer.
            await driver.setFaults(try FakeDriverFaultPlan(parsing: "set_admin_password=fail*1"))
            let failed = try await cloud.action(id, ["changePassword": ["adminPass": "not-set-pw"]], token: member)
            XCTAssertEqual(failed.status, 409)
            XCTAssertEqual(
                failed.json?["conflictingRequest"]?["message"]?.stringValue,
                "Failed to set admin password on \(id) because error setting admin password")
            try await XCTAssertEqualAsync(try await driver.adminPassword(of: id), "n3w-Secret")
            try await XCTAssertEqualAsync(try await cloud.server(id)["OS-EXT-STS:task_state"], .null)

            try await XCTAssertEqualAsync(try await cloud.action(id, ["os-stop": .null], token: member).status, 202)
            try await cloud.waitFor(id, status: "SHUTOFF")
            let stopped = try await cloud.action(id, ["changePassword": ["adminPass": "another"]], token: member)
            XCTAssertEqual(stopped.status, 409)
            XCTAssertEqual(
                stopped.json?["conflictingRequest"]?["message"]?.stringValue,
                "Cannot 'changePassword' instance \(id) while it is in vm_state stopped")

            let actions = try await cloud.compute(.GET, "/servers/\(id)/os-instance-actions", token: member)
            let names = actions.json?["instanceActions"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
            XCTAssertEqual(names.filter { $0 == "changePassword" }.count, 2, "\(names)")
            let events = try await cloud.compute(.GET, "/servers/\(id)/os-instance-actions", version: "2.62")
            XCTAssertFalse(events.json?.jsonText().contains("not-set-pw") ?? true, "no password in the instance actions")
        }
    }

    func testTriggerCrashDump() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("dump-vm")
            try await cloud.waitFor(id, status: "ACTIVE")
            let driver = try cloud.fakeDriver(host: "compute1")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["trigger_crash_dump": .null], version: "2.16").status, 404)
            try await XCTAssertEqualAsync(try await cloud.action(id, ["trigger_crash_dump": [:]], version: "2.17").status, 400)
            try await XCTAssertEqualAsync(try await cloud.action(id, ["trigger_crash_dump": .null], version: "2.17").status, 202)
            try await ServerInterfaceTests.waitUntil("the guest got its NMI") { try await driver.nmiCount(of: id) == 1 }
            let console = try await cloud.action(id, ["os-getConsoleOutput": ["length": 5]])
            XCTAssertTrue(console.json?["output"]?.stringValue?.contains("NMI received") ?? false)
            try await XCTAssertEqualAsync(try await cloud.server(id)["status"]?.stringValue, "ACTIVE")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["os-stop": .null]).status, 202)
            try await cloud.waitFor(id, status: "SHUTOFF")
            let stopped = try await cloud.action(id, ["trigger_crash_dump": .null])
            XCTAssertEqual(stopped.status, 409)
            XCTAssertEqual(
                stopped.json?["conflictingRequest"]?["message"]?.stringValue,
                "Cannot 'trigger_crash_dump' instance \(id) while it is in vm_state stopped")
            let actions = try await cloud.compute(.GET, "/servers/\(id)/os-instance-actions")
            let names = actions.json?["instanceActions"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
            XCTAssertTrue(names.contains("trigger_crash_dump"))
        }
    }

    func testDiagnostics() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let project = try await cloud.cloud.project("diag")
            let member = try await cloud.cloud.user("diag-member", projectID: project, role: "member")
            let id = try await cloud.createServer("diag-vm", token: member, flavor: "2")
            try await cloud.waitFor(id, status: "ACTIVE")
            let mac = try await XCTUnwrapAsync(try await cloud.ports(deviceID: id).first?["mac_address"]?.stringValue)

            try await XCTAssertEqualAsync(try await cloud.compute(.GET, "/servers/\(id)/diagnostics", token: member).status, 403)
            let legacy = try await cloud.compute(.GET, "/servers/\(id)/diagnostics", version: "2.47")
            XCTAssertEqual(legacy.status, 200)
            XCTAssertEqual(legacy.json?["memory"]?.intValue, 2048 * 1024, "m1.small's RAM in KiB")
            XCTAssertNil(legacy.json?["cpu_details"])

            let standard = try await cloud.compute(.GET, "/servers/\(id)/diagnostics", version: "2.48")
            XCTAssertEqual(standard.status, 200)
            let body = try XCTUnwrap(standard.json)
            XCTAssertEqual(body["state"]?.stringValue, "running")
            XCTAssertEqual(body["driver"]?.stringValue, "fake")
            XCTAssertEqual(body["num_cpus"]?.intValue, 1)
            XCTAssertEqual(body["num_nics"]?.intValue, 1)
            XCTAssertEqual(body["num_disks"]?.intValue, 1)
            XCTAssertEqual(body["config_drive"]?.boolValue, false)
            XCTAssertEqual(body["memory_details"]?["maximum"]?.intValue, 2048)
            XCTAssertEqual(body["nic_details"]?.arrayValue?.first?["mac_address"]?.stringValue, mac)
            XCTAssertEqual(body["cpu_details"]?.arrayValue?.count, 1)
            XCTAssertNotNil(body["uptime"]?.intValue)

            try await XCTAssertEqualAsync(try await cloud.action(id, ["os-stop": .null]).status, 202)
            try await cloud.waitFor(id, status: "SHUTOFF")
            let stopped = try await cloud.compute(.GET, "/servers/\(id)/diagnostics", version: "2.48")
            XCTAssertEqual(stopped.status, 409)
            XCTAssertEqual(
                stopped.json?["conflictingRequest"]?["message"]?.stringValue,
                "Cannot 'get_diagnostics' instance \(id) while it is in power state shutdown")
        }
    }

    func testSerialConsoleAndTokens() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let project = try await cloud.cloud.project("console")
            let member = try await cloud.cloud.user("console-member", projectID: project, role: "member")
            let reader = try await cloud.cloud.user("console-reader", projectID: project, role: "reader")
            let id = try await cloud.createServer("console-vm", token: member)
            try await cloud.waitFor(id, status: "ACTIVE")
            let path = "/servers/\(id)/remote-consoles"
            func console(_ proto: String, _ type: String, token: String? = nil, version: String = "2.6") async throws -> LiveCloud.Answer {
                try await cloud.compute(
                    .POST, path, token: token ?? member, version: version,
                    json: ["remote_console": ["protocol": .string(proto), "type": .string(type)]])
            }

            let serial = try await console("serial", "serial")
            XCTAssertEqual(serial.status, 200)
            XCTAssertEqual(serial.json?["remote_console"]?["protocol"]?.stringValue, "serial")
            XCTAssertEqual(serial.json?["remote_console"]?["type"]?.stringValue, "serial")
            let url = try XCTUnwrap(serial.json?["remote_console"]?["url"]?.stringValue)
            XCTAssertTrue(url.hasPrefix("ws://127.0.0.1:6083/?token="), url)
            let token = String(url.dropFirst("ws://127.0.0.1:6083/?token=".count))

            let shown = try await cloud.compute(.GET, "/os-console-auth-tokens/\(token)", version: "2.31")
            XCTAssertEqual(shown.status, 200)
            XCTAssertEqual(shown.json?["console"]?["instance_uuid"]?.stringValue, id)
            XCTAssertEqual(shown.json?["console"]?["host"]?.stringValue, "127.0.0.1")
            let port = try XCTUnwrap(shown.json?["console"]?["port"]?.intValue)
            XCTAssertTrue(FakeVirtDriver.serialPortRange.contains(Int(port)))
            XCTAssertEqual(shown.json?["console"]?["internal_access_path"], .null)
            try await XCTAssertEqualAsync(try await cloud.compute(.GET, "/os-console-auth-tokens/\(token)", version: "2.30").status, 400)
            try await XCTAssertEqualAsync(
                try await cloud.compute(.GET, "/os-console-auth-tokens/\(token)", token: member, version: "2.31").status, 403)
            let unknown = try await cloud.compute(.GET, "/os-console-auth-tokens/\(UUID().uuidString.lowercased())", version: "2.31")
            XCTAssertEqual(unknown.status, 404)
            XCTAssertEqual(unknown.json?["itemNotFound"]?["message"]?.stringValue, "Token not found")

            let vnc = try await console("vnc", "novnc")
            XCTAssertEqual(vnc.status, 400)
            XCTAssertEqual(vnc.json?["badRequest"]?["message"]?.stringValue, "Unavailable console type novnc.")
            let rdp = try await console("rdp", "rdp-html5")
            XCTAssertEqual(rdp.json?["badRequest"]?["message"]?.stringValue, "Unavailable console type rdp.")
            let mismatch = try await console("serial", "novnc")
            XCTAssertEqual(mismatch.json?["badRequest"]?["message"]?.stringValue, "Invalid console type novnc")
            try await XCTAssertEqualAsync(try await console("telnet", "serial").status, 400)
            try await XCTAssertEqualAsync(try await console("mks", "webmks", version: "2.7").status, 400, "mks from 2.8")
            try await XCTAssertEqualAsync(try await console("serial", "serial", version: "2.5").status, 404)
            try await XCTAssertEqualAsync(try await console("serial", "serial", token: reader).status, 403)

            let legacy = try await cloud.action(id, ["os-getSerialConsole": ["type": "serial"]], token: member, version: "2.5")
            XCTAssertEqual(legacy.status, 200)
            XCTAssertEqual(legacy.json?["console"]?["type"]?.stringValue, "serial")
            XCTAssertTrue(legacy.json?["console"]?["url"]?.stringValue?.hasPrefix("ws://127.0.0.1:6083/?token=") ?? false)
            try await XCTAssertEqualAsync(
                try await cloud.action(id, ["os-getSerialConsole": ["type": "serial"]], token: member, version: "2.6").status, 404)

            // Tokens go with their server.
            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)").status, 204)
            try await cloud.waitUntilDeleted(id)
            try await XCTAssertEqualAsync(try await cloud.compute(.GET, "/os-console-auth-tokens/\(token)", version: "2.31").status, 404)
        }
    }

    func testSerialConsoleProxyStreamsTheConsoleLog() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("proxied")
            try await cloud.waitFor(id, status: "ACTIVE")
            let answer = try await cloud.compute(
                .POST, "/servers/\(id)/remote-consoles", json: ["remote_console": ["protocol": "serial", "type": "serial"]])
            let url = try XCTUnwrap(answer.json?["remote_console"]?["url"]?.stringValue)
            let token = try XCTUnwrap(url.split(separator: "=").last.map(String.init))

            let (bound, boundContinuation) = AsyncStream<Int>.makeStream()
            let proxy = try cloud.compute.makeSerialConsoleProxy(host: "127.0.0.1", port: 0) { boundContinuation.yield($0) }
            let group = ServiceGroup(
                configuration: .init(
                    services: [.init(service: proxy)], gracefulShutdownSignals: [], logger: Logger(label: "serial-proxy-test")))
            let running = Task { try await group.run() }
            var iterator = bound.makeAsyncIterator()
            let port = try await XCTUnwrapAsync(await iterator.next())

            // A valid token: the handshake completes, the log so far arrives, then new lines.
            let key = RawWebSocketClient.makeKey()
            let session = try await RawWebSocketClient.withTimeout(.seconds(20)) {
                try await RawWebSocketClient.connect(host: "127.0.0.1", port: port, path: "/?token=\(token)", key: key) {
                    response, connection in
                    var text = ""
                    var pong: [UInt8]?
                    var askedForDump = false
                    if response.statusLine.contains(" 101 ") {
                        try await connection.sendText("typed input is dropped\n")
                        try await connection.sendPing("still there?")
                        while let message = try await connection.nextMessage() {
                            switch message {
                            case .text(let more): text += more
                            case .pong(let payload): pong = payload
                            default: break
                            }
                            if text.contains("login:"), !askedForDump {
                                askedForDump = true
                                _ = try await cloud.action(id, ["trigger_crash_dump": .null])
                            }
                            if text.contains("NMI received"), pong != nil { break }
                        }
                        try await connection.sendClose(code: 1000)
                    }
                    var closeReply: RawWebSocketClient.Message?
                    while let message = try await connection.nextMessage() {
                        if case .close = message {
                            closeReply = message
                            break
                        }
                    }
                    return (response, text, pong, closeReply)
                }
            }
            XCTAssertEqual(session.0.statusLine, "HTTP/1.1 101 Switching Protocols")
            XCTAssertEqual(session.0.headers["upgrade"]?.lowercased(), "websocket")
            XCTAssertEqual(session.0.headers["sec-websocket-accept"], RawWebSocketClient.acceptValue(for: key))
            XCTAssertTrue(session.1.contains("fake hypervisor compute1: created"), session.1)
            XCTAssertTrue(session.1.contains("NMI received"), "new console lines are streamed: \(session.1)")
            XCTAssertFalse(session.1.contains("typed input"), "the client's input is not echoed")
            XCTAssertEqual(session.2, Array("still there?".utf8), "a ping gets its pong")
            XCTAssertEqual(session.3, .close(1000), "the client's close is answered with its code")

            // No upgrade for an unknown token, nor without a token, nor for a plain request.
            for (path, upgrade) in [("/?token=not-a-token", true), ("/", true), ("/?token=\(token)", false)] {
                let refused = try await RawWebSocketClient.withTimeout(.seconds(10)) {
                    try await RawWebSocketClient.connect(host: "127.0.0.1", port: port, path: path, upgrade: upgrade) {
                        response, connection in
                        (response, try await connection.remainingText())
                    }
                }
                XCTAssertEqual(refused.0.statusLine, "HTTP/1.1 400 Bad Request", path)
                XCTAssertNil(refused.0.headers["sec-websocket-accept"], path)
                XCTAssertEqual(refused.0.headers["connection"], "close", path)
                XCTAssertEqual(refused.1, "A WebSocket upgrade with a valid ?token= is required.\n", path)
            }

            // Deleting the server ends its open session with a normal close.
            let doomed = try await cloud.createServer("proxied-doomed")
            try await cloud.waitFor(doomed, status: "ACTIVE")
            let doomedURL = try await cloud.compute(
                .POST, "/servers/\(doomed)/remote-consoles", json: ["remote_console": ["protocol": "serial", "type": "serial"]]
            ).json?["remote_console"]?["url"]?.stringValue
            let doomedToken = try XCTUnwrap(doomedURL?.split(separator: "=").last.map(String.init))
            let afterDelete = try await RawWebSocketClient.withTimeout(.seconds(20)) {
                try await RawWebSocketClient.connect(host: "127.0.0.1", port: port, path: "/?token=\(doomedToken)") {
                    response, connection in
                    guard response.statusLine.contains(" 101 "), case .text? = try await connection.nextMessage() else {
                        return [RawWebSocketClient.Message]()
                    }
                    _ = try await cloud.compute(.DELETE, "/servers/\(doomed)")
                    var rest: [RawWebSocketClient.Message] = []
                    while let message = try await connection.nextMessage() { rest.append(message) }
                    return rest
                }
            }
            XCTAssertEqual(afterDelete.last, .close(1000), "\(afterDelete)")

            // Shutting the proxy down ends an open session with "going away" and the service returns.
            let ended = try await RawWebSocketClient.withTimeout(.seconds(20)) {
                try await RawWebSocketClient.connect(host: "127.0.0.1", port: port, path: "/?token=\(token)") {
                    response, connection in
                    guard response.statusLine.contains(" 101 "), case .text? = try await connection.nextMessage() else {
                        return [RawWebSocketClient.Message]()
                    }
                    await group.triggerGracefulShutdown()
                    var rest: [RawWebSocketClient.Message] = []
                    while let message = try await connection.nextMessage() { rest.append(message) }
                    return rest
                }
            }
            XCTAssertEqual(ended.last, .close(1001), "\(ended)")
            try await RawWebSocketClient.withTimeout(.seconds(10)) { try await running.value }
        }
    }

    func testConsoleTokensExpire() async throws {
        try await ComputeLiveCloud.run(hosts: 1, config: ["compute.consoleauth.token_ttl": "1"]) { cloud in
            let id = try await cloud.createServer("expiring")
            try await cloud.waitFor(id, status: "ACTIVE")
            let answer = try await cloud.compute(
                .POST, "/servers/\(id)/remote-consoles", json: ["remote_console": ["protocol": "serial", "type": "serial"]])
            let url = try XCTUnwrap(answer.json?["remote_console"]?["url"]?.stringValue)
            let token = try XCTUnwrap(url.split(separator: "=").last.map(String.init))
            try await XCTAssertEqualAsync(try await cloud.compute(.GET, "/os-console-auth-tokens/\(token)", version: "2.31").status, 200)
            try await Task.sleep(for: .milliseconds(1_200))
            try await XCTAssertEqualAsync(try await cloud.compute(.GET, "/os-console-auth-tokens/\(token)", version: "2.31").status, 404)
        }
    }

    func testSerialConsoleDisabled() async throws {
        try await ComputeLiveCloud.run(hosts: 1, config: ["compute.serial_console.enabled": "false"]) { cloud in
            let id = try await cloud.createServer("no-serial")
            try await cloud.waitFor(id, status: "ACTIVE")
            let answer = try await cloud.compute(
                .POST, "/servers/\(id)/remote-consoles", json: ["remote_console": ["protocol": "serial", "type": "serial"]])
            XCTAssertEqual(answer.status, 400)
            XCTAssertEqual(answer.json?["badRequest"]?["message"]?.stringValue, "Unavailable console type serial.")
        }
    }
}
