import StratusKit

/// The RPC interface of the conductor, scheduler and compute agents: topics, method names
/// and argument keys in one place (Nova's `*rpcapi.py`).
enum ComputeRPC {
    static let conductor = MessageTarget(topic: "conductor", version: "1.0")
    static let scheduler = MessageTarget(topic: "scheduler", version: "1.0")
    static func compute(host: String) -> MessageTarget { MessageTarget(topic: "compute", server: host, version: "1.0") }

    enum Method {
        static let buildInstances = "build_instances"
        static let selectDestinations = "select_destinations"
        static let buildAndRunInstance = "build_and_run_instance"
        static let terminateInstance = "terminate_instance"
        static let instanceAction = "instance_action"
        static let externalInstanceEvent = "external_instance_event"
    }
}
