#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why an object on a device could not be read or written.
public enum DiskFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The device directory is missing (or, with mount checks, not a mount point).
    case deviceUnavailable(device: String)
    /// No file for the object.
    case notFound
    /// The newest file is a tombstone written at `timestamp`.
    case deleted(timestamp: SwiftTimestamp)
    /// The object's `X-Delete-At` has passed; `timestamp` is its data timestamp.
    case expired(timestamp: SwiftTimestamp, metadata: [String: String])
    /// The object's files were inconsistent and its hash directory was moved to quarantine.
    case quarantined(reason: String)
    /// The name stored with the object is not the name asked for (an MD5 collision or a bug).
    case collision(stored: String, requested: String)
    /// The file system refuses extended attributes.
    case xattrNotSupported(path: String)
    /// No space (or quota) left.
    case noSpace(path: String)
    /// A file vanished between listing the directory and opening it (a concurrent write).
    case stateChanged
    /// Any other system call failure.
    case system(call: String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .deviceUnavailable(let device): "device \(device) is not available"
        case .notFound: "object not found"
        case .deleted(let timestamp): "object deleted at \(timestamp.internal)"
        case .expired(let timestamp, _): "object (data \(timestamp.internal)) expired"
        case .quarantined(let reason): "object quarantined: \(reason)"
        case .collision(let stored, let requested): "stored name \(stored) is not \(requested)"
        case .xattrNotSupported(let path): "extended attributes are not supported at \(path)"
        case .noSpace(let path): "no space left for \(path)"
        case .stateChanged: "the object's files changed while being opened"
        case .system(let call, let path, let code): "\(call) \(path): \(String(cString: strerror(code)))"
        }
    }

    /// The timestamp a 404 reports in `X-Backend-Timestamp` (deleted or expired objects).
    public var backendTimestamp: SwiftTimestamp? {
        switch self {
        case .deleted(let timestamp), .expired(let timestamp, _): timestamp
        default: nil
        }
    }

    /// The error for a failed system call, from the current `errno`.
    static func fromErrno(_ call: String, _ path: String) -> DiskFileError {
        let code = errno
        switch code {
        case ENOSPC, EDQUOT: return .noSpace(path: path)
        case ENOTSUP where call.hasSuffix("xattr"): return .xattrNotSupported(path: path)
        default: return .system(call: call, path: path, errno: code)
        }
    }
}
