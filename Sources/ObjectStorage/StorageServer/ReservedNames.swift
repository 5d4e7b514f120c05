import StratusKit

/// Swift's reserved namespace: names starting with a NUL are internal (versioned objects ...).
/// A NUL anywhere else in a name is refused, and reserved objects live only in reserved
/// containers (except in auto-created internal accounts, whose names start with `.`).
enum ReservedNames {
    static let marker: Unicode.Scalar = "\u{0}"

    static func validate(account: String, container: String? = nil, object: String? = nil) throws {
        try check(account, "account")
        if let container, !container.isEmpty { try check(container, "container") }
        guard let object, !object.isEmpty, let container, !account.hasPrefix(".") else { return }
        try check(object, "object")
        if isReserved(container), !isReserved(object) {
            throw APIError(.badRequest, "Invalid user-namespace object in reserved-namespace container")
        }
        if isReserved(object), !isReserved(container) {
            throw APIError(.badRequest, "Invalid reserved-namespace object in user-namespace container")
        }
    }

    static func isReserved(_ name: String) -> Bool { name.unicodeScalars.first == marker }

    private static func check(_ name: String, _ kind: String) throws {
        if name.unicodeScalars.contains(marker), !isReserved(name) {
            throw APIError(.badRequest, "Invalid reserved-namespace \(kind)")
        }
    }
}
