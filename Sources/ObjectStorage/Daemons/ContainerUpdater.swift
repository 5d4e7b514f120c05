import Foundation
import Logging

/// Swift's container updater: keeps the account databases' container rows (object counts,
/// bytes, put and delete times) in step with the container databases.
///
/// For each container database on the local devices whose stats differ from what it last
/// reported (`ContainerInfo.needsAccountUpdate`), the stats go to every primary account server
/// of its account (`PUT /<device>/<partition>/<account>/<container>` with `X-Put-Timestamp`,
/// `X-Delete-Timestamp`, `X-Object-Count`, `X-Bytes-Used`); when a majority took them, the
/// database records them as reported. Then the account updates queued by container PUTs and
/// DELETEs that could not reach an account server (`AccountUpdateQueue`) are sent again, newest
/// first per container: a target that took a newer update of the container needs none of the
/// older ones. While the container's database is on the device, its current object count and
/// bytes go instead of the queued ones (an account takes the counts of the last update it gets,
/// so stale queued counts would undo a newer report). A target that answers 2xx or 404 (no
/// such account) is done with.
public struct ContainerUpdater: Sendable {
    public let context: DaemonContext
    /// The container databases' connections (the container server's, in one process with it).
    public let cache: BrokerConnectionCache
    /// Containers reported at once.
    public var concurrency: Int

    public init(context: DaemonContext, cache: BrokerConnectionCache, concurrency: Int = 8) {
        self.context = context
        self.cache = cache
        self.concurrency = concurrency
    }

    public func runOnce() async -> DaemonReport {
        let tally = DaemonTally("container-updater")
        for device in context.localDevices(.container) {
            let devicePath = context.devicePath(device)
            let databases = (try? await context.blocking { StorageWalk.databases(devicePath: devicePath, kind: .container) }) ?? []
            await forEachConcurrently(databases, limit: concurrency) { database in
                await reportStats(database, tally)
            }
            await sendQueued(device: device.device, tally)
        }
        let report = tally.report()
        context.logger.info("container update pass done", metadata: ["report": "\(report)"])
        return report
    }

    func reportStats(_ database: StorageWalk.Database, _ tally: DaemonTally) async {
        let info: ContainerInfo?
        do {
            info = try await cache.withDatabase(at: database.path) { db in
                try await ContainerDatabase(database: db, account: "", container: "").info()
            }
        } catch {
            tally.add("errors")
            context.logger.error("cannot read a container database", metadata: ["path": "\(database.path)", "error": "\(error)"])
            return
        }
        guard let info, info.putTimestamp > .zero else { return }
        guard info.needsAccountUpdate else {
            tally.add("no changes")
            return
        }
        let partition: Int
        let nodes: [RingDevice]
        do {
            (partition, nodes) = try context.ring(.account).nodes(account: info.account)
        } catch {
            tally.add("errors")
            return
        }
        let update = AccountUpdate(
            account: info.account, container: info.container, putTimestamp: info.putTimestamp,
            deleteTimestamp: info.deleteTimestamp, objectCount: info.objectCount, bytesUsed: info.bytesUsed,
            storagePolicyIndex: info.storagePolicyIndex)
        let statuses = await send(update, to: nodes.map { AccountUpdateTarget(host: context.host(of: $0), device: $0.device, partition: String(partition)) })
        let successes = statuses.filter { $0.map { (200..<300).contains($0) } ?? false }.count
        if successes >= ReplicaIO.quorum(nodes.count) {
            do {
                try await cache.withDatabase(at: database.path) { db in
                    try await ContainerDatabase(database: db, account: "", container: "").reported(
                        put: info.putTimestamp, delete: info.deleteTimestamp, objectCount: info.objectCount,
                        bytesUsed: info.bytesUsed)
                }
                tally.add("successes")
            } catch {
                tally.add("errors")
            }
        } else {
            tally.add(statuses.allSatisfy { $0 == 404 } ? "failures (no account)" : "failures")
        }
    }

    /// The statuses of one update sent to each target at once (nil: no answer).
    func send(_ update: AccountUpdate, to targets: [AccountUpdateTarget]) async -> [Int?] {
        let sender = HTTPAccountUpdateSender(client: context.client)
        return await withTaskGroup(of: Int?.self) { group in
            for target in targets {
                group.addTask { try? await sender.send(update, to: target) }
            }
            var statuses: [Int?] = []
            for await status in group { statuses.append(status) }
            return statuses
        }
    }

    /// The queued update with the stats of the container's database on `device` now (its put
    /// and delete times no older than the queued ones); nil when the database is not there.
    func currentUpdate(_ queued: AccountUpdate, device: String, hash: String) async -> AccountUpdate? {
        guard let partition = try? context.ring(.container).partition(account: queued.account, container: queued.container)
        else { return nil }
        let location = BrokerLocation(devicesRoot: context.devicesRoot, hashPath: context.hashPath)
        let path = location.databasePath(kind: .container, device: device, partition: String(partition), hash: hash)
        guard FileManager.default.fileExists(atPath: path),
            let info = try? await cache.withDatabase(at: path, { db in
                try await ContainerDatabase(database: db, account: "", container: "").info()
            })
        else { return nil }
        var update = queued
        update.putTimestamp = max(queued.putTimestamp, info.putTimestamp)
        update.deleteTimestamp = max(queued.deleteTimestamp, info.deleteTimestamp)
        update.objectCount = info.objectCount
        update.bytesUsed = info.bytesUsed
        return update
    }

    /// Delivers the device's queued account updates (see `AccountUpdateQueue`).
    func sendQueued(device: String, _ tally: DaemonTally) async {
        let queue = AccountUpdateQueue(devicesRoot: context.devicesRoot)
        var byContainer: [String: [AccountUpdateQueue.Entry]] = [:]
        var order: [String] = []
        for path in queue.list(device: device) {
            do {
                let entry = try queue.load(path)
                if byContainer[entry.containerHash] == nil { order.append(entry.containerHash) }
                byContainer[entry.containerHash, default: []].append(entry)
            } catch {
                tally.add("errors")
                context.logger.error("unreadable queued account update", metadata: ["path": "\(path)"])
            }
        }
        for hash in order {
            var servedNewer = Set<AccountUpdateTarget>()
            // Account servers take the object count and bytes of the last update they get: send
            // the database's current stats, not the queued (older) ones, while it is here.
            let current = await currentUpdate(byContainer[hash]!.last!.update, device: device, hash: hash)
            for var entry in byContainer[hash]!.reversed() {
                var remaining: [AccountUpdateTarget] = []
                for target in entry.targets where !servedNewer.contains(target) {
                    let mapped = AccountUpdateTarget(host: context.mapped(target.host), device: target.device, partition: target.partition)
                    let status = await send(current ?? entry.update, to: [mapped]).first ?? nil
                    if let status, (200..<300).contains(status) || status == 404 {
                        servedNewer.insert(target)
                    } else {
                        remaining.append(target)
                    }
                }
                do {
                    if remaining.isEmpty {
                        try queue.remove(entry.path)
                        tally.add("queued updates sent")
                    } else if remaining != entry.targets {
                        entry.targets = remaining
                        try queue.store(entry)
                        tally.add("queued updates kept")
                    } else {
                        tally.add("queued updates kept")
                    }
                } catch {
                    tally.add("errors")
                }
            }
        }
    }
}
