import HTTPTypes
import NIOHTTP1

/// A container's legacy object versioning (Swift's `versioned_writes` middleware): the archive
/// container that keeps earlier versions of its objects, and what a DELETE does.
///
/// Clients set it with `X-Versions-Location: <archive>` (stack mode) or
/// `X-History-Location: <archive>` (history mode) on a container PUT or POST, and clear it
/// with `X-Remove-Versions-Location` / `X-Remove-History-Location` (or an empty value). The
/// proxy keeps it in container system metadata and shows it back under the client header of
/// its mode.
struct ContainerVersioning: Sendable, Equatable {
    enum Mode: String, Sendable {
        /// DELETE restores the newest archived version (`X-Versions-Location`).
        case stack
        /// DELETE archives the current version and leaves a delete marker (`X-History-Location`).
        case history
    }

    /// The archive container, as objects are written to it (unquoted, up to any `/`).
    var archiveContainer: String
    var mode: Mode

    static let versionsLocation = "X-Versions-Location"
    static let historyLocation = "X-History-Location"
    static let removeVersionsLocation = "X-Remove-Versions-Location"
    static let removeHistoryLocation = "X-Remove-History-Location"
    static let locationSysmeta = "X-Container-Sysmeta-Versions-Location"
    static let modeSysmeta = "X-Container-Sysmeta-Versions-Mode"
    /// What `/info` lists under `versioned_writes.allowed_flags`.
    static let allowedFlags = ["x-versions-location", "x-history-location"]
    /// The content type of the zero-byte object history mode writes when an object is deleted.
    /// (`swift_*` parameters are refused on client uploads, so no client object has it.)
    static let deleteMarkerContentType = "application/x-deleted;swift_versions_deleted=1"

    /// The versioning of a container from its info (a HEAD answer with system metadata); nil
    /// when it has none. A stored location is URL-unquoted and cut at its first `/` (one that
    /// leaves no name, such as `%2Fx`, versions nothing).
    init?(containerInfo: HTTPHeaders) {
        guard let stored = containerInfo.first(name: Self.locationSysmeta), !stored.isEmpty else { return nil }
        let location = SwiftText.unquote(stored).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard !location.isEmpty else { return nil }
        archiveContainer = String(location)
        mode = containerInfo.first(name: Self.modeSysmeta) == Mode.history.rawValue ? .history : .stack
    }

    /// `<3 hex digits: the name's length in UTF-8 bytes><name>/`: every archived version of
    /// `object` is named with this prefix.
    static func archivePrefix(object: String) -> String {
        let length = String(object.utf8.count, radix: 16)
        return String(repeating: "0", count: max(0, 3 - length.count)) + length + object + "/"
    }

    /// An archived version's name: the prefix and the internal form of the version's timestamp.
    static func archiveName(object: String, timestamp: SwiftTimestamp) -> String {
        archivePrefix(object: object) + timestamp.internal
    }

    /// What a client answer shows of the stored versioning: `X-Versions-Location` or
    /// `X-History-Location` with the stored value, or nil.
    static func clientField(containerInfo: HTTPHeaders) -> HTTPField? {
        guard let stored = containerInfo.first(name: locationSysmeta), !stored.isEmpty else { return nil }
        let name = containerInfo.first(name: modeSysmeta) == Mode.history.rawValue ? historyLocation : versionsLocation
        return HTTPField(name: HTTPField.Name(name)!, value: stored)
    }

    /// Why a container request's versioning headers are refused.
    enum HeaderProblem: Error, Equatable {
        /// 400: both locations given with values.
        case bothLocations
        /// 412: a location is set while versioned writes are turned off.
        case disabled
        /// 412: the location names a container with a `/`.
        case slash
    }

    /// A container request's headers with the client's versioning headers turned into system
    /// metadata, as Swift's `versioned_writes` does before the container servers see them:
    /// a location sets the location and mode (and wins over a remove header in the same
    /// request); an empty location or a remove header clears both.
    static func translateContainerHeaders(
        _ headers: HTTPFields, method: HTTPRequest.Method, enabled: Bool
    ) -> Result<HTTPFields, HeaderProblem> {
        let versionsName = HTTPField.Name(versionsLocation)!
        let historyName = HTTPField.Name(historyLocation)!
        let removeNames = [HTTPField.Name(removeVersionsLocation)!, HTTPField.Name(removeHistoryLocation)!]
        var headers = headers
        if let versions = headers[versionsName], let history = headers[historyName] {
            if history.isEmpty {
                headers[historyName] = nil
            } else if !versions.isEmpty {
                return .failure(.bothLocations)
            } else {
                headers[versionsName] = nil
            }
        }
        var clear = removeNames.contains { !(headers[$0] ?? "").isEmpty }
        let given = headers[versionsName].map { ($0, Mode.stack) } ?? headers[historyName].map { ($0, Mode.history) }
        headers[versionsName] = nil
        headers[historyName] = nil
        if let (location, mode) = given {
            if location.isEmpty {
                clear = true
            } else if !enabled && (method == .put || method == .post) {
                return .failure(.disabled)
            } else {
                if location.contains("/") { return .failure(.slash) }
                headers[HTTPField.Name(locationSysmeta)!] = location
                headers[HTTPField.Name(modeSysmeta)!] = mode.rawValue
                clear = false
            }
        }
        for name in removeNames { headers[name] = nil }
        if clear {
            headers[HTTPField.Name(locationSysmeta)!] = ""
            headers[HTTPField.Name(modeSysmeta)!] = ""
        }
        return .success(headers)
    }
}
