/// Keeps hosts with enough RAM left after the RAM allocation ratio:
/// total × ratio − used − reserved ≥ the flavor's RAM.
struct RamFilter: HostFilter {
    let requestedMB: Int

    init(_ spec: RequestSpec) {
        requestedMB = spec.flavor.memoryMB
    }

    func passes(_ host: HostState) -> Bool { host.freeRamMB >= requestedMB }

    func explain(removed: [HostState]) -> String {
        let mostFree = removed.map(\.freeRamMB).max() ?? 0
        return "\(requestedMB) MB requested, most free \(mostFree) MB"
    }
}
