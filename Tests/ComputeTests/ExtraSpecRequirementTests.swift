import XCTest

@testable import Compute

/// Nova's extra-spec operator language, as ComputeCapabilitiesFilter and
/// AggregateInstanceExtraSpecsFilter match it.
final class ExtraSpecRequirementTests: XCTestCase {
    func matches(_ requirement: String, _ value: String?) -> Bool {
        ExtraSpecRequirement(requirement).matches(value)
    }

    func testPlainTextIsExact() {
        XCTAssertTrue(matches("x86_64", "x86_64"))
        XCTAssertFalse(matches("x86_64", "X86_64"))
        XCTAssertTrue(matches("two words", "two words"), "an unknown first word makes the whole text exact")
        XCTAssertFalse(matches("true", nil))
    }

    func testNumberOperators() {
        XCTAssertTrue(matches("= 4", "8"), "= means at least")
        XCTAssertTrue(matches("= 4", "4"))
        XCTAssertFalse(matches("= 4", "2"))
        XCTAssertTrue(matches("== 4", "4.0"))
        XCTAssertFalse(matches("== 4", "5"))
        XCTAssertTrue(matches("!= 4", "5"))
        XCTAssertFalse(matches("!= 4", "4"))
        XCTAssertTrue(matches(">= 2048", "4096"))
        XCTAssertFalse(matches(">= 2048", "1024"))
        XCTAssertTrue(matches("<= 2048", "1024"))
        XCTAssertFalse(matches("<= 2048", "4096"))
        XCTAssertFalse(matches(">= 2048", "lots"), "a value that is no number does not match")
        XCTAssertFalse(matches(">= lots", "4096"), "a requirement that is no number matches nothing")
        XCTAssertFalse(matches(">=", "4096"), "an operator with no operand matches nothing")
    }

    func testTextOperators() {
        XCTAssertTrue(matches("s== QEMU", "QEMU"))
        XCTAssertFalse(matches("s== QEMU", "qemu"))
        XCTAssertTrue(matches("s!= xen", "QEMU"))
        XCTAssertTrue(matches("s< b", "a"))
        XCTAssertFalse(matches("s< b", "b"))
        XCTAssertTrue(matches("s<= b", "b"))
        XCTAssertTrue(matches("s> b", "c"))
        XCTAssertFalse(matches("s> b", "b"))
        XCTAssertTrue(matches("s>= b", "b"))
        XCTAssertFalse(matches("s>= b", "a"))
        XCTAssertTrue(matches("s< 10", "1"), "text order, not numeric")
        XCTAssertFalse(matches("s< 10", "9"))
    }

    func testContainmentAndAlternatives() {
        XCTAssertTrue(matches("<in> avx2", "avx avx2 sse"))
        XCTAssertFalse(matches("<in> avx512", "avx avx2 sse"))
        XCTAssertTrue(matches("<all-in> avx sse", "avx avx2 sse"))
        XCTAssertFalse(matches("<all-in> avx neon", "avx avx2 sse"))
        XCTAssertTrue(matches("<or> x86_64 <or> aarch64", "aarch64"))
        XCTAssertTrue(matches("<or> x86_64 <or> aarch64", "x86_64"))
        XCTAssertFalse(matches("<or> x86_64 <or> aarch64", "ppc64le"))
        XCTAssertFalse(matches("<or> x86_64 <or> aarch64", "<or>"), "the keyword is no alternative")
        XCTAssertTrue(matches("<or> one", "one"))
    }
}
