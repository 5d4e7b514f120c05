/// For an anti-affinity group, keeps hosts running fewer of the group's members than the
/// group's `max_server_per_host` (1 unless the rule says otherwise).
struct ServerGroupAntiAffinityFilter: HostFilter {
    let groupName: String
    let maxPerHost: Int
    let membersByHost: [String: Int]

    init?(_ spec: RequestSpec) {
        guard let group = spec.serverGroup, group.policy == .antiAffinity else { return nil }
        groupName = group.name
        maxPerHost = max(1, group.maxServerPerHost ?? 1)
        membersByHost = group.memberCountByHost
    }

    func passes(_ host: HostState) -> Bool {
        membersByHost[host.host, default: 0] < maxPerHost
    }

    func explain(removed: [HostState]) -> String {
        let hosts = HostList.distinctSummary(removed.map(\.host))
        if maxPerHost == 1 {
            return "hosts already running members of group \(groupName): \(hosts)"
        }
        return "hosts already running max_server_per_host \(maxPerHost) members of group \(groupName): \(hosts)"
    }
}
