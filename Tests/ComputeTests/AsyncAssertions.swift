import XCTest

// XCTest's assertions take synchronous autoclosures; these await their expression first.

func XCTAssertNotEqualAsync<T: Equatable>(
    _ expression: @autoclosure () async throws -> T, _ other: T, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) async rethrows {
    let value = try await expression()
    XCTAssertNotEqual(value, other, message, file: file, line: line)
}

func XCTAssertTrueAsync(
    _ expression: @autoclosure () async throws -> Bool, _ message: String = "", file: StaticString = #filePath, line: UInt = #line
) async rethrows {
    let value = try await expression()
    XCTAssertTrue(value, message, file: file, line: line)
}

func XCTUnwrapAsync<T>(
    _ expression: @autoclosure () async throws -> T?, _ message: String = "", file: StaticString = #filePath, line: UInt = #line
) async throws -> T {
    let value = try await expression()
    return try XCTUnwrap(value, message, file: file, line: line)
}
