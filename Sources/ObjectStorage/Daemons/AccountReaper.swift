import Crypto
import Foundation
import Logging
import NIOHTTP1

/// Swift's account reaper: removes the objects and containers of deleted accounts.
///
/// An account DELETE only marks the account's databases deleted (`AccountDatabase.markDeleted`).
/// For each account database on the local devices that is marked deleted
/// (`AccountInfo.isStatusDeleted`) and still lists containers, once `delayReaping` seconds have
/// passed since the DELETE, the reaper on each primary device of the account's partition takes
/// its share of the containers (those whose name's MD5, modulo the number of primaries, is the
/// device's index among them: the primaries split the work, and one host holding them all
/// reaps everything in one pass). For each container:
///
/// 1. its objects are listed from the container's last primary, page by page;
/// 2. each object gets a DELETE on each of its primaries (object ring), each told one
///    container primary to update (`X-Container-Host`, `-Device`, `-Partition`), so the
///    container's listing empties;
/// 3. the container gets a DELETE on each of its primaries, each told one account primary to
///    update with `X-Account-Override-Deleted: yes` (a deleted account's database takes no
///    other container updates), so the account's container count drops.
///
/// An object or container counts as deleted when more of its replicas answered 2xx than not,
/// remaining when none did, possibly remaining otherwise; what remains is tried again on the
/// next pass. The account's database stays (deleted, with no containers) for the account
/// replicator to reclaim.
public struct AccountReaper: Sendable {
    public let context: DaemonContext
    /// The account databases' connections (the account server's, in one process with it).
    public let cache: BrokerConnectionCache
    /// Seconds after an account's DELETE before its data is reaped (Swift's `delay_reaping`).
    public var delayReaping: Double
    /// Swift's `concurrency`: its square root is both the containers reaped at once and the
    /// objects of one container deleted at once.
    public var concurrency: Int

    public init(context: DaemonContext, cache: BrokerConnectionCache, delayReaping: Double = 0, concurrency: Int = 25) {
        self.context = context
        self.cache = cache
        self.delayReaping = delayReaping
        self.concurrency = concurrency
    }

    var width: Int { max(1, Int(Double(max(concurrency, 1)).squareRoot())) }

    public func runOnce() async -> DaemonReport {
        let tally = DaemonTally("account-reaper")
        for device in context.localDevices(.account) {
            let devicePath = context.devicePath(device)
            let databases = (try? await context.blocking { StorageWalk.databases(devicePath: devicePath, kind: .account) }) ?? []
            for database in databases {
                if Task.isCancelled { break }
                await reapIfDeleted(database, device: device, tally)
            }
        }
        let report = tally.report()
        context.logger.info("account reaper pass done", metadata: ["report": "\(report)"])
        return report
    }

    /// The account pass: when the database is a deleted account's with containers left, and
    /// this device is one of its partition's primaries.
    func reapIfDeleted(_ database: StorageWalk.Database, device: RingDevice, _ tally: DaemonTally) async {
        guard let partition = Int(database.partition) else { return }
        let accountNodes = context.ring(.account).primaryNodes(partition: partition)
        // On a handoff device the account replicator moves the database to its primaries.
        guard let shard = accountNodes.firstIndex(where: { $0.id == device.id }) else { return }
        let info: AccountInfo?
        do {
            info = try await cache.withDatabase(at: database.path) { db in try await AccountDatabase(database: db, account: "").info() }
        } catch {
            tally.add("errors")
            context.logger.error("cannot read an account database", metadata: ["path": "\(database.path)", "error": "\(error)"])
            return
        }
        guard let info, info.isStatusDeleted, info.containerCount > 0 else { return }
        guard context.clock() - info.deleteTimestamp.seconds > delayReaping else {
            tally.add("accounts delayed")
            return
        }
        tally.add("accounts")
        context.logger.info("reaping a deleted account", metadata: ["account": "\(info.account)"])
        let pageSize = 1000 * max(accountNodes.count, 1)
        var marker = ""
        while !Task.isCancelled {
            let page: [ContainerRecord]
            do {
                let query = ListingQuery(marker: marker, limit: pageSize, allowReserved: true)
                page = try await cache.withDatabase(at: database.path) { db in
                    try await AccountDatabase(database: db, account: "").listContainers(query).compactMap { entry in
                        if case .row(let record) = entry { record } else { nil }
                    }
                }
            } catch {
                tally.add("errors")
                context.logger.error("cannot list a deleted account's containers", metadata: ["account": "\(info.account)", "error": "\(error)"])
                return
            }
            guard let last = page.last else { break }
            let mine = page.map(\.name).filter { Self.shard(of: $0, among: accountNodes.count) == shard }
            await forEachConcurrently(mine, limit: width) { container in
                await reapContainer(account: info.account, container: container, accountPartition: partition, accountNodes: accountNodes, tally)
            }
            marker = last.name
        }
    }

    /// Which primary of the account reaps a container: MD5 of its name modulo their number.
    static func shard(of container: String, among count: Int) -> Int {
        guard count > 1 else { return 0 }
        // The digest as one big number, modulo `count`, a byte at a time.
        return Insecure.MD5.hash(data: Array(container.utf8)).reduce(0) { ($0 * 256 + Int($1)) % count }
    }

    func reapContainer(account: String, container: String, accountPartition: Int, accountNodes: [RingDevice], _ tally: DaemonTally) async {
        let partition: Int
        let nodes: [RingDevice]
        do {
            (partition, nodes) = try context.ring(.container).nodes(account: account, container: container)
        } catch {
            tally.add("errors")
            return
        }
        guard let listingNode = nodes.last else { return }
        var marker = ""
        while !Task.isCancelled {
            guard let listing = await listObjects(account: account, container: container, partition: partition, node: listingNode, marker: marker),
                let last = listing.names.last
            else { break }
            await forEachConcurrently(listing.names, limit: width) { object in
                await reapObject(
                    account: account, container: container, object: object, policyIndex: listing.policyIndex,
                    containerPartition: partition, containerNodes: nodes, tally)
            }
            marker = last
        }
        let timestamp = SwiftTimestamp.now().internal
        let statuses = await withTaskGroup(of: Int?.self) { group -> [Int?] in
            for (index, node) in nodes.enumerated() {
                var headers = HTTPHeaders()
                headers.add(name: "X-Timestamp", value: timestamp)
                headers.add(name: "X-Account-Override-Deleted", value: "yes")
                if !accountNodes.isEmpty {
                    // Swift pairs the container's primaries with the account's from the last one back.
                    let accountNode = accountNodes[accountNodes.count - 1 - index % accountNodes.count]
                    headers.add(name: "X-Account-Host", value: context.host(of: accountNode))
                    headers.add(name: "X-Account-Device", value: accountNode.device)
                    headers.add(name: "X-Account-Partition", value: String(accountPartition))
                }
                let path = BackendClient.path(device: node.device, partition: partition, account: account, container: container)
                group.addTask { await context.request(.DELETE, node: node, path: path, headers: headers)?.status }
            }
            var statuses: [Int?] = []
            for await status in group { statuses.append(status) }
            return statuses
        }
        tally.add(Self.outcome(statuses, of: "containers"))
    }

    /// One page of a container's object names from one container server, with the container's
    /// storage policy index; nil when the server did not answer with a listing.
    func listObjects(account: String, container: String, partition: Int, node: RingDevice, marker: String) async
        -> (names: [String], policyIndex: String)?
    {
        var headers = HTTPHeaders()
        headers.add(name: "X-Backend-Allow-Reserved-Names", value: "true")
        var path = BackendClient.path(device: node.device, partition: partition, account: account, container: container) + "?format=json"
        if !marker.isEmpty { path += "&marker=" + BackendClient.percentEncode(marker) }
        guard let answer = await context.request(.GET, node: node, path: path, headers: headers) else { return nil }
        guard answer.isSuccess else {
            if answer.status != 404 {
                context.logger.warning(
                    "listing a deleted account's container failed",
                    metadata: ["account": "\(account)", "container": "\(container)", "status": "\(answer.status)"])
            }
            return nil
        }
        struct Entry: Decodable { var name: String? }
        let entries = answer.status == 204 ? [] : ((try? JSONDecoder().decode([Entry].self, from: answer.data)) ?? [])
        return (entries.compactMap(\.name), answer.headers.first(name: "X-Backend-Storage-Policy-Index") ?? "0")
    }

    func reapObject(
        account: String, container: String, object: String, policyIndex: String, containerPartition: Int, containerNodes: [RingDevice],
        _ tally: DaemonTally
    ) async {
        let partition: Int
        let nodes: [RingDevice]
        do {
            (partition, nodes) = try context.ring(.object).nodes(account: account, container: container, object: object)
        } catch {
            tally.add("objects remaining")
            return
        }
        let timestamp = SwiftTimestamp.now().internal
        let statuses = await withTaskGroup(of: Int?.self) { group -> [Int?] in
            for (index, node) in nodes.enumerated() {
                var headers = HTTPHeaders()
                headers.add(name: "X-Timestamp", value: timestamp)
                headers.add(name: "X-Backend-Storage-Policy-Index", value: policyIndex)
                if !containerNodes.isEmpty {
                    let containerNode = containerNodes[index % containerNodes.count]
                    headers.add(name: "X-Container-Host", value: context.host(of: containerNode))
                    headers.add(name: "X-Container-Device", value: containerNode.device)
                    headers.add(name: "X-Container-Partition", value: String(containerPartition))
                }
                let path = BackendClient.path(device: node.device, partition: partition, account: account, container: container, object: object)
                group.addTask { await context.request(.DELETE, node: node, path: path, headers: headers)?.status }
            }
            var statuses: [Int?] = []
            for await status in group { statuses.append(status) }
            return statuses
        }
        tally.add(Self.outcome(statuses, of: "objects"))
    }

    /// `<kind> deleted` when more replicas took the DELETE than not, `<kind> remaining` when
    /// none did, `<kind> possibly remaining` otherwise.
    static func outcome(_ statuses: [Int?], of kind: String) -> String {
        let successes = statuses.filter { $0.map { (200..<300).contains($0) } ?? false }.count
        let failures = statuses.count - successes
        if successes > failures { return "\(kind) deleted" }
        return successes == 0 ? "\(kind) remaining" : "\(kind) possibly remaining"
    }
}
