import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// `block_device_mapping_v2` on server create: the local devices a flavor allows are
/// accepted, everything else is refused with Nova's messages before anything is written.
final class BlockDeviceMappingTests: XCTestCase {
    private static let imageRoot: JSONValue = [
        "boot_index": 0, "source_type": "image", "destination_type": "local", "delete_on_termination": true,
    ]

    func testLocalImageSwapAndEphemeralWithinTheFlavorBoot() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let flavor = try await cloud.compute(
                .POST, "/flavors",
                json: ["flavor": ["name": "with-disks", "id": "with-disks", "ram": 512, "vcpus": 1, "disk": 1, "swap": 512, "OS-FLV-EXT-DATA:ephemeral": 2]])
            XCTAssertEqual(flavor.status, 200)
            var root = Self.imageRoot.objectValue!
            root["uuid"] = .string(cloud.imageID)
            let id = try await cloud.createServer(
                "local-disks", flavor: "with-disks",
                extra: [
                    "block_device_mapping_v2": [
                        .object(root),
                        ["boot_index": -1, "source_type": "blank", "destination_type": "local", "guest_format": "swap", "volume_size": 256],
                        ["boot_index": nil, "source_type": "blank", "destination_type": "local", "volume_size": 2, "disk_bus": "virtio"],
                    ],
                ])
            let server = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(server["image"]?["id"]?.stringValue, cloud.imageID)
        }
    }

    func testInvalidMappingsAreRefusedAndWriteNothing() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let flavor = try await cloud.compute(
                .POST, "/flavors", json: ["flavor": ["name": "swap-256", "id": "swap-256", "ram": 512, "vcpus": 1, "disk": 1, "swap": 256]])
            XCTAssertEqual(flavor.status, 200)
            let roomy = try await cloud.compute(
                .POST, "/flavors",
                json: ["flavor": ["name": "eph-3", "id": "eph-3", "ram": 512, "vcpus": 1, "disk": 1, "OS-FLV-EXT-DATA:ephemeral": 3]])
            XCTAssertEqual(roomy.status, 200)
            let image = JSONValue.string(cloud.imageID)
            func refused(_ mappings: [JSONValue], imageRef: Bool = true, flavor: String = "swap-256", version: String = "2.90") async throws -> String {
                var server: [String: JSONValue] = [
                    "name": "refused", "flavorRef": .string(flavor), "networks": [["uuid": .string(cloud.networkID)]],
                    "block_device_mapping_v2": .array(mappings),
                ]
                if imageRef { server["imageRef"] = image }
                let answer = try await cloud.compute(.POST, "/servers", version: version, json: ["server": .object(server)])
                XCTAssertEqual(answer.status, 400, String(describing: answer.json))
                return answer.json?["badRequest"]?["message"]?.stringValue ?? ""
            }
            let noImage = try await cloud.compute(
                .POST, "/servers",
                json: ["server": ["name": "x", "flavorRef": "1", "networks": [["uuid": .string(cloud.networkID)]]]])
            XCTAssertEqual(noImage.json?["badRequest"]?["message"]?.stringValue, "Missing imageRef attribute")

            let imageToLocal = try await refused(
                [["boot_index": 0, "source_type": "image", "destination_type": "local", "uuid": image]], imageRef: false)
            XCTAssertEqual(imageToLocal, "Block Device Mapping is Invalid: Mapping image to local is not supported.")
            let gap = try await refused([["boot_index": 2, "source_type": "blank", "destination_type": "local", "volume_size": 1]])
            XCTAssertEqual(gap, "Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.")
            let blankWithUUID = try await refused([["source_type": "blank", "destination_type": "local", "uuid": image]])
            XCTAssertEqual(blankWithUUID, "Block Device Mapping is Invalid: Invalid device UUID.")
            let missingUUID = try await refused([["source_type": "volume", "destination_type": "volume", "boot_index": 1]])
            XCTAssertEqual(missingUUID, "Block Device Mapping is Invalid: Missing device UUID.")
            let swapTooBig = try await refused([["source_type": "blank", "destination_type": "local", "guest_format": "swap", "volume_size": 512]])
            XCTAssertEqual(swapTooBig, "Swap drive requested is larger than instance type allows.")
            let twoSwaps = try await refused([
                ["source_type": "blank", "destination_type": "local", "guest_format": "swap", "volume_size": 128],
                ["source_type": "blank", "destination_type": "local", "guest_format": "swap", "volume_size": 128],
            ])
            XCTAssertEqual(twoSwaps, "Block Device Mapping is Invalid: More than one swap drive requested.")
            let ephemeral = try await refused([["source_type": "blank", "destination_type": "local", "volume_size": 1]])
            XCTAssertTrue(ephemeral.hasPrefix("Ephemeral disks requested are larger than the instance type allows."), ephemeral)
            let fromVolume = try await refused(
                [["boot_index": 0, "source_type": "volume", "destination_type": "volume", "uuid": "5c7e3ad2-9d46-4f1d-8c3e-1f0b9b7f2a11"]],
                imageRef: false)
            XCTAssertTrue(fromVolume.contains("Block Storage"), fromVolume)
            let bootFromNewVolume = try await refused(
                [["boot_index": 0, "source_type": "image", "destination_type": "volume", "uuid": image, "volume_size": 1]], imageRef: false)
            XCTAssertTrue(bootFromNewVolume.hasPrefix("Block Device Mapping is Invalid: failed to get a volume volume"), bootFromNewVolume)
            let badBus = try await refused([["source_type": "blank", "destination_type": "local", "guest_format": "swap", "volume_size": 1, "disk_bus": "floppy"]])
            XCTAssertEqual(badBus, "Block Device Mapping is Invalid: Unsupported disk_bus: floppy")
            let badSource = try await refused([["source_type": "cloud", "destination_type": "local"]])
            XCTAssertTrue(badSource.contains("'cloud' is not one of"), badSource)
            let typeTooEarly = try await refused(
                [["source_type": "blank", "destination_type": "volume", "volume_size": 1, "volume_type": "fast"]], version: "2.66")
            XCTAssertTrue(typeTooEarly.contains("Additional properties are not allowed ('volume_type' was unexpected)"), typeTooEarly)
            let typeOnLocal = try await refused([["source_type": "blank", "destination_type": "local", "volume_type": "fast"]])
            XCTAssertEqual(typeOnLocal, "Block Device Mapping is Invalid: Specifying a volume_type with destination_type=local is not supported.")
            let tooMany = try await refused(
                (0..<3).map { _ in ["source_type": "blank", "destination_type": "local", "guest_format": "ext4", "volume_size": 1] },
                flavor: "eph-3")
            XCTAssertEqual(tooMany, "Block Device Mapping is Invalid: You specified more local devices than the limit allows")

            let servers = try await cloud.compute(.GET, "/servers")
            XCTAssertEqual(servers.json?["servers"]?.arrayValue?.count, 0, "no refused create left a server behind")
        }
    }
}
