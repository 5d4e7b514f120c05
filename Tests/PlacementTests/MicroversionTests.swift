import HTTPTypes
import StratusKit
import XCTest

@testable import Placement

final class MicroversionTests: XCTestCase {
    func testRootDocumentNeedsNoTokenAndCarriesVersionHeaders() async throws {
        try await PlacementTestCloud.run { cloud in
            let root = try await cloud.call(.get, "/", version: nil, anonymous: true)
            XCTAssertEqual(root.status, .ok)
            let version = try XCTUnwrap(root.json?["versions"]?.arrayValue?.first)
            XCTAssertEqual(version["id"], "v1.0")
            XCTAssertEqual(version["min_version"], "1.0")
            XCTAssertEqual(version["max_version"], "1.39")
            XCTAssertEqual(version["status"], "CURRENT")
            XCTAssertEqual(version["links"], [["rel": "self", "href": ""]])
            XCTAssertEqual(root.header("OpenStack-API-Version"), "placement 1.0")
            XCTAssertEqual(root.header("Vary"), "openstack-api-version")
            XCTAssertNil(root.header("Cache-Control"), "no cache headers before 1.15")

            let latest = try await cloud.call(.get, "/", version: "latest", anonymous: true)
            XCTAssertEqual(latest.header("OpenStack-API-Version"), "placement 1.39")
            XCTAssertEqual(latest.header("Cache-Control"), "no-cache")
            let listed = try await cloud.call(
                .get, "/", version: nil, anonymous: true, headers: ["OpenStack-API-Version": "compute 2.1, placement 1.17"])
            XCTAssertEqual(listed.header("OpenStack-API-Version"), "placement 1.17")
        }
    }

    func testOutOfRangeIs406AndMalformedIs400() async throws {
        try await PlacementTestCloud.run { cloud in
            let low = try await cloud.call(.get, "/", version: "0.5", anonymous: true)
            XCTAssertEqual(low.status, .notAcceptable)
            XCTAssertEqual(low.error?["title"], "Not Acceptable")
            XCTAssertEqual(low.error?["min_version"], "1.0")
            XCTAssertEqual(low.error?["max_version"], "1.39")
            XCTAssertTrue(low.detail.contains("Unacceptable version header: 0.5"), low.detail)
            XCTAssertNotNil(low.error?["request_id"])
            let high = try await cloud.call(.get, "/resource_providers", version: "1.40")
            XCTAssertEqual(high.status, .notAcceptable)
            for bad in ["pony.horse", "1.2.3"] {
                let malformed = try await cloud.call(.get, "/", version: bad, anonymous: true)
                XCTAssertEqual(malformed.status, .badRequest)
                XCTAssertEqual(malformed.error?["title"], "Bad Request")
                XCTAssertTrue(malformed.detail.contains("invalid version string: \(bad)"), malformed.detail)
            }
        }
    }

    func testErrorCodesAppearFrom123AndRoutesAppearWithTheirVersion() async throws {
        try await PlacementTestCloud.run { cloud in
            let missing = "/resource_providers/\(IDGenerator.uuid())"
            let old = try await cloud.call(.get, missing, version: "1.22")
            XCTAssertEqual(old.status, .notFound)
            XCTAssertNil(old.code)
            XCTAssertEqual(old.header("OpenStack-API-Version"), "placement 1.22", "errors carry the version header too")
            let new = try await cloud.call(.get, missing, version: "1.23")
            XCTAssertEqual(new.code, "placement.undefined_code")
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/traits", version: "1.5").status, .notFound)
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/traits", version: "1.6").status, .ok)
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/allocation_candidates?resources=VCPU:1", version: "1.9").status, .notFound)
        }
    }

    func testNegotiationOfTheSharedHelper() throws {
        let range = MicroversionRange(
            serviceType: "compute", minimum: Microversion(2, 1), maximum: Microversion(2, 96),
            legacyHeader: HTTPField.Name("X-OpenStack-Nova-API-Version")!)
        var headers = HTTPFields()
        XCTAssertEqual(try range.negotiate(headers), Microversion(2, 1))
        headers[HTTPField.Name("X-OpenStack-Nova-API-Version")!] = "2.10"
        XCTAssertEqual(try range.negotiate(headers), Microversion(2, 10))
        headers[MicroversionRange.header] = "compute 2.53"
        XCTAssertEqual(try range.negotiate(headers), Microversion(2, 53), "the new header wins over the legacy one")
        headers[MicroversionRange.header] = "compute latest"
        XCTAssertEqual(try range.negotiate(headers), Microversion(2, 96))
        headers[MicroversionRange.header] = "compute 2.97"
        XCTAssertThrowsError(try range.negotiate(headers)) { XCTAssertEqual($0 as? MicroversionError, .unsupported(Microversion(2, 97))) }
        headers[MicroversionRange.header] = "compute 2"
        XCTAssertThrowsError(try range.negotiate(headers)) { XCTAssertEqual($0 as? MicroversionError, .malformed("2")) }
        XCTAssertTrue(Microversion(1, 10) > Microversion(1, 9), "versions compare numerically")
        let response = range.responseHeaders(Microversion(2, 53))
        XCTAssertEqual(response[MicroversionRange.header], "compute 2.53")
        XCTAssertEqual(response[HTTPField.Name("X-OpenStack-Nova-API-Version")!], "2.53")
        XCTAssertEqual(response[.vary], "openstack-api-version, x-openstack-nova-api-version")
    }
}
