import Foundation
import XCTest

@testable import Image

final class DiskFormatInspectorTests: XCTestCase {
    // MARK: - qcow2

    func testQcow2VersionsAreDetectedWithTheirVirtualSize() throws {
        for version: UInt32 in [2, 3] {
            let inspection = try inspect(Sample.qcow2(size: 10 << 30, version: version))
            XCTAssertEqual(inspection.format, .qcow2)
            XCTAssertEqual(inspection.virtualSize, 10 << 30)
            XCTAssertEqual(inspection.subformat, "v\(version)")
            XCTAssertEqual(inspection.violations, [])
            XCTAssertEqual(try verify("qcow2", Sample.qcow2(size: 10 << 30, version: version)).virtualSize, 10 << 30)
        }
    }

    func testQcow2DeclaredRawIsRefused() {
        XCTAssertThrowsError(try verify("raw", Sample.qcow2(size: 1 << 30))) { error in
            XCTAssertEqual(error as? DiskFormatError, .formatMismatch(declared: "raw", detected: .qcow2))
            XCTAssertTrue("\(error)".contains("qcow2 format, not raw"), "\(error)")
        }
        for declared in ["ami", "aki", "ari"] {
            XCTAssertThrowsError(try verify(declared, Sample.qcow2(size: 1 << 30)))
        }
    }

    func testRawDataDeclaredQcow2IsRefused() {
        let raw = [UInt8](repeating: 0, count: 1 << 20)
        XCTAssertThrowsError(try verify("qcow2", raw)) { error in
            XCTAssertEqual(error as? DiskFormatError, .formatMismatch(declared: "qcow2", detected: .raw))
            XCTAssertEqual("\(error)", "Image data is not a valid qcow2 image (the data looks like raw).")
        }
    }

    func testQcow2WithBackingFileIsRefusedWhateverTheDeclaredFormat() throws {
        let image = Sample.qcow2(size: 1 << 30, backingFile: "/etc/passwd")
        XCTAssertEqual(try inspect(image).violations, [.backingFile(.qcow2)])
        for declared in ["qcow2", "raw", "iso", "docker"] {
            XCTAssertThrowsError(try verify(declared, image)) { error in
                XCTAssertEqual(error as? DiskFormatError, .unsafeImage(.qcow2, [.backingFile(.qcow2)]))
                XCTAssertTrue("\(error)".contains("backing file"))
            }
        }
    }

    func testQcow2WithExternalDataFileIsRefused() throws {
        // Incompatible feature bit 2 alone, the data file name extension alone, and both.
        let bit = Sample.qcow2(size: 1 << 30, incompatibleFeatures: 1 << 2)
        let named = Sample.qcow2(size: 1 << 30, extensions: [(0x4441_5441, Array("data.bin".utf8))])
        let both = Sample.qcow2(
            size: 1 << 30, incompatibleFeatures: 1 << 2, extensions: [(0x4441_5441, Array("d".utf8))])
        for image in [bit, named, both] {
            XCTAssertEqual(try inspect(image).violations, [.externalDataFile])
            XCTAssertThrowsError(try verify("qcow2", image))
        }
    }

    func testQcow2UnknownIncompatibleFeaturesAreRefused() throws {
        XCTAssertEqual(
            try inspect(Sample.qcow2(size: 1 << 30, incompatibleFeatures: 1 << 4)).violations,
            [.unknownFeatures(.qcow2, bits: 1 << 4)])
        XCTAssertEqual(
            try inspect(Sample.qcow2(size: 1 << 30, incompatibleFeatures: 1 << 63)).violations,
            [.unknownFeatures(.qcow2, bits: 1 << 63)])
        // Dirty, corrupt and compression type are known and harmless.
        XCTAssertEqual(try inspect(Sample.qcow2(size: 1 << 30, incompatibleFeatures: 0b1011)).violations, [])
        // Other header extensions (here the backing format name) are fine.
        XCTAssertEqual(
            try inspect(Sample.qcow2(size: 1 << 30, extensions: [(0xE279_2ACA, Array("raw".utf8))])).violations, [])
    }

    func testQcowVersion1AndUnknownVersionsAreRefused() throws {
        for version: UInt32 in [1, 4] {
            let image = Sample.qcow2(size: 1 << 30, version: version)
            XCTAssertEqual(try inspect(image).violations, [.unsupportedVersion(.qcow2, version)])
        }
    }

    func testQcow2WithBogusHeaderFieldsIsMalformed() throws {
        var image = Sample.qcow2(size: 1 << 30)
        image.putBE32(0xFFFF_FFFF, at: 100)  // header_length
        XCTAssertEqual(try inspect(image).violations.map(\.checkName), ["malformed"])
        image = Sample.qcow2(size: 1 << 30)
        image.putBE32(64, at: 20)  // cluster_bits
        XCTAssertEqual(try inspect(image).violations.map(\.checkName), ["malformed"])
        image = Sample.qcow2(size: 1 << 30)
        image.putBE32(0x1234_5678, at: 104)  // an extension...
        image.putBE32(0x7FFF_FFFF, at: 108)  // ...longer than the header cluster
        XCTAssertEqual(try inspect(image).violations.map(\.checkName), ["malformed"])
    }

    // MARK: - VMDK

    func testVMDKSparseSubformatsAreDetected() throws {
        for type in ["monolithicSparse", "streamOptimized"] {
            let image = Sample.vmdk(capacitySectors: 2_097_152, descriptor: Sample.vmdkDescriptor(createType: type))
            let inspection = try inspect(image)
            XCTAssertEqual(inspection.format, .vmdk)
            XCTAssertEqual(inspection.virtualSize, 1 << 30)
            XCTAssertEqual(inspection.subformat, type)
            XCTAssertEqual(inspection.violations, [])
            XCTAssertNoThrow(try verify("vmdk", image))
            XCTAssertThrowsError(try verify("raw", image))
        }
    }

    func testVMDKDescriptorWithCRLFLineEndsAndCommentsIsAccepted() throws {
        let descriptor = Sample.vmdkDescriptor(createType: "monolithicSparse")
            .replacingOccurrences(of: "\n", with: "\r\n")
        let inspection = try inspect(Sample.vmdk(capacitySectors: 2048, descriptor: descriptor))
        XCTAssertEqual(inspection.violations, [])
        XCTAssertEqual(inspection.virtualSize, 1 << 20)
    }

    func testVMDKExtentsOutsideTheFileAreRefused() throws {
        let flat = Sample.vmdkDescriptor(createType: "monolithicSparse", extents: ["RW 2048 FLAT \"/etc/passwd\" 0"])
        let path = Sample.vmdkDescriptor(createType: "monolithicSparse", extents: ["RW 2048 SPARSE \"/etc/shadow\""])
        let backslash = Sample.vmdkDescriptor(
            createType: "monolithicSparse", extents: ["RW 2048 SPARSE \"..\\x.vmdk\""])
        let two = Sample.vmdkDescriptor(
            createType: "monolithicSparse", extents: ["RW 2048 SPARSE \"a.vmdk\"", "RW 2048 SPARSE \"b.vmdk\""])
        for descriptor in [flat, path, backslash, two] {
            let image = Sample.vmdk(capacitySectors: 2048, descriptor: descriptor)
            XCTAssertEqual(try inspect(image).violations, [.externalExtent], descriptor)
            XCTAssertThrowsError(try verify("vmdk", image)) { error in
                XCTAssertTrue("\(error)".contains("refers to data outside the image file"), "\(error)")
            }
        }
    }

    func testVMDKWithZeroCapacityIsRefused() throws {
        // qemu would then open the descriptor's extents instead of the file.
        let image = Sample.vmdk(capacitySectors: 0, descriptor: Sample.vmdkDescriptor(createType: "monolithicSparse"))
        XCTAssertEqual(try inspect(image).violations, [.malformed(.vmdk, "the capacity is zero")])
    }

    func testVMDKOtherSubformatsParentsAndOddDescriptorsAreRefused() throws {
        func violations(_ descriptor: String) throws -> [DiskSafetyViolation] {
            try inspect(Sample.vmdk(capacitySectors: 2048, descriptor: descriptor)).violations
        }
        XCTAssertEqual(
            try violations(Sample.vmdkDescriptor(createType: "monolithicFlat")),
            [.unsupportedSubformat(.vmdk, "monolithicFlat")])
        XCTAssertEqual(
            try violations(
                Sample.vmdkDescriptor(createType: "monolithicSparse", extraFields: ["parentFileNameHint=\"/x\""])),
            [.backingFile(.vmdk)])
        XCTAssertEqual(
            try violations(Sample.vmdkDescriptor(createType: "monolithicSparse", extraFields: ["this is not a field"])),
            [.invalidDescriptor("it contains an unrecognised line")])
        XCTAssertEqual(
            try violations(Sample.vmdkDescriptor(createType: "monolithicSparse", extraFields: ["createType=\"vmfs\""])),
            [.invalidDescriptor("it repeats the field createtype")])
        XCTAssertEqual(
            try violations(Sample.vmdkDescriptor(createType: "monolithicSparse", extents: [])),
            [.invalidDescriptor("it defines no extents")])
        XCTAssertEqual(try violations("version=1\n"), [.invalidDescriptor("createType is missing")])
        XCTAssertEqual(
            try violations("version=1\ncreateType=\"x\u{E9}\"\n"), [.invalidDescriptor("it is not ASCII text")])
    }

    func testVMDKWithUnsupportedVersionOrMisplacedDescriptorIsRefused() throws {
        let descriptor = Sample.vmdkDescriptor(createType: "monolithicSparse")
        let valid = Sample.vmdk(capacitySectors: 2048, descriptor: descriptor)
        var image = valid
        image.putLE32(4, at: 4)
        XCTAssertEqual(try inspect(image).violations, [.unsupportedVersion(.vmdk, 4)])
        image = valid
        image.putLE64(2, at: 28)
        XCTAssertEqual(try inspect(image).violations.map(\.checkName), ["malformed"])
    }

    func testDescriptorOnlyVMDKIsRecognisedAndRefused() throws {
        let descriptor = Sample.vmdkDescriptor(
            createType: "monolithicFlat", extents: ["RW 2048 FLAT \"disk-flat.vmdk\" 0"])
        let inspection = try inspect(Array(descriptor.utf8))
        XCTAssertEqual(inspection.format, .vmdk)
        XCTAssertEqual(inspection.subformat, "monolithicFlat")
        XCTAssertEqual(inspection.violations, [.unsupportedSubformat(.vmdk, "monolithicFlat"), .externalExtent])
        XCTAssertThrowsError(try verify("raw", Array(descriptor.utf8)))
        // Even one claiming a sparse subformat keeps its data in another file.
        let sparse = Array(Sample.vmdkDescriptor(createType: "monolithicSparse").utf8)
        XCTAssertEqual(try inspect(sparse).format, .vmdk)
        XCTAssertFalse(try inspect(sparse).isSafe)
        // What qemu's probe takes for a descriptor: "version=" after comments, no createType.
        XCTAssertEqual(try inspect(Array("# comment\n  \nversion=1\nCID=1\n".utf8)).format, .vmdk)
        // Plain text is raw.
        XCTAssertEqual(try inspect(Array("just some text, version=1\n".utf8)).format, .raw)
    }

    func testStreamOptimizedVMDKWithFooterUsesTheFooter() throws {
        let descriptor = Sample.vmdkDescriptor(createType: "streamOptimized")
        let image = Sample.vmdk(capacitySectors: 2048, descriptor: descriptor, footerCapacitySectors: 4096)
        let inspection = try inspect(image)
        XCTAssertEqual(inspection.violations, [])
        XCTAssertEqual(inspection.virtualSize, 4096 * 512)

        var badMarker = image
        badMarker.putLE32(7, at: image.count - 1536 + 12)
        XCTAssertEqual(try inspect(badMarker).violations, [.malformed(.vmdk, "the footer marker is invalid")])
        var badEnd = image
        badEnd[image.count - 1] = 1
        XCTAssertEqual(try inspect(badEnd).violations, [.malformed(.vmdk, "the end-of-stream marker is invalid")])
        var footerAtEnd = image
        footerAtEnd.putLE64(UInt64.max, at: image.count - 1024 + 56)
        XCTAssertEqual(try inspect(footerAtEnd).violations, [.malformed(.vmdk, "the footer points to another footer")])
        let noFooter = Array(image[0..<1024])
        XCTAssertEqual(try inspect(noFooter).violations.map(\.checkName), ["malformed"])
    }

    // MARK: - VDI, VHD, VHDX

    func testVDIIsDetectedWithItsVirtualSize() throws {
        let inspection = try inspect(Sample.vdi(size: 5 << 30))
        XCTAssertEqual(inspection.format, .vdi)
        XCTAssertEqual(inspection.virtualSize, 5 << 30)
        XCTAssertEqual(inspection.subformat, "dynamic")
        XCTAssertNoThrow(try verify("vdi", Sample.vdi(size: 5 << 30)))
        XCTAssertThrowsError(try verify("raw", Sample.vdi(size: 5 << 30)))
        XCTAssertThrowsError(try verify("qcow2", Sample.vdi(size: 5 << 30)))
        XCTAssertEqual(
            try inspect(Sample.vdi(size: 1 << 20, type: 4)).violations, [.unsupportedSubformat(.vdi, "differencing")])
    }

    func testDynamicAndFixedVHDAreDetected() throws {
        let dynamic = Sample.vhdFooter(size: 1_073_995_776, type: 3) + [UInt8](repeating: 0, count: 1024)
            + Sample.vhdFooter(size: 1_073_995_776, type: 3)
        var inspection = try inspect(dynamic)
        XCTAssertEqual(inspection.format, .vhd)
        XCTAssertEqual(inspection.virtualSize, 1_073_995_776)
        XCTAssertEqual(inspection.subformat, "dynamic")

        let fixed = [UInt8](repeating: 0xAB, count: 1 << 20) + Sample.vhdFooter(size: 1 << 20, type: 2)
        inspection = try inspect(fixed)
        XCTAssertEqual(inspection.format, .vhd)
        XCTAssertEqual(inspection.virtualSize, 1 << 20)
        XCTAssertEqual(inspection.subformat, "fixed")
        XCTAssertNoThrow(try verify("vhd", fixed))
        XCTAssertThrowsError(try verify("raw", fixed))

        let differencing = Sample.vhdFooter(size: 1 << 20, type: 4) + [UInt8](repeating: 0, count: 512)
        XCTAssertEqual(try inspect(differencing).violations, [.backingFile(.vhd)])
    }

    func testVHDXVirtualSizeComesFromTheMetadataRegion() throws {
        let image = Sample.vhdx(virtualSize: 127 << 30)
        let inspection = try inspect(image)
        XCTAssertEqual(inspection.format, .vhdx)
        XCTAssertEqual(inspection.virtualSize, 127 << 30)
        XCTAssertEqual(inspection.subformat, "dynamic")
        XCTAssertEqual(inspection.violations, [])
        XCTAssertNoThrow(try verify("vhdx", image))
        XCTAssertThrowsError(try verify("vhd", image))
        XCTAssertThrowsError(try verify("raw", image))
    }

    func testVHDXWithParentOrBadTablesIsRefused() throws {
        let differencing = Sample.vhdx(virtualSize: 1 << 30, hasParent: true)
        XCTAssertEqual(try inspect(differencing).violations, [.backingFile(.vhdx)])
        var badChecksum = Sample.vhdx(virtualSize: 1 << 30)
        badChecksum[Int(VHDXHeader.regionTableOffset) + 100] ^= 1
        XCTAssertEqual(
            try inspect(badChecksum).violations, [.malformed(.vhdx, "the region table checksum is wrong")])
        let truncated = Array(Sample.vhdx(virtualSize: 1 << 30)[0..<(200 * 1024)])
        XCTAssertEqual(try inspect(truncated).violations, [.malformed(.vhdx, "the region table is truncated")])
        let noMetadata = Array(Sample.vhdx(virtualSize: 1 << 30)[0..<(1 << 20)])
        XCTAssertEqual(try inspect(noMetadata).violations, [.malformed(.vhdx, "the metadata region is missing")])
        let itemOutside = Sample.vhdx(virtualSize: 1 << 30, sizeItemOffset: 0xFFFF_FFF0)
        XCTAssertEqual(
            try inspect(itemOutside).violations, [.malformed(.vhdx, "the virtual disk size is out of bounds")])
    }

    // MARK: - ISO, partition tables, other formats

    func testISOVirtualSizeComesFromThePrimaryVolumeDescriptor() throws {
        let image = Sample.iso(blocks: 300, blockSize: 2048)
        let inspection = try inspect(image)
        XCTAssertEqual(inspection.format, .iso)
        XCTAssertEqual(inspection.subformat, "iso9660")
        XCTAssertEqual(inspection.virtualSize, 300 * 2048)
        XCTAssertNoThrow(try verify("iso", image))
        // An ISO is raw data to a hypervisor: accepted as raw, with the data size.
        XCTAssertEqual(try verify("raw", image).virtualSize, UInt64(image.count))
        XCTAssertThrowsError(try verify("ami", image))
        XCTAssertThrowsError(try verify("iso", [UInt8](repeating: 0, count: 40000)))
    }

    func testUDFAndRawSectorISOAreDetected() throws {
        var udf = [UInt8](repeating: 0, count: 40 * 1024)
        for (sector, identifier) in ["BEA01", "NSR02", "TEA01"].enumerated() {
            udf.put(Array(identifier.utf8), at: 32768 + sector * 2048 + 1)
        }
        XCTAssertEqual(try inspect(udf).format, .iso)
        XCTAssertEqual(try inspect(udf).subformat, "udf")
        XCTAssertEqual(try inspect(udf).virtualSize, UInt64(udf.count))

        var rawSectors = [UInt8](repeating: 0, count: 64 * 1024)
        rawSectors[37632] = 1
        rawSectors.put(Array("CD001".utf8), at: 37633)
        rawSectors.putLE32(100, at: 37632 + 80)
        rawSectors.putLE16(2048, at: 37632 + 128)
        XCTAssertEqual(try inspect(rawSectors).format, .iso)
        XCTAssertEqual(try inspect(rawSectors).virtualSize, 100 * 2048)
    }

    func testPartitionTablesAreReportedOnRawData() throws {
        let gpt = Sample.disk(withPartitionType: 0xEE, startLBA: 1)
        var inspection = try inspect(gpt)
        XCTAssertEqual(inspection.format, .raw)
        XCTAssertEqual(inspection.partitionTable, PartitionTable(kind: .gpt))
        XCTAssertNoThrow(try verify("raw", gpt))
        XCTAssertNoThrow(try verify("gpt", gpt))

        let mbr = Sample.disk(withPartitionType: 0x83, startLBA: 2048)
        XCTAssertEqual(try inspect(mbr).partitionTable, PartitionTable(kind: .mbr))
        XCTAssertNoThrow(try verify("aki", mbr))

        let badProtective = Sample.disk(withPartitionType: 0xEE, startLBA: 7)
        inspection = try inspect(badProtective)
        XCTAssertEqual(inspection.partitionTable?.problems, ["the protective MBR entry does not start at LBA 1"])
        XCTAssertNoThrow(try verify("raw", badProtective))
        XCTAssertThrowsError(try verify("gpt", badProtective)) { error in
            XCTAssertEqual(error as? DiskFormatError, .invalidPartitionTable(inspection.partitionTable!.problems))
        }
        XCTAssertThrowsError(try verify("gpt", [UInt8](repeating: 0, count: 4096)))

        var fat = [UInt8](repeating: 0, count: 4096)
        fat[0x10] = 2
        fat[0x15] = 0xF8
        fat[510] = 0x55
        fat[511] = 0xAA
        XCTAssertNil(try inspect(fat).partitionTable)
    }

    func testPloopQEDAndLUKS() throws {
        let ploop = try inspect(Sample.ploop(sectors: 2_097_152))
        XCTAssertEqual(ploop.format, .ploop)
        XCTAssertEqual(ploop.virtualSize, 1 << 30)
        XCTAssertNoThrow(try verify("ploop", Sample.ploop(sectors: 2_097_152)))
        XCTAssertThrowsError(try verify("raw", Sample.ploop(sectors: 2_097_152)))

        var qed = [UInt8](repeating: 0, count: 4096)
        qed.put([0x51, 0x45, 0x44, 0x00], at: 0)
        XCTAssertEqual(try inspect(qed).violations, [.bannedFormat(.qed)])
        XCTAssertThrowsError(try verify("raw", qed))

        let luks = Sample.luks(version: 1, payloadSectors: 4096, totalSize: 8 << 20)
        XCTAssertEqual(try inspect(luks).format, .luks)
        XCTAssertEqual(try inspect(luks).virtualSize, (8 << 20) - 4096 * 512)
        XCTAssertNoThrow(try verify("raw", luks))  // an encrypted volume uploaded as raw
        XCTAssertThrowsError(try verify("ami", luks))
        XCTAssertEqual(
            try inspect(Sample.luks(version: 2, payloadSectors: 0, totalSize: 1 << 20)).violations,
            [.unsupportedVersion(.luks, 2)])
    }

    // MARK: - Declared formats, ambiguity, robustness

    func testRandomBytesAreRaw() throws {
        var generator = SeededGenerator(seed: 0x5EED)
        for length in [0, 1, 511, 512, 4096, 70_000, 300_000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let inspection = try inspect(bytes)
            XCTAssertEqual(inspection.format, .raw)
            XCTAssertEqual(inspection.virtualSize, UInt64(length))
            XCTAssertEqual(try verify("raw", bytes).virtualSize, UInt64(length))
        }
    }

    func testUnknownDeclaredFormatsAreNotCheckedButUnsafeContentStillIs() throws {
        XCTAssertEqual(try verify("docker", Sample.qcow2(size: 1 << 30)).format, .qcow2)
        XCTAssertThrowsError(try verify("docker", Sample.qcow2(size: 1 << 30, backingFile: "base")))
        // Declared formats are matched case-insensitively.
        XCTAssertNoThrow(try verify("QCOW2", Sample.qcow2(size: 1 << 30)))
    }

    func testContentWithTwoFormatsHeadersIsRefused() {
        var polyglot = Sample.qcow2(size: 1 << 30)
        polyglot.putLE32(0xBEDA_107F, at: 0x40)
        XCTAssertThrowsError(try inspect(polyglot)) { error in
            XCTAssertEqual(error as? DiskFormatError, .ambiguousFormat([.qcow2, .vdi]))
        }
        XCTAssertThrowsError(try verify("qcow2", polyglot))
    }

    func testAFormatHeaderWinsOverAnISOSignatureOrVHDFooter() throws {
        // A qcow2 image of an ISO can carry the ISO's bytes anywhere, a VHD footer included.
        var image = Sample.qcow2(size: 1 << 30) + [UInt8](repeating: 0, count: 40 * 1024)
        image.put(Array("CD001".utf8), at: 32769)
        image += Sample.vhdFooter(size: 1 << 20, type: 2)
        XCTAssertEqual(try inspect(image).format, .qcow2)
        XCTAssertThrowsError(try verify("iso", image))
        XCTAssertThrowsError(try verify("vhd", image))
        XCTAssertThrowsError(try verify("raw", image))
    }

    func testTruncatedAndCorruptedHeadersNeverCrash() throws {
        let samples: [[UInt8]] = [
            Sample.qcow2(size: 1 << 30), Sample.qcow2(size: 1 << 30, version: 2),
            Sample.vmdk(capacitySectors: 2048, descriptor: Sample.vmdkDescriptor(createType: "streamOptimized")),
            Sample.vmdk(
                capacitySectors: 2048, descriptor: Sample.vmdkDescriptor(createType: "streamOptimized"),
                footerCapacitySectors: 2048),
            Array(Sample.vmdkDescriptor(createType: "monolithicFlat").utf8),
            Sample.vdi(size: 1 << 30), Sample.vhdFooter(size: 1 << 20, type: 3),
            Sample.iso(blocks: 10, blockSize: 2048), Sample.ploop(sectors: 100),
            Sample.luks(version: 1, payloadSectors: 8, totalSize: 8192),
            Sample.disk(withPartitionType: 0xEE, startLBA: 1),
        ]
        let cuts = [0, 1, 3, 4, 5, 7, 8, 9, 16, 31, 32, 33, 63, 64, 65, 71, 72, 73, 100, 103, 104, 105, 200, 367, 368,
                    375, 376, 511, 512, 513, 1024, 2047, 2048, 4096, 32768, 34815, 34816, 65535, 65536, 65537,
                    196_608, 200_000, 262_143, 262_144, 1 << 20, (1 << 20) + 100]
        for sample in samples {
            for cut in cuts where cut <= sample.count {
                exercise(Array(sample[0..<cut]))
            }
            // Every header field at its extremes: all ones, then all zeros, over the first 1 KiB.
            for fill: UInt8 in [0xFF, 0x00] {
                for start in stride(from: 8, to: min(sample.count, 1024), by: 8) {
                    var corrupted = sample
                    for index in start..<min(start + 8, sample.count) { corrupted[index] = fill }
                    exercise(corrupted)
                }
            }
        }
        // The VHDX tables: counts, offsets and lengths at their extremes.
        var vhdx = Sample.vhdx(virtualSize: 1 << 30)
        for cut in cuts where cut <= vhdx.count { exercise(Array(vhdx[0..<cut])) }
        let table = 196_608, metadata = 1 << 20
        let fields = [
            table + 8, table + 48 + 16, table + 48 + 24,
            metadata + 10, metadata + 32 + 16, metadata + 32 + 20, metadata + 64 + 16,
        ]
        for offset in fields {
            var corrupted = vhdx
            corrupted.put([UInt8](repeating: 0xFF, count: 8), at: offset)
            Sample.fixVHDXChecksum(&corrupted)
            exercise(corrupted)
        }
        vhdx.removeLast(4)
        exercise(vhdx)
    }

    func testSourcesThatReturnLessThanAskedAreHandled() throws {
        // A source whose size claims more than it can deliver.
        let source = ShortSource(bytes: Sample.vhdx(virtualSize: 1 << 30), claimedSize: 10 << 30)
        let inspection = try DiskFormatInspector.inspect(source)
        XCTAssertEqual(inspection.format, .vhdx)
        XCTAssertEqual(inspection.virtualSize, 1 << 30)
        XCTAssertNoThrow(try DiskFormatInspector.inspect(ShortSource(bytes: [], claimedSize: 1 << 40)))
    }

    func testFileByteSourceReadsFiles() throws {
        let path = NSTemporaryDirectory() + "disk-format-inspector-\(UUID().uuidString).qcow2"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let image = Sample.qcow2(size: 3 << 30)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(image)))
        let source = try FileByteSource(path: path)
        XCTAssertEqual(source.size, UInt64(image.count))
        XCTAssertEqual(try source.read(offset: 24, count: 8), Array(image[24..<32]))
        XCTAssertEqual(try source.read(offset: UInt64(image.count - 2), count: 100).count, 2)
        XCTAssertEqual(try source.read(offset: UInt64(image.count) + 5, count: 100), [])
        XCTAssertEqual(try DiskFormatInspector.verify(declared: "qcow2", source: source).virtualSize, 3 << 30)
        source.close()
        XCTAssertThrowsError(try source.read(offset: 0, count: 1))
        XCTAssertThrowsError(try FileByteSource(path: path + ".missing")) { error in
            guard case .readFailed = error as? DiskFormatError else { return XCTFail("\(error)") }
        }
    }

    func testCRC32CMatchesTheStandardCheckValue() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
    }

    func testErrorDescriptionsSuitAnAPIErrorBody() {
        XCTAssertEqual(
            DiskFormatError.unsafeImage(.qcow2, [.backingFile(.qcow2), .externalDataFile]).description,
            "Image data (qcow2) failed safety checks: the qcow2 image refers to a backing file; "
                + "the qcow2 image keeps its data in an external data file.")
        XCTAssertEqual(
            DiskFormatError.formatMismatch(declared: "raw", detected: .vhdx).description,
            "Image data is in vhdx format, not raw; upload it with disk_format vhdx or convert it to raw first.")
        XCTAssertEqual(
            DiskFormatError.ambiguousFormat([.qcow2, .vdi]).description,
            "Image data matches more than one disk format (qcow2, vdi) and cannot be accepted.")
    }

    // MARK: - Helpers

    private func inspect(_ bytes: [UInt8]) throws -> DiskInspection {
        try DiskFormatInspector.inspect(InMemoryByteSource(bytes))
    }

    private func verify(_ declared: String, _ bytes: [UInt8]) throws -> DiskInspection {
        try DiskFormatInspector.verify(declared: declared, source: InMemoryByteSource(bytes))
    }

    /// Inspects and verifies `bytes` under declared formats that take each path through
    /// `verify`; only `DiskFormatError`s may come out.
    private func exercise(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let source = InMemoryByteSource(bytes)
        do { _ = try DiskFormatInspector.inspect(source) } catch {
            XCTAssertNotNil(error as? DiskFormatError, file: file, line: line)
        }
        for declared in ["raw", "ami", "gpt", "qcow2", "iso", "docker"] {
            do { _ = try DiskFormatInspector.verify(declared: declared, source: source) } catch {
                XCTAssertNotNil(error as? DiskFormatError, file: file, line: line)
            }
        }
    }
}

/// Builders for minimal images of each format, laid out as the format inspector reads them.
private enum Sample {
    static func qcow2(
        size: UInt64, version: UInt32 = 3, backingFile: String? = nil, incompatibleFeatures: UInt64 = 0,
        extensions: [(type: UInt32, data: [UInt8])] = []
    ) -> [UInt8] {
        var image = [UInt8](repeating: 0, count: 4096)
        image.put([0x51, 0x46, 0x49, 0xFB], at: 0)
        image.putBE32(version, at: 4)
        image.putBE32(16, at: 20)  // 64 KiB clusters
        image.putBE64(size, at: 24)
        let headerLength = version >= 3 ? 104 : 72
        if version >= 3 {
            image.putBE64(incompatibleFeatures, at: 72)
            image.putBE32(4, at: 96)  // refcount_order
            image.putBE32(UInt32(headerLength), at: 100)
        }
        var position = headerLength
        for (type, data) in extensions {
            image.putBE32(type, at: position)
            image.putBE32(UInt32(data.count), at: position + 4)
            image.put(data, at: position + 8)
            position += 8 + (data.count + 7) / 8 * 8
        }
        position += 8  // the end-of-extensions marker (zeros)
        if let backingFile {
            image.putBE64(UInt64(position), at: 8)
            image.putBE32(UInt32(backingFile.utf8.count), at: 16)
            image.put(Array(backingFile.utf8), at: position)
        }
        return image
    }

    static func vmdkDescriptor(
        createType: String, extents: [String] = ["RW 2048 SPARSE \"disk.vmdk\""], extraFields: [String] = []
    ) -> String {
        (["# Disk DescriptorFile", "version=1", "CID=12345678", "parentCID=ffffffff", "createType=\"\(createType)\""]
            + extraFields + ["", "# Extent description"] + extents
            + ["", "# The Disk Data Base", "#DDB", "", "ddb.virtualHWVersion = \"4\"", "ddb.adapterType = \"ide\""])
            .joined(separator: "\n") + "\n"
    }

    /// A sparse VMDK with the descriptor at sector 1 (20 sectors long). With
    /// `footerCapacitySectors`, the grain directory is "at end" and a footer carries the header.
    static func vmdk(capacitySectors: UInt64, descriptor: String, footerCapacitySectors: UInt64? = nil) -> [UInt8] {
        func header(capacity: UInt64, grainDirectory: UInt64) -> [UInt8] {
            var header = [UInt8](repeating: 0, count: 512)
            header.put(Array("KDMV".utf8), at: 0)
            header.putLE32(3, at: 4)
            header.putLE32(3, at: 8)
            header.putLE64(capacity, at: 12)
            header.putLE64(128, at: 20)
            header.putLE64(1, at: 28)
            header.putLE64(20, at: 36)
            header.putLE32(512, at: 44)
            header.putLE64(grainDirectory, at: 56)
            return header
        }
        var image = header(capacity: capacitySectors, grainDirectory: footerCapacitySectors == nil ? 21 : UInt64.max)
        var text = [UInt8](repeating: 0, count: 20 * 512)
        text.put(Array(descriptor.utf8), at: 0)
        image += text + [UInt8](repeating: 0, count: 4096)
        if let footerCapacitySectors {
            var marker = [UInt8](repeating: 0, count: 512)
            marker.putLE64(1, at: 0)
            marker.putLE32(3, at: 12)
            let endOfStream = [UInt8](repeating: 0, count: 512)
            image += marker + header(capacity: footerCapacitySectors, grainDirectory: 21) + endOfStream
        }
        return image
    }

    static func vdi(size: UInt64, type: UInt32 = 1) -> [UInt8] {
        var image = [UInt8](repeating: 0, count: 1024)
        image.put(Array("<<< Oracle VM VirtualBox Disk Image >>>\n".utf8), at: 0)
        image.putLE32(0xBEDA_107F, at: 0x40)
        image.putLE32(0x0001_0001, at: 0x44)
        image.putLE32(400, at: 0x48)
        image.putLE32(type, at: 0x4C)
        image.putLE64(size, at: 0x170)
        image.putLE32(1 << 20, at: 0x178)
        return image
    }

    static func vhdFooter(size: UInt64, type: UInt32) -> [UInt8] {
        var footer = [UInt8](repeating: 0, count: 512)
        footer.put(Array("conectix".utf8), at: 0)
        footer.putBE32(2, at: 8)
        footer.putBE32(0x0001_0000, at: 12)
        footer.putBE64(type == 2 ? UInt64.max : 512, at: 16)
        footer.put(Array("qem2".utf8), at: 28)
        footer.putBE64(size, at: 40)
        footer.putBE64(size, at: 48)
        footer.putBE32(type, at: 60)
        return footer
    }

    /// A VHDX with its region table at 192 KiB and the metadata region at 1 MiB, whose table
    /// points to the virtual disk size and file parameters items at 64 KiB into the region.
    static func vhdx(virtualSize: UInt64, hasParent: Bool = false, sizeItemOffset: UInt32 = 65536) -> [UInt8] {
        let metadata = 1 << 20
        var image = [UInt8](repeating: 0, count: metadata + 65536 + 16)
        image.put(Array("vhdxfile".utf8), at: 0)
        let table = Int(VHDXHeader.regionTableOffset)
        image.put(Array("regi".utf8), at: table)
        image.putLE32(2, at: table + 8)
        image.put(VHDXHeader.batRegion, at: table + 16)
        image.putLE64(2 << 20, at: table + 16 + 16)
        image.putLE32(1 << 20, at: table + 16 + 24)
        image.putLE32(1, at: table + 16 + 28)
        image.put(VHDXHeader.metadataRegion, at: table + 48)
        image.putLE64(UInt64(metadata), at: table + 48 + 16)
        image.putLE32(1 << 20, at: table + 48 + 24)
        image.putLE32(1, at: table + 48 + 28)
        fixVHDXChecksum(&image)

        image.put(Array("metadata".utf8), at: metadata)
        image.putLE16(2, at: metadata + 10)
        image.put(VHDXHeader.virtualDiskSizeItem, at: metadata + 32)
        image.putLE32(sizeItemOffset, at: metadata + 32 + 16)
        image.putLE32(8, at: metadata + 32 + 20)
        image.put(VHDXHeader.fileParametersItem, at: metadata + 64)
        image.putLE32(65536 + 8, at: metadata + 64 + 16)
        image.putLE32(8, at: metadata + 64 + 20)
        image.putLE64(virtualSize, at: metadata + 65536)
        image.putLE32(32 << 20, at: metadata + 65536 + 8)
        image.putLE32(hasParent ? 2 : 0, at: metadata + 65536 + 12)
        return image
    }

    static func fixVHDXChecksum(_ image: inout [UInt8]) {
        let table = Int(VHDXHeader.regionTableOffset)
        guard image.count >= table + 65536 else { return }
        image.putLE32(0, at: table + 4)
        image.putLE32(CRC32C.checksum(Array(image[table..<(table + 65536)])), at: table + 4)
    }

    static func iso(blocks: UInt32, blockSize: UInt16) -> [UInt8] {
        var image = [UInt8](repeating: 0, count: 32768 + 3 * 2048)
        image[32768] = 1
        image.put(Array("CD001".utf8), at: 32769)
        image[32774] = 1
        image.putLE32(blocks, at: 32768 + 80)
        image.putBE32(blocks, at: 32768 + 84)
        image.putLE16(blockSize, at: 32768 + 128)
        image.putBE16(blockSize, at: 32768 + 130)
        image[34816] = 255
        image.put(Array("CD001".utf8), at: 34817)
        image[34822] = 1
        return image
    }

    static func ploop(sectors: UInt64) -> [UInt8] {
        var image = [UInt8](repeating: 0, count: 4096)
        image.put(Array("WithouFreSpacExt".utf8), at: 0)
        image.putLE32(2, at: 16)
        image.putLE32(16, at: 20)
        image.putLE32(2048, at: 28)
        image.putLE64(sectors, at: 36)
        image.putLE32(1, at: 48)
        return image
    }

    static func luks(version: UInt16, payloadSectors: UInt32, totalSize: Int) -> [UInt8] {
        var image = [UInt8](repeating: 0, count: totalSize)
        image.put([0x4C, 0x55, 0x4B, 0x53, 0xBA, 0xBE], at: 0)
        image.putBE16(version, at: 6)
        image.put(Array("aes".utf8), at: 8)
        image.putBE32(payloadSectors, at: 104)
        return image
    }

    /// A 1 MiB raw disk whose MBR has one partition of `type`.
    static func disk(withPartitionType type: UInt8, startLBA: UInt32) -> [UInt8] {
        var image = [UInt8](repeating: 0, count: 1 << 20)
        let entry = 446
        image.put([0x00, 0x00, 0x02, 0x00, type, 0xFF, 0xFF, 0xFF], at: entry)
        image.putLE32(startLBA, at: entry + 8)
        image.putLE32(2047, at: entry + 12)
        image[510] = 0x55
        image[511] = 0xAA
        if type == 0xEE { image.put(Array("EFI PART".utf8), at: 512) }
        return image
    }
}

/// A source claiming a size it cannot deliver: reads stop at the real bytes.
private struct ShortSource: ByteSource {
    let bytes: [UInt8]
    let claimedSize: UInt64
    var size: UInt64 { claimedSize }

    func read(offset: UInt64, count: Int) throws -> [UInt8] {
        try InMemoryByteSource(bytes).read(offset: offset, count: count)
    }
}

/// A deterministic generator (xorshift64*), so a failing run can be repeated.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}

extension Array where Element == UInt8 {
    fileprivate mutating func put(_ bytes: [UInt8], at offset: Int) {
        replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    }
    fileprivate mutating func putLE16(_ value: UInt16, at offset: Int) { putLE(UInt64(value), 2, at: offset) }
    fileprivate mutating func putLE32(_ value: UInt32, at offset: Int) { putLE(UInt64(value), 4, at: offset) }
    fileprivate mutating func putLE64(_ value: UInt64, at offset: Int) { putLE(value, 8, at: offset) }
    fileprivate mutating func putBE16(_ value: UInt16, at offset: Int) { putBE(UInt64(value), 2, at: offset) }
    fileprivate mutating func putBE32(_ value: UInt32, at offset: Int) { putBE(UInt64(value), 4, at: offset) }
    fileprivate mutating func putBE64(_ value: UInt64, at offset: Int) { putBE(value, 8, at: offset) }

    private mutating func putLE(_ value: UInt64, _ width: Int, at offset: Int) {
        for index in 0..<width { self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
    }
    private mutating func putBE(_ value: UInt64, _ width: Int, at offset: Int) {
        for index in 0..<width { self[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * (width - 1 - index))) }
    }
}
