/// The `different_host` scheduler hint: removes the named hosts.
struct DifferentHostFilter: HostFilter {
    let hosts: Set<String>

    init?(_ spec: RequestSpec) {
        guard !spec.differentHost.isEmpty else { return nil }
        hosts = Set(spec.differentHost)
    }

    func passes(_ host: HostState) -> Bool { !hosts.contains(host.host) }

    func explain(removed: [HostState]) -> String {
        "different_host excludes " + HostList.distinctSummary(removed.map(\.host))
    }
}
