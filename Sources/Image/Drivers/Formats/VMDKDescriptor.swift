/// The text descriptor of a VMDK: embedded at sector 1 of a sparse (`KDMV`) file, or the whole
/// of a descriptor-only file. It is parsed as cautiously as oslo.utils does: every line must be
/// a comment, a `ddb` line, a `key=value` header field or an extent line, or it is refused.
///
///     # Disk DescriptorFile
///     version=1
///     CID=451181b7
///     parentCID=ffffffff
///     createType="monolithicSparse"
///     RW 2097152 SPARSE "disk.vmdk"
///     ddb.adapterType = "ide"
struct VMDKDescriptor {
    /// qemu reads at most this much descriptor (1 MiB - 1).
    static let maxLength = (1 << 20) - 1
    /// The single-file subformats whose data is the file itself, keyed by lowercased name.
    static let allowedCreateTypes = ["monolithicsparse": "monolithicSparse", "streamoptimized": "streamOptimized"]
    static let extentAccessModes: Set<String> = ["rw", "rdonly", "noaccess"]

    struct Extent: Equatable {
        var access: String
        var sectors: String
        var type: String
        var fileName: String?
    }

    /// `createType` as written, or nil when absent.
    var createType: String?
    /// Header fields, keys lowercased.
    var fields: [String: String] = [:]
    var extents: [Extent] = []
    /// Why the text is not an acceptable descriptor, if it is not.
    var problem: String?

    /// Parses descriptor bytes: text up to the first NUL (the embedded descriptor is padded).
    init(_ bytes: [UInt8]) {
        let text = bytes.prefix { $0 != 0 }
        guard text.allSatisfy({ $0 < 0x80 }) else {
            problem = "it is not ASCII text"
            return
        }
        // Split on bytes: as Characters, "\r\n" is one grapheme and would not split on "\n".
        for rawLine in text.split(separator: 0x0A, omittingEmptySubsequences: false) {
            let line = String(decoding: rawLine, as: UTF8.self).trimmingASCIIWhitespace()
            let lowered = line.lowercased()
            if line.isEmpty || line.hasPrefix("#") || lowered.hasPrefix("ddb") { continue }
            if let equals = line.firstIndex(of: "="), !line[..<equals].contains(" ") {
                let key = line[..<equals].lowercased()
                let value = String(line[line.index(after: equals)...])
                guard fields[key] == nil else {
                    // qemu reads the first occurrence; refuse rather than guess which one counts.
                    problem = "it repeats the field \(key)"
                    return
                }
                fields[key] = value
                if key == "createtype" {
                    createType = Self.unquoted(value)
                }
                continue
            }
            let words = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
            if let first = words.first, Self.extentAccessModes.contains(first.lowercased()) {
                extents.append(
                    Extent(
                        access: String(first), sectors: words.count > 1 ? String(words[1]) : "",
                        type: words.count > 2 ? String(words[2]) : "",
                        fileName: words.count > 3 ? String(words[3]).trimmingASCIIWhitespace() : nil))
                continue
            }
            problem = "it contains an unrecognised line"
            return
        }
    }

    /// Safety findings. `embedded` is true for the descriptor of a sparse file, whose single
    /// extent is the file itself; a descriptor-only file always keeps its data elsewhere.
    func violations(embedded: Bool) -> [DiskSafetyViolation] {
        if let problem { return [.invalidDescriptor(problem)] }
        guard let createType, !createType.isEmpty, createType.count < 64 else {
            return [.invalidDescriptor("createType is missing")]
        }
        var found: [DiskSafetyViolation] = []
        if Self.allowedCreateTypes[createType.lowercased()] == nil || !embedded {
            found.append(.unsupportedSubformat(.vmdk, createType))
        }
        if fields["parentfilenamehint"] != nil { found.append(.backingFile(.vmdk)) }
        if extents.isEmpty {
            found.append(.invalidDescriptor("it defines no extents"))
        } else if !embedded || extents.count > 1 || !extents.allSatisfy(\.isSelfSparse) {
            found.append(.externalExtent)
        }
        return found
    }

    private static func unquoted(_ value: String) -> String {
        let trimmed = value.trimmingASCIIWhitespace()
        guard trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") else { return trimmed }
        return String(trimmed.dropFirst().dropLast())
    }
}

extension VMDKDescriptor.Extent {
    /// A sparse extent whose name is a bare file name: in a sparse file, the file itself.
    var isSelfSparse: Bool {
        guard type.lowercased() == "sparse", let fileName else { return false }
        return !fileName.contains("/") && !fileName.contains("\\")
    }
}

extension StringProtocol {
    /// The string without leading and trailing ASCII whitespace.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}
