import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import StratusKit
import XCTest

@testable import ServiceClients

/// `HTTPVolumeClient` against a tiny Block Storage stand-in that records every request: the
/// paths (with the caller's project), the bodies, the token and the microversion header.
final class VolumeClientTests: XCTestCase {
    /// One request as the stand-in saw it.
    struct Seen: Sendable {
        var method: String
        var path: String
        var token: String?
        var microversion: String?
        var body: JSONValue?
    }

    actor Recorder {
        var seen: [Seen] = []
        func add(_ request: Seen) { seen.append(request) }
    }

    /// Runs a Block Storage stand-in on an ephemeral port answering as Cinder does, then `body`
    /// with a client whose endpoint override points at it.
    private func withStandIn(
        _ body: @Sendable (HTTPVolumeClient, Recorder) async throws -> Void
    ) async throws {
        let recorder = Recorder()
        let router = Router()
        let volumeJSON: JSONValue = [
            "volume": [
                "id": "vol-1", "status": "in-use", "size": 2, "name": "data", "multiattach": false, "bootable": "true",
                "availability_zone": "nova",
                "attachments": [
                    [
                        "id": "vol-1", "attachment_id": "att-1", "volume_id": "vol-1", "server_id": "srv-1",
                        "host_name": .null, "device": "/dev/vdb", "attached_at": "2026-01-01T00:00:00.000000",
                    ]
                ],
            ]
        ]
        router.on("**", method: .get) { request, _ in try await Self.answer(request, recorder, volumeJSON) }
        router.on("**", method: .post) { request, _ in try await Self.answer(request, recorder, volumeJSON) }
        router.on("**", method: .put) { request, _ in try await Self.answer(request, recorder, volumeJSON) }
        router.on("**", method: .delete) { request, _ in try await Self.answer(request, recorder, volumeJSON) }
        let (bound, boundContinuation) = AsyncStream<Int>.makeStream()
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in boundContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "volume-stand-in"))
        let group = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [], logger: Logger(label: "volume-stand-in")))
        let running = Task { try await group.run() }
        var failure: (any Error)?
        do {
            var port = 0
            for await value in bound {
                port = value
                break
            }
            // Every call carries a user's token: the session never authenticates itself.
            let session = ServiceSession(
                credentials: ServiceCredentials(
                    authURL: "http://127.0.0.1:9/v3", userName: "nova", password: "unused", projectName: "service"),
                endpointOverrides: ["block-storage": "http://127.0.0.1:\(port)/v3"])
            try await body(HTTPVolumeClient(session: session), recorder)
        } catch {
            failure = error
        }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        if let failure { throw failure }
    }

    private static func answer(_ request: Request, _ recorder: Recorder, _ volumeJSON: JSONValue) async throws -> Response {
        let bytes = Array(buffer: try await request.body.collect(upTo: 1 << 20))
        let path = request.uri.path
        let method = request.method.rawValue
        await recorder.add(
            Seen(
                method: method, path: path, token: request.headers[HTTPField.Name("X-Auth-Token")!],
                microversion: request.headers[HTTPField.Name("OpenStack-API-Version")!],
                body: bytes.isEmpty ? nil : try JSONValue.parse(bytes: bytes)))
        func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
            Response(
                status: status, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: value.serialized())))
        }
        if request.headers[HTTPField.Name("X-Auth-Token")!] == "expired" {
            return json(.unauthorized, ["error": ["code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."]])
        }
        switch (method, path) {
        case ("GET", let path) where path.hasSuffix("/volumes/vol-1"): return json(.ok, volumeJSON)
        case ("GET", _): return json(.notFound, ["itemNotFound": ["code": 404, "message": "Volume could not be found."]])
        case ("POST", let path) where path.hasSuffix("/volumes"): return json(.accepted, ["volume": ["id": "vol-new", "status": "creating"]])
        case ("POST", let path) where path.hasSuffix("/attachments"):
            return json(.ok, ["attachment": ["id": "att-new", "status": "reserved", "connection_info": [:]]])
        case ("PUT", _):
            return json(
                .ok,
                [
                    "attachment": [
                        "id": "att-new", "status": "attaching",
                        "connection_info": [
                            "driver_volume_type": "file",
                            "data": ["path": "/var/lib/volumes/vol-1", "volume_id": "vol-1", "encrypted": false, "qos_specs": .null],
                            "attachment_id": "att-new",
                        ],
                    ]
                ])
        case ("POST", let path) where path.hasSuffix("/action"): return Response(status: .noContent)
        case ("DELETE", let path) where path.contains("/attachments/"): return json(.ok, ["attachments": []])
        case ("DELETE", _): return Response(status: .accepted)
        default: return json(.badRequest, ["badRequest": ["code": 400, "message": "unexpected"]])
        }
    }

    func testRequestsCarryTheCallersTokenProjectAndMicroversion() async throws {
        try await withStandIn { client, recorder in
            let user = VolumeCaller(token: "user-token", projectID: "proj-a")
            let fetched = try await client.volume(id: "vol-1", as: user)
            let volume = try XCTUnwrap(fetched)
            XCTAssertEqual(volume.status, "in-use")
            XCTAssertEqual(volume.size, 2)
            XCTAssertTrue(volume.bootable)
            XCTAssertEqual(volume.availabilityZone, "nova")
            XCTAssertEqual(volume.attachments, [VolumeAttachmentSummary(serverID: "srv-1", attachmentID: "att-1", device: "/dev/vdb")])
            let missing = try await client.volume(id: "vol-x", as: user)
            XCTAssertNil(missing, "a 404 is no volume")

            let created = try await client.createVolume(
                VolumeCreateRequest(size: 3, name: "boot", imageRef: "img-1", availabilityZone: "nova"), as: user)
            XCTAssertEqual(created, "vol-new")
            let attachment = try await client.createAttachment(
                volumeID: "vol-1", instanceUUID: "srv-1", connector: nil, mode: "rw", as: user)
            XCTAssertEqual(attachment, "att-new")
            let info = try await client.updateAttachment(
                id: attachment, connector: VolumeConnector(host: "compute1", mountpoint: "/dev/vdb"), as: user)
            XCTAssertEqual(info.driverVolumeType, "file")
            XCTAssertEqual(info.data, ["path": "/var/lib/volumes/vol-1", "volume_id": "vol-1", "encrypted": "false"])
            try await client.completeAttachment(id: attachment, as: user)
            try await client.deleteAttachment(id: attachment, as: user)
            try await client.deleteVolume(id: "vol-1", as: user)

            let seen = await recorder.seen
            XCTAssertEqual(
                seen.map { "\($0.method) \($0.path)" },
                [
                    "GET /v3/proj-a/volumes/vol-1", "GET /v3/proj-a/volumes/vol-x", "POST /v3/proj-a/volumes",
                    "POST /v3/proj-a/attachments", "PUT /v3/proj-a/attachments/att-new",
                    "POST /v3/proj-a/attachments/att-new/action", "DELETE /v3/proj-a/attachments/att-new",
                    "DELETE /v3/proj-a/volumes/vol-1",
                ])
            XCTAssertTrue(seen.allSatisfy { $0.token == "user-token" })
            XCTAssertTrue(seen.allSatisfy { $0.microversion == "volume 3.54" })
            XCTAssertEqual(
                seen[2].body, ["volume": ["size": 3, "name": "boot", "imageRef": "img-1", "availability_zone": "nova"]])
            XCTAssertEqual(
                seen[3].body, ["attachment": ["volume_uuid": "vol-1", "instance_uuid": "srv-1", "connector": .null, "mode": "rw"]])
            XCTAssertEqual(
                seen[4].body,
                [
                    "attachment": [
                        "connector": [
                            "host": "compute1", "ip": "127.0.0.1", "mountpoint": "/dev/vdb", "platform": "x86_64",
                            "os_type": "linux", "multipath": false,
                        ]
                    ]
                ])
            XCTAssertEqual(seen[5].body, ["os-complete": .null])
        }
    }

    func testAUsersRefusedTokenIsAnErrorNotARenewal() async throws {
        try await withStandIn { client, recorder in
            do {
                _ = try await client.volume(id: "vol-1", as: VolumeCaller(token: "expired", projectID: "proj-a"))
                XCTFail("a refused user token is an error")
            } catch let error as ServiceClientError {
                XCTAssertEqual(error.service, "block-storage")
                XCTAssertEqual(error.status, 401)
            }
            let sent = await recorder.seen.count
            XCTAssertEqual(sent, 1, "sent once, not repeated with a renewed token")
        }
    }

    func testTheCatalogsProjectSegmentIsReplaced() {
        XCTAssertEqual(HTTPVolumeClient.versionRoot("http://h:8776/v3/0123abcd"), "http://h:8776/v3")
        XCTAssertEqual(HTTPVolumeClient.versionRoot("http://h:8776/v3"), "http://h:8776/v3")
        XCTAssertEqual(HTTPVolumeClient.versionRoot("http://h:8776/volume/v3/abc"), "http://h:8776/volume/v3")
        XCTAssertEqual(HTTPVolumeClient.versionRoot("http://h:8776"), "http://h:8776")
    }

    func testWaitingForAVolumePollsUntilItsStatusOrFailure() async throws {
        let client = SequenceVolumes(statuses: ["creating", "downloading", "available"])
        let caller = VolumeCaller.service(projectID: "p")
        let volume = try await client.waitForVolume(
            id: "v", status: "available", timeout: .seconds(5), interval: .milliseconds(10), as: caller)
        XCTAssertEqual(volume.status, "available")
        let failing = SequenceVolumes(statuses: ["creating", "error"])
        do {
            try await failing.waitForVolume(id: "v", status: "available", timeout: .seconds(5), interval: .milliseconds(10), as: caller)
            XCTFail("an errored volume ends the wait")
        } catch let error as VolumeWaitError {
            XCTAssertEqual(error.status, "error")
            XCTAssertFalse(error.timedOut)
        }
        let slow = SequenceVolumes(statuses: ["creating"])
        do {
            try await slow.waitForVolume(
                id: "v", status: "available", timeout: .milliseconds(50), interval: .milliseconds(10), as: caller)
            XCTFail("the wait has a deadline")
        } catch let error as VolumeWaitError {
            XCTAssertTrue(error.timedOut)
        }
    }
}

/// A volume whose status follows a list, one step per read (the last one stays).
private actor SequenceVolumes: VolumeClient {
    var statuses: [String]
    init(statuses: [String]) { self.statuses = statuses }

    func volume(id: String, as caller: VolumeCaller) async throws -> VolumeSummary? {
        let status = statuses.count > 1 ? statuses.removeFirst() : statuses[0]
        return VolumeSummary(id: id, status: status, size: 1, name: nil)
    }
    func createVolume(_ request: VolumeCreateRequest, as caller: VolumeCaller) async throws -> String { "v" }
    func deleteVolume(id: String, as caller: VolumeCaller) async throws {}
    func createAttachment(
        volumeID: String, instanceUUID: String, connector: VolumeConnector?, mode: String, as caller: VolumeCaller
    ) async throws -> String { "a" }
    func updateAttachment(id: String, connector: VolumeConnector, as caller: VolumeCaller) async throws -> VolumeConnectionInfo {
        VolumeConnectionInfo(driverVolumeType: "file", data: [:])
    }
    func completeAttachment(id: String, as caller: VolumeCaller) async throws {}
    func deleteAttachment(id: String, as caller: VolumeCaller) async throws {}
}
