/// Removes hosts a server was already tried on, so a retry after a failed build goes elsewhere.
struct RetryFilter: HostFilter {
    let tried: Set<String>

    init?(_ spec: RequestSpec) {
        guard !spec.ignoreHosts.isEmpty else { return nil }
        tried = spec.ignoreHosts
    }

    func passes(_ host: HostState) -> Bool { !tried.contains(host.host) }

    func explain(removed: [HostState]) -> String {
        "hosts already tried: " + HostList.distinctSummary(removed.map(\.host))
    }
}
