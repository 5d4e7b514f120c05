/// For a soft-anti-affinity group: the more of the group's members a host runs, the less it
/// weighs, so members spread without ever failing a boot.
struct ServerGroupSoftAntiAffinityWeigher: HostWeigher {
    let membersByHost: [String: Int]

    init(_ group: SchedulerServerGroup) {
        membersByHost = group.memberCountByHost
    }

    func weight(_ host: HostState) -> Double { -Double(membersByHost[host.host, default: 0]) }
}
