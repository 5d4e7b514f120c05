import Foundation
import XCTest

@testable import ObjectStorage

final class SwiftTimestampTests: XCTestCase {
    func testNormalAndInternalForms() throws {
        let plain = try XCTUnwrap(SwiftTimestamp("1700000000.12345"))
        XCTAssertEqual(plain.raw, 170_000_000_012_345)
        XCTAssertEqual(plain.offset, 0)
        XCTAssertEqual(plain.normal, "1700000000.12345")
        XCTAssertEqual(plain.internal, "1700000000.12345")
        XCTAssertEqual(plain.short, "1700000000.12345")

        let offset = try XCTUnwrap(SwiftTimestamp("1700000000.12345_000000000000000a"))
        XCTAssertEqual(offset.offset, 10)
        XCTAssertEqual(offset.normal, "1700000000.12345")
        XCTAssertEqual(offset.internal, "1700000000.12345_000000000000000a")
        XCTAssertEqual(offset.short, "1700000000.12345_a")
        XCTAssertEqual(SwiftTimestamp("1700000000.12345_a"), offset)

        XCTAssertEqual(SwiftTimestamp("1")?.normal, "0000000001.00000")
        XCTAssertEqual(SwiftTimestamp("1.5")?.normal, "0000000001.50000")
        XCTAssertEqual(SwiftTimestamp(".5")?.normal, "0000000000.50000")
        XCTAssertEqual(SwiftTimestamp("1700000000.123456")?.normal, "1700000000.12346")
        XCTAssertEqual(SwiftTimestamp("1700000000.123454")?.normal, "1700000000.12345")
        XCTAssertEqual(SwiftTimestamp("0")?.internal, "0000000000.00000")
        XCTAssertEqual(SwiftTimestamp("9999999999.99999")?.normal, "9999999999.99999")
        XCTAssertEqual(SwiftTimestamp(seconds: 1700000000.5)?.normal, "1700000000.50000")
    }

    func testRejectsMalformed() {
        for text in [
            "", "-1", "+1", "abc", "1e9", "1.2.3", "10000000000", "1700000000.1_2_3", "1700000000.1_00000000000000001",
            "1700000000.1_xyz", " 1", ".",
        ] {
            XCTAssertNil(SwiftTimestamp(text), text)
        }
        XCTAssertNil(SwiftTimestamp(seconds: -1))
        XCTAssertNil(SwiftTimestamp(seconds: 1e10))
    }

    func testOrderingByTimeThenOffsetMatchesInternalStrings() throws {
        let texts = [
            "0000000001.00000", "1400000000.00000", "1400000000.00000_0000000000000001",
            "1400000000.00000_00000000000000ff", "1400000000.00001", "1700000000.12345",
        ]
        let stamps = try texts.map { try XCTUnwrap(SwiftTimestamp($0)) }
        XCTAssertEqual(stamps, stamps.sorted())
        XCTAssertEqual(stamps.map(\.internal), stamps.map(\.internal).sorted())
        for (a, b) in zip(stamps, stamps.dropFirst()) { XCTAssertLessThan(a, b) }
        XCTAssertEqual(SwiftTimestamp("1400000000"), SwiftTimestamp("1400000000.00000_0"))
        XCTAssertNotEqual(SwiftTimestamp("1400000000"), SwiftTimestamp("1400000000_1"))
        XCTAssertEqual(SwiftTimestamp("1400000000")?.incrementingOffset(by: 2)?.internal, "1400000000.00000_0000000000000002")
    }

    func testNowAndCeiling() throws {
        let before = Date().timeIntervalSince1970
        let now = SwiftTimestamp.now()
        let after = Date().timeIntervalSince1970
        XCTAssertGreaterThanOrEqual(now.seconds, before - 0.00001)
        XCTAssertLessThanOrEqual(now.seconds, after + 0.00001)
        XCTAssertEqual(SwiftTimestamp("1700000000.00001")?.ceilingSeconds, 1_700_000_001)
        XCTAssertEqual(SwiftTimestamp("1700000000.00000")?.ceilingSeconds, 1_700_000_000)
    }
}
