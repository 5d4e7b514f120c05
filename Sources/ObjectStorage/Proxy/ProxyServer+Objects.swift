import HTTPTypes
import Hummingbird
import NIOHTTP1
import StratusKit

/// Objects: uploads streamed to every replica at once (each object server is told which
/// container replica to update), downloads streamed from the first replica that has the
/// object, metadata updates and deletes to every replica.
extension ProxyServer {
    /// An object request after copy and large-object handling: PUTs and DELETEs in a
    /// versioned container go through versioning (ProxyServer+Versioning.swift), everything
    /// else straight to the object servers.
    func handleObject(_ request: Request, account: String, container: String, object: String) async throws -> Response {
        if request.method == .put || request.method == .delete,
            let versioning = try await containerVersioning(account: account, container: container)
        {
            return try await versionedWrite(request, versioning: versioning, account: account, container: container, object: object)
        }
        return try await storeObject(request, account: account, container: container, object: object)
    }

    /// The object request itself, to the object servers (Swift's proxy-server object
    /// controller, below every middleware).
    func storeObject(_ request: Request, account: String, container: String, object: String) async throws -> Response {
        let partition = try rings.object.partition(account: account, container: container, object: object)
        let nodes = rings.object.primaryNodes(partition: partition)
        let path = { (node: RingDevice) in
            BackendClient.path(device: node.device, partition: partition, account: account, container: container, object: object)
        }
        switch request.method {
        case .get, .head:
            let answer = await replicas.read(
                request.method == .head ? .HEAD : .GET, ring: rings.object, partition: partition, path: path,
                headers: ProxyHeaders.toBackend(request.headers), query: request.uri.query)
            if answer.status == 404 { return ProxyErrors.response(.notFound) }
            return relay(answer, method: request.method)
        case .put, .delete, .post:
            guard try await containerExists(account, container) else { return ProxyErrors.response(.notFound) }
            var base = ProxyHeaders.toBackend(request.headers)
            base.replaceOrAdd(name: "X-Timestamp", value: Self.timestamp())
            if let after = base.first(name: "X-Delete-After") {
                guard let seconds = Int64(after), seconds >= 0 else {
                    return ProxyErrors.response(.badRequest, detail: "Non-integer X-Delete-After")
                }
                base.remove(name: "X-Delete-After")
                base.replaceOrAdd(name: "X-Delete-At", value: String(Timestamp.now().seconds + seconds))
            }
            if request.method == .post {
                let answers = await replicas.writeAll(.POST, nodes: nodes.map { ($0, path($0), base) })
                return quorumResponse(answers, replicas: nodes.count)
            }
            let (containerPartition, containerNodes) = try containerNodes(account, container)
            var targets = nodes.enumerated().map { index, node in
                var headers = base
                let containerNode = containerNodes[index % max(containerNodes.count, 1)]
                headers.replaceOrAdd(name: "X-Container-Host", value: "\(containerNode.ip):\(containerNode.port)")
                headers.replaceOrAdd(name: "X-Container-Partition", value: String(containerPartition))
                headers.replaceOrAdd(name: "X-Container-Device", value: containerNode.device)
                return (node, path(node), headers)
            }
            if request.method == .delete {
                let answers = await replicas.writeAll(.DELETE, nodes: targets)
                return quorumResponse(answers, replicas: nodes.count)
            }
            if request.headers[.contentType] == nil || request.headers[HTTPField.Name("X-Detect-Content-Type")!] == "true" {
                for index in targets.indices {
                    targets[index].2.replaceOrAdd(name: "Content-Type", value: ContentTypeGuess.forObject(object))
                }
            }
            return try await putObject(request, targets: targets, replicas: nodes.count)
        default:
            return ProxyErrors.response(.methodNotAllowed, detail: "The method is not allowed for this resource.")
        }
    }

    private func putObject(
        _ request: Request, targets: [(node: RingDevice, path: String, headers: HTTPHeaders)], replicas count: Int
    ) async throws -> Response {
        let length = request.headers[.contentLength].flatMap { Int64($0) }
        let chunked = request.headers[.transferEncoding]?.lowercased().contains("chunked") == true
        guard length != nil || chunked else { return ProxyErrors.response(.lengthRequired) }
        if let length, length > constraints.maxFileSize { return ProxyErrors.response(.contentTooLarge) }
        var targets = targets
        for index in targets.indices {
            if let length { targets[index].headers.replaceOrAdd(name: "Content-Length", value: String(length)) }
            else { targets[index].headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked") }
        }
        let (answers, clientError) = await replicas.writeAllStreaming(.PUT, nodes: targets, body: request.body, length: length)
        if clientError != nil { return ProxyErrors.response(.requestTimeout, detail: "The client disconnected during the upload.") }
        let status = ReplicaIO.bestStatus(answers, replicas: count)
        guard status == 201 else {
            if (400..<500).contains(status) { return ProxyErrors.response(HTTPResponse.Status(code: status)) }
            return ProxyErrors.response(.serviceUnavailable)
        }
        var fields = HTTPFields()
        if let created = answers.first(where: { $0.status == 201 }) {
            if let etag = created.headers.first(name: "ETag") { fields[.eTag] = etag }
            if let modified = created.headers.first(name: "Last-Modified") { fields[.lastModified] = modified }
        }
        return quorumResponse(answers, replicas: count, extra: fields)
    }
}
