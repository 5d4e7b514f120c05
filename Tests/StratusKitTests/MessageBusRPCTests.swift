import Foundation
import StratusKit
import Testing

@Suite("Message bus: calls, casts and fanouts", .timeLimit(.minutes(1)))
struct MessageBusRPCTests {
    let transport = InProcessTransport()
    var bus: TransportMessageBus { TransportMessageBus(transport: transport) }
    let context = MessagingContext(userID: "u1", projectID: "p1", roles: ["member"])

    struct FlavorNotFound: Error, CustomStringConvertible {
        var id: String
        var description: String { "Flavor \(id) could not be found." }
    }

    @Test func callReturnsTheHandlersResult() async throws {
        var endpoint = RPCEndpoint()
        endpoint.on("add") { request in
            .int((request.args["a"]?.intValue ?? 0) + (request.args["b"]?.intValue ?? 0))
        }
        let server = RPCServer(
            transport: transport, target: MessageTarget(topic: "conductor", server: "host1"), endpoints: [endpoint])
        try await server.start()
        let bus = self.bus
        let result = try await bus.call(
            MessageTarget(topic: "conductor"), method: "add", args: ["a": 2, "b": 40], context: context,
            timeout: .seconds(30))
        #expect(result == .int(42))
        await server.stop()
        await bus.close()
    }

    @Test func unknownMethodAndIncompatibleVersionAreReportedToTheCaller() async throws {
        var endpoint = RPCEndpoint(version: "5.3")
        endpoint.on("build") { _ in .null }
        let server = RPCServer(
            transport: transport, target: MessageTarget(topic: "compute", server: "host1"), endpoints: [endpoint])
        try await server.start()
        let bus = self.bus
        let error = await #expect(throws: NoSuchMethod.self) {
            try await bus.call(
                MessageTarget(topic: "compute", version: "5.0"), method: "reboot", context: context,
                timeout: .seconds(30))
        }
        #expect(error?.method == "reboot")
        #expect(error?.description == "Endpoint does not support RPC method reboot")
        // 5.1 is served by 5.3; 5.4, 6.0 and no version (1.0) are not, nor another namespace.
        _ = try await bus.call(
            MessageTarget(topic: "compute", version: "5.1"), method: "build", context: context, timeout: .seconds(30))
        for version in ["5.4", "6.0", nil] {
            let unsupported = await #expect(throws: UnsupportedVersion.self) {
                try await bus.call(
                    MessageTarget(topic: "compute", version: version), method: "build", context: context,
                    timeout: .seconds(30))
            }
            #expect(unsupported?.version == version ?? "1.0")
            #expect(unsupported?.method == "build")
        }
        await #expect(throws: UnsupportedVersion.self) {
            try await bus.call(
                MessageTarget(topic: "compute", namespace: "baseapi", version: "5.0"), method: "build",
                context: context, timeout: .seconds(30))
        }
        await server.stop()
        await bus.close()
    }

    @Test func aHandlersErrorReachesTheCallerAsRemoteError() async throws {
        var endpoint = RPCEndpoint()
        endpoint.on("get_flavor") { request in
            throw FlavorNotFound(id: request.args["id"]?.stringValue ?? "")
        }
        let server = RPCServer(
            transport: transport, target: MessageTarget(topic: "conductor", server: "host1"), endpoints: [endpoint])
        try await server.start()
        let bus = self.bus
        let error = await #expect(throws: RemoteError.self) {
            try await bus.call(
                MessageTarget(topic: "conductor"), method: "get_flavor", args: ["id": "m1.huge"], context: context,
                timeout: .seconds(30))
        }
        #expect(error?.exceptionType == "FlavorNotFound")
        #expect(error?.module == "StratusKitTests")
        #expect(error?.message == "Flavor m1.huge could not be found.")
        await server.stop()
        await bus.close()
    }

    @Test func aCallWithNoServerTimesOut() async throws {
        let bus = self.bus
        let started = ContinuousClock.now
        let error = await #expect(throws: MessagingTimeout.self) {
            try await bus.call(
                MessageTarget(topic: "scheduler"), method: "select_destinations", context: context,
                timeout: .milliseconds(200))
        }
        #expect(ContinuousClock.now - started >= .milliseconds(200))
        let text = error?.description ?? ""
        #expect(text.contains("scheduler") && text.contains("select_destinations") && text.contains("0.2 seconds"))
        await bus.close()
    }

    @Test func aCallToASlowHandlerTimesOut() async throws {
        let gate = Gate()
        var endpoint = RPCEndpoint()
        endpoint.on("slow") { _ in
            await gate.wait()
            return "late"
        }
        let server = RPCServer(
            transport: transport, target: MessageTarget(topic: "conductor", server: "host1"), endpoints: [endpoint])
        try await server.start()
        let bus = self.bus
        await #expect(throws: MessagingTimeout.self) {
            try await bus.call(
                MessageTarget(topic: "conductor"), method: "slow", context: context, timeout: .milliseconds(200))
        }
        gate.open()
        await server.stop()
        // The late reply is dropped; the bus still works.
        await #expect(throws: MessagingTimeout.self) {
            try await bus.call(
                MessageTarget(topic: "nobody"), method: "x", context: context, timeout: .milliseconds(50))
        }
        await bus.close()
    }

    @Test func aCastIsDeliveredOnceToOneOfTwoServers() async throws {
        let log = EventLog<(String, JSONValue)>()
        let servers = [
            recordingServer(transport, topic: "scheduler", server: "a", log: log),
            recordingServer(transport, topic: "scheduler", server: "b", log: log),
        ]
        for server in servers { try await server.start() }
        let bus = self.bus
        try await bus.cast(MessageTarget(topic: "scheduler"), method: "record", args: ["n": 1], context: context)
        let delivered = try await log.next(1)
        #expect(["a", "b"].contains(delivered[0].0))
        #expect(delivered[0].1 == ["n": 1])
        for server in servers { await server.stop() }
        try await bus.cast(MessageTarget(topic: "scheduler"), method: "record", args: ["n": 2], context: context)
        let restarted = recordingServer(transport, topic: "scheduler", server: "c", log: log)
        try await restarted.start()
        // Stopping drained both servers, so a second delivery of the first cast would come
        // first; the next event is the cast sent while no server ran, kept by its queue.
        let later = try await log.next(1)
        #expect(later[0].0 == "c" && later[0].1 == ["n": 2])
        await restarted.stop()
        await bus.close()
    }

    @Test func callsAndCastsTakeTurnsAmongTheServersOfATopic() async throws {
        let log = EventLog<(String, JSONValue)>()
        let servers = [
            recordingServer(transport, topic: "conductor", server: "a", log: log),
            recordingServer(transport, topic: "conductor", server: "b", log: log),
        ]
        for server in servers { try await server.start() }
        let bus = self.bus
        var answered: [String] = []
        for _ in 0..<6 {
            let name = try await bus.call(
                MessageTarget(topic: "conductor"), method: "whoami", context: context, timeout: .seconds(30))
            answered.append(name.stringValue ?? "")
        }
        #expect(answered == ["a", "b", "a", "b", "a", "b"])
        for index in 0..<10 {
            try await bus.cast(
                MessageTarget(topic: "conductor"), method: "record", args: ["n": .int(Int64(index))], context: context)
        }
        let events = try await log.next(10)
        #expect(events.filter { $0.0 == "a" }.count == 5)
        #expect(events.filter { $0.0 == "b" }.count == 5)
        // A server's own queue reaches that server only.
        for _ in 0..<3 {
            let name = try await bus.call(
                MessageTarget(topic: "conductor", server: "b"), method: "whoami", context: context,
                timeout: .seconds(30))
            #expect(name == "b")
        }
        for server in servers { await server.stop() }
        await bus.close()
    }

    @Test func aFanoutReachesEveryServerOfTheTopic() async throws {
        let log = EventLog<(String, JSONValue)>()
        let servers = ["h1", "h2", "h3"].map { recordingServer(transport, topic: "dhcp_agent", server: $0, log: log) }
        let other = recordingServer(transport, topic: "l3_agent", server: "h1", log: log)
        for server in servers + [other] { try await server.start() }
        let bus = self.bus
        try await bus.fanout(
            MessageTarget(topic: "dhcp_agent"), method: "record", args: ["network": "n1"], context: context)
        let events = try await log.next(3)
        #expect(events.map(\.0).sorted() == ["h1", "h2", "h3"])
        #expect(events.allSatisfy { $0.1 == ["network": "n1"] })
        // Nothing more arrives: a cast to the other topic is the next event.
        try await bus.cast(MessageTarget(topic: "l3_agent"), method: "record", args: ["router": "r1"], context: context)
        let next = try await log.next(1)
        #expect(next[0].1 == ["router": "r1"])
        for server in servers + [other] { await server.stop() }
        await bus.close()
    }

    @Test func contextAndTraceArriveIntact() async throws {
        let seen = EventLog<RPCRequest>()
        var endpoint = RPCEndpoint()
        endpoint.on("inspect") { request in
            seen.record(request)
            return .null
        }
        let server = RPCServer(
            transport: transport, target: MessageTarget(topic: "compute", server: "host1"), endpoints: [endpoint])
        try await server.start()
        let trace = try #require(
            TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "st=1"))
        let sent = MessagingContext(
            userID: "8b1d", userDomainID: "default", projectID: "f3a9", projectDomainID: "default",
            systemScope: nil, roles: ["admin", "member", "reader"], isAdminProject: true,
            requestID: "req-0b7b1ec6-1e5a-4e4c-9b8e-1e7bd05c7a9e", globalRequestID: "req-global",
            authToken: "gAAAAAB-secret", trace: trace)
        let bus = self.bus
        _ = try await bus.call(
            MessageTarget(topic: "compute", server: "host1"), method: "inspect", args: ["x": [1, "two", ["3": nil]]],
            context: sent, timeout: .seconds(30))
        try await bus.cast(MessageTarget(topic: "compute"), method: "inspect", context: sent)
        let system = MessagingContext(userID: "admin", systemScope: "all", roles: ["admin"])
        try await bus.fanout(MessageTarget(topic: "compute"), method: "inspect", context: system)
        let requests = try await seen.next(3)
        #expect(requests[0].context == sent)
        #expect(requests[0].args == ["x": [1, "two", ["3": nil]]])
        #expect(requests[0].expectsReply)
        // The cast and the fanout run concurrently: either may come first.
        let oneWay = requests[1...].sorted { ($0.context.userID ?? "") < ($1.context.userID ?? "") }
        #expect(oneWay.map(\.context) == [sent, system])
        #expect(oneWay.allSatisfy { !$0.expectsReply })
        #expect(requests[0].context.trace?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        await server.stop()
        await bus.close()
    }

    @Test func traceparentIsValidated() {
        #expect(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") != nil)
        for bad in [
            "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        ] {
            #expect(TraceContext(traceparent: bad) == nil, "\(bad)")
        }
    }

    @Test func messagesTravelInTheOsloEnvelope() async throws {
        let subscription = try await transport.subscribe(
            to: [.queue(QueueDeclaration(name: "scheduler", routingKey: "scheduler"))], prefetch: 1)
        let bus = self.bus
        try await bus.cast(
            MessageTarget(topic: "scheduler", namespace: "baseapi", version: "1.1"), method: "ping",
            args: ["arg": "x"], context: MessagingContext(userID: "u", requestID: "req-1", authToken: "tok"))
        let bytes = try #require(await subscription.next())
        let envelope = try JSONValue.parse(bytes: bytes)
        #expect(envelope["oslo.version"] == "2.0")
        let text = try #require(envelope["oslo.message"]?.stringValue)
        let message = try #require(JSONValue.parse(text))
        #expect(message["method"] == "ping")
        #expect(message["args"] == ["arg": "x"])
        #expect(message["namespace"] == "baseapi")
        #expect(message["version"] == "1.1")
        #expect(message["_context_user_id"] == "u")
        #expect(message["_context_user"] == "u")
        #expect(message["_context_project_domain"] == .null)
        #expect(message["_context_request_id"] == "req-1")
        #expect(message["_context_auth_token"] == "tok")
        #expect(message["_msg_id"] == nil)
        #expect(message["_unique_id"]?.stringValue?.count == 32)
        await subscription.close()
        await bus.close()
    }

    @Test func aCallCarriesItsReplyAddressAndTakesRepliesInOslosFormat() async throws {
        let subscription = try await transport.subscribe(
            to: [.queue(QueueDeclaration(name: "conductor", routingKey: "conductor"))], prefetch: 1)
        let bus = self.bus
        /// Answers the next request on the queue the way a Python oslo.messaging server does.
        func answerNext(result: JSONValue, failure: JSONValue) async throws {
            let bytes = try #require(await subscription.next())
            let envelope = try JSONValue.parse(bytes: bytes)
            let text = try #require(envelope["oslo.message"]?.stringValue)
            let request = try #require(JSONValue.parse(text))
            let messageID = try #require(request["_msg_id"]?.stringValue)
            let replyQueue = try #require(request["_reply_q"]?.stringValue)
            #expect(messageID.count == 32)
            #expect(replyQueue.hasPrefix("reply_"))
            let reply: JSONValue = ["_msg_id": .string(messageID), "result": result, "failure": failure, "ending": true]
            let wrapped: JSONValue = ["oslo.version": "2.0", "oslo.message": .string(reply.jsonText())]
            try await transport.send(wrapped.serialized(), to: .routingKey(replyQueue))
        }

        let answered = Task {
            try await bus.call(MessageTarget(topic: "conductor"), method: "ping", context: context, timeout: .seconds(30))
        }
        try await answerNext(result: ["pong": true], failure: nil)
        #expect(try await answered.value == ["pong": true])

        let failed = Task {
            try await bus.call(MessageTarget(topic: "conductor"), method: "get", context: context, timeout: .seconds(30))
        }
        let failure: JSONValue = [
            "class": "InstanceNotFound", "module": "nova.exception", "message": "Instance x could not be found.",
            "tb": ["Traceback (most recent call last):\n", "nova.exception.InstanceNotFound\n"], "args": [],
            "kwargs": ["instance_id": "x"],
        ]
        try await answerNext(result: nil, failure: .string(failure.jsonText()))
        let error = await #expect(throws: RemoteError.self) { try await failed.value }
        #expect(error?.exceptionType == "InstanceNotFound")
        #expect(error?.module == "nova.exception")
        #expect(error?.message == "Instance x could not be found.")
        #expect(error?.traceback.count == 2)
        #expect(error?.fields == ["instance_id": "x"])
        await subscription.close()
        await bus.close()
    }
}
