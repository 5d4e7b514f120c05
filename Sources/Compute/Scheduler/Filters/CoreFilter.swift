/// Keeps hosts with enough vCPUs left after the CPU allocation ratio, and with at least as
/// many physical CPUs as the flavor has vCPUs (a guest never gets more vCPUs than its host
/// has cores, whatever the ratio).
struct CoreFilter: HostFilter {
    let requested: Int

    init(_ spec: RequestSpec) {
        requested = spec.flavor.vcpus
    }

    func passes(_ host: HostState) -> Bool {
        host.totalVCPUs >= requested && host.freeVCPUs >= requested
    }

    func explain(removed: [HostState]) -> String {
        let mostFree = removed.map(\.freeVCPUs).max() ?? 0
        if mostFree >= requested {
            let largest = removed.map(\.totalVCPUs).max() ?? 0
            return "\(requested) vCPUs requested, more than the \(largest) physical CPUs of the largest host"
        }
        return "\(requested) vCPUs requested, most free \(mostFree)"
    }
}
