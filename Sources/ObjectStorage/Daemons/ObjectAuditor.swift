import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Swift's object auditor: re-reads every object's current `.data` file on the local devices and
/// compares its size and MD5 with the `Content-Length` and `ETag` it was stored with
/// (`ObjectChecksum`). A file that no longer matches (bit rot, a torn write, unreadable
/// metadata) has its hash directory moved to `quarantined/objects/` and its suffix invalidated,
/// so the partition's hashes change and the other replicas' replicators push a good copy back.
///
/// `bytesPerSecond` (Swift's `bytes_per_second`, default 10 MB/s there) keeps the disks
/// available to clients: the pass sleeps whenever it runs ahead of that rate; 0 does not limit.
public struct ObjectAuditor: Sendable {
    public let context: DaemonContext
    public var bytesPerSecond: Int

    public init(context: DaemonContext, bytesPerSecond: Int = 10_000_000) {
        self.context = context
        self.bytesPerSecond = bytesPerSecond
    }

    public func runOnce() async -> DaemonReport {
        let tally = DaemonTally("object-auditor")
        let started = ContinuousClock.now
        var bytes = 0
        for device in context.localDevices(.object) {
            let devicePath = context.devicePath(device)
            let objects = devicePath + "/" + ObjectDiskLayout.objectsDirectory
            for partition in StorageWalk.partitions(objects) {
                let suffixes = StorageWalk.suffixes(objects + "/" + partition)
                for suffix in suffixes {
                    let suffixPath = objects + "/" + partition + "/" + suffix
                    for hash in StorageWalk.hashes(suffixPath) {
                        if Task.isCancelled { return tally.report() }
                        bytes += await audit(suffixPath + "/" + hash, devicePath: devicePath, tally)
                        await pace(bytes: bytes, since: started)
                    }
                }
            }
        }
        let report = tally.report()
        context.logger.info("object audit pass done", metadata: ["report": "\(report)"])
        return report
    }

    /// Audits one hash directory; returns the bytes read.
    func audit(_ hashDirectory: String, devicePath: String, _ tally: DaemonTally) async -> Int {
        do {
            let checked = try await context.blocking { () -> (size: Int, result: ObjectChecksum.Result, to: String?)? in
                let contents = HashDirectoryContents(names: try HashDirectory.list(hashDirectory))
                guard let data = contents.data else { return nil }
                var info = stat()
                let size = stat(hashDirectory + "/" + data.name, &info) == 0 ? Int(info.st_size) : 0
                let (result, moved) = try ObjectChecksum.audit(hashDirectory: hashDirectory, devicePath: devicePath)
                return (size, result, moved)
            }
            guard let (size, result, quarantinedTo) = checked else { return 0 }  // a tombstone only
            tally.add("objects checked")
            tally.add("bytes read", size)
            if case .corrupt(let reason) = result {
                tally.add("quarantined")
                context.logger.error(
                    "object quarantined",
                    metadata: ["path": "\(hashDirectory)", "reason": "\(reason)", "to": "\(quarantinedTo ?? "-")"])
            }
            return size
        } catch DiskFileError.system(_, _, let code) where code == ENOENT {
            return 0  // removed meanwhile (a newer write, a replicator)
        } catch {
            tally.add("errors")
            context.logger.error("object audit failed", metadata: ["path": "\(hashDirectory)", "error": "\(error)"])
            return 0
        }
    }

    /// Sleeps until `bytes` fit the rate limit.
    private func pace(bytes: Int, since start: ContinuousClock.Instant) async {
        guard bytesPerSecond > 0 else { return }
        let due = start + .seconds(Double(bytes) / Double(bytesPerSecond))
        if due > ContinuousClock.now { try? await Task.sleep(until: due, clock: .continuous) }
    }
}
