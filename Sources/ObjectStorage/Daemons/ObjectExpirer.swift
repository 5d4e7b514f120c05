import Foundation
import Logging
import NIOHTTP1

/// Swift's object expirer: removes objects whose `X-Delete-At` has passed, from the object
/// servers and from their container's listing.
///
/// For each due entry of the local devices' expirer queues (see `ExpirerQueue`), a DELETE goes
/// to every primary of the object with `X-Timestamp` and `X-If-Delete-At` set to the expiry
/// time (so only an object still carrying that `X-Delete-At` is deleted, and every replica
/// writes the same tombstone), and with the container server each one must tell
/// (`X-Container-Host`, `-Device`, `-Partition`, paired as the proxy pairs them), which removes
/// the listing row. The entry is removed once every primary answered 2xx, 404 (not there),
/// 409 (deleted already, or newer data) or 412 (the object's `X-Delete-At` changed); otherwise
/// it is tried again on the next pass.
public struct ObjectExpirer: Sendable {
    public let context: DaemonContext
    /// Objects expired at once.
    public var concurrency: Int

    public init(context: DaemonContext, concurrency: Int = 8) {
        self.context = context
        self.concurrency = concurrency
    }

    public func runOnce() async -> DaemonReport {
        let tally = DaemonTally("object-expirer")
        let now = context.clock()
        for device in context.localDevices(.object) {
            let devicePath = context.devicePath(device)
            let entries = (try? await context.blocking { ExpirerQueue.due(devicePath: devicePath, now: now) }) ?? []
            await forEachConcurrently(entries, limit: concurrency) { entry in
                await expire(entry, tally)
            }
        }
        let report = tally.report()
        context.logger.info("object expiry pass done", metadata: ["report": "\(report)"])
        return report
    }

    func expire(_ entry: ExpirerQueue.Entry, _ tally: DaemonTally) async {
        guard !entry.account.isEmpty, !entry.container.isEmpty, !entry.object.isEmpty else {
            ExpirerQueue.remove(entry)
            tally.add("unreadable entries removed")
            return
        }
        let partition: Int
        let nodes: [RingDevice]
        let containerPartition: Int
        let containerNodes: [RingDevice]
        do {
            (partition, nodes) = try context.ring(.object).nodes(
                account: entry.account, container: entry.container, object: entry.object)
            (containerPartition, containerNodes) = try context.ring(.container).nodes(
                account: entry.account, container: entry.container)
        } catch {
            tally.add("errors")
            return
        }
        guard let timestamp = SwiftTimestamp(seconds: Double(entry.deleteAt)) else {
            ExpirerQueue.remove(entry)
            return
        }
        let path = { (node: RingDevice) in
            BackendClient.path(
                device: node.device, partition: partition, account: entry.account, container: entry.container,
                object: entry.object)
        }
        let statuses = await withTaskGroup(of: Int?.self) { group -> [Int?] in
            for (index, node) in nodes.enumerated() {
                var headers = HTTPHeaders()
                headers.add(name: "X-Timestamp", value: timestamp.normal)
                headers.add(name: "X-If-Delete-At", value: String(entry.deleteAt))
                headers.add(name: "User-Agent", value: "object-expirer")
                if !containerNodes.isEmpty {
                    let container = containerNodes[index % containerNodes.count]
                    headers.add(name: "X-Container-Host", value: context.host(of: container))
                    headers.add(name: "X-Container-Device", value: container.device)
                    headers.add(name: "X-Container-Partition", value: String(containerPartition))
                }
                let target = path(node)
                group.addTask { await context.request(.DELETE, node: node, path: target, headers: headers)?.status }
            }
            var statuses: [Int?] = []
            for await status in group { statuses.append(status) }
            return statuses
        }
        let settled = statuses.allSatisfy { status in
            guard let status else { return false }
            return (200..<300).contains(status) || [404, 409, 412].contains(status)
        }
        if settled {
            ExpirerQueue.remove(entry)
            if statuses.contains(where: { $0.map { (200..<300).contains($0) } ?? false }) {
                tally.add("objects expired")
            } else {
                tally.add("entries done elsewhere")
            }
        } else {
            tally.add("failures")
            context.logger.error(
                "expiring an object failed; will retry",
                metadata: ["object": "/\(entry.account)/\(entry.container)/\(entry.object)", "statuses": "\(statuses)"])
        }
    }
}
