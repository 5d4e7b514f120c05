import StratusKit

/// Delivers a container server's account updates to an account server in the same process (a
/// one-host cloud), through the same code as `PUT /<device>/<partition>/<account>/<container>`.
/// The target's host is not looked at: every device is this account server's.
public struct LocalAccountUpdateSender: AccountUpdateSender {
    public let accountServer: AccountServer

    public init(accountServer: AccountServer) { self.accountServer = accountServer }

    public func send(_ update: AccountUpdate, to target: AccountUpdateTarget) async throws -> Int {
        let report = ContainerReport(
            device: target.device, partition: target.partition, account: update.account, container: update.container,
            record: ContainerRecord(
                name: update.container, putTimestamp: update.putTimestamp, deleteTimestamp: update.deleteTimestamp,
                objectCount: update.objectCount, bytesUsed: update.bytesUsed, storagePolicyIndex: update.storagePolicyIndex),
            timestamp: .now(), overrideDeleted: update.overrideDeleted)
        do {
            return Int(try await accountServer.apply(report).code)
        } catch let error as APIError {
            return error.status.code
        }
    }
}
