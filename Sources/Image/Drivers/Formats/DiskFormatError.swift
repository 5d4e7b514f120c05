import Foundation

/// Why image data was refused. `description` is written for an API error body.
public enum DiskFormatError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The data could not be read.
    case readFailed(String)
    /// The content carries the headers of more than one format, which could be read either way.
    case ambiguousFormat([DiskFormat])
    /// The content is not in the declared format (for `raw`, `ami`, `aki`, `ari`: it is in a
    /// format that is not raw).
    case formatMismatch(declared: String, detected: DiskFormat)
    /// The content failed safety checks.
    case unsafeImage(DiskFormat, [DiskSafetyViolation])
    /// Declared `gpt`, but the partition table failed oslo.utils' MBR checks.
    case invalidPartitionTable([String])

    public var description: String {
        switch self {
        case .readFailed(let reason):
            return "Image data could not be inspected: \(reason)."
        case .ambiguousFormat(let formats):
            let names = formats.map(\.rawValue).joined(separator: ", ")
            return "Image data matches more than one disk format (\(names)) and cannot be accepted."
        case .formatMismatch(let declared, let detected):
            if DiskFormatInspector.rawLike.contains(declared), detected != .raw {
                guard DiskFormat.mustMatchWhenDeclared.contains(detected), detected != .qed, detected != .luks else {
                    return "Image data is in \(detected) format, not \(declared)."
                }
                return "Image data is in \(detected) format, not \(declared); "
                    + "upload it with disk_format \(detected) or convert it to \(declared) first."
            }
            return "Image data is not a valid \(declared) image (the data looks like \(detected))."
        case .unsafeImage(let format, let violations):
            let reasons = violations.map(\.description).joined(separator: "; ")
            return "Image data (\(format)) failed safety checks: \(reasons)."
        case .invalidPartitionTable(let problems):
            return "Image data is not a valid gpt image: \(problems.joined(separator: "; "))."
        }
    }

    public var errorDescription: String? { description }
}
