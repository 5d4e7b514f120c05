/// Nova's canonical names for architectures, hypervisor types and VM modes, and its
/// hypervisor version ranges.
enum ImageCanonicalNames {
    static func architecture(_ name: String) -> String {
        let name = name.lowercased()
        switch name {
        case "amd64": return "x86_64"
        case "i386", "i486", "i586", "x86_32", "x86_32p": return "i686"
        default: return name
        }
    }

    static func hypervisorType(_ name: String) -> String {
        let name = name.lowercased()
        return name == "xapi" ? "xen" : name
    }

    static func vmMode(_ name: String) -> String {
        switch name.lowercased() {
        case "pv": return "xen"
        case "hv", "baremetal": return "hvm"
        case let other: return other
        }
    }

    /// ">= 2.6, < 3" as comparisons; a bare version means at least that version.
    static func versionRange(_ text: String) -> [(op: String, version: [Int])] {
        text.split(separator: ",").compactMap { part in
            let part = part.trimmingCharacters(in: .whitespaces)
            let op = ["<=", ">=", "==", "!=", "<", ">"].first { part.hasPrefix($0) }
            let number = op.map { part.dropFirst($0.count).trimmingCharacters(in: .whitespaces) } ?? part
            let version = number.split(separator: ".").compactMap { Int($0) }
            guard !version.isEmpty else { return nil }
            return (op ?? ">=", version)
        }
    }

    static func satisfies(version: Int, range: [(op: String, version: [Int])]) -> Bool {
        let host = [version / 1_000_000, version / 1_000 % 1_000, version % 1_000]
        return range.allSatisfy { condition in
            let wanted = condition.version + Array(repeating: 0, count: max(0, 3 - condition.version.count))
            let order = zip(host, wanted).first { $0 != $1 }.map { $0 < $1 ? -1 : 1 } ?? 0
            switch condition.op {
            case "<": return order < 0
            case "<=": return order <= 0
            case "==": return order == 0
            case "!=": return order != 0
            case ">": return order > 0
            default: return order >= 0
            }
        }
    }
}
