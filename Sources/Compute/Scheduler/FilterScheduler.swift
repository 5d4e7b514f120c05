/// Nova's filter scheduler, as a pure function of its inputs: the enabled filters remove the
/// hosts that cannot take the request, Placement's candidates remove those it would not
/// allocate on, and the weighers rank the rest. The caller assembles the host states
/// (compute nodes, services, aggregates, server groups) and asks Placement; this type reads
/// no database and makes no calls.
///
/// One request costs one pass over the hosts per filter and per weigher, plus a partial
/// ranking of the few best: linear in the number of hosts.
public struct FilterScheduler: Sendable {
    public let configuration: SchedulerConfiguration

    public init(configuration: SchedulerConfiguration) {
        self.configuration = configuration
    }

    /// Filters then weighs `hosts`; `placementCandidates` (provider UUIDs Placement offered)
    /// removes the others — explained as "Placement offered no allocation candidate on N of M
    /// hosts" only when the local resource filters did not already explain them. Returns hosts
    /// best first (selected + alternates, at most maxAttempts for one instance) or throws
    /// NoValidHost.
    public func selectHosts(for spec: RequestSpec, among hosts: [HostState], placementCandidates: Set<String>?)
        throws -> [HostState]
    {
        try rank(spec, hosts, placementCandidates).map { hosts[$0] }
    }

    /// Selects hosts for each of the request's `numInstances` servers in turn, as Nova does
    /// for a multi-create: each chosen host gives up the flavor's resources, and joins the
    /// server group's member hosts, before the next server is placed. Returns one list per
    /// server (its host first, then alternates), or throws NoValidHost when any server finds
    /// no host.
    public func selectDestinations(
        for spec: RequestSpec, among hosts: [HostState], placementCandidates: Set<String>?
    ) throws -> [[HostState]] {
        var hosts = hosts
        var spec = spec
        var selections: [[HostState]] = []
        for _ in 0..<max(1, spec.numInstances) {
            let ranked = try rank(spec, hosts, placementCandidates)
            selections.append(ranked.map { hosts[$0] })
            let chosen = ranked[0]
            hosts[chosen].consume(spec.flavor)
            spec.serverGroup?.memberHosts.append(hosts[chosen].host)
        }
        return selections
    }

    /// Indices into `hosts` of the chosen host and its alternates.
    func rank(_ spec: RequestSpec, _ hosts: [HostState], _ placementCandidates: Set<String>?) throws -> [Int] {
        guard !hosts.isEmpty else { throw NoValidHost(removals: []) }
        let survivors = try filter(spec, hosts, placementCandidates)
        let totals = weigh(spec, hosts, survivors)
        let attempts = max(1, configuration.maxAttempts)
        let subset = max(1, min(configuration.hostSubsetSize, survivors.count))
        let best = Self.best(min(survivors.count, subset + attempts - 1), of: totals)
        let chosen = subset > 1 ? Int.random(in: 0..<subset) : 0
        var ranked = [survivors[best[chosen]]]
        for position in best.indices where position != chosen && ranked.count < attempts {
            ranked.append(survivors[best[position]])
        }
        return ranked
    }

    /// Indices into `hosts` of those every filter and Placement let through.
    func filter(_ spec: RequestSpec, _ hosts: [HostState], _ placementCandidates: Set<String>?) throws -> [Int] {
        var survivors = Array(hosts.indices)
        var kept: [Int] = []
        kept.reserveCapacity(hosts.count)
        var removals: [(name: String, filter: any HostFilter, removed: [Int], of: Int)] = []
        for (name, filter) in HostFilters.prepared(for: spec, configuration: configuration) {
            var removed: [Int] = []
            kept.removeAll(keepingCapacity: true)
            for index in survivors {
                if filter.passes(hosts[index]) {
                    kept.append(index)
                } else {
                    removed.append(index)
                }
            }
            guard !removed.isEmpty else { continue }
            removals.append((name, filter, removed, survivors.count))
            swap(&survivors, &kept)
            if survivors.isEmpty { break }
        }
        var placementRemoval: FilterRemoval?
        if let placementCandidates, !survivors.isEmpty {
            let offered = survivors.filter { placementCandidates.contains(hosts[$0].providerUUID) }
            if offered.count < survivors.count {
                placementRemoval = FilterRemoval(
                    filter: FilterRemoval.placement, removed: survivors.count - offered.count, of: survivors.count,
                    detail: "no allocation candidate")
            }
            survivors = offered
        }
        guard survivors.isEmpty else { return survivors }
        var explained = removals.map { removal in
            FilterRemoval(
                filter: removal.name, removed: removal.removed.count, of: removal.of,
                detail: removal.filter.explain(removed: removal.removed.map { hosts[$0] }))
        }
        if let placementRemoval { explained.append(placementRemoval) }
        throw NoValidHost(removals: explained)
    }

    /// Each survivor's total weight, in survivor order: per weigher, raw weights normalized to
    /// 0…1 across the survivors (all 0 when they are equal), times the multiplier, summed.
    func weigh(_ spec: RequestSpec, _ hosts: [HostState], _ survivors: [Int]) -> [Double] {
        var totals = [Double](repeating: 0, count: survivors.count)
        guard survivors.count > 1 else { return totals }
        var raw = [Double](repeating: 0, count: survivors.count)
        for (weigher, multiplier) in HostWeighers.prepared(for: spec, configuration: configuration) {
            var lowest = Double.infinity
            var highest = -Double.infinity
            for (position, index) in survivors.enumerated() {
                let weight = weigher.weight(hosts[index])
                raw[position] = weight
                lowest = min(lowest, weight)
                highest = max(highest, weight)
            }
            guard highest > lowest else { continue }
            let scale = multiplier / (highest - lowest)
            for position in raw.indices {
                totals[position] += (raw[position] - lowest) * scale
            }
        }
        return totals
    }

    /// Positions of the `count` highest totals, highest first; equal totals keep host order.
    static func best(_ count: Int, of totals: [Double]) -> [Int] {
        guard count > 0 else { return [] }
        func ahead(_ a: Int, _ b: Int) -> Bool { totals[a] > totals[b] || (totals[a] == totals[b] && a < b) }
        if count > 32 {
            return Array(totals.indices.sorted(by: ahead).prefix(count))
        }
        var best: [Int] = []
        best.reserveCapacity(count + 1)
        for position in totals.indices {
            if best.count == count, !ahead(position, best[count - 1]) { continue }
            var slot = best.count
            while slot > 0, ahead(position, best[slot - 1]) { slot -= 1 }
            best.insert(position, at: slot)
            if best.count > count { best.removeLast() }
        }
        return best
    }
}
