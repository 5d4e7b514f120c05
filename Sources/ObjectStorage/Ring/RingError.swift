/// What can go wrong while building, saving or loading a ring.
public enum RingError: Error, Equatable, CustomStringConvertible {
    /// A parameter or device field is out of range or malformed.
    case invalidParameter(String)
    /// No device (or more than one device) matches a selection.
    case deviceSelection(String)
    /// The builder cannot place every replica (too few weighted devices, nothing to rebalance yet ...).
    case cannotBuild(String)
    /// A builder or ring file is missing, unreadable or malformed.
    case badFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidParameter(let text), .deviceSelection(let text), .cannotBuild(let text): text
        case .badFile(let path, let reason): "\(path): \(reason)"
        }
    }
}
