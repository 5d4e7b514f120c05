/// Keeps hosts that can run the image: its architecture (`hw_architecture`), hypervisor type
/// (`img_hv_type`) and VM mode (`hw_vm_mode`) — legacy names `architecture`,
/// `hypervisor_type`, `vm_mode` — compared in Nova's canonical spellings, and, when one of
/// those is set, the hypervisor version range in `img_hv_requested_version` (e.g. ">= 2.6").
struct ImagePropertiesFilter: HostFilter {
    let architecture: String?
    let hypervisorType: String?
    let vmMode: String?
    let requestedVersion: String?
    let versionRange: [(op: String, version: [Int])]

    init?(_ spec: RequestSpec) {
        let properties = spec.image.properties
        func property(_ name: String, _ legacy: String) -> String? {
            (properties[name] ?? properties[legacy]).flatMap { $0.isEmpty ? nil : $0 }
        }
        architecture = property("hw_architecture", "architecture").map(ImageCanonicalNames.architecture)
        hypervisorType = property("img_hv_type", "hypervisor_type").map(ImageCanonicalNames.hypervisorType)
        vmMode = property("hw_vm_mode", "vm_mode").map(ImageCanonicalNames.vmMode)
        guard architecture != nil || hypervisorType != nil || vmMode != nil else { return nil }
        requestedVersion = properties["img_hv_requested_version"].flatMap { $0.isEmpty ? nil : $0 }
        versionRange = requestedVersion.map(ImageCanonicalNames.versionRange) ?? []
    }

    func passes(_ host: HostState) -> Bool {
        mismatch(host) == nil
    }

    /// The first property the host does not offer, as (property, requested, host's).
    func mismatch(_ host: HostState) -> (property: String, requested: String, offered: String)? {
        if let architecture {
            let offered = ImageCanonicalNames.architecture(host.architecture)
            if offered != architecture { return ("hw_architecture", architecture, offered) }
        }
        if let hypervisorType {
            let offered = ImageCanonicalNames.hypervisorType(host.hypervisorType)
            if offered != hypervisorType { return ("img_hv_type", hypervisorType, offered) }
        }
        if let vmMode {
            let offered = ImageCanonicalNames.vmMode(host.vmMode)
            if offered != vmMode { return ("hw_vm_mode", vmMode, offered) }
        }
        if let requestedVersion, host.hypervisorVersion > 0,
            !ImageCanonicalNames.satisfies(version: host.hypervisorVersion, range: versionRange)
        {
            return ("img_hv_requested_version", requestedVersion, host.hypervisorVersionString)
        }
        return nil
    }

    func explain(removed: [HostState]) -> String {
        var order: [String] = []
        var requested: [String: String] = [:]
        var offered: [String: [String]] = [:]
        for host in removed {
            let (property, wanted, hostValue) = mismatch(host)!
            if offered[property] == nil {
                order.append(property)
                requested[property] = wanted
            }
            offered[property, default: []].append(hostValue)
        }
        return order.map { property in
            "image \(property) \(requested[property]!) requested, hosts offer "
                + HostList.distinctSummary(offered[property]!)
        }.joined(separator: "; ")
    }
}

/// Nova's canonical names for architectures, hypervisor types and VM modes, and its
/// hypervisor version ranges.
enum ImageCanonicalNames {
    static func architecture(_ name: String) -> String {
        let name = name.lowercased()
        switch name {
        case "amd64", "x64", "x86-64": return "x86_64"
        case "i386", "i486", "i586", "x86": return "i686"
        case "arm64": return "aarch64"
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
