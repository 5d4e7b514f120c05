import StratusKit

/// What a Stratus token carries inside its Fernet envelope. Roles and names are not in
/// it: like Keystone, they are looked up (and cached) when the token is validated, so an
/// unassigned role or a disabled user takes effect on tokens already issued.
struct TokenPayload: Equatable, Sendable {
    enum Scope: Equatable, Sendable {
        case unscoped
        case project(String)
        case domain(String)
        case system

        /// A cache key (built by hand: interpolating an enum goes through reflection).
        var cacheKey: String {
            switch self {
            case .unscoped: "unscoped"
            case .system: "system"
            case .project(let id): "project:" + id
            case .domain(let id): "domain:" + id
            }
        }
    }

    var userID: String
    var methods: [String]
    var scope: Scope
    var issuedAt: Timestamp
    var expiresAt: Timestamp
    /// The token's own audit id, then the audit chain it was re-scoped from.
    var auditIDs: [String]
    var applicationCredentialID: String?

    private static let formatVersion: UInt8 = 1
    private static let methodBits: [(String, UInt8)] = [
        ("password", 1), ("token", 2), ("application_credential", 4),
    ]

    func encoded() -> [UInt8] {
        var bytes: [UInt8] = [Self.formatVersion]
        var mask: UInt8 = 0
        for (name, bit) in Self.methodBits where methods.contains(name) { mask |= bit }
        bytes.append(mask)
        Self.append(userID, to: &bytes)
        switch scope {
        case .unscoped: bytes.append(0)
        case .project(let id):
            bytes.append(1)
            Self.append(id, to: &bytes)
        case .domain(let id):
            bytes.append(2)
            Self.append(id, to: &bytes)
        case .system: bytes.append(3)
        }
        Self.append(issuedAt.microseconds, to: &bytes)
        Self.append(expiresAt.microseconds, to: &bytes)
        bytes.append(UInt8(min(auditIDs.count, 255)))
        for auditID in auditIDs.prefix(255) { Self.append(auditID, to: &bytes) }
        Self.append(applicationCredentialID ?? "", to: &bytes)
        return bytes
    }

    init(
        userID: String, methods: [String], scope: Scope, issuedAt: Timestamp, expiresAt: Timestamp,
        auditIDs: [String], applicationCredentialID: String?
    ) {
        self.userID = userID
        self.methods = methods
        self.scope = scope
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.auditIDs = auditIDs
        self.applicationCredentialID = applicationCredentialID
    }

    init?(decoding bytes: [UInt8]) {
        var reader = ByteReader(bytes: bytes)
        guard reader.byte() == Self.formatVersion, let mask = reader.byte(), let userID = reader.string(),
            let scopeKind = reader.byte()
        else { return nil }
        self.methods = Self.methodBits.filter { mask & $0.1 != 0 }.map(\.0)
        self.userID = userID
        switch scopeKind {
        case 0: scope = .unscoped
        case 1:
            guard let id = reader.string() else { return nil }
            scope = .project(id)
        case 2:
            guard let id = reader.string() else { return nil }
            scope = .domain(id)
        case 3: scope = .system
        default: return nil
        }
        guard let issued = reader.int64(), let expires = reader.int64(), let auditCount = reader.byte() else {
            return nil
        }
        issuedAt = Timestamp(microseconds: issued)
        expiresAt = Timestamp(microseconds: expires)
        var audits: [String] = []
        for _ in 0..<auditCount {
            guard let audit = reader.string() else { return nil }
            audits.append(audit)
        }
        auditIDs = audits
        guard let appCredential = reader.string(), reader.atEnd else { return nil }
        applicationCredentialID = appCredential.isEmpty ? nil : appCredential
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        let utf8 = Array(text.utf8.prefix(65535))
        bytes.append(UInt8(utf8.count >> 8))
        bytes.append(UInt8(utf8.count & 0xff))
        bytes.append(contentsOf: utf8)
    }

    private static func append(_ value: Int64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: UInt64(bitPattern: value).bigEndian) { bytes.append(contentsOf: $0) }
    }
}

/// Sequential reads over a byte array that fail (nil) instead of trapping at the end.
private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    var atEnd: Bool { offset == bytes.count }

    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func int64() -> Int64? {
        guard offset + 8 <= bytes.count else { return nil }
        var value: UInt64 = 0
        for byte in bytes[offset..<offset + 8] { value = value << 8 | UInt64(byte) }
        offset += 8
        return Int64(bitPattern: value)
    }

    mutating func string() -> String? {
        guard let high = byte(), let low = byte() else { return nil }
        let length = Int(high) << 8 | Int(low)
        guard offset + length <= bytes.count else { return nil }
        defer { offset += length }
        return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
    }
}
