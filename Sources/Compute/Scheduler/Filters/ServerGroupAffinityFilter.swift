/// For an affinity group whose members already run somewhere, keeps only the hosts they run
/// on; the group's first server may go anywhere.
struct ServerGroupAffinityFilter: HostFilter {
    let groupName: String
    let memberHosts: Set<String>

    init?(_ spec: RequestSpec) {
        guard let group = spec.serverGroup, group.policy == .affinity, !group.memberHosts.isEmpty else { return nil }
        groupName = group.name
        memberHosts = Set(group.memberHosts)
    }

    func passes(_ host: HostState) -> Bool { memberHosts.contains(host.host) }

    func explain(removed: [HostState]) -> String {
        "members of group \(groupName) run on " + HostList.summary(memberHosts.sorted()) + " only"
    }
}
