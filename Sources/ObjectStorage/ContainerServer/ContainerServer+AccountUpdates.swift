import Foundation
import Logging
import StratusKit

extension ContainerServer {
    /// Tells the account servers of a container PUT or DELETE about the container's stats, as
    /// Swift's `account_update`: one update per `X-Account-Host` / `X-Account-Device` pair
    /// (comma-separated lists of the same length, else 400), for `X-Account-Partition` (none
    /// without it). An update that gets no answer or an error status is queued for the updater
    /// (`accountUpdateQueue`); one answered 404 is not (the account does not exist). Returns 404
    /// when every account server answered 404, nil otherwise.
    func updateAccounts(_ storage: StorageRequest, broker: ContainerBroker) async throws -> APIError? {
        let hosts = (storage.header("x-account-host") ?? "").split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let devices = (storage.header("x-account-device") ?? "").split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard hosts.count == devices.count else {
            logger.error(
                "account update failed: different numbers of hosts and devices",
                metadata: ["hosts": "\(hosts)", "devices": "\(devices)"])
            return APIError(.badRequest, "")
        }
        let partition = storage.header("x-account-partition") ?? ""
        guard !partition.isEmpty else { return nil }
        let targets = zip(hosts, devices).filter { !$0.0.isEmpty }.map {
            AccountUpdateTarget(host: $0.0, device: $0.1, partition: partition)
        }
        guard !targets.isEmpty, let info = try await broker.info() else { return nil }
        let update = AccountUpdate(
            account: broker.account, container: broker.container, putTimestamp: info.putTimestamp,
            deleteTimestamp: info.deleteTimestamp, objectCount: info.objectCount, bytesUsed: info.bytesUsed,
            storagePolicyIndex: info.storagePolicyIndex, transactionID: storage.header("x-trans-id") ?? "-",
            overrideDeleted: (storage.header("x-account-override-deleted") ?? "no").lowercased() == "yes")
        var notFound = 0
        var failed: [AccountUpdateTarget] = []
        for target in targets {
            do {
                let status = try await accountUpdateSender.send(update, to: target)
                if status == 404 {
                    notFound += 1
                } else if !(200..<300).contains(status) {
                    logger.error(
                        "account update failed (will retry later)",
                        metadata: ["host": "\(target.host)", "device": "\(target.device)", "status": "\(status)"])
                    failed.append(target)
                }
            } catch {
                logger.error(
                    "account update failed (will retry later)",
                    metadata: ["host": "\(target.host)", "device": "\(target.device)", "error": "\(error)"])
                failed.append(target)
            }
        }
        if !failed.isEmpty {
            let hash = try location.hash(account: broker.account, container: broker.container)
            do {
                try accountUpdateQueue.enqueue(update, targets: failed, device: broker.device, containerHash: hash)
            } catch {
                logger.error("cannot queue an account update", metadata: ["error": "\(error)"])
            }
        }
        return notFound == targets.count ? APIError(.notFound, "") : nil
    }
}
