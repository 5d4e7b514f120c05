import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Swift's object updater: delivers the container updates the object server could not
/// (`async_pending`, see `AsyncPending`), so container listings, counts and bytes catch up
/// with the objects after a container server was down or slow.
///
/// For each pending update on the local devices, newest per object first: an update
/// superseded by a newer one of the same object is removed unsent; the others go to every
/// primary container server of the object's container (container ring) not yet recorded in the
/// file's `successes`. When all took it, the file is removed; otherwise the devices that did
/// are recorded in it, and the rest are tried again on the next pass. An unreadable file is
/// moved to `quarantined/objects/`.
public struct ObjectUpdater: Sendable {
    public let context: DaemonContext
    /// Updates sent at once.
    public var concurrency: Int

    public init(context: DaemonContext, concurrency: Int = 8) {
        self.context = context
        self.concurrency = concurrency
    }

    public func runOnce() async -> DaemonReport {
        let tally = DaemonTally("object-updater")
        for device in context.localDevices(.object) {
            let devicePath = context.devicePath(device)
            let entries: [AsyncPending.Entry]
            do {
                entries = try await context.blocking { try AsyncPending.list(devicePath: devicePath) }
            } catch {
                tally.add("errors")
                context.logger.error("cannot list async pendings", metadata: ["device": "\(devicePath)", "error": "\(error)"])
                continue
            }
            await forEachConcurrently(entries, limit: concurrency) { entry in
                await process(entry, devicePath: devicePath, tally)
            }
        }
        let report = tally.report()
        context.logger.info("object update pass done", metadata: ["report": "\(report)"])
        return report
    }

    func process(_ entry: AsyncPending.Entry, devicePath: String, _ tally: DaemonTally) async {
        guard entry.isNewest else {
            AsyncPending.remove(entry)
            tally.add("outdated removed")
            return
        }
        guard var update = AsyncPending.load(entry) else {
            if FileManager.default.fileExists(atPath: entry.path) {
                tally.add("quarantined")
                let target = devicePath + "/" + ObjectDiskLayout.quarantineDirectory
                try? FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                rename(entry.path, target + "/" + (entry.path as NSString).lastPathComponent)
                context.logger.error("unreadable async pending quarantined", metadata: ["path": "\(entry.path)"])
            }
            return
        }
        let partition: Int
        let nodes: [RingDevice]
        do {
            (partition, nodes) = try context.ring(.container).nodes(account: update.account, container: update.container)
        } catch {
            tally.add("errors")
            return
        }
        var headers = update.headers
        headers["user-agent"] = "object-updater \(getpid())"
        let outgoing = ContainerUpdate(
            op: update.op, account: update.account, container: update.container, object: update.object, headers: headers)
        let sender = HTTPContainerUpdateSender(client: context.client)
        let already = Set(update.successes ?? [])
        let pending = nodes.filter { !already.contains($0.id) }
        let delivered = await withTaskGroup(of: Int?.self) { group -> [Int] in
            for node in pending {
                let target = ContainerUpdateTarget(host: context.host(of: node), device: node.device, partition: String(partition))
                group.addTask {
                    do {
                        try await sender.send(outgoing, to: target)
                        return node.id
                    } catch {
                        return nil
                    }
                }
            }
            var ids: [Int] = []
            for await id in group { if let id { ids.append(id) } }
            return ids
        }
        if delivered.count == pending.count {
            AsyncPending.remove(entry)
            tally.add("successes")
            return
        }
        tally.add("failures")
        guard !delivered.isEmpty else { return }
        update.successes = (update.successes ?? []) + delivered.sorted()
        let saved = update
        do {
            _ = try await context.blocking {
                try AsyncPending.save(saved, devicePath: devicePath, hash: entry.hash, timestamp: entry.timestamp)
            }
        } catch {
            context.logger.error("cannot rewrite an async pending", metadata: ["path": "\(entry.path)", "error": "\(error)"])
        }
    }
}
