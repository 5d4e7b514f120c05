import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// How the proxy reads from and writes to a partition's replicas, as Swift's proxy does:
/// writes go to every primary at once and succeed on a quorum; reads ask one node at a
/// time, primaries first, then handoffs, until one has the data.
struct ReplicaIO: Sendable {
    let client: BackendClient

    /// A majority of `replicas`: 2 of 3, 2 of 2, 1 of 1 (Swift's `quorum_size`).
    static func quorum(_ replicas: Int) -> Int { replicas / 2 + 1 }

    /// The first useful answer: a node that has the resource, or the last authoritative
    /// "not there" once every primary said so; 503 when no node answered at all.
    func read(
        _ method: HTTPMethod, ring: Ring, partition: Int, path: (RingDevice) -> String, headers: HTTPHeaders,
        query: String? = nil
    ) async -> BackendResponse {
        let primaries = ring.primaryNodes(partition: partition)
        let candidates = primaries + ring.handoffNodes(partition: partition).prefix(primaries.count)
        var notFound: BackendResponse?
        var lastFailure: BackendResponse?
        for node in candidates {
            let response = await client.send(method, to: node, path: path(node), headers: headers, query: query)
            if response.status == 404 {
                if notFound == nil || isNewer(response, than: notFound!) { notFound = response }
                continue
            }
            if response.status >= 500 || response.status == 507 {
                lastFailure = response
                continue
            }
            return response
        }
        if let notFound { return notFound }
        return lastFailure ?? BackendResponse(node: primaries.first ?? RingDevice.unreachable, status: 503, headers: [:], body: nil)
    }

    /// A 404 that knows of a deletion (`X-Backend-Timestamp`) beats one that does not.
    private func isNewer(_ a: BackendResponse, than b: BackendResponse) -> Bool {
        (a.headers.first(name: "X-Backend-Timestamp") ?? "") > (b.headers.first(name: "X-Backend-Timestamp") ?? "")
    }

    /// Sends one request per node at once (each with its own headers) and returns every answer.
    func writeAll(
        _ method: HTTPMethod, nodes: [(node: RingDevice, path: String, headers: HTTPHeaders)]
    ) async -> [BackendResponse] {
        await withTaskGroup(of: BackendResponse.self) { group in
            for target in nodes {
                group.addTask { await client.send(method, to: target.node, path: target.path, headers: target.headers) }
            }
            var answers: [BackendResponse] = []
            for await answer in group { answers.append(answer) }
            return answers
        }
    }

    /// Streams one request body to every node at once, each through its own bounded pipe,
    /// so the upload is read once and never held whole.
    func writeAllStreaming<Body: AsyncSequence & Sendable>(
        _ method: HTTPMethod, nodes: [(node: RingDevice, path: String, headers: HTTPHeaders)], body: Body,
        length: Int64?
    ) async -> (answers: [BackendResponse], clientError: (any Error)?) where Body.Element == ByteBuffer {
        let pipes = nodes.map { _ in ChunkPipe() }
        return await withTaskGroup(of: BackendResponse?.self) { group in
            for (target, pipe) in zip(nodes, pipes) {
                group.addTask {
                    let requestBody: HTTPClientRequest.Body =
                        length.map { .stream(pipe, length: .known($0)) } ?? .stream(pipe, length: .unknown)
                    let answer = await client.send(method, to: target.node, path: target.path, headers: target.headers, body: requestBody)
                    pipe.abandon()
                    return answer
                }
            }
            var clientError: (any Error)?
            do {
                for try await chunk in body {
                    for pipe in pipes { await pipe.send(chunk) }
                }
                for pipe in pipes { pipe.finish() }
            } catch {
                clientError = error
                for pipe in pipes { pipe.finish(throwing: error) }
            }
            var answers: [BackendResponse] = []
            for await answer in group { if let answer { answers.append(answer) } }
            return (answers, clientError)
        }
    }

    /// The status to give the client for a write: the most common class among the answers
    /// if a quorum agrees on it (2xx before 4xx), else 503.
    static func bestStatus(_ answers: [BackendResponse], replicas: Int) -> Int {
        let quorum = quorum(replicas)
        for range in [200..<300, 400..<500] {
            let matching = answers.filter { range.contains($0.status) }
            guard matching.count >= quorum else { continue }
            // The status most of them gave (201 over 202 on ties, as the lowest wins).
            let counts = Dictionary(grouping: matching, by: \.status).mapValues(\.count)
            return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key ?? range.lowerBound
        }
        return 503
    }
}

extension RingDevice {
    /// Stands in for "no node" in an answer when a ring has no devices at all.
    static let unreachable = RingDevice(
        id: 0, region: 1, zone: 1, ip: "127.0.0.1", port: 1, replicationIP: "127.0.0.1", replicationPort: 1, device: "none",
        weight: 0, meta: "")
}
