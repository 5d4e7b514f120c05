/// Keeps hosts whose compute service is up, enabled and not forced down.
struct ComputeFilter: HostFilter {
    func passes(_ host: HostState) -> Bool {
        host.serviceEnabled && host.serviceUp && !host.forcedDown
    }

    func explain(removed: [HostState]) -> String {
        HostList.summary(removed.map(Self.reason))
    }

    /// e.g. "host3 disabled (maintenance)", "host2 down", "host4 forced down".
    static func reason(_ host: HostState) -> String {
        var reasons: [String] = []
        if !host.serviceEnabled {
            if let why = host.disabledReason, !why.isEmpty {
                reasons.append("disabled (\(why))")
            } else {
                reasons.append("disabled")
            }
        }
        if host.forcedDown {
            reasons.append("forced down")
        } else if !host.serviceUp {
            reasons.append("down")
        }
        return host.host + " " + reasons.joined(separator: " and ")
    }
}
