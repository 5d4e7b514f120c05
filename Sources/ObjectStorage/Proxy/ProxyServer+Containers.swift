import HTTPTypes
import Hummingbird
import NIOHTTP1
import StratusKit

/// Containers: create (creating the account first when needed), list, metadata, delete.
/// Each container replica is told which account replica to report its stats to. The
/// versioning headers become system metadata on the way in and are shown on the way out
/// (`ContainerVersioning`). In a deleted account every container request is 404.
extension ProxyServer {
    func containerNodes(_ account: String, _ container: String) throws -> (partition: Int, nodes: [RingDevice]) {
        let partition = try rings.container.partition(account: account, container: container)
        return (partition, rings.container.primaryNodes(partition: partition))
    }

    func handleContainer(_ request: Request, account: String, container: String) async throws -> Response {
        // The containers of a deleted account are gone for clients, before the reaper removes them.
        if case .deleted = try await accountLookup(account) { return ProxyErrors.response(.notFound) }
        let (partition, nodes) = try containerNodes(account, container)
        let path = { (node: RingDevice) in
            BackendClient.path(device: node.device, partition: partition, account: account, container: container)
        }
        let fields: HTTPFields
        switch ContainerVersioning.translateContainerHeaders(request.headers, method: request.method, enabled: allowVersionedWrites) {
        case .success(let translated): fields = translated
        case .failure(.bothLocations):
            return Self.textResponse(
                .badRequest, "Only one of x-versions-location or x-history-location may be specified", contentType: "text/plain")
        case .failure(.disabled):
            return Self.textResponse(.preconditionFailed, "Versioned Writes is disabled", contentType: "text/plain")
        case .failure(.slash):
            return Self.textResponse(.preconditionFailed, "Container name cannot contain slashes")
        }
        switch request.method {
        case .get, .head:
            let answer = await replicas.read(
                request.method == .head ? .HEAD : .GET, ring: rings.container, partition: partition, path: path,
                headers: ProxyHeaders.toBackend(fields), query: request.uri.query)
            if answer.status == 404 { return ProxyErrors.response(.notFound) }
            var response = relay(answer, method: request.method)
            if let location = ContainerVersioning.clientField(containerInfo: answer.headers) { response.headers.append(location) }
            return response
        case .put, .delete:
            defer { infoCache.invalidate(InfoCache.key(account: account, container: container)) }
            if request.method == .put { try await ensureAccount(account) }
            let accountTargets = try accountNodes(account)
            var base = ProxyHeaders.toBackend(fields)
            base.replaceOrAdd(name: "X-Timestamp", value: Self.timestamp())
            let targets = nodes.enumerated().map { index, node in
                var headers = base
                let accountNode = accountTargets.nodes[index % max(accountTargets.nodes.count, 1)]
                headers.replaceOrAdd(name: "X-Account-Host", value: "\(accountNode.ip):\(accountNode.port)")
                headers.replaceOrAdd(name: "X-Account-Partition", value: String(accountTargets.partition))
                headers.replaceOrAdd(name: "X-Account-Device", value: accountNode.device)
                return (node, path(node), headers)
            }
            let answers = await replicas.writeAll(request.method == .put ? .PUT : .DELETE, nodes: targets)
            return quorumResponse(answers, replicas: nodes.count)
        case .post:
            defer { infoCache.invalidate(InfoCache.key(account: account, container: container)) }
            var headers = ProxyHeaders.toBackend(fields)
            headers.replaceOrAdd(name: "X-Timestamp", value: Self.timestamp())
            let answers = await replicas.writeAll(.POST, nodes: nodes.map { ($0, path($0), headers) })
            return quorumResponse(answers, replicas: nodes.count)
        default:
            return ProxyErrors.response(.methodNotAllowed, detail: "The method is not allowed for this resource.")
        }
    }

    /// Whether the container exists (as the info cache knows it).
    func containerExists(_ account: String, _ container: String) async throws -> Bool {
        try await containerHeaders(account: account, container: container) != nil
    }

}
