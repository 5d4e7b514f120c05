/// For a soft-affinity group: the more of the group's members a host runs, the more it
/// weighs, so members gather without ever failing a boot.
struct ServerGroupSoftAffinityWeigher: HostWeigher {
    let membersByHost: [String: Int]

    init(_ group: SchedulerServerGroup) {
        membersByHost = group.memberCountByHost
    }

    func weight(_ host: HostState) -> Double { Double(membersByHost[host.host, default: 0]) }
}
