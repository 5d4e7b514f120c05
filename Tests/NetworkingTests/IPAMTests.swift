import XCTest

@testable import Networking

final class IPAMTests: XCTestCase {
    func testAddressesParseAndPrintInTheirCanonicalForms() throws {
        XCTAssertEqual(IPAddress("192.0.2.1")?.description, "192.0.2.1")
        XCTAssertEqual(IPAddress("2001:DB8:0:0:0:0:0:1")?.description, "2001:db8::1")
        XCTAssertEqual(IPAddress("2001:db8:0:1:0:0:0:1")?.description, "2001:db8:0:1::1")
        XCTAssertEqual(IPAddress("::")?.description, "::")
        XCTAssertEqual(IPAddress("::ffff:192.0.2.1")?.value, IPAddress("::ffff:c000:201")?.value)
        XCTAssertEqual(IPAddress("fe80::1:0:0:1")?.description, "fe80::1:0:0:1")
        for bad in ["256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4.5", "2001:db8::1::2", "12345::", "g::1", ""] {
            XCTAssertNil(IPAddress(bad), bad)
        }
        XCTAssertLessThan(IPAddress("10.0.0.2")!, IPAddress("10.0.0.10")!)
    }

    func testPrefixesNormaliseContainAndOverlap() throws {
        let net = try XCTUnwrap(CIDR("10.0.0.0/24", strict: true))
        XCTAssertNil(CIDR("10.0.0.1/24", strict: true))
        XCTAssertEqual(CIDR("10.0.0.1/24")?.description, "10.0.0.0/24")
        XCTAssertEqual(net.size, 256)
        XCTAssertEqual(net.last.description, "10.0.0.255")
        XCTAssertTrue(net.contains(IPAddress("10.0.0.77")!))
        XCTAssertFalse(net.contains(IPAddress("10.0.1.0")!))
        XCTAssertTrue(net.overlaps(CIDR("10.0.0.128/25")!))
        XCTAssertFalse(net.overlaps(CIDR("10.0.1.0/24")!))
        XCTAssertFalse(net.overlaps(CIDR("2001:db8::/64")!))
        XCTAssertEqual(CIDR("2001:db8::/64")?.last.description, "2001:db8::ffff:ffff:ffff:ffff")
        XCTAssertNil(CIDR("10.0.0.0/33"))
    }

    func testDefaultPoolsLeaveOutNetworkBroadcastAndGateway() throws {
        let net = try XCTUnwrap(CIDR("192.168.1.0/29"))
        let pools = AddressAllocator.defaultPools(for: net, gateway: IPAddress("192.168.1.1"))
        XCTAssertEqual(pools.map { "\($0.first)-\($0.last)" }, ["192.168.1.2-192.168.1.6"])
        let middle = AddressAllocator.defaultPools(for: net, gateway: IPAddress("192.168.1.4"))
        XCTAssertEqual(middle.map { "\($0.first)-\($0.last)" }, ["192.168.1.1-192.168.1.3", "192.168.1.5-192.168.1.6"])
        let v6 = AddressAllocator.defaultPools(for: CIDR("2001:db8::/126")!, gateway: IPAddress("2001:db8::1"))
        XCTAssertEqual(v6.map { "\($0.first)-\($0.last)" }, ["2001:db8::2-2001:db8::3"])
    }

    func testOrderKeysSortLikeAddressesAndRangesSubtract() throws {
        let addresses = ["10.0.0.9", "10.0.0.10", "9.255.255.255", "2001:db8::1", "2001:db8::ff00"].compactMap(IPAddress.init)
        XCTAssertEqual(addresses.count, 5)
        for (a, b) in zip(addresses, addresses.dropFirst()) where a.version == b.version {
            XCTAssertEqual(a < b, a.orderKey < b.orderKey, "\(a) vs \(b)")
        }
        XCTAssertEqual(IPAddress(orderKey: IPAddress("2001:db8::ff00")!.orderKey, version: .v6), IPAddress("2001:db8::ff00"))
        XCTAssertNil(IPAddress(orderKey: "12", version: .v4))
        let pool = AddressRange(first: IPAddress("10.1.0.2")!, last: IPAddress("10.1.0.9")!)
        let rest = pool.subtracting(["10.1.0.2", "10.1.0.5", "10.1.0.6", "10.1.0.9", "10.2.0.1"].compactMap(IPAddress.init))
        XCTAssertEqual(rest.map { "\($0.first)-\($0.last)" }, ["10.1.0.3-10.1.0.4", "10.1.0.7-10.1.0.8"])
        XCTAssertEqual(pool.subtracting([]), [pool])
        XCTAssertEqual(AddressRange(first: pool.first, last: pool.first).subtracting([pool.first]), [])
    }

    func testMACsAreOnTheOpenStackBase() {
        let mac = AddressAllocator.randomMAC()
        XCTAssertTrue(mac.hasPrefix("fa:16:3e:"))
        XCTAssertEqual(mac.count, 17)
    }
}

final class PrefixAllocatorTests: XCTestCase {
    func testPrefixesAreCutLowestFirstAroundTakenBlocks() throws {
        let pool = [try XCTUnwrap(CIDR("10.0.0.0/16"))]
        XCTAssertEqual(PrefixAllocator.firstFree(in: pool, length: 24, taken: [])?.description, "10.0.0.0/24")
        let taken = [CIDR("10.0.0.0/24")!, CIDR("10.0.1.0/25")!, CIDR("10.0.2.0/23")!]
        XCTAssertEqual(PrefixAllocator.firstFree(in: pool, length: 24, taken: taken)?.description, "10.0.4.0/24")
        XCTAssertEqual(PrefixAllocator.firstFree(in: pool, length: 25, taken: taken)?.description, "10.0.1.128/25")
        XCTAssertNil(PrefixAllocator.firstFree(in: [CIDR("10.0.0.0/24")!], length: 24, taken: [CIDR("10.0.0.0/24")!]))
        XCTAssertNil(PrefixAllocator.firstFree(in: [CIDR("10.0.0.0/24")!], length: 16, taken: []))
    }
}
