/// The `same_host` scheduler hint: keeps only the named hosts.
struct SameHostFilter: HostFilter {
    let hosts: Set<String>

    init?(_ spec: RequestSpec) {
        guard !spec.sameHost.isEmpty else { return nil }
        hosts = Set(spec.sameHost)
    }

    func passes(_ host: HostState) -> Bool { hosts.contains(host.host) }

    func explain(removed: [HostState]) -> String {
        "same_host asks for " + HostList.summary(hosts.sorted())
    }
}
