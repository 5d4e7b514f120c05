/// What the account and container databases report.
public enum BrokerError: Error, Equatable, CustomStringConvertible {
    /// The database file does not exist.
    case notFound(String)
    /// A database was to be created where one exists.
    case alreadyExists(String)
    /// A record or value cannot be stored (bad timestamp, bad metadata ...).
    case invalid(String)
    /// Metadata over Swift's limits (90 items, 4096 bytes of names and values).
    case metadataTooLarge(String)
    /// A file operation failed.
    case io(String)

    public var description: String {
        switch self {
        case .notFound(let path): "no database at \(path)"
        case .alreadyExists(let path): "a database exists at \(path)"
        case .invalid(let text), .metadataTooLarge(let text), .io(let text): text
        }
    }
}
