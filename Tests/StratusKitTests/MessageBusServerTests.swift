import Foundation
import Logging
import ServiceLifecycle
import StratusKit
import Testing

@Suite("Message bus: servers, transport and notifications", .timeLimit(.minutes(1)))
struct MessageBusServerTests {
    let transport = InProcessTransport()
    let context = MessagingContext(userID: "u1", projectID: "p1", roles: ["member"], authToken: "secret-token")

    @Test func aServerRunsNoMoreHandlersAtOnceThanItsBound() async throws {
        let gate = Gate()
        let meter = ConcurrencyMeter()
        let started = EventLog<Int>()
        let finished = EventLog<Int>()
        var endpoint = RPCEndpoint()
        endpoint.on("work") { request in
            meter.enter()
            started.record(Int(request.args["n"]?.intValue ?? 0))
            await gate.wait()
            meter.leave()
            finished.record(Int(request.args["n"]?.intValue ?? 0))
            return .null
        }
        let server = RPCServer(
            transport: transport, target: MessageTarget(topic: "compute", server: "host1"), endpoints: [endpoint],
            maxConcurrentHandlers: 2)
        try await server.start()
        let bus = TransportMessageBus(transport: transport)
        for n in 0..<6 {
            try await bus.cast(MessageTarget(topic: "compute"), method: "work", args: ["n": .int(Int64(n))], context: context)
        }
        _ = try await started.next(2)
        // Give a third handler every chance to start wrongly.
        try await Task.sleep(for: .milliseconds(200))
        #expect(meter.running == 2)
        gate.open()
        _ = try await finished.next(6)
        #expect(meter.peak == 2)
        await server.stop()
        await bus.close()
    }

    @Test func stopDrainsHandlersInFlight() async throws {
        let gate = Gate()
        let entered = EventLog<Void>()
        var endpoint = RPCEndpoint()
        endpoint.on("build") { _ in
            entered.record(())
            await gate.wait()
            return "built"
        }
        let server = RPCServer(
            transport: transport, target: MessageTarget(topic: "compute", server: "host1"), endpoints: [endpoint])
        try await server.start()
        let bus = TransportMessageBus(transport: transport)
        let call = Task {
            try await bus.call(
                MessageTarget(topic: "compute", server: "host1"), method: "build", context: context,
                timeout: .seconds(60))
        }
        _ = try await entered.next(1)
        let stopped = EventLog<Void>()
        let stopping = Task {
            await server.stop()
            stopped.record(())
        }
        // The handler is still running, so stop must still be waiting.
        await #expect(throws: TestTimeout.self) { _ = try await stopped.next(1, within: 0.3) }
        gate.open()
        #expect(try await call.value == "built")
        await stopping.value
        // Stopped: nothing consumes the server's queues any more.
        await #expect(throws: MessagingTimeout.self) {
            try await bus.call(
                MessageTarget(topic: "compute", server: "host1"), method: "build", context: context,
                timeout: .milliseconds(200))
        }
        await bus.close()
    }

    @Test func notificationsReachListenersOfTheirPriority() async throws {
        let errors = try await NotificationListener.subscribe(transport: transport, priorities: [.error])
        // Listeners without a pool share their queues, as one pool; this one has its own.
        let everything = try await NotificationListener.subscribe(transport: transport, pool: "archive")
        let bus = TransportMessageBus(transport: transport)
        try await bus.notify(
            eventType: "compute.instance.create.start", payload: ["instance_id": "i1"], priority: .info,
            publisherID: "compute.host1", context: context)
        try await bus.notify(
            eventType: "compute.instance.create.error", payload: ["instance_id": "i1", "reason": "no host"],
            priority: .error, publisherID: "compute.host1", context: context)
        let error = try #require(await errors.next())
        #expect(error.eventType == "compute.instance.create.error")
        #expect(error.priority == .error)
        #expect(error.publisherID == "compute.host1")
        #expect(error.payload == ["instance_id": "i1", "reason": "no host"])
        #expect(error.messageID.count == 36)
        #expect(error.timestamp.count == 26 && error.timestamp.contains(" "))
        #expect(error.context.userID == "u1" && error.context.requestID == context.requestID)
        #expect(error.context.authToken == nil)
        var seen: [String] = []
        for await notification in everything {
            seen.append(notification.eventType)
            if seen.count == 2 { break }
        }
        #expect(Set(seen) == ["compute.instance.create.start", "compute.instance.create.error"])
        // The error listener got nothing else: the next thing it sees is the next error.
        try await bus.notify(
            eventType: "volume.delete.error", payload: [:], priority: .error, publisherID: "volume.host1",
            context: context)
        #expect(await errors.next()?.eventType == "volume.delete.error")
        await errors.close()
        await everything.close()
        #expect(await errors.next() == nil)
        await bus.close()
    }

    @Test func listenersOfOnePoolShareNotifications() async throws {
        let first = try await NotificationListener.subscribe(transport: transport, priorities: [.info], pool: "telemetry")
        let second = try await NotificationListener.subscribe(transport: transport, priorities: [.info], pool: "telemetry")
        let other = try await NotificationListener.subscribe(transport: transport, priorities: [.info], pool: "orchestration")
        let bus = TransportMessageBus(transport: transport)
        for n in 0..<4 {
            try await bus.notify(
                eventType: "image.update", payload: ["n": .int(Int64(n))], publisherID: "image.host1", context: context)
        }
        var pooled: [JSONValue] = []
        for _ in 0..<2 {
            pooled.append(try #require(await first.next()).payload)
            pooled.append(try #require(await second.next()).payload)
        }
        #expect(Set(pooled) == [["n": 0], ["n": 1], ["n": 2], ["n": 3]])
        for n in 0..<4 { #expect(await other.next()?.payload == ["n": .int(Int64(n))]) }
        for listener in [first, second, other] { await listener.close() }
        await bus.close()
    }

    @Test func aFullQueueMakesItsSenderWait() async throws {
        let small = InProcessTransport(queueCapacity: 2)
        let declaration = QueueDeclaration(name: "conductor", routingKey: "conductor")
        // Declare the queue, then leave it without consumers.
        try await small.subscribe(to: [.queue(declaration)], prefetch: 1).close()
        try await small.send([1], to: .routingKey("conductor"))
        try await small.send([2], to: .routingKey("conductor"))
        let sent = EventLog<Void>()
        let third = Task {
            try await small.send([3], to: .routingKey("conductor"))
            sent.record(())
        }
        await #expect(throws: TestTimeout.self) { _ = try await sent.next(1, within: 0.3) }
        let consumer = try await small.subscribe(to: [.queue(declaration)], prefetch: 1)
        #expect(await consumer.next() == [1])
        _ = try await sent.next(1)
        try await third.value
        #expect(await consumer.next() == [2])
        #expect(await consumer.next() == [3])
        await consumer.close()
    }

    @Test func aNotificationQueueDropsItsOldestWhenFull() async throws {
        let small = InProcessTransport(queueCapacity: 2)
        let listener = try await NotificationListener.subscribe(transport: small, priorities: [.info], prefetch: 1)
        let bus = TransportMessageBus(transport: small)
        for n in 0..<5 {
            try await bus.notify(eventType: "e\(n)", payload: [:], publisherID: "p", context: context)
        }
        // One was handed to the listener ahead; the queue kept the two newest of the rest.
        var seen: [String] = []
        for _ in 0..<3 { seen.append(await listener.next()?.eventType ?? "") }
        #expect(seen == ["e0", "e3", "e4"])
        await listener.close()
        await bus.close()
    }

    @Test func aMessageToNoQueueIsDropped() async throws {
        try await transport.send([1], to: .routingKey("nobody"))
        try await transport.send([1], to: .fanout(topic: "nobody"))
        let consumer = try await transport.subscribe(
            to: [.queue(QueueDeclaration(name: "nobody", routingKey: "nobody"))], prefetch: 1)
        try await transport.send([2], to: .routingKey("nobody"))
        #expect(await consumer.next() == [2])
        await consumer.close()
    }
}

@Suite("Message bus: servers in a service group", .timeLimit(.minutes(1)))
struct MessageBusServiceTests {
    @Test func aServerInAServiceGroupAnswersThenDrainsAtShutdown() async throws {
        let transport = InProcessTransport()
        // Declared ahead, so calls sent before the server starts wait for it in the queue.
        try await transport.subscribe(
            to: [.queue(QueueDeclaration(name: "conductor", routingKey: "conductor"))], prefetch: 1
        ).close()
        let gate = Gate()
        let entered = EventLog<Void>()
        var endpoint = RPCEndpoint()
        endpoint.on("slow_echo") { request in
            entered.record(())
            await gate.wait()
            return .object(request.args)
        }
        let server = RPCServer(
            transport: transport, target: MessageTarget(topic: "conductor", server: "host1"), endpoints: [endpoint])
        let group = ServiceGroup(
            configuration: .init(services: [server], logger: Logger(label: "test.service-group")))
        let running = Task { try await group.run() }
        let bus = TransportMessageBus(transport: transport)
        let call = Task {
            try await bus.call(
                MessageTarget(topic: "conductor"), method: "slow_echo", args: ["v": 7],
                context: MessagingContext(), timeout: .seconds(60))
        }
        _ = try await entered.next(1)
        await group.triggerGracefulShutdown()
        gate.open()
        #expect(try await call.value == ["v": 7])
        try await running.value
        await bus.close()
    }
}
