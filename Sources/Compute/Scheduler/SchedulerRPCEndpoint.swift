import ServiceClients
import Logging
import StratusKit

/// The scheduler (topic `scheduler`), `select_destinations`: builds the request spec from
/// the instance and the host states from the database, asks Placement for allocation
/// candidates, runs the filters and weighers, then claims the best host's allocation in
/// Placement, trying the next host when a claim loses a race. Returns the chosen host
/// first, then the alternates a reschedule may claim.
struct SchedulerRPCEndpoint: Sendable {
    let database: StratusDatabase
    let placement: any PlacementClient
    let configuration: SchedulerConfiguration
    let serviceDownTime: Int64
    let logger: Logger

    /// How many allocation candidates to ask Placement for (Nova's `max_placement_results`),
    /// so a request among 10,000 hosts does not read them all.
    static let maxPlacementResults = 1000

    var endpoint: RPCEndpoint {
        var endpoint = RPCEndpoint(version: "1.0")
        endpoint.on(ComputeRPC.Method.selectDestinations) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue else { throw NoValidHost(reason: "No instance given.") }
            let ignore = request.args["ignore_hosts"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let useNewFlavor = request.args["use_new_flavor"]?.boolValue ?? false
            let requestedHost = request.args["requested_host"]?.stringValue
            let isMove = request.args["is_move"]?.boolValue ?? false
            return .array(
                try await selectDestinations(
                    uuid, ignoreHosts: ignore, useNewFlavor: useNewFlavor, requestedHost: requestedHost, isMove: isMove
                ).map(\.json))
        }
        return endpoint
    }

    /// - Parameters:
    ///   - ignoreHosts: hosts never to choose (the source of a cold migration).
    ///   - useNewFlavor: size the request by the pending resize's flavor.
    ///   - requestedHost: the only host to consider (an admin's live migration or evacuation target).
    ///   - isMove: a live migration, evacuation or unshelve: the hosts the build tried and
    ///     the host forced at create time no longer matter.
    func selectDestinations(
        _ uuid: String, ignoreHosts: [String] = [], useNewFlavor: Bool = false, requestedHost: String? = nil,
        isMove: Bool = false
    ) async throws -> [HostSelection] {
        // A message may outrun the commit that wrote the instance: wait for it to show.
        _ = try await ComputeConductor.awaitInstance(uuid, in: database)
        let (instance, hosts, sameHosts, differentHosts, group) = try await database.read { sql in
            let q = ComputeQueries(sql: sql)
            guard let instance = try await q.instance(uuid: uuid) else {
                throw NoValidHost(reason: "Instance \(uuid) is gone.")
            }
            let hosts = try await SchedulerHostStates.load(q, configuration: configuration, serviceDownTime: serviceDownTime)
            let hintHosts = try await q.hosts(ofInstances: instance.request.sameHost + instance.request.differentHost)
            var group: SchedulerServerGroup?
            if let record = try await q.serverGroupForInstance(instance.uuid),
                let policy = ServerGroupPolicy(rawValue: record.policy)
            {
                // Hosts of the other members only: this server's own (failed) host does not count.
                var memberHosts = try await q.serverGroupMemberHosts(groupUUID: record.uuid)
                if let own = instance.host, let count = memberHosts[own] { memberHosts[own] = count > 1 ? count - 1 : nil }
                group = SchedulerServerGroup(
                    uuid: record.uuid, name: record.name, policy: policy, maxServerPerHost: record.maxServerPerHost.map(Int.init),
                    memberHosts: memberHosts.flatMap { Array(repeating: $0.key, count: $0.value) })
            }
            return (
                instance, hosts, instance.request.sameHost.compactMap { hintHosts[$0] },
                instance.request.differentHost.compactMap { hintHosts[$0] }, group
            )
        }
        let flavor = useNewFlavor ? instance.newFlavor ?? instance.flavor : instance.flavor
        let spec = RequestSpec(
            instanceUUID: instance.uuid, projectID: instance.projectID,
            flavor: SchedulerFlavor(
                name: flavor.name, memoryMB: flavor.memoryMB, vcpus: flavor.vcpus,
                // A volume-backed server's root disk is not on the host (Nova's DISK_GB for boot from volume).
                rootGB: instance.request.volumeBacked == true ? 0 : flavor.rootGB, ephemeralGB: flavor.ephemeralGB,
                swapMB: flavor.swapMB,
                extraSpecs: flavor.extraSpecs),
            image: SchedulerImage(
                id: instance.imageRef.isEmpty ? nil : instance.imageRef, properties: instance.imageProperties,
                minRamMB: Int(instance.imageProperties["min_ram"] ?? "") ?? 0,
                minDiskGB: Int(instance.imageProperties["min_disk"] ?? "") ?? 0),
            availabilityZone: instance.requestedAvailabilityZone, serverGroup: group, sameHost: sameHosts,
            differentHost: differentHosts,
            ignoreHosts: Set(useNewFlavor || isMove ? ignoreHosts : instance.request.attemptedHosts + ignoreHosts),
            numInstances: 1)
        var candidateHosts = hosts
        if !isMove, let forced = instance.request.forcedHost { candidateHosts = candidateHosts.filter { $0.host == forced } }
        if !isMove, let forced = instance.request.forcedNode { candidateHosts = candidateHosts.filter { $0.nodename == forced } }
        if let requestedHost { candidateHosts = candidateHosts.filter { $0.host == requestedHost } }
        let resourceRequest = PlacementResourceRequest(flavor: spec.flavor, image: spec.image)
        let candidates = try await placement.allocationCandidates(
            AllocationCandidateRequest(
                resources: resourceRequest.resources, required: resourceRequest.requiredTraits,
                forbidden: resourceRequest.forbiddenTraits, memberOf: [], inTree: nil, limit: Self.maxPlacementResults))
        var requestByProvider: [String: [String: [String: Int]]] = [:]
        for allocation in candidates.allocationRequests {
            guard let root = allocation.keys.sorted().first else { continue }
            if requestByProvider[root] == nil { requestByProvider[root] = allocation }
        }
        let ranked = try FilterScheduler(configuration: configuration)
            .selectHosts(for: spec, among: candidateHosts, placementCandidates: Set(requestByProvider.keys))
        for (index, host) in ranked.enumerated() {
            guard let allocation = requestByProvider[host.providerUUID] else { continue }
            let claimed = try await placement.claimAllocations(
                consumerUUID: instance.uuid, allocations: allocation, projectID: instance.projectID,
                userID: instance.userID, consumerGeneration: nil)
            guard claimed else { continue }
            return ranked[index...].compactMap { host in
                requestByProvider[host.providerUUID].map {
                    HostSelection(host: host.host, nodename: host.nodename, providerUUID: host.providerUUID, allocations: $0)
                }
            }
        }
        throw NoValidHost(reason: "Placement refused the claim on every host that passed the filters (\(ranked.map { $0.host }.joined(separator: ", "))).")
    }
}

/// The scheduler's view of every compute host, read in a few queries.
enum SchedulerHostStates {
    static func load(_ q: ComputeQueries, configuration: SchedulerConfiguration, serviceDownTime: Int64) async throws -> [HostState] {
        let services = Dictionary(
            try await q.services().filter { $0.binary == "nova-compute" }.map { ($0.id, $0) },
            uniquingKeysWith: { (first: ServiceRecord, _: ServiceRecord) in first })
        let liveness = ServiceLiveness(downTime: serviceDownTime)
        let load = try await q.instanceLoadByHost()
        let aggregates = try await q.aggregatesByHost()
        let now = Timestamp.now()
        return try await q.computeNodes().compactMap { node in
            guard let service = services[node.serviceID] else { return nil }
            let used = load[node.host]
            return HostState(
                host: node.host, nodename: node.hypervisorHostname, providerUUID: node.uuid,
                serviceEnabled: !service.disabled, serviceUp: liveness.isUp(service, now: now),
                forcedDown: service.forcedDown, disabledReason: service.disabledReason,
                totalVCPUs: Int(node.vcpus), totalMemoryMB: Int(node.memoryMB), totalDiskGB: Int(node.localGB),
                usedVCPUs: used?.vcpus ?? 0, usedMemoryMB: used?.memoryMB ?? 0, usedDiskGB: used?.diskGB ?? 0,
                reservedMemoryMB: 0, reservedDiskGB: 0, reservedVCPUs: 0,
                cpuAllocationRatio: node.cpuAllocationRatio, ramAllocationRatio: node.ramAllocationRatio,
                diskAllocationRatio: node.diskAllocationRatio, hypervisorType: node.hypervisorType,
                hypervisorVersion: Int(node.hypervisorVersion), architecture: "x86_64", capabilities: [:],
                aggregates: (aggregates[node.host] ?? []).map {
                    AggregateInfo(uuid: $0.uuid, name: $0.name, metadata: $0.metadata)
                },
                numInstances: used?.count ?? 0, defaultAvailabilityZone: configuration.defaultAvailabilityZone)
        }
    }
}

extension ComputeQueries {
    /// The host of each of the given live servers.
    func hosts(ofInstances uuids: [String]) async throws -> [String: String] {
        guard !uuids.isEmpty else { return [:] }
        var result: [String: String] = [:]
        for row in try await sql.select().columns("uuid", "host").from("instances").where("uuid", .in, uuids)
            .where("deleted", .equal, false).all()
        {
            if let host = try row.optionalString("host") { result[try row.string("uuid")] = host }
        }
        return result
    }
}
