import Foundation
import Logging
import StratusKit

/// The consistency daemons of one Object Storage host, run in the background by `stratus up`
/// (each on its own interval) or one pass at a time by `stratus object replicate|audit|update|expire|reap`.
public final class DaemonRunner: Sendable {
    public enum Daemon: String, Sendable, CaseIterable {
        case objectReplicator = "object-replicator"
        case containerReplicator = "container-replicator"
        case accountReplicator = "account-replicator"
        case objectAuditor = "object-auditor"
        case objectUpdater = "object-updater"
        case containerUpdater = "container-updater"
        case objectExpirer = "object-expirer"
        case accountReaper = "account-reaper"

        /// Its configuration key for the seconds between passes (`object.<key>`).
        public var intervalKey: String {
            switch self {
            case .objectReplicator: "replicator_interval"
            case .containerReplicator: "container_replicator_interval"
            case .accountReplicator: "account_replicator_interval"
            case .objectAuditor: "auditor_interval"
            case .objectUpdater: "updater_interval"
            case .containerUpdater: "container_updater_interval"
            case .objectExpirer: "expirer_interval"
            case .accountReaper: "reaper_interval"
            }
        }
    }

    /// The daemons of each `stratus object` command.
    public static let commands: [String: [Daemon]] = [
        "replicate": [.objectReplicator, .containerReplicator, .accountReplicator],
        "audit": [.objectAuditor],
        "update": [.objectUpdater, .containerUpdater],
        "expire": [.objectExpirer],
        "reap": [.accountReaper],
    ]

    public static let defaultInterval: Double = 30

    public let context: DaemonContext
    let containerCache: BrokerConnectionCache
    let accountCache: BrokerConnectionCache
    /// Seconds between the end of a pass and the start of the next; 0 (or less) keeps a daemon
    /// from running in the background.
    public let intervals: [Daemon: Double]
    public let auditorBytesPerSecond: Int
    /// Partitions (objects) or databases (containers, accounts) the replicators work on at once.
    public let replicatorConcurrency: Int
    /// Seconds after an account's DELETE before the reaper removes its data.
    public let delayReaping: Double

    public init(
        context: DaemonContext, containerCache: BrokerConnectionCache, accountCache: BrokerConnectionCache,
        intervals: [Daemon: Double] = [:], auditorBytesPerSecond: Int = 10_000_000, replicatorConcurrency: Int = 4,
        delayReaping: Double = 0
    ) {
        self.context = context
        self.containerCache = containerCache
        self.accountCache = accountCache
        self.intervals = intervals
        self.auditorBytesPerSecond = auditorBytesPerSecond
        self.replicatorConcurrency = max(1, replicatorConcurrency)
        self.delayReaping = max(0, delayReaping)
    }

    /// Intervals from `object.<daemon>_interval` settings (seconds, default 30).
    public static func intervals(from config: StratusConfig) throws -> [Daemon: Double] {
        var intervals: [Daemon: Double] = [:]
        for daemon in Daemon.allCases {
            intervals[daemon] = Double(try config.int("object." + daemon.intervalKey, default: Int(defaultInterval)))
        }
        return intervals
    }

    /// One pass of one daemon.
    public func runOnce(_ daemon: Daemon) async -> DaemonReport {
        switch daemon {
        case .objectReplicator: await ObjectReplicator(context: context, concurrency: replicatorConcurrency).runOnce()
        case .containerReplicator:
            await DatabaseReplicator(context: context, kind: .container, cache: containerCache, concurrency: replicatorConcurrency)
                .runOnce()
        case .accountReplicator:
            await DatabaseReplicator(context: context, kind: .account, cache: accountCache, concurrency: replicatorConcurrency)
                .runOnce()
        case .objectAuditor: await ObjectAuditor(context: context, bytesPerSecond: auditorBytesPerSecond).runOnce()
        case .objectUpdater: await ObjectUpdater(context: context).runOnce()
        case .containerUpdater: await ContainerUpdater(context: context, cache: containerCache).runOnce()
        case .objectExpirer: await ObjectExpirer(context: context).runOnce()
        case .accountReaper: await AccountReaper(context: context, cache: accountCache, delayReaping: delayReaping).runOnce()
        }
    }

    /// Passes of several daemons, one after the other.
    public func runOnce(_ daemons: [Daemon]) async -> [DaemonReport] {
        var reports: [DaemonReport] = []
        for daemon in daemons {
            if Task.isCancelled { break }
            reports.append(await runOnce(daemon))
        }
        return reports
    }

    /// Runs `daemon` until the task is cancelled: a first pass after a random part of its
    /// interval (so that the daemons of a cloud do not all start together), then one pass every
    /// interval.
    public func runForever(_ daemon: Daemon, interval: Double) async {
        guard interval > 0 else { return }
        try? await Task.sleep(for: .seconds(Double.random(in: 0..<1) * interval))
        while !Task.isCancelled {
            _ = await runOnce(daemon)
            try? await Task.sleep(for: .seconds(interval))
        }
    }

    /// One background task per daemon whose interval is positive.
    public func backgroundTasks() -> [BackgroundTask] {
        Daemon.allCases.compactMap { daemon in
            let interval = intervals[daemon] ?? Self.defaultInterval
            guard interval > 0 else { return nil }
            return BackgroundTask { await self.runForever(daemon, interval: interval) }
        }
    }
}
