import StratusKit

/// One event another service reports about a server (`os-server-external-events`).
struct ServerExternalEvent: Sendable, Equatable {
    var name: String
    var serverUUID: String
    var status: String
    var tag: String?
}

extension ComputeManager {
    /// Nova-api's part of external events: finds the servers (one query), answers each event
    /// with its code, and casts the accepted ones to the servers' hosts, which act on them
    /// (`network-changed` refreshes the server's ports and addresses). Returns the answers
    /// and whether every event was accepted.
    func handleExternalEvents(
        _ events: [ServerExternalEvent], _ auth: AuthContext, requestID: String
    ) async throws -> (answers: [JSONValue], allAccepted: Bool) {
        try policy.enforce("os_compute_api:os-server-external-events:create", auth, target: [:])
        let backends = try requireBackends()
        let instances = try await read { try await $0.instances(uuids: Array(Set(events.map(\.serverUUID)))) }
        var answers: [JSONValue] = []
        var allAccepted = true
        var accepted: [(host: String, event: ServerExternalEvent)] = []
        for event in events {
            var answer: [String: JSONValue] = [
                "name": .string(event.name), "server_uuid": .string(event.serverUUID), "status": .string(event.status),
            ]
            if let tag = event.tag { answer["tag"] = .string(tag) }
            let code: Int
            if let instance = instances[event.serverUUID] {
                if ServerExternalEventBody.tagRequired.contains(event.name), event.tag == nil {
                    code = 400
                } else if let host = instance.host {
                    code = 200
                    accepted.append((host, event))
                } else {
                    code = 422
                }
            } else {
                code = 404
            }
            answer["code"] = .int(Int64(code))
            if code != 200 {
                answer["status"] = "failed"
                allAccepted = false
            } else {
                answer["status"] = "completed"
            }
            answers.append(.object(answer))
        }
        let context = MessagingContext(auth: auth, requestID: requestID)
        for (host, event) in accepted {
            var args: [String: JSONValue] = ["instance_uuid": .string(event.serverUUID), "name": .string(event.name)]
            if let tag = event.tag { args["tag"] = .string(tag) }
            try await backends.bus.cast(
                ComputeRPC.compute(host: host), method: ComputeRPC.Method.externalInstanceEvent, args: args, context: context)
        }
        return (answers, allAccepted)
    }
}
