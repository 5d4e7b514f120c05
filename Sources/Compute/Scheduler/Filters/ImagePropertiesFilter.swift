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
