import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import BlockStorage

/// Helpers for tests that follow volume data through snapshots and backups: a type that
/// lands volumes on the raw `thick` pool (so bytes can be written into the file directly),
/// reading any volume's bytes through the driver's raw export, and polling snapshots and backups.
extension BlockStorageLiveCloud {
    /// A public volume type whose volumes the scheduler puts on the `thick` pool (tier gold).
    func thickType() async throws -> String {
        let answer = try await call(
            .POST, "/types", json: ["volume_type": ["name": "gold", "extra_specs": ["storage_tier": "gold"]]])
        guard answer.status == 200 else { throw TestFailure("create type: \(answer.status) \(String(describing: answer.json))") }
        return "gold"
    }

    func thickVolumePath(_ id: String) -> String { cloud.directory + "/volumes/thick/volume-\(id).raw" }

    /// Writes `bytes` at `offset` into a volume of the `thick` pool (a raw file).
    func write(_ bytes: [UInt8], at offset: UInt64, intoThickVolume id: String) throws {
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: thickVolumePath(id)))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data(bytes))
    }

    /// `count` bytes at `offset` of any volume, read from a raw export of it.
    func read(_ count: Int, at offset: UInt64, ofVolume id: String, pool: String) async throws -> [UInt8] {
        let path = cloud.directory + "/read-\(UUID().uuidString.lowercased()).raw"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await driver.exportVolume(VolumeLocation(volumeID: id, pool: pool), to: path, format: "raw")
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        return [UInt8](try handle.read(upToCount: count) ?? Data())
    }

    /// Polls `GET /<collection>/<id>` until its status is `status` (or `error`, which fails).
    func waitFor(
        _ collection: String, _ id: String, status: String, token: String? = nil, project: String? = nil,
        timeout: Duration = .seconds(60)
    ) async throws -> JSONValue {
        let key = String(collection.dropLast())
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var last: JSONValue?
        while clock.now < deadline {
            let answer = try await call(.GET, "/\(collection)/\(id)", token: token, project: project)
            last = answer.json?[key]
            if last?["status"]?.stringValue == status { return last! }
            if status != "error", last?["status"]?.stringValue == "error" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("\(key) \(id) did not become \(status): \(String(describing: last))")
    }

    /// Polls until `GET /<collection>/<id>` answers 404.
    func waitForGone(_ collection: String, _ id: String, timeout: Duration = .seconds(30)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if try await call(.GET, "/\(collection)/\(id)").status == 404 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("\(collection) \(id) was not deleted")
    }

    /// Creates a snapshot of the volume and waits until it is available.
    func createSnapshot(of volumeID: String, name: String = "snap", version: String = "3.70") async throws -> JSONValue {
        let answer = try await call(
            .POST, "/snapshots", json: ["snapshot": ["volume_id": .string(volumeID), "name": .string(name)]], version: version)
        guard answer.status == 202, let id = answer.json?["snapshot"]?["id"]?.stringValue else {
            throw TestFailure("create snapshot: \(answer.status) \(String(describing: answer.json))")
        }
        return try await waitFor("snapshots", id, status: "available")
    }

    /// Creates a backup of the volume and waits until it is available.
    func createBackup(of volumeID: String, incremental: Bool = false, force: Bool = false) async throws -> JSONValue {
        let answer = try await call(
            .POST, "/backups",
            json: [
                "backup": [
                    "volume_id": .string(volumeID), "name": .null, "container": .null, "incremental": .bool(incremental),
                    "force": .bool(force),
                ]
            ], version: "3.64")
        guard answer.status == 202, let id = answer.json?["backup"]?["id"]?.stringValue else {
            throw TestFailure("create backup: \(answer.status) \(String(describing: answer.json))")
        }
        return try await waitFor("backups", id, status: "available")
    }

    /// Puts the volume in use through the older attach actions.
    func attach(_ volumeID: String) async throws {
        let reserved = try await call(.POST, "/volumes/\(volumeID)/action", json: ["os-reserve": [:]])
        let attached = try await call(
            .POST, "/volumes/\(volumeID)/action",
            json: ["os-attach": ["instance_uuid": .string(UUID().uuidString.lowercased()), "mountpoint": "/dev/vdb"]])
        guard reserved.status == 202, attached.status == 202 else {
            throw TestFailure("attach: \(reserved.status) \(attached.status) \(String(describing: attached.json))")
        }
    }
}

/// `XCTUnwrap` for values that come from an `await` (its autoclosure cannot await).
func unwrap<T>(_ value: T?, _ what: String = "a value") throws -> T {
    guard let value else { throw TestFailure("\(what) is missing") }
    return value
}
