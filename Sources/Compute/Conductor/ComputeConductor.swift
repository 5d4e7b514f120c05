import Logging
import StratusKit

/// The conductor (topic `conductor`): turns a build request into a host by calling the
/// scheduler, then casts the build to that host's agent with the alternates; handles a
/// reschedule from a failed host by claiming the next alternate; and puts a server that
/// has no host left into ERROR with a fault that says why.
struct ComputeConductor: Sendable {
    let database: StratusDatabase
    let backends: ComputeBackends
    let logger: Logger
    /// The zone of hosts in no zoned aggregate.
    let defaultAvailabilityZone: String
    /// Seconds without a heartbeat after which a host counts as down (`compute.service_down_time`).
    var serviceDownTime: Int64 = 60

    var endpoint: RPCEndpoint {
        var endpoint = RPCEndpoint(version: "1.0")
        endpoint.on(ComputeRPC.Method.buildInstances) { request in
            let uuids = request.args["instance_uuids"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let alternates = request.args["alternates"]?.arrayValue?.compactMap(HostSelection.init(json:)) ?? []
            let failure = request.args["failure"]?.stringValue
            if request.args["abort"]?.boolValue == true, let failure {
                // The host gave up on the build for good (a volume it could not make).
                for uuid in uuids { try? await self.fail(uuid, message: failure, requestID: request.context.requestID) }
                return .null
            }
            for uuid in uuids {
                await build(uuid, alternates: alternates, previousFailure: failure, context: request.context)
            }
            return .null
        }
        endpoint.on(ComputeRPC.Method.instanceAction) { request in
            // The actions that need a host chosen: unshelve, resize and cold migration.
            guard let uuid = request.args["instance_uuid"]?.stringValue,
                let action = request.args["action"]?.stringValue
            else { return .null }
            await moveToNewHost(uuid, action: action, context: request.context)
            return .null
        }
        registerMoves(on: &endpoint)
        return endpoint
    }

    /// Finds a host (the scheduler on a first attempt, the next claimable alternate on a
    /// reschedule) and casts the build to it.
    func build(_ uuid: String, alternates: [HostSelection], previousFailure: String?, context: MessagingContext) async {
        do {
            guard let instance = try await Self.awaitInstance(uuid, in: database),
                instance.vmState == VMState.building
            else { return }
            var remaining: [HostSelection]
            if previousFailure == nil {
                let reply = try await backends.bus.call(
                    ComputeRPC.scheduler, method: ComputeRPC.Method.selectDestinations,
                    args: ["instance_uuid": .string(uuid)], context: context, timeout: .seconds(60))
                remaining = reply.arrayValue?.compactMap(HostSelection.init(json:)) ?? []
            } else {
                remaining = try await claimAlternate(instance, alternates)
            }
            guard let chosen = remaining.first else {
                let reason = previousFailure.map {
                    "Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance \(uuid). Last failure: \($0)"
                } ?? "No valid host was found."
                try await fail(uuid, message: reason, requestID: context.requestID)
                return
            }
            try await database.write { sql in
                let q = ComputeQueries(sql: sql)
                guard var current = try await q.instance(uuid: uuid) else { return }
                current.host = chosen.host
                current.node = chosen.nodename
                current.launchedOn = chosen.host
                current.availabilityZone = try await q.aggregatesByHost()[chosen.host]?
                    .compactMap(\.availabilityZone).first ?? defaultAvailabilityZone
                current.request.attemptedHosts.append(chosen.host)
                try await q.save(current)
            }
            try await backends.bus.cast(
                ComputeRPC.compute(host: chosen.host), method: ComputeRPC.Method.buildAndRunInstance,
                args: ["instance_uuid": .string(uuid), "alternates": .array(remaining.dropFirst().map(\.json))],
                context: context)
        } catch let error as RemoteError where error.exceptionType == "NoValidHost" {
            try? await fail(uuid, message: error.message, requestID: context.requestID)
        } catch {
            logger.error("build of \(uuid) failed in the conductor: \(error)", metadata: ["request_id": "\(context.requestID)"])
            try? await fail(uuid, message: "Build of instance \(uuid) failed: \(error)", requestID: context.requestID)
        }
    }

    /// The instance, read again a few times when a message outran the commit that wrote it
    /// (seen under load with SQLite's WAL readers); nil when it does not appear.
    static func awaitInstance(_ uuid: String, in database: StratusDatabase) async throws -> InstanceRecord? {
        for attempt in 0..<20 {
            if let instance = try await database.read({ try await ComputeQueries(sql: $0).instance(uuid: uuid) }) {
                return instance
            }
            if attempt < 19 { try await Task.sleep(for: .milliseconds(50)) }
        }
        return nil
    }

    /// Level-triggered catch-up: servers still in BUILD/scheduling without a host a minute
    /// after their last change (a lost or outrun message) are scheduled again.
    func sweepStranded(olderThan seconds: Int64 = 60) async {
        let cutoff = Timestamp.now().adding(seconds: -seconds)
        guard
            let stranded = try? await database.read({ sql in
                try await ComputeQueries(sql: sql).instances(
                    projectID: nil, includeDeleted: false, vmStates: [VMState.building])
            })
        else { return }
        for instance in stranded
        where instance.host == nil && instance.taskState == TaskState.scheduling && instance.updatedAt < cutoff {
            logger.warning("rescheduling \(instance.uuid), stranded in BUILD without a host")
            let requestID = (try? await database.read({ sql in
                try await ComputeQueries(sql: sql).actions(of: instance.uuid).last?.requestID
            })) ?? nil
            await build(
                instance.uuid, alternates: [], previousFailure: nil,
                context: MessagingContext(
                    userID: instance.userID, projectID: instance.projectID, roles: ["admin"],
                    requestID: requestID ?? RequestIDGenerator.next()))
        }
    }

    /// Runs `sweepStranded` every `interval` until cancelled.
    func runSweeps(every interval: Duration = .seconds(30)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            await sweepStranded()
        }
    }

    /// Claims the first alternate Placement still accepts; the list from it onwards.
    private func claimAlternate(_ instance: InstanceRecord, _ alternates: [HostSelection]) async throws -> [HostSelection] {
        for (index, alternate) in alternates.enumerated() {
            if try await backends.placement.claimAllocations(
                consumerUUID: instance.uuid, allocations: alternate.allocations, projectID: instance.projectID,
                userID: instance.userID, consumerGeneration: nil)
            {
                return Array(alternates[index...])
            }
        }
        return []
    }

    /// ERROR with a fault (code 500, as Nova records NoValidHost), and the create action's
    /// conductor event finished with the error.
    func fail(_ uuid: String, message: String, requestID: String) async throws {
        try await database.write { sql in
            let q = ComputeQueries(sql: sql)
            guard var instance = try await q.instance(uuid: uuid) else { return }
            instance.vmState = VMState.error
            instance.taskState = nil
            try await q.save(instance)
            try await q.addFault(
                InstanceFault(
                    instanceUUID: uuid, code: 500, message: message, details: "", host: nil, createdAt: .now()))
            if let actionID = try await q.actionID(instanceUUID: uuid, requestID: requestID) {
                let event = try await q.startEvent("conductor_schedule_and_build_instances", actionID: actionID, host: nil)
                try await q.finishEvent(event, actionID: actionID, error: message)
            }
        }
    }
}

/// A host the scheduler chose (or an alternate), with the Placement allocation that claims
/// the server's resources there.
struct HostSelection: Sendable {
    var host: String
    var nodename: String
    var providerUUID: String
    var allocations: [String: [String: Int]]

    var json: JSONValue {
        var allocationObject: [String: JSONValue] = [:]
        for (provider, resources) in allocations {
            allocationObject[provider] = .object(resources.mapValues { .int(Int64($0)) })
        }
        return [
            "host": .string(host), "nodename": .string(nodename), "provider_uuid": .string(providerUUID),
            "allocations": .object(allocationObject),
        ]
    }

    init(host: String, nodename: String, providerUUID: String, allocations: [String: [String: Int]]) {
        self.host = host
        self.nodename = nodename
        self.providerUUID = providerUUID
        self.allocations = allocations
    }

    init?(json: JSONValue) {
        guard let object = json.objectValue, let host = object["host"]?.stringValue,
            let nodename = object["nodename"]?.stringValue, let provider = object["provider_uuid"]?.stringValue
        else { return nil }
        var allocations: [String: [String: Int]] = [:]
        for (providerUUID, value) in object["allocations"]?.objectValue ?? [:] {
            allocations[providerUUID] = (value.objectValue ?? [:]).compactMapValues { $0.intValue.map(Int.init) }
        }
        self.init(host: host, nodename: nodename, providerUUID: provider, allocations: allocations)
    }
}
