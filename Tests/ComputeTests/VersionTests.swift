import HTTPTypes
import StratusKit
import XCTest

@testable import Compute

/// Version discovery and microversion negotiation.
final class VersionTests: XCTestCase {
    func testRootListsV21WithItsRange() async throws {
        try await ComputeTestCloud.run { cloud in
            let response = try await cloud.call(.get, "/", version: nil, anonymous: true)
            XCTAssertEqual(response.status, .ok)
            let version = try XCTUnwrap(response.json?["versions"]?.arrayValue?.first)
            XCTAssertEqual(version["id"]?.stringValue, "v2.1")
            XCTAssertEqual(version["status"]?.stringValue, "CURRENT")
            XCTAssertEqual(version["version"]?.stringValue, "2.96")
            XCTAssertEqual(version["min_version"]?.stringValue, "2.1")
            XCTAssertEqual(version["links"]?.arrayValue?.first?["href"]?.stringValue, "http://127.0.0.1:8774/v2.1/")
        }
    }

    func testV21DocumentHasMediaTypesAndLinks() async throws {
        try await ComputeTestCloud.run { cloud in
            for path in ["/v2.1", "/v2.1/"] {
                let response = try await cloud.call(.get, path, version: nil, anonymous: true)
                XCTAssertEqual(response.status, .ok, path)
                let version = try XCTUnwrap(response.json?["version"])
                XCTAssertEqual(version["version"]?.stringValue, "2.96")
                XCTAssertEqual(version["min_version"]?.stringValue, "2.1")
                XCTAssertEqual(
                    version["media-types"]?.arrayValue?.first?["type"]?.stringValue, "application/vnd.openstack.compute+json;version=2.1")
                XCTAssertEqual(version["links"]?.arrayValue?.compactMap { $0["rel"]?.stringValue }, ["self", "describedby"])
            }
        }
    }

    func testNegotiatedVersionIsEchoedInBothHeaders() async throws {
        try await ComputeTestCloud.run { cloud in
            let defaulted = try await cloud.call(.get, "/v2.1/flavors", version: nil)
            XCTAssertEqual(defaulted.header("OpenStack-API-Version"), "compute 2.1")
            XCTAssertEqual(defaulted.header("X-OpenStack-Nova-API-Version"), "2.1")
            XCTAssertEqual(defaulted.header("Vary")?.lowercased(), "openstack-api-version, x-openstack-nova-api-version")
            let latest = try await cloud.call(.get, "/v2.1/flavors", version: "latest")
            XCTAssertEqual(latest.header("OpenStack-API-Version"), "compute 2.96")
            let legacy = try await cloud.call(
                .get, "/v2.1/flavors", version: nil, headers: ["X-OpenStack-Nova-API-Version": "2.55"])
            XCTAssertEqual(legacy.header("X-OpenStack-Nova-API-Version"), "2.55")
            XCTAssertEqual(legacy.json?["flavors"]?.arrayValue?.first?["description"], .null, "2.55 bodies carry the description")
            let both = try await cloud.call(
                .get, "/v2.1/flavors", version: "2.60", headers: ["X-OpenStack-Nova-API-Version": "2.10"])
            XCTAssertEqual(both.header("OpenStack-API-Version"), "compute 2.60", "the standard header wins")
        }
    }

    func testOutOfRangeIs406AndMalformedIs400InNovaBodies() async throws {
        try await ComputeTestCloud.run { cloud in
            let high = try await cloud.call(.get, "/v2.1/flavors", version: "2.97")
            XCTAssertEqual(high.status, .notAcceptable)
            XCTAssertEqual(high.faultName, "computeFault")
            XCTAssertEqual(high.faultCode, 406)
            XCTAssertEqual(high.message, "Version 2.97 is not supported by the API. Minimum is 2.1 and maximum is 2.96.")
            let low = try await cloud.call(.get, "/v2.1/flavors", version: "2.0")
            XCTAssertEqual(low.status, .notAcceptable)
            let malformed = try await cloud.call(.get, "/v2.1/flavors", version: "2.x")
            XCTAssertEqual(malformed.status, .badRequest)
            XCTAssertEqual(malformed.faultName, "badRequest")
            XCTAssertEqual(
                malformed.message, "API Version String 2.x is of invalid format. Must be of format MajorNum.MinorNum.")
            let legacy = try await cloud.call(
                .get, "/v2.1/flavors", version: nil, headers: ["X-OpenStack-Nova-API-Version": "3.0"])
            XCTAssertEqual(legacy.status, .notAcceptable)
        }
    }

    func testRequestsWithoutATokenAre401() async throws {
        try await ComputeTestCloud.run { cloud in
            let response = try await cloud.call(.get, "/v2.1/flavors", anonymous: true)
            XCTAssertEqual(response.status, .unauthorized)
            XCTAssertEqual(response.header("WWW-Authenticate"), "Keystone uri=\"http://127.0.0.1:5000\"")
        }
    }

    func testUnknownResourceIsItemNotFound() async throws {
        try await ComputeTestCloud.run { cloud in
            let response = try await cloud.call(.get, "/v2.1/flavors/nope")
            XCTAssertEqual(response.status, .notFound)
            XCTAssertEqual(response.faultName, "itemNotFound")
            XCTAssertEqual(response.message, "Flavor nope could not be found.")
            let unrouted = try await cloud.call(.get, "/v2.1/os-nothing")
            XCTAssertEqual(unrouted.status, .notFound)
            XCTAssertEqual(unrouted.faultName, "itemNotFound")
        }
    }

    /// Nova routes by path and method together: another method on a known path matches no route.
    func testAnotherMethodOnAKnownPathIsNotFound() async throws {
        try await ComputeTestCloud.run { cloud in
            let response = try await cloud.call(.patch, "/v2.1/flavors/1")
            XCTAssertEqual(response.status, .notFound)
            XCTAssertEqual(response.faultName, "itemNotFound")
        }
    }
}
