import Foundation
import Logging
import NIOHTTP1

/// Swift's object replicator, for replicated storage: makes every partition's primary devices
/// hold the same files, by pushing from each local copy to the others.
///
/// For each partition directory on each local device:
/// - on a **primary** (an update job): the partition's suffix hashes (`SuffixHashes`) are
///   compared with each other primary's (REPLICATE); for the suffixes that differ (after
///   recomputing them here), the other side's file names are fetched (REPLICATE with
///   `X-Backend-Replicate: LIST`), and every file that side lacks and would keep — `.data`,
///   `.ts` or `.meta`, judged over the union of both sides' files — is pushed with its exact
///   name and metadata (the replication PUT); then the other side is told to rehash those
///   suffixes. A primary whose device answers 507 is replaced by the partition's next handoff
///   device.
/// - on a **handoff** (a device that is not one of the partition's primaries, where a proxy
///   wrote while a primary was down): the same push to every primary; once every primary
///   took everything, and the partition did not change meanwhile, the partition is removed here.
///
/// The push model means a device that lost its data (a wiped or replaced disk) is refilled by
/// the other replicas' replicators: one pass over every device restores every partition copy
/// on it. `concurrency` partitions are replicated at once; the copies of one partition on the
/// local devices are handled one after the other, so that a device is not sent the same files
/// by two of them at once.
public struct ObjectReplicator: Sendable {
    public let context: DaemonContext
    /// Partitions replicated at once.
    public var concurrency: Int
    /// Suffixes per REPLICATE or LIST request (they travel in the path).
    static let suffixesPerRequest = 256

    public init(context: DaemonContext, concurrency: Int = 4) {
        self.context = context
        self.concurrency = concurrency
    }

    struct Job: Sendable {
        var device: RingDevice
        var partition: String
        var primaries: [RingDevice]
        var isHandoff: Bool
        var path: String
    }

    /// One pass over every local partition.
    public func runOnce() async -> DaemonReport {
        let tally = DaemonTally("object-replicator")
        let ring = context.ring(.object)
        var jobs: [Job] = []
        for device in context.localDevices(.object) {
            let objects = context.devicePath(device) + "/" + ObjectDiskLayout.objectsDirectory
            for partition in StorageWalk.partitions(objects) {
                let primaries = ring.primaryNodes(partition: Int(partition) ?? -1)
                guard !primaries.isEmpty else {
                    context.logger.warning(
                        "partition outside the object ring left alone", metadata: ["path": "\(objects)/\(partition)"])
                    continue
                }
                jobs.append(
                    Job(
                        device: device, partition: partition, primaries: primaries,
                        isHandoff: !primaries.contains { $0.id == device.id }, path: objects + "/" + partition))
            }
        }
        // The jobs of one partition (on different devices) run one after the other, so that a
        // copy refilled from one device is found in step by the next; partitions run in parallel.
        var byPartition: [String: [Job]] = [:]
        var order: [String] = []
        for job in jobs {
            if byPartition[job.partition] == nil { order.append(job.partition) }
            byPartition[job.partition, default: []].append(job)
        }
        await forEachConcurrently(order.map { byPartition[$0]! }, limit: concurrency) { group in
            for job in group {
                tally.add("partitions")
                if job.isHandoff { await revert(job, tally) } else { await update(job, tally) }
            }
        }
        let report = tally.report()
        context.logger.info("object replication pass done", metadata: ["report": "\(report)"])
        return report
    }

    // MARK: Jobs

    func update(_ job: Job, _ tally: DaemonTally) async {
        guard var local = await localHashes(job, recalculate: []) else {
            tally.add("failures")
            return
        }
        var targets = job.primaries.filter { $0.id != job.device.id }
        var handoffs = context.ring(.object).handoffNodes(partition: Int(job.partition) ?? -1).makeIterator()
        var index = 0
        while index < targets.count {
            let node = targets[index]
            index += 1
            switch await remoteHashes(node, partition: job.partition, recalculate: []) {
            case .unmounted:
                tally.add("remote devices unmounted")
                if let next = handoffs.next() { targets.append(next) }
            case .failed:
                tally.add("failures")
            case .hashes(let remote):
                var suffixes = Self.differing(local, remote)
                if suffixes.isEmpty {
                    tally.add("hash matches")
                    continue
                }
                guard let recalculated = await localHashes(job, recalculate: suffixes) else {
                    tally.add("failures")
                    continue
                }
                local = recalculated
                suffixes = Self.differing(local, remote)
                if suffixes.isEmpty {
                    tally.add("hash matches")
                    continue
                }
                if !(await sync(job, to: node, suffixes: suffixes, tally)) { tally.add("failures") }
                _ = await remoteHashes(node, partition: job.partition, recalculate: suffixes)
            }
        }
    }

    func revert(_ job: Job, _ tally: DaemonTally) async {
        guard let local = await localHashes(job, recalculate: []) else {
            tally.add("failures")
            return
        }
        var everywhere = true
        for node in job.primaries {
            guard case .hashes(let remote) = await remoteHashes(node, partition: job.partition, recalculate: []) else {
                tally.add("failures")
                everywhere = false
                continue
            }
            let suffixes = Self.differing(local, remote)
            if suffixes.isEmpty { continue }
            if !(await sync(job, to: node, suffixes: suffixes, tally)) {
                tally.add("failures")
                everywhere = false
            }
            _ = await remoteHashes(node, partition: job.partition, recalculate: suffixes)
        }
        guard everywhere else {
            tally.add("handoff partitions kept")
            return
        }
        // Something written here while we pushed would be lost: remove only an unchanged partition.
        guard let again = await localHashes(job, recalculate: []), again == local else {
            tally.add("handoff partitions kept")
            return
        }
        let devicePath = context.devicePath(job.device)
        do {
            try await context.blocking { try Self.removePartition(job.path, devicePath: devicePath) }
            tally.add("handoff partitions removed")
            context.logger.info("removed a handoff partition", metadata: ["path": "\(job.path)"])
        } catch {
            tally.add("failures")
            context.logger.error("cannot remove a handoff partition", metadata: ["path": "\(job.path)", "error": "\(error)"])
        }
    }

    /// Pushes what `node` lacks of `suffixes`; true when every file got there.
    func sync(_ job: Job, to node: RingDevice, suffixes: [String], _ tally: DaemonTally) async -> Bool {
        var listing: [String: [String: [String]]] = [:]
        for start in stride(from: 0, to: suffixes.count, by: Self.suffixesPerRequest) {
            let chunk = Array(suffixes[start..<min(start + Self.suffixesPerRequest, suffixes.count)])
            guard let part = await remoteListing(node, partition: job.partition, suffixes: chunk) else { return false }
            listing.merge(part) { $1 }
        }
        let partitionPath = job.path
        let remote = listing
        guard let plan = try? await context.blocking({ try Self.plan(partitionPath: partitionPath, suffixes: suffixes, remote: remote) })
        else { return false }
        let push = ObjectFilePush(context: context)
        var complete = true
        for (hashDirectory, file) in plan {
            switch await push.push(file, hashDirectory: hashDirectory, to: node, partition: job.partition) {
            case .stored(let bytes):
                tally.add("files pushed")
                tally.add("bytes pushed", Int(bytes))
            case .notNeeded:
                tally.add("files already there")
            case .skipped:
                continue
            case .failed(let status):
                complete = false
                context.logger.error(
                    "push failed",
                    metadata: [
                        "node": "\(node.label)", "file": "\(hashDirectory)/\(file.name)", "status": "\(status.map(String.init) ?? "-")",
                    ])
            }
        }
        tally.add("suffixes synced", suffixes.count)
        return complete
    }

    /// For each local hash directory of `suffixes`, the files the remote side lacks and would
    /// keep (judged over both sides' files): `.data` first, then `.ts`, then `.meta`.
    static func plan(partitionPath: String, suffixes: [String], remote: [String: [String: [String]]]) throws
        -> [(String, ObjectFileName)]
    {
        var plan: [(String, ObjectFileName)] = []
        let order: [ObjectFileName.Kind] = [.data, .tombstone, .meta]
        for suffix in suffixes {
            let suffixPath = partitionPath + "/" + suffix
            for hash in StorageWalk.hashes(suffixPath) {
                let hashDirectory = suffixPath + "/" + hash
                let localNames = Set(StorageWalk.names(hashDirectory))
                let remoteNames = Set(remote[suffix]?[hash] ?? [])
                let combined = HashDirectoryContents(names: Array(localNames.union(remoteNames)))
                let wanted = (combined.kept + combined.possiblyReclaimable)
                    .filter { localNames.contains($0.name) && !remoteNames.contains($0.name) }
                    .sorted { order.firstIndex(of: $0.kind)! < order.firstIndex(of: $1.kind)! }
                plan += wanted.map { (hashDirectory, $0) }
            }
        }
        return plan
    }

    /// The suffixes whose local hash the remote side does not have.
    static func differing(_ local: [String: String], _ remote: [String: String]) -> [String] {
        local.filter { remote[$0.key] != $0.value }.map(\.key).sorted()
    }

    /// Moves the partition into the device's `tmp` (atomic: a writer then makes a new one),
    /// then deletes it.
    static func removePartition(_ path: String, devicePath: String) throws {
        let temporary = devicePath + "/" + ObjectDiskLayout.tmpDirectory
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let target = temporary + "/.removing-" + (path as NSString).lastPathComponent + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        try FileManager.default.moveItem(atPath: path, toPath: target)
        try FileManager.default.removeItem(atPath: target)
    }

    // MARK: Hashes

    func localHashes(_ job: Job, recalculate: [String]) async -> [String: String]? {
        let (path, reclaimAge, now) = (job.path, context.reclaimAge, context.clock())
        do {
            return try await context.blocking {
                try SuffixHashes.hashes(partitionPath: path, recalculate: recalculate, reclaimAge: reclaimAge, now: now)
            }
        } catch is CancellationError {
            return nil
        } catch {
            context.logger.error("cannot hash a partition", metadata: ["path": "\(path)", "error": "\(error)"])
            return nil
        }
    }

    enum RemoteHashes: Sendable {
        case hashes([String: String])
        case unmounted
        case failed
    }

    /// The other side's suffix hashes, after it recomputed `recalculate` (in chunks).
    func remoteHashes(_ node: RingDevice, partition: String, recalculate: [String]) async -> RemoteHashes {
        var result: [String: String] = [:]
        let chunks =
            recalculate.isEmpty
            ? [[]]
            : stride(from: 0, to: recalculate.count, by: Self.suffixesPerRequest).map {
                Array(recalculate[$0..<min($0 + Self.suffixesPerRequest, recalculate.count)])
            }
        for chunk in chunks {
            var headers = HTTPHeaders()
            headers.add(name: "X-Backend-Replicate", value: "REPLICATE")
            headers.add(name: "User-Agent", value: "object-replicator")
            let path = "/" + BackendClient.percentEncode(node.device) + "/" + partition
                + (chunk.isEmpty ? "" : "/" + chunk.joined(separator: "-"))
            guard let answer = await context.request(.POST, node: node, path: path, headers: headers) else { return .failed }
            if answer.status == 507 { return .unmounted }
            guard answer.status == 200, let hashes = try? JSONDecoder().decode([String: String].self, from: answer.data) else {
                context.logger.error(
                    "bad REPLICATE answer", metadata: ["node": "\(node.label)", "status": "\(answer.status)"])
                return .failed
            }
            result.merge(hashes) { $1 }
        }
        return .hashes(result)
    }

    /// The other side's file names in `suffixes`; nil when it did not answer.
    func remoteListing(_ node: RingDevice, partition: String, suffixes: [String]) async -> [String: [String: [String]]]? {
        var headers = HTTPHeaders()
        headers.add(name: "X-Backend-Replicate", value: "LIST")
        headers.add(name: "User-Agent", value: "object-replicator")
        let path = "/" + BackendClient.percentEncode(node.device) + "/" + partition + "/" + suffixes.joined(separator: "-")
        guard let answer = await context.request(.POST, node: node, path: path, headers: headers), answer.status == 200 else {
            return nil
        }
        return try? JSONDecoder().decode([String: [String: [String]]].self, from: answer.data)
    }
}
