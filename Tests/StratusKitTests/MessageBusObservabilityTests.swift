import Foundation
import Logging
import StratusKit
import Testing

@Suite("Message bus: logs and metrics")
struct MessageBusObservabilityTests {
    @Test func callsAndHandlersAreLoggedAndCountedWithoutTheToken() async throws {
        let store = RecordingLogHandler.Store()
        let logger = Logger(label: "test.messaging") { _ in RecordingLogHandler(store: store) }
        let transport = InProcessTransport()
        let topic = "observed_\(IDGenerator.hex().prefix(8))"
        let handled = EventLog<Void>()
        var endpoint = RPCEndpoint()
        endpoint.on("echo") { request in
            handled.record(())
            return .object(request.args)
        }
        let server = RPCServer(
            transport: transport, target: MessageTarget(topic: topic, server: "host1"), endpoints: [endpoint],
            logger: logger)
        try await server.start()
        let bus = TransportMessageBus(transport: transport, logger: logger)
        let context = MessagingContext(userID: "u1", requestID: "req-observed", authToken: "token-must-not-leak")
        _ = try await bus.call(
            MessageTarget(topic: topic, server: "host1"), method: "echo", args: ["a": 1], context: context,
            timeout: .seconds(30))
        try await bus.cast(MessageTarget(topic: topic), method: "echo", context: context)
        await #expect(throws: MessagingTimeout.self) {
            try await bus.call(
                MessageTarget(topic: topic + "_nobody"), method: "echo", context: context, timeout: .milliseconds(100))
        }
        _ = try await handled.next(2)
        await server.stop()
        await bus.close()

        let records = store.all
        let call = try #require(records.first { $0.message == "rpc call" && $0.metadata["outcome"] == "ok" })
        #expect(call.level == .debug)
        #expect(call.metadata["request_id"] == "req-observed")
        #expect(call.metadata["topic"] == "\(topic).host1")
        #expect(call.metadata["method"] == "echo")
        #expect(Double(call.metadata["duration_ms"] ?? "") != nil)
        #expect(records.contains { $0.message == "rpc cast" && $0.metadata["request_id"] == "req-observed" })
        #expect(records.filter { $0.message == "rpc handled" }.count == 2)
        #expect(records.contains { $0.message == "rpc call" && $0.metadata["outcome"] == "timeout" })
        #expect(!records.contains { $0.metadata.values.contains { $0.contains("token-must-not-leak") } })

        var bytes: [UInt8] = []
        MetricsRegistry.shared.emit(into: &bytes)
        let exposition = String(decoding: bytes, as: UTF8.self)
        for kind in ["call", "cast", "handle"] {
            #expect(
                exposition.contains(
                    #"stratus_rpc_messages_total{kind="\#(kind)",topic="\#(topic)",method="echo",outcome="ok"}"#),
                "\(kind)")
        }
        #expect(
            exposition.contains(
                #"stratus_rpc_messages_total{kind="call",topic="\#(topic)_nobody",method="echo",outcome="timeout"} 1"#))
        #expect(exposition.contains(#"stratus_rpc_duration_seconds_bucket{kind="call",topic="\#(topic)""#))
    }
}
