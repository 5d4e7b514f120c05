import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import Compute

/// What the move tests (live migration, evacuation, migration records, power sync) ask of
/// the live cloud beyond the server calls.
extension ComputeLiveCloud {
    /// `GET /os-migrations` as the admin at `version`, with `query`.
    func migrations(query: String = "", version: String = "2.80") async throws -> [JSONValue] {
        let answer = try await compute(.GET, "/os-migrations" + (query.isEmpty ? "" : "?" + query), version: version)
        guard answer.status == 200, let list = answer.json?["migrations"]?.arrayValue else {
            throw TestFailure("os-migrations: \(answer.status) \(String(describing: answer.json))")
        }
        return list
    }

    /// The newest migration of a server.
    func latestMigration(of server: String) async throws -> JSONValue? {
        try await migrations(query: "instance_uuid=\(server)").first
    }

    /// Polls until `condition` holds (or fails after `timeout` with `what`).
    func eventually(
        _ what: String, timeout: Duration = .seconds(20), _ condition: @Sendable () async throws -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("timed out waiting until \(what)")
    }

    /// Polls until the server's newest migration has `status`; returns it.
    @discardableResult
    func waitForMigration(of server: String, status: String, timeout: Duration = .seconds(20)) async throws -> JSONValue {
        try await eventually("the migration of \(server) is \(status)", timeout: timeout) {
            try await latestMigration(of: server)?["status"]?.stringValue == status
        }
        return try await XCTUnwrapAsync(try await latestMigration(of: server))
    }

    /// Forces a host's compute service down (or back up) through `os-services` (2.53).
    func setForcedDown(_ host: String, _ down: Bool) async throws {
        let services = try await compute(.GET, "/os-services?host=\(host)&binary=nova-compute", version: "2.53")
        let id = try XCTUnwrap(services.json?["services"]?[0]?["id"]?.stringValue, "no service on \(host)")
        let answer = try await compute(.PUT, "/os-services/\(id)", version: "2.53", json: ["forced_down": .bool(down)])
        guard answer.status == 200 else { throw TestFailure("force \(down ? "down" : "up") \(host): \(answer.status) \(String(describing: answer.json))") }
    }

    /// The server's host as the admin sees it.
    func host(of server: String) async throws -> String {
        let shown = try await self.server(server)
        return try XCTUnwrap(shown["OS-EXT-SRV-ATTR:host"]?.stringValue)
    }

    /// The events of the server's action `name` (the newest such action).
    func events(of server: String, action name: String) async throws -> [String: String?] {
        let actions = try await compute(.GET, "/servers/\(server)/os-instance-actions", version: "2.58")
        let requestID = try XCTUnwrap(
            actions.json?["instanceActions"]?.arrayValue?.first { $0["action"]?.stringValue == name }?["request_id"]?.stringValue,
            "no \(name) action on \(server)")
        let action = try await compute(.GET, "/servers/\(server)/os-instance-actions/\(requestID)", version: "2.58")
        var events: [String: String?] = [:]
        for event in action.json?["instanceAction"]?["events"]?.arrayValue ?? [] {
            if let name = event["event"]?.stringValue { events[name] = event["result"]?.stringValue }
        }
        return events
    }

    /// The resources Placement holds for a consumer on one host's provider.
    func allocation(of consumer: String, on host: String) async throws -> [String: Int64]? {
        let provider = try await XCTUnwrapAsync(try await providerUUID(host: host))
        return try await allocations(consumer: consumer)[provider]
    }
}
