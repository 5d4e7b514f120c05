import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Swift's container and account replicators (`db_replicator`): every database on a local
/// device is brought to the partition's other primaries (see `DatabaseReplicationMessage`).
///
/// For each database and each other primary: `sync` sends this database's info; the other side
/// merges its timestamps and metadata and answers its own info with how far it has merged this
/// database's rows (its sync point). Its metadata is merged here too. If that point is at this
/// database's last row, or both hashes agree, they are in step; otherwise the rows after the
/// point go over in batches of `rowsPerRequest` (`merge_items`). A side without the database
/// (404) gets it made (`create`) and then every row. A primary whose device answers 507 is
/// replaced by the next handoff device. A database on a handoff device (not one of its
/// partition's primaries) is removed here once every primary has taken it. A database with no
/// live rows that was deleted more than `DaemonContext.reclaimAge` seconds ago is removed
/// (reclaimed) instead of replicated.
public struct DatabaseReplicator: Sendable {
    public let context: DaemonContext
    public let kind: BrokerLocation.Kind
    /// The databases' connections (the server's own, in one process with it).
    public let cache: BrokerConnectionCache
    /// Databases replicated at once.
    public var concurrency: Int
    /// Rows per `merge_items` request (Swift's `per_diff`).
    public var rowsPerRequest: Int

    public init(context: DaemonContext, kind: BrokerLocation.Kind, cache: BrokerConnectionCache, concurrency: Int = 4,
        rowsPerRequest: Int = 1000)
    {
        self.context = context
        self.kind = kind
        self.cache = cache
        self.concurrency = concurrency
        self.rowsPerRequest = rowsPerRequest
    }

    var server: DaemonContext.Server { kind == .container ? .container : .account }
    var name: String { kind == .container ? "container-replicator" : "account-replicator" }

    struct Job: Sendable {
        var device: RingDevice
        var database: StorageWalk.Database
    }

    public func runOnce() async -> DaemonReport {
        let tally = DaemonTally(name)
        var jobs: [Job] = []
        for device in context.localDevices(server) {
            let devicePath = context.devicePath(device)
            let kind = self.kind
            let databases = (try? await context.blocking { StorageWalk.databases(devicePath: devicePath, kind: kind) }) ?? []
            jobs += databases.map { Job(device: device, database: $0) }
        }
        // The local copies of one database run one after the other (one refilled from the
        // first is then found in step by the next); different databases run in parallel.
        var byHash: [String: [Job]] = [:]
        var order: [String] = []
        for job in jobs {
            if byHash[job.database.hash] == nil { order.append(job.database.hash) }
            byHash[job.database.hash, default: []].append(job)
        }
        await forEachConcurrently(order.map { byHash[$0]! }, limit: concurrency) { group in
            for job in group {
                tally.add("databases")
                await replicate(job, tally)
            }
        }
        let report = tally.report()
        context.logger.info("\(kind == .container ? "container" : "account") replication pass done", metadata: ["report": "\(report)"])
        return report
    }

    enum Outcome {
        case done
        case unmounted
        case failed
    }

    func replicate(_ job: Job, _ tally: DaemonTally) async {
        let kind = self.kind
        let info: DatabaseReplicationInfo?
        do {
            info = try await cache.withDatabase(at: job.database.path) { try await ReplicaDatabase(kind: kind, database: $0).info() }
        } catch {
            tally.add("errors")
            context.logger.error("cannot read a database", metadata: ["path": "\(job.database.path)", "error": "\(error)"])
            return
        }
        guard let info else { return }
        // A database deleted longer than the reclaim age ago goes without replicating (each
        // replica reclaims its own): a deleted account can then be created again.
        let (now, reclaimAge) = (context.clock(), context.reclaimAge)
        let path = job.database.path
        let reclaimable = (try? await cache.withDatabase(at: path) { database in
            try await ReplicaDatabase(kind: kind, database: database).isReclaimable(now: now, reclaimAge: reclaimAge)
        }) ?? false
        if reclaimable {
            do {
                try await cache.withDatabase(at: path) { _ in
                    try FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
                }
                tally.add("databases reclaimed")
            } catch {
                tally.add("errors")
            }
            return
        }
        let ring = context.ring(server)
        let partition = Int(job.database.partition) ?? -1
        let primaries = ring.primaryNodes(partition: partition)
        guard !primaries.isEmpty else { return }
        let isHandoff = !primaries.contains { $0.id == job.device.id }
        var targets = primaries.filter { $0.id != job.device.id }
        var handoffs = ring.handoffNodes(partition: partition).makeIterator()
        var everywhere = true
        var index = 0
        while index < targets.count {
            let node = targets[index]
            index += 1
            switch await replicate(job, info: info, to: node, tally) {
            case .done:
                continue
            case .unmounted:
                everywhere = false
                tally.add("remote devices unmounted")
                if !isHandoff, let next = handoffs.next(), next.id != job.device.id { targets.append(next) }
            case .failed:
                everywhere = false
                tally.add("failures")
            }
        }
        if isHandoff, everywhere {
            do {
                try await cache.withDatabase(at: path) { _ in
                    try FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
                }
                tally.add("handoff databases removed")
            } catch {
                tally.add("errors")
            }
        }
    }

    /// Brings one other replica in step with this database.
    func replicate(_ job: Job, info: DatabaseReplicationInfo, to node: RingDevice, _ tally: DaemonTally) async -> Outcome {
        let path = "/" + BackendClient.percentEncode(node.device) + "/" + job.database.partition + "/" + job.database.hash
        guard let answer = await send(DatabaseReplicationMessage(op: DatabaseReplicationMessage.sync, info: info), to: node, path: path)
        else { return .failed }
        switch answer.status {
        case 200:
            guard let remote = try? JSONDecoder().decode(DatabaseReplicationInfo.self, from: answer.data) else { return .failed }
            let kind = self.kind
            try? await cache.withDatabase(at: job.database.path) { database in
                let replica = ReplicaDatabase(kind: kind, database: database)
                if replica.exists { try await replica.mergeMetadata(remote.metadata) }
            }
            let point = remote.point ?? -1
            if point >= info.maxRow {
                tally.add("no changes")
                return .done
            }
            if remote.hash == info.hash {
                tally.add("hash matches")
                return .done
            }
            return await pushRows(job, info: info, since: point, remoteID: remote.id, to: node, path: path, tally) ? .done : .failed
        case 404:
            guard let created = await send(DatabaseReplicationMessage(op: DatabaseReplicationMessage.create, info: info), to: node, path: path),
                created.isSuccess, let remote = try? JSONDecoder().decode(DatabaseReplicationInfo.self, from: created.data)
            else { return .failed }
            if created.status == 201 { tally.add("databases created") }
            return await pushRows(job, info: info, since: -1, remoteID: remote.id, to: node, path: path, tally) ? .done : .failed
        case 507:
            return .unmounted
        default:
            context.logger.error(
                "bad database replication answer", metadata: ["node": "\(node.label)", "status": "\(answer.status)"])
            return .failed
        }
    }

    /// Sends the rows after `since`; true when all went over.
    func pushRows(
        _ job: Job, info: DatabaseReplicationInfo, since: Int64, remoteID: String, to node: RingDevice, path: String,
        _ tally: DaemonTally
    ) async -> Bool {
        var point = since
        let (kind, limit, source) = (self.kind, rowsPerRequest, info.id)
        while !Task.isCancelled {
            let start = point
            let batch: (DatabaseReplicationMessage, Int64)?
            do {
                batch = try await cache.withDatabase(at: job.database.path) { database in
                    try await ReplicaDatabase(kind: kind, database: database).rows(since: start, limit: limit, source: source)
                }
            } catch {
                return false
            }
            guard let (message, last) = batch else { break }
            guard let answer = await send(message, to: node, path: path), answer.isSuccess else { return false }
            tally.add("rows pushed", (message.objects?.count ?? 0) + (message.containers?.count ?? 0))
            point = last
        }
        let reached = point
        try? await cache.withDatabase(at: job.database.path) { database in
            let replica = ReplicaDatabase(kind: kind, database: database)
            if replica.exists { try await replica.advanceSyncPoint(remoteID: remoteID, to: reached, incoming: false) }
        }
        return true
    }

    func send(_ message: DatabaseReplicationMessage, to node: RingDevice, path: String) async -> DaemonResponse? {
        guard let body = try? JSONEncoder().encode(message) else { return nil }
        var headers = HTTPHeaders()
        headers.add(name: "X-Backend-Replicate", value: "REPLICATE")
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "User-Agent", value: name)
        return await context.request(.POST, node: node, path: path, headers: headers, body: .bytes(ByteBuffer(bytes: body)))
    }
}
