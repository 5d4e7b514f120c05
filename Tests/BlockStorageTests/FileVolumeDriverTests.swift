@testable import BlockStorage
import Foundation
import StratusKit
import XCTest

/// The `file` back end against the real qemu-img, in a temporary directory. Volumes are a GiB
/// or two but sparse: the tests only ever write a few bytes into them.
final class FileVolumeDriverTests: XCTestCase {
    private var directory: String!
    private var driver: FileVolumeDriver!
    private let qemuImage = QemuImage()
    private static let gib: Int64 = 1 << 30

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: qemuImage.executable) else {
            throw XCTSkip("qemu-img is not installed (Debian package qemu-utils)")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("stratus-file-volumes-\(UUID().uuidString.lowercased())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        driver = try FileVolumeDriver(
            root: "\(directory!)/volumes",
            pools: [
                FilePool(name: "thin", capacityGB: 8, thin: true, capabilities: ["storage_tier": "gold"]),
                FilePool(name: "thick", capacityGB: 6, thin: false, maxOverSubscriptionRatio: 1, reservedPercentage: 5),
            ])
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    // MARK: Creating and capacity

    func testCreateMakesPoolFilesAndCapacityCountsThinByAllocationAndThickBySize() async throws {
        try XCTSkipIf(try LocalFiles.filesystemFreeBytes(directory) < 10 * Self.gib, "needs 10 GiB free to compare capacities")
        var reports = try await reportsByPool()
        XCTAssertEqual(reports["thin"]?.totalCapacityGB, 8)
        XCTAssertEqual(reports["thin"]?.freeCapacityGB, 8)
        XCTAssertEqual(reports["thick"]?.freeCapacityGB, 6)

        let thinVolume = location("thin")
        let thickVolume = location("thick")
        try await driver.createVolume(thinVolume, sizeGB: 2)
        try await driver.createVolume(thickVolume, sizeGB: 2)

        let thinPath = volumePath(thinVolume, "qcow2")
        let thickPath = volumePath(thickVolume, "raw")
        let thinInfo = try await qemuImage.info(thinPath, format: nil)
        XCTAssertEqual(thinInfo.format, "qcow2")
        XCTAssertEqual(thinInfo.virtualSize, 2 * Self.gib)
        let thickInfo = try await qemuImage.info(thickPath, format: nil)
        XCTAssertEqual(thickInfo.format, "raw")
        XCTAssertEqual(thickInfo.virtualSize, 2 * Self.gib)
        XCTAssertLessThan(try XCTUnwrap(LocalFiles.sizes(thickPath)).allocated, 1 << 20, "raw volumes are sparse")

        reports = try await reportsByPool()
        let thinFree = try XCTUnwrap(reports["thin"]?.freeCapacityGB)
        XCTAssertLessThan(thinFree, 8, "a thin pool counts what its files occupy")
        XCTAssertGreaterThan(thinFree, 7.9, "but not the volume's size")
        XCTAssertEqual(reports["thick"]?.freeCapacityGB, 4, "a thick pool counts the whole size")

        // More than the pool holds: free space stops at zero.
        try await driver.createVolume(location("thick"), sizeGB: 5)
        reports = try await reportsByPool()
        XCTAssertEqual(reports["thick"]?.freeCapacityGB, 0)
    }

    func testPoolReportsCarryTheirSettingsAndCapabilities() async throws {
        let reports = try await reportsByPool()
        let thin = try XCTUnwrap(reports["thin"])
        XCTAssertTrue(thin.thinProvisioning)
        XCTAssertEqual(thin.maxOverSubscriptionRatio, 20)
        XCTAssertEqual(thin.reservedPercentage, 0)
        XCTAssertEqual(
            thin.capabilities,
            [
                "storage_tier": "gold", "pool_name": "thin", "volume_backend_name": "file", "storage_protocol": "local",
                "thin_provisioning_support": "True", "thick_provisioning_support": "False",
            ])
        let thick = try XCTUnwrap(reports["thick"])
        XCTAssertFalse(thick.thinProvisioning)
        XCTAssertEqual(thick.maxOverSubscriptionRatio, 1)
        XCTAssertEqual(thick.reservedPercentage, 5)
        XCTAssertEqual(thick.capabilities["thin_provisioning_support"], "False")
        XCTAssertEqual(thick.capabilities["thick_provisioning_support"], "True")
        XCTAssertEqual(driver.backendName, "file")
    }

    func testPoolConfigurationDecodesWithDefaults() throws {
        let pool = try JSONDecoder().decode(FilePool.self, from: Data(#"{"name": "p1", "capacityGB": 10, "thin": true}"#.utf8))
        XCTAssertEqual(pool, FilePool(name: "p1", capacityGB: 10, thin: true, maxOverSubscriptionRatio: 20, reservedPercentage: 0))
    }

    // MARK: Extending

    func testExtendGrowsBothFormatsAndNeverShrinks() async throws {
        for (pool, format) in [("thin", "qcow2"), ("thick", "raw")] {
            let volume = location(pool)
            try await driver.createVolume(volume, sizeGB: 1)
            try await driver.extendVolume(volume, newSizeGB: 3)
            let info = try await qemuImage.info(volumePath(volume, format), format: format)
            XCTAssertEqual(info.virtualSize, 3 * Self.gib, pool)
            try await driver.extendVolume(volume, newSizeGB: 3)
            await assertThrows(try await driver.extendVolume(volume, newSizeGB: 2), containing: "cannot shrink")
        }
        await assertThrows(try await driver.extendVolume(location("thin"), newSizeGB: 2), containing: "was not found")
    }

    // MARK: Copies

    func testCloneCopiesTheDataAndGrows() async throws {
        let source = location("thick")
        try await driver.createVolume(source, sizeGB: 1)
        try writeBytes("clone me", to: volumePath(source, "raw"), at: 3 << 20)

        let clone = location("thick")
        try await driver.cloneVolume(source, to: clone, sizeGB: 2)
        XCTAssertEqual(try readString(volumePath(clone, "raw"), at: 3 << 20, count: 8), "clone me")
        let size = try await qemuImage.info(volumePath(clone, "raw"), format: "raw").virtualSize
        XCTAssertEqual(size, 2 * Self.gib)

        // Into a thin pool: the copy becomes qcow2 and still holds the data.
        let thinClone = location("thin")
        try await driver.cloneVolume(source, to: thinClone, sizeGB: 1)
        let format = try await qemuImage.info(volumePath(thinClone, "qcow2"), format: nil).format
        XCTAssertEqual(format, "qcow2")
        let exported = "\(directory!)/thin-clone.raw"
        try await driver.exportVolume(thinClone, to: exported, format: "raw")
        XCTAssertEqual(try readString(exported, at: 3 << 20, count: 8), "clone me")

        await assertThrows(try await driver.cloneVolume(source, to: location("thick"), sizeGB: 0), containing: "positive")
        await assertThrows(try await driver.cloneVolume(location("thick"), to: location("thick"), sizeGB: 1), containing: "was not found")
    }

    func testSnapshotStaysValidAndRevertRestoresTheData() async throws {
        let volume = location("thick")
        let path = volumePath(volume, "raw")
        try await driver.createVolume(volume, sizeGB: 1)
        try writeBytes("before", to: path, at: 4096)

        let snapshotID = newID()
        try await driver.createSnapshot(snapshotID, of: volume)
        let snapshotPath = "\(directory!)/volumes/thick/snapshot-\(snapshotID).raw"
        XCTAssertTrue(LocalFiles.isRegularFile(snapshotPath))

        try writeBytes("after!", to: path, at: 4096)
        try await driver.extendVolume(volume, newSizeGB: 2)
        XCTAssertEqual(try readString(snapshotPath, at: 4096, count: 6), "before", "the snapshot is a copy, not a view")

        let fromSnapshot = location("thin")
        try await driver.createVolume(fromSnapshot, fromSnapshot: snapshotID, of: volume, sizeGB: 3)
        let exported = "\(directory!)/from-snapshot.raw"
        try await driver.exportVolume(fromSnapshot, to: exported, format: "raw")
        XCTAssertEqual(try readString(exported, at: 4096, count: 6), "before")
        let newSize = try await qemuImage.info(volumePath(fromSnapshot, "qcow2"), format: "qcow2").virtualSize
        XCTAssertEqual(newSize, 3 * Self.gib)

        try await driver.revertVolume(volume, toSnapshot: snapshotID)
        XCTAssertEqual(try readString(path, at: 4096, count: 6), "before")
        let revertedSize = try await qemuImage.info(path, format: "raw").virtualSize
        XCTAssertEqual(revertedSize, 2 * Self.gib, "a revert keeps the volume's size")

        await assertThrows(try await driver.revertVolume(volume, toSnapshot: newID()), containing: "Snapshot")
        await assertThrows(
            try await driver.createVolume(location("thick"), fromSnapshot: newID(), of: volume, sizeGB: 1),
            containing: "was not found")
        XCTAssertEqual(try temporaryFiles(), [])
    }

    func testQcow2SnapshotOfThinVolume() async throws {
        let volume = location("thin")
        try await driver.createVolume(volume, sizeGB: 1)
        let snapshotID = newID()
        try await driver.createSnapshot(snapshotID, of: volume)
        let info = try await qemuImage.info("\(directory!)/volumes/thin/snapshot-\(snapshotID).qcow2", format: nil)
        XCTAssertEqual(info.format, "qcow2")
        XCTAssertNil(info.backingFilename, "a snapshot does not depend on its volume's file")
        try await driver.revertVolume(volume, toSnapshot: snapshotID)
    }

    // MARK: Images

    func testVolumeFromQcow2ImageHoldsTheImageData() async throws {
        let image = try await makeImage(named: "small.qcow2", format: "qcow2", sizeBytes: 64 << 20, text: "image data", at: 1 << 20)
        for (pool, format) in [("thick", "raw"), ("thin", "qcow2")] {
            let volume = location(pool)
            try await driver.createVolume(volume, sizeGB: 1, fromImageFile: image, format: "qcow2")
            let info = try await qemuImage.info(volumePath(volume, format), format: nil)
            XCTAssertEqual(info.format, format)
            XCTAssertEqual(info.virtualSize, Self.gib, "grown to the volume's size")
            let exported = "\(directory!)/\(pool).raw"
            try await driver.exportVolume(volume, to: exported, format: "raw")
            XCTAssertEqual(try readString(exported, at: 1 << 20, count: 10), "image data")
        }
        let raw = try await makeImage(named: "small.img", format: "raw", sizeBytes: 1 << 20, text: "raw image", at: 512)
        let volume = location("thick")
        try await driver.createVolume(volume, sizeGB: 1, fromImageFile: raw, format: "raw")
        XCTAssertEqual(try readString(volumePath(volume, "raw"), at: 512, count: 9), "raw image")
    }

    func testOtherImageFormatsAreConvertedUnderTheirQemuNames() async throws {
        for (imageFormat, qemuFormat) in [("vdi", "vdi"), ("vhd", "vpc"), ("vhdx", "vhdx"), ("iso", "raw")] {
            let image = try await makeImage(
                named: "image.\(imageFormat)", format: qemuFormat, sizeBytes: 4 << 20, text: imageFormat, at: 65536)
            let volume = location("thick")
            try await driver.createVolume(volume, sizeGB: 1, fromImageFile: image, format: imageFormat)
            XCTAssertEqual(try readString(volumePath(volume, "raw"), at: 65536, count: imageFormat.utf8.count), imageFormat)
        }
    }

    func testImageLargerThanTheVolumeIsRefused() async throws {
        let image = "\(directory!)/big.qcow2"
        try await qemuImage.create(image, format: "qcow2", sizeBytes: 2 * Self.gib + 512)
        let volume = location("thin")
        await assertThrows(
            try await driver.createVolume(volume, sizeGB: 2, fromImageFile: image, format: "qcow2"),
            equalTo: "Image virtual size is 3GB and doesn't fit in a volume of size 2GB.")
        XCTAssertFalse(LocalFiles.isRegularFile(volumePath(volume, "qcow2")))
        XCTAssertEqual(try temporaryFiles(), [])
    }

    func testImagesThatReachOtherFilesOrLieAboutTheirFormatAreRefused() async throws {
        let base = "\(directory!)/host-file.raw"
        try await qemuImage.create(base, format: "raw", sizeBytes: 1 << 20)
        let backed = "\(directory!)/backed.qcow2"
        try await runQemuImg(["create", "-q", "-f", "qcow2", "-b", base, "-F", "raw", backed])
        let withDataFile = "\(directory!)/data-file.qcow2"
        try await runQemuImg(["create", "-q", "-f", "qcow2", "-o", "data_file=\(directory!)/data.raw", withDataFile, "1M"])
        let flatVMDK = "\(directory!)/flat.vmdk"
        try await runQemuImg(["create", "-q", "-f", "vmdk", "-o", "subformat=monolithicFlat", flatVMDK, "1M"])
        let plainQcow2 = try await makeImage(named: "plain.qcow2", format: "qcow2", sizeBytes: 1 << 20, text: "x", at: 0)

        let volume = location("thick")
        let refusals: [(String, String, String)] = [
            (backed, "qcow2", "backing file"),
            (withDataFile, "qcow2", "data file"),
            (flatVMDK, "vmdk", "VMDK create-type"),
            (plainQcow2, "raw", "different format"),
            (base, "qcow2", "different format"),
            (plainQcow2, "ami", "not supported"),
            ("\(directory!)/missing.qcow2", "qcow2", "qemu-img info failed"),
        ]
        for (image, format, reason) in refusals {
            await assertThrows(
                try await driver.createVolume(volume, sizeGB: 1, fromImageFile: image, format: format), containing: reason)
        }
        XCTAssertFalse(LocalFiles.isRegularFile(volumePath(volume, "raw")))
        XCTAssertEqual(try temporaryFiles(), [])

        // A VMDK that keeps its data in itself is fine.
        let sparseVMDK = "\(directory!)/sparse.vmdk"
        try await runQemuImg(["create", "-q", "-f", "vmdk", "-o", "subformat=monolithicSparse", sparseVMDK, "1M"])
        try await driver.createVolume(volume, sizeGB: 1, fromImageFile: sparseVMDK, format: "vmdk")
    }

    func testQemuImgErrorsDoNotShowHostDirectories() async throws {
        let missing = "\(directory!)/nowhere/missing.qcow2"
        do {
            try await driver.createVolume(location("thin"), sizeGB: 1, fromImageFile: missing, format: "qcow2")
            XCTFail("expected an error")
        } catch let error as VolumeDriverError {
            XCTAssertTrue(error.message.contains("missing.qcow2"), error.message)
            XCTAssertFalse(error.message.contains(directory), error.message)
        }
    }

    func testAFailureAfterTheCopyStartedLeavesNoFileAndTheVolumeUntouched() async throws {
        // A qemu-img whose resize fails: every copy that must then grow fails half way.
        let wrapper = "\(directory!)/failing-qemu-img"
        let script = """
            #!/bin/sh
            if [ "$1" = resize ]; then echo "qemu-img: Could not resize '$5': simulated failure" >&2; exit 1; fi
            exec \(qemuImage.executable) "$@"
            """
        try script.write(toFile: wrapper, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper)
        let failing = try FileVolumeDriver(
            root: "\(directory!)/volumes", pools: [FilePool(name: "thick", capacityGB: 6, thin: false)],
            qemuImage: QemuImage(executable: wrapper))

        let image = try await makeImage(named: "small.qcow2", format: "qcow2", sizeBytes: 1 << 20, text: "image", at: 0)
        let volume = location("thick")
        do {
            try await failing.createVolume(volume, sizeGB: 1, fromImageFile: image, format: "qcow2")
            XCTFail("expected the resize to fail")
        } catch let error as VolumeDriverError {
            XCTAssertTrue(error.message.hasPrefix("qemu-img resize failed: Could not resize '.tmp-volume-"), error.message)
            XCTAssertTrue(error.message.hasSuffix("': simulated failure"), error.message)
            XCTAssertFalse(error.message.contains(directory), error.message)
        }
        XCTAssertFalse(LocalFiles.isRegularFile(volumePath(volume, "raw")))
        XCTAssertEqual(try temporaryFiles(), [])

        // A revert that fails leaves the volume's data as it was.
        try await driver.createVolume(volume, sizeGB: 1)
        let snapshotID = newID()
        try await driver.createSnapshot(snapshotID, of: volume)
        try await driver.extendVolume(volume, newSizeGB: 2)
        try writeBytes("kept", to: volumePath(volume, "raw"), at: 0)
        await assertThrows(try await failing.revertVolume(volume, toSnapshot: snapshotID), containing: "simulated failure")
        XCTAssertEqual(try readString(volumePath(volume, "raw"), at: 0, count: 4), "kept")
        XCTAssertEqual(try temporaryFiles(), [])
    }

    // MARK: Export and import

    func testExportWritesRawAndQcow2() async throws {
        let volume = location("thin")
        try await driver.createVolume(volume, sizeGB: 1)
        let seed = try await makeImage(named: "seed.raw", format: "raw", sizeBytes: 1 << 20, text: "exported", at: 8192)
        try await driver.importVolume(volume, from: seed, format: "raw")

        let raw = "\(directory!)/out.raw"
        try await driver.exportVolume(volume, to: raw, format: "raw")
        let rawInfo = try await qemuImage.info(raw, format: nil)
        XCTAssertEqual(rawInfo.format, "raw")
        XCTAssertEqual(rawInfo.virtualSize, Self.gib)
        XCTAssertEqual(try readString(raw, at: 8192, count: 8), "exported")

        let qcow2 = "\(directory!)/out.qcow2"
        try await driver.exportVolume(volume, to: qcow2, format: "qcow2")
        let qcow2Info = try await qemuImage.info(qcow2, format: nil)
        XCTAssertEqual(qcow2Info.format, "qcow2")
        XCTAssertNil(qcow2Info.backingFilename)
        let roundTrip = "\(directory!)/round-trip.raw"
        try await qemuImage.convert(qcow2, sourceFormat: "qcow2", to: roundTrip, format: "raw")
        XCTAssertEqual(try readString(roundTrip, at: 8192, count: 8), "exported")

        let vmdk = "\(directory!)/out.vmdk"
        await assertThrows(try await driver.exportVolume(volume, to: vmdk, format: "vmdk"), containing: "raw or qcow2")
        XCTAssertFalse(FileManager.default.fileExists(atPath: vmdk))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }

    func testImportReplacesTheDataAndKeepsTheSize() async throws {
        let volume = location("thick")
        try await driver.createVolume(volume, sizeGB: 2)
        try writeBytes("old", to: volumePath(volume, "raw"), at: 100)
        let backup = try await makeImage(named: "backup.qcow2", format: "qcow2", sizeBytes: 1 << 20, text: "new", at: 200)

        try await driver.importVolume(volume, from: backup, format: "qcow2")
        let path = volumePath(volume, "raw")
        XCTAssertEqual(try readString(path, at: 200, count: 3), "new")
        XCTAssertEqual(try readString(path, at: 100, count: 3), "\0\0\0", "the volume holds only the imported data")
        let size = try await qemuImage.info(path, format: "raw").virtualSize
        XCTAssertEqual(size, 2 * Self.gib)

        let tooBig = "\(directory!)/too-big.qcow2"
        try await qemuImage.create(tooBig, format: "qcow2", sizeBytes: 3 * Self.gib)
        await assertThrows(try await driver.importVolume(volume, from: tooBig, format: "qcow2"), containing: "doesn't fit")
        XCTAssertEqual(try readString(path, at: 200, count: 3), "new", "a refused import changes nothing")
        await assertThrows(try await driver.importVolume(location("thick"), from: backup, format: "qcow2"), containing: "was not found")
    }

    // MARK: Deleting

    func testDeleteRemovesFilesAndIsIdempotent() async throws {
        let volume = location("thin")
        try await driver.createVolume(volume, sizeGB: 1)
        let snapshotID = newID()
        try await driver.createSnapshot(snapshotID, of: volume)
        let snapshotPath = "\(directory!)/volumes/thin/snapshot-\(snapshotID).qcow2"
        XCTAssertTrue(LocalFiles.isRegularFile(snapshotPath))

        try await driver.deleteSnapshot(snapshotID, of: volume)
        try await driver.deleteSnapshot(snapshotID, of: volume)
        XCTAssertFalse(LocalFiles.isRegularFile(snapshotPath))
        try await driver.deleteVolume(volume)
        try await driver.deleteVolume(volume)
        XCTAssertFalse(LocalFiles.isRegularFile(volumePath(volume, "qcow2")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(directory!)/volumes/thin"), [])
    }

    // MARK: Refusals

    func testUnknownPoolsAndMalformedIdsAreRefused() async throws {
        let escapes = ["../../etc/passwd", "", "volume", "0000000-0000-0000-0000-0000000000000", newID() + "/.."]
        for id in escapes {
            let volume = VolumeLocation(volumeID: id, pool: "thin")
            await assertThrows(try await driver.createVolume(volume, sizeGB: 1), containing: "not a valid volume id")
            await assertThrows(try await driver.deleteVolume(volume), containing: "not a valid volume id")
            await assertThrows(try await driver.createSnapshot(id, of: location("thin")), containing: "not a valid snapshot id")
        }
        for pool in ["nope", "..", "thin/../thick", ""] {
            let volume = VolumeLocation(volumeID: newID(), pool: pool)
            await assertThrows(try await driver.createVolume(volume, sizeGB: 1), containing: "is not configured")
            await assertThrows(
                try await driver.initializeConnection(volume, connector: .object([:])), containing: "is not configured")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])

        XCTAssertThrowsError(try FileVolumeDriver(root: directory, pools: [FilePool(name: "../up", capacityGB: 1, thin: true)]))
        XCTAssertThrowsError(try FileVolumeDriver(root: directory, pools: [FilePool(name: ".hidden", capacityGB: 1, thin: true)]))
        XCTAssertThrowsError(
            try FileVolumeDriver(
                root: directory,
                pools: [FilePool(name: "a", capacityGB: 1, thin: true), FilePool(name: "a", capacityGB: 2, thin: false)]))
    }

    // MARK: Connections

    func testConnectionInfoPointsAtTheVolumeFile() async throws {
        let connector: JSONValue = .object(["host": .string("compute-1"), "initiator": .string("iqn.test")])
        for (pool, format) in [("thin", "qcow2"), ("thick", "raw")] {
            let volume = location(pool)
            await assertThrows(try await driver.initializeConnection(volume, connector: connector), containing: "was not found")
            try await driver.createVolume(volume, sizeGB: 1)
            let connection = try await driver.initializeConnection(volume, connector: connector)
            XCTAssertEqual(connection.driverVolumeType, "local")
            XCTAssertEqual(
                connection.data,
                [
                    "device_path": .string(volumePath(volume, format)), "format": .string(format),
                    "volume_id": .string(volume.volumeID),
                ])
            XCTAssertEqual(connection.json["driver_volume_type"]?.stringValue, "local")
            try await driver.terminateConnection(volume, connector: connector)
            try await driver.deleteVolume(volume)
            await assertThrows(try await driver.terminateConnection(volume, connector: connector), containing: "was not found")
        }
    }

    // MARK: Child processes

    func testChildProcessCapturesOutputAndStopsAtItsTimeLimit() async throws {
        let echoed = try await ChildProcess.run(executable: "/bin/sh", arguments: ["-c", "echo out; echo err >&2; exit 3"])
        XCTAssertEqual(echoed.status, 3)
        XCTAssertFalse(echoed.succeeded)
        XCTAssertEqual(String(decoding: echoed.standardOutput, as: UTF8.self), "out\n")
        XCTAssertEqual(String(decoding: echoed.standardError, as: UTF8.self), "err\n")

        let started = ContinuousClock.now
        let slow = try await ChildProcess.run(executable: "/bin/sleep", arguments: ["30"], timeout: .milliseconds(200))
        XCTAssertTrue(slow.timedOut)
        XCTAssertFalse(slow.succeeded)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))

        let task = Task { try await ChildProcess.run(executable: "/bin/sleep", arguments: ["30"]) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let cancelled = try? await task.value
        XCTAssertFalse(cancelled?.succeeded ?? false)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))
    }

    // MARK: Helpers

    private func newID() -> String { UUID().uuidString.lowercased() }

    private func location(_ pool: String) -> VolumeLocation { VolumeLocation(volumeID: newID(), pool: pool) }

    private func volumePath(_ volume: VolumeLocation, _ format: String) -> String {
        "\(directory!)/volumes/\(volume.pool)/volume-\(volume.volumeID).\(format)"
    }

    private func reportsByPool() async throws -> [String: VolumePoolReport] {
        Dictionary(uniqueKeysWithValues: try await driver.poolReports().map { ($0.pool, $0) })
    }

    /// Files being written that were left behind in any pool.
    private func temporaryFiles() throws -> [String] {
        try ["thin", "thick"].flatMap { pool in
            try LocalFiles.names(in: "\(directory!)/volumes/\(pool)").filter { $0.hasPrefix(".") }
        }
    }

    /// A small image in `format` holding `text` at `offset`.
    private func makeImage(named name: String, format: String, sizeBytes: Int64, text: String, at offset: UInt64) async throws
        -> String
    {
        let raw = "\(directory!)/\(name).source"
        try await qemuImage.create(raw, format: "raw", sizeBytes: sizeBytes)
        try writeBytes(text, to: raw, at: offset)
        let path = "\(directory!)/\(name)"
        try await qemuImage.convert(raw, sourceFormat: "raw", to: path, format: format)
        try FileManager.default.removeItem(atPath: raw)
        return path
    }

    private func runQemuImg(_ arguments: [String]) async throws {
        let output = try await ChildProcess.run(executable: qemuImage.executable, arguments: arguments)
        XCTAssertTrue(output.succeeded, String(decoding: output.standardError, as: UTF8.self))
    }

    private func writeBytes(_ text: String, to path: String, at offset: UInt64) throws {
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data(text.utf8))
    }

    private func readString(_ path: String, at offset: UInt64, count: Int) throws -> String {
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        return String(decoding: try handle.read(upToCount: count) ?? Data(), as: UTF8.self)
    }

    private func assertThrows<T>(
        _ expression: @autoclosure () async throws -> T, containing fragment: String? = nil, equalTo message: String? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) async {
        do {
            _ = try await expression()
            XCTFail("expected a VolumeDriverError", file: file, line: line)
        } catch let error as VolumeDriverError {
            if let fragment {
                XCTAssertTrue(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'", file: file, line: line)
            }
            if let message { XCTAssertEqual(error.message, message, file: file, line: line) }
        } catch {
            XCTFail("expected a VolumeDriverError, got \(error)", file: file, line: line)
        }
    }
}
