import Foundation
import Logging
import SQLKit
import StratusKit

/// The volume scheduler (cinder-scheduler): for each new volume it reads the pools' last
/// reports and what is provisioned on them, runs the filters, weighs the survivors with
/// Cinder's CapacityWeigher, records the chosen `host@backend#pool` on the volume and casts
/// the create to that back end's agent. Placement runs inside one write transaction, so two
/// volumes scheduled at once see each other's size. When no pool fits, the volume goes to
/// `error`, stops consuming quota, and a user message names each filter with its numbers.
struct VolumeScheduler: Sendable {
    let database: StratusDatabase
    let bus: any MessageBus
    let settings: BlockStorageSettings
    let logger: Logger
    /// Cinder's `capacity_weight_multiplier`: positive stacks on the freest pool, negative fills pools in turn.
    var capacityWeightMultiplier: Double = 1.0

    static let filters: [any PoolFilter] = [AvailabilityZoneFilter(), CapacityFilter(), CapabilitiesFilter()]

    var endpoint: RPCEndpoint {
        var endpoint = RPCEndpoint(version: "1.0")
        endpoint.on(VolumeRPC.Method.createVolume) { request in
            try await schedule(request)
            return .null
        }
        return endpoint
    }

    func schedule(_ request: RPCRequest) async throws {
        guard let volumeID = request.args["volume_id"]?.stringValue else { return }
        let sourceHost = request.args["source_host"]?.stringValue
        let outcome: Outcome = try await database.write { sql in
            if database.kind == .postgres {
                try await sql.raw("SELECT pg_advisory_xact_lock(\(literal: Int64(0x766f_6c73)))").run()
            }
            let queries = BlockStorageQueries(sql: sql)
            guard let volume = try await queries.volume(id: volumeID), volume.status == VolumeStatus.creating,
                volume.host == nil
            else { return .skipped }
            let type = try await queries.volumeType(idOrName: volume.volumeTypeID)
            let spec = VolumeRequestSpec(
                sizeGB: volume.size, availabilityZone: volume.availabilityZone, extraSpecs: type?.extraSpecs ?? [:],
                sourcePool: sourceHost)
            let pools = try await poolStates(queries)
            switch Self.choose(spec, among: pools, multiplier: capacityWeightMultiplier) {
            case .success(let pool):
                try await queries.updateVolume(volume.id, ["host": pool.name])
                return .placed(pool)
            case .failure(let explanation):
                try await queries.updateVolume(volume.id, ["status": VolumeStatus.error, "consumes_quota": false])
                try await queries.recordError(
                    .scheduleAllocateVolume, detail: explanation.text, resourceType: "VOLUME", resourceID: volume.id,
                    projectID: volume.projectID, requestID: request.context.requestID, ttlSeconds: settings.messageTTLSeconds)
                return .failed(explanation.text)
            }
        }
        switch outcome {
        case .placed(let pool):
            try await bus.cast(
                VolumeRPC.volume(serviceHost: pool.serviceHost), method: VolumeRPC.Method.createVolume,
                args: ["volume_id": .string(volumeID)], context: request.context)
        case .failed(let text):
            logger.notice("no pool for volume", metadata: ["volume": "\(volumeID)", "why": "\(text)"])
        case .skipped:
            break
        }
    }

    private enum Outcome: Sendable {
        case placed(PoolState)
        case failed(String)
        case skipped
    }

    /// The pools of live, enabled volume services, with what is provisioned on each.
    func poolStates(_ queries: BlockStorageQueries) async throws -> [PoolState] {
        let services = try await queries.services()
        let now = Timestamp.now()
        var zones: [String: String] = [:]
        for service in services where service.binary == "cinder-volume" && !service.disabled
            && now.microseconds - service.updatedAt.microseconds <= settings.serviceDownTimeSeconds * 1_000_000
        {
            zones[service.host] = service.availabilityZone
        }
        let provisioned = try await queries.provisionedGB()
        return try await queries.pools().compactMap { pool in
            guard let zone = zones[pool.serviceHost] else { return nil }
            return PoolState(
                name: pool.name, serviceHost: pool.serviceHost, availabilityZone: zone, report: pool.report,
                provisionedGB: Double(provisioned[pool.name] ?? 0))
        }
    }

    /// Why no pool fits: each filter that removed pools, with the reasons.
    struct NoValidBackend: Error, Sendable {
        var text: String
    }

    /// Runs the filters and the weigher: the best pool, or why there is none.
    static func choose(_ spec: VolumeRequestSpec, among pools: [PoolState], multiplier: Double) -> Result<PoolState, NoValidBackend> {
        var candidates = pools
        if let source = spec.sourcePool { candidates = candidates.filter { $0.name == source } }
        var reasons: [String] = []
        if pools.isEmpty {
            return .failure(NoValidBackend(text: "Could not find any available weighted backend. No volume back end has reported its pools (is a volume service running?)."))
        }
        if let source = spec.sourcePool, candidates.isEmpty {
            return .failure(NoValidBackend(text: "Could not find any available weighted backend. The source's pool \(source) is not available."))
        }
        for filter in filters {
            let before = candidates.count
            var removed: [String] = []
            candidates = candidates.filter { pool in
                guard let reason = filter.rejection(of: pool, for: spec) else { return true }
                removed.append(reason)
                return false
            }
            if !removed.isEmpty {
                reasons.append("\(filter.name) removed \(removed.count) of \(before) pools: \(removed.joined(separator: "; "))")
            }
            if candidates.isEmpty { break }
        }
        guard !candidates.isEmpty else {
            return .failure(NoValidBackend(text: "Could not find any available weighted backend. " + reasons.joined(separator: ". ") + "."))
        }
        let best = candidates.max { capacityWeight($0) * multiplier < capacityWeight($1) * multiplier }!
        return .success(best)
    }

    /// Cinder's CapacityWeigher: a thin pool's virtual free space, a thick pool's free space, above the reserve.
    static func capacityWeight(_ pool: PoolState) -> Double {
        if pool.report.thinProvisioning { return pool.virtualFreeGB - pool.reservedGB }
        return pool.report.freeCapacityGB - pool.reservedGB
    }
}

extension VolumeScheduler {
    /// Keeps the scheduler's service record fresh (`openstack volume service list`).
    func heartbeat(host: String, interval: Duration = .seconds(10)) async {
        while !Task.isCancelled {
            do {
                try await database.write { sql in
                    try await BlockStorageQueries(sql: sql).heartbeat(
                        host: host, binary: "cinder-scheduler", availabilityZone: settings.availabilityZone, now: .now())
                }
            } catch {
                logger.warning("scheduler heartbeat failed", metadata: ["error": "\(error)"])
            }
            await scheduleStranded()
            try? await Task.sleep(for: interval)
        }
    }
}

extension VolumeScheduler {
    /// How long a volume may wait in `creating` with no pool before the scheduler takes it up
    /// again (its create message was lost, e.g. the process stopped between the API's write and
    /// the cast).
    static let strandedAfterSeconds: Int64 = 60

    /// Schedules the volumes left in `creating` without a pool for longer than `strandedAfterSeconds`.
    func scheduleStranded() async {
        do {
            let cutoff = Timestamp.now().adding(seconds: -Self.strandedAfterSeconds).microseconds
            let stranded: [(String, String?)] = try await database.read { sql in
                let queries = BlockStorageQueries(sql: sql)
                let rows = try await sql.select().columns(BlockStorageQueries.volumeColumns).from("volumes")
                    .where("status", .equal, VolumeStatus.creating).where(SQLColumn("host"), .is, SQLLiteral.null)
                    .where("created_at", .lessThan, cutoff).all().map(BlockStorageQueries.volume)
                var found: [(String, String?)] = []
                for volume in rows {
                    var sourceHost: String?
                    if let snapshotID = volume.snapshotID, let snapshot = try await queries.snapshot(id: snapshotID) {
                        sourceHost = try await queries.volume(id: snapshot.volumeID)?.host
                    } else if let sourceID = volume.sourceVolumeID {
                        sourceHost = try await queries.volume(id: sourceID)?.host
                    }
                    found.append((volume.id, sourceHost))
                }
                return found
            }
            for (volumeID, sourceHost) in stranded {
                logger.notice("scheduling a volume whose create message was lost", metadata: ["volume": "\(volumeID)"])
                var args: [String: JSONValue] = ["volume_id": .string(volumeID)]
                if let sourceHost { args["source_host"] = .string(sourceHost) }
                try await schedule(RPCRequest(method: VolumeRPC.Method.createVolume, args: args, context: MessagingContext(), expectsReply: false))
            }
        } catch {
            logger.warning("scheduling stranded volumes failed", metadata: ["error": "\(error)"])
        }
    }
}
