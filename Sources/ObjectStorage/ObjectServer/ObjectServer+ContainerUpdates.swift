import Foundation
import HTTPTypes
import Hummingbird
import StratusKit
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension ObjectServer {
    /// The container servers a write must tell, from the proxy's headers: `X-Container-Host`
    /// and `X-Container-Device` are comma-separated lists of equal length (one entry per
    /// container replica), `X-Container-Partition` the container's partition. Nil when the
    /// lists differ in length (a proxy bug, logged); empty without a partition.
    static func containerTargets(_ headers: HTTPFields) -> [ContainerUpdateTarget]? {
        func list(_ name: HTTPField.Name) -> [String] {
            (headers[name] ?? "").split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let hosts = list(.xContainerHost)
        let devices = list(.xContainerDevice)
        guard hosts.count == devices.count else { return nil }
        guard let partition = headers[.xContainerPartition], !partition.isEmpty else { return [] }
        return zip(hosts, devices).map { ContainerUpdateTarget(host: $0, device: $1, partition: partition) }
    }

    /// `X-Backend-Container-Update-Override-<name>` (and the `X-Object-Sysmeta-Container-Update-Override-`
    /// form) replace `x-<name>` in the update, as Swift lets middleware adjust what listings show.
    static func applyContainerUpdateOverrides(_ headers: HTTPFields, to update: inout [String: String]) {
        for prefix in ["x-object-sysmeta-container-update-override-", "x-backend-container-update-override-"] {
            for field in headers where field.name.canonicalName.hasPrefix(prefix) {
                update["x-" + field.name.canonicalName.dropFirst(prefix.count)] = field.value
            }
        }
    }

    /// Tells the container servers about a write, as Swift's object server does: one update
    /// per target, sent through `containerUpdateSender`; each one that fails, or every one when
    /// there is no sender, is saved in the device's `async_pending` for the updater. Waits up
    /// to `containerUpdateTimeout` for them; slower ones finish (or are saved) afterwards.
    func updateContainer(
        op: String, path: ObjectRequestPath, disk: DiskFile, request: Request, headers: [String: String],
        context: StratusRequestContext
    ) async {
        guard let targets = ObjectServer.containerTargets(request.headers) else {
            context.logger.error(
                "container update failed: different numbers of hosts and devices in request",
                metadata: [
                    "hosts": "\(request.headers[.xContainerHost] ?? "")",
                    "devices": "\(request.headers[.xContainerDevice] ?? "")",
                ])
            return
        }
        guard !targets.isEmpty else { return }
        var headers = headers
        headers["x-trans-id"] = request.headers[.xTransID] ?? "-"
        headers["referer"] = "\(request.method.rawValue) \(request.uri.path)"
        headers["x-backend-storage-policy-index"] = "0"
        headers["user-agent"] = "object-server \(getpid())"
        let update = ContainerUpdate(
            op: op, account: path.account, container: path.container, object: path.object, headers: headers)
        let sender = containerUpdateSender
        let logger = context.logger
        let server = self
        let tasks = targets.map { target in
            Task {
                do {
                    guard let sender else { throw ContainerUpdateUnavailable() }
                    try await sender.send(update, to: target)
                    return
                } catch {
                    logger.error(
                        "container update failed (saving for async update later)",
                        metadata: ["host": "\(target.host)", "device": "\(target.device)", "error": "\(error)"])
                }
                do {
                    let timestamp = update.timestamp ?? .zero
                    try await server.blocking {
                        try AsyncPending.save(update, devicePath: disk.devicePath, hash: disk.hash, timestamp: timestamp)
                    }
                } catch {
                    logger.error("cannot save async pending update", metadata: ["error": "\(error)"])
                }
            }
        }
        let timeout = containerUpdateTimeout
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = ResumeOnce(continuation)
            let timer = Task {
                try? await Task.sleep(for: timeout)
                once.resume()
            }
            Task {
                for task in tasks { await task.value }
                timer.cancel()
                once.resume()
            }
        }
    }
}

/// Resumes a continuation the first time `resume()` is called; later calls do nothing.
private final class ResumeOnce: Sendable {
    private let continuation: Mutex<CheckedContinuation<Void, Never>?>

    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = Mutex(continuation) }

    func resume() {
        continuation.withLock { pending in
            pending?.resume()
            pending = nil
        }
    }
}

/// No sender is configured: every update goes to `async_pending`.
struct ContainerUpdateUnavailable: Error, CustomStringConvertible {
    var description: String { "no container update sender" }
}
