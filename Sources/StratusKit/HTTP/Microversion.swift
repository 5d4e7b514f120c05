import HTTPTypes

/// An API microversion, `X.Y` (`1.39`, `2.96`), ordered numerically.
public struct Microversion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `X.Y` with non-negative decimal numbers; nil for anything else (`1.2.3`, `pony.horse`).
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) })
        else { return nil }
        self.init(major, minor)
    }

    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: Microversion, rhs: Microversion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    /// True when this version is at least `major.minor`.
    public func isAtLeast(_ major: Int, _ minor: Int) -> Bool { self >= Microversion(major, minor) }
}

/// Why a request's microversion header could not be honoured.
public enum MicroversionError: Error, Sendable, Equatable {
    /// The header's value is not `X.Y` or `latest` (answered 400).
    case malformed(String)
    /// A well-formed version outside the service's range (answered 406).
    case unsupported(Microversion)
}

/// What one API accepts: its service type as `OpenStack-API-Version` names it, its
/// minimum and maximum versions, and optionally a legacy header (Nova's
/// `X-OpenStack-Nova-API-Version`) that carries a bare version.
public struct MicroversionRange: Sendable {
    public static let header = HTTPField.Name("OpenStack-API-Version")!

    public let serviceType: String
    public let minimum: Microversion
    public let maximum: Microversion
    public let legacyHeader: HTTPField.Name?

    public init(serviceType: String, minimum: Microversion, maximum: Microversion, legacyHeader: HTTPField.Name? = nil) {
        self.serviceType = serviceType
        self.minimum = minimum
        self.maximum = maximum
        self.legacyHeader = legacyHeader
    }

    /// The version a request asks for: the `OpenStack-API-Version` entry naming this service
    /// type (the header may list several services, comma separated), else the legacy
    /// header's value, else the minimum. `latest` means the maximum.
    public func negotiate(_ headers: HTTPFields) throws(MicroversionError) -> Microversion {
        if let requested = requestedValue(headers) {
            if requested.lowercased() == "latest" { return maximum }
            guard let version = Microversion(parsing: requested) else { throw .malformed(requested) }
            guard version >= minimum, version <= maximum else { throw .unsupported(version) }
            return version
        }
        return minimum
    }

    private func requestedValue(_ headers: HTTPFields) -> String? {
        for field in headers[values: Self.header] {
            for entry in field.split(separator: ",") {
                let words = entry.split(whereSeparator: \.isWhitespace)
                guard words.count == 2, words[0].lowercased() == serviceType.lowercased() else { continue }
                return String(words[1])
            }
        }
        if let legacyHeader, let value = headers[legacyHeader]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
            return value
        }
        return nil
    }

    /// The headers every response carries: the version served and which headers it varies on.
    public func responseHeaders(_ version: Microversion) -> HTTPFields {
        var headers = HTTPFields()
        headers[Self.header] = "\(serviceType) \(version)"
        var vary = [Self.header.canonicalName]
        if let legacyHeader {
            headers[legacyHeader] = version.description
            vary.append(legacyHeader.canonicalName)
        }
        headers[.vary] = vary.joined(separator: ", ")
        return headers
    }
}
