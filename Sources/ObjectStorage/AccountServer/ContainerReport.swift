import HTTPTypes
import StratusKit

/// A container server's report of a container's stats to its account server
/// (`PUT /<device>/<partition>/<account>/<container>`), however it arrived: over HTTP or from a
/// container server in the same process (`LocalAccountUpdateSender`).
struct ContainerReport: Sendable {
    var device: String
    var partition: String
    var account: String
    var container: String
    var record: ContainerRecord
    /// `X-Timestamp`, or now (used only to create an auto-created account).
    var timestamp: SwiftTimestamp
    var overrideDeleted: Bool
}

extension AccountServer {
    /// Applies a report as Swift does: an internal (`.`-prefixed) account is created on its first
    /// report; a missing account, or a deleted one without `overrideDeleted`, is 404; otherwise
    /// the row is merged and the answer is 204 when the container's DELETE is newer than its PUT,
    /// 201 otherwise.
    func apply(_ report: ContainerReport) async throws -> HTTPResponse.Status {
        guard location.deviceDirectory(report.device) != nil else {
            throw StorageErrorRenderer.insufficientStorage(drive: report.device)
        }
        let broker = try broker(device: report.device, partition: report.partition, account: report.account)
        let device = report.device
        try await broker.access { database in
            if report.account.hasPrefix("."), !database.exists {
                try await database.initialize(putTimestamp: report.timestamp, device: device)
            }
            guard let info = try await database.info(), report.overrideDeleted || !info.isDeleted else {
                throw APIError(.notFound, "")
            }
            try await database.putContainer(report.record)
        }
        return report.record.deleteTimestamp > report.record.putTimestamp ? .noContent : .created
    }
}
