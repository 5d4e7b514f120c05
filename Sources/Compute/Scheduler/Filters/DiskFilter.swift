/// Keeps hosts with enough local disk left after the disk allocation ratio for root,
/// ephemeral and swap disks together.
struct DiskFilter: HostFilter {
    let requestedGB: Int

    init(_ spec: RequestSpec) {
        requestedGB = spec.flavor.diskGB
    }

    func passes(_ host: HostState) -> Bool { host.freeDiskGB >= requestedGB }

    func explain(removed: [HostState]) -> String {
        let mostFree = removed.map(\.freeDiskGB).max() ?? 0
        return "\(requestedGB) GB requested, most free \(mostFree) GB"
    }
}
