import Foundation
import Hummingbird
import StratusKit

extension ObjectServer {
    /// Adds the object to its device's expirer queue (see `ExpirerQueue`) after a write that
    /// stored `X-Delete-At`. A failure is logged, not answered: the object is stored, and it
    /// still reads as expired after its time; only its removal waits (a later write with the
    /// same `X-Delete-At`, or the replication of the object, queues it again).
    func recordExpiring(disk: DiskFile, path: ObjectRequestPath, deleteAt: Int64, context: StratusRequestContext) async {
        do {
            _ = try await blocking {
                try ExpirerQueue.record(
                    devicePath: disk.devicePath, hash: disk.hash, account: path.account, container: path.container,
                    object: path.object, deleteAt: deleteAt)
            }
        } catch {
            context.logger.error(
                "cannot queue an expiring object", metadata: ["object": "\(disk.name)", "error": "\(error)"])
        }
    }
}
