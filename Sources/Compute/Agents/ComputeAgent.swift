import ServiceClients
import Foundation
import Logging
import StratusKit
import Synchronization

/// One compute host (Nova's nova-compute): registers its service record and compute node,
/// reports its inventory to Placement, serves `compute.<host>` (builds, actions, teardown),
/// heartbeats, and periodically reconciles its servers against the database, so a lost
/// message delays work but never strands a server.
final class ComputeAgent: Sendable {
    let host: String
    let driver: any VirtDriver
    let database: StratusDatabase
    let backends: ComputeBackends
    let configuration: SchedulerConfiguration
    let reportInterval: Duration
    let reconcileInterval: Duration
    /// How often the host compares its guests' power states with the database (nil: never).
    let powerSyncInterval: Duration?
    /// How long a soft-deleted server waits before this host deletes it (nil: soft delete off).
    let reclaimInterval: Duration?
    let logger: Logger
    /// What a config drive's metadata says beyond the server's own record.
    let metadataContent: MetadataContentSettings
    private let registered = Mutex(false)

    /// Whether the host's service record, node and Placement inventory exist.
    var isRegistered: Bool { registered.withLock { $0 } }

    init(
        host: String, driver: any VirtDriver, database: StratusDatabase, backends: ComputeBackends,
        configuration: SchedulerConfiguration, reportInterval: Duration = .seconds(10),
        reconcileInterval: Duration = .seconds(60), powerSyncInterval: Duration? = .seconds(600),
        reclaimInterval: Duration? = nil, logger: Logger, metadataContent: MetadataContentSettings = MetadataContentSettings()
    ) {
        self.powerSyncInterval = powerSyncInterval
        self.reclaimInterval = reclaimInterval
        self.host = host
        self.driver = driver
        self.database = database
        self.backends = backends
        self.configuration = configuration
        self.reportInterval = reportInterval
        self.reconcileInterval = reconcileInterval
        self.logger = logger
        self.metadataContent = metadataContent
    }

    func write<T: Sendable>(_ body: @Sendable (ComputeQueries) async throws -> T) async throws -> T {
        try await database.write { try await body(ComputeQueries(sql: $0)) }
    }

    func instance(_ uuid: String) async throws -> InstanceRecord? {
        try await database.read { try await ComputeQueries(sql: $0).instance(uuid: uuid) }
    }

    var endpoint: RPCEndpoint {
        var endpoint = RPCEndpoint(version: "1.0")
        endpoint.on(ComputeRPC.Method.buildAndRunInstance) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue else { return .null }
            let alternates = request.args["alternates"]?.arrayValue?.compactMap(HostSelection.init(json:)) ?? []
            await self.buildAndRun(uuid, alternates: alternates, context: request.context)
            return .null
        }
        endpoint.on(ComputeRPC.Method.terminateInstance) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue else { return .null }
            await self.terminate(uuid, requestID: request.context.requestID, context: request.context)
            return .null
        }
        endpoint.on(ComputeRPC.Method.instanceAction) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue,
                let action = request.args["action"]?.stringValue
            else { return .null }
            await self.perform(action, on: uuid, args: request.args, context: request.context)
            return .null
        }
        endpoint.on(Self.migrationSourceMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue, let step = request.args["step"]?.stringValue
            else { return .null }
            try await self.performOnSource(uuid, step: step)
            return .null
        }
        endpoint.on(ComputeRPC.Method.externalInstanceEvent) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue, let name = request.args["name"]?.stringValue
            else { return .null }
            await self.handleExternalEvent(name, on: uuid)
            return .null
        }
        registerLiveMigration(on: &endpoint)
        registerEvacuation(on: &endpoint)
        endpoint.on("get_console_output") { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue else { return .null }
            return .string(try await self.driver.consoleOutput(uuid))
        }
        registerGuestAccessMethods(on: &endpoint)
        registerVolumeMethods(on: &endpoint)
        return endpoint
    }

    // MARK: Registration and reports

    /// The service record, the compute node and its Placement provider and inventory.
    func register() async throws {
        let service = try await write { try await $0.upsertService(host: self.host, binary: "nova-compute", topic: "compute") }
        try await reportResources(serviceID: service.id)
    }

    /// The node's sizes and usage from the driver, saved and sent to Placement as inventory.
    func reportResources(serviceID: Int64? = nil) async throws {
        let resources = try await driver.hostResources()
        let configuration = self.configuration
        let host = self.host
        let node = try await write { q -> ComputeNodeRecord in
            var owningServiceID = serviceID
            if owningServiceID == nil { owningServiceID = try await q.service(host: host, binary: "nova-compute")?.id }
            let serviceID = owningServiceID ?? 0
            let load = try await q.instanceLoadByHost()[host]
            return try await q.upsertComputeNode(
                ComputeNodeRecord(
                    id: 0, uuid: "", serviceID: serviceID, host: host,
                    hypervisorHostname: resources.hostname, hypervisorType: resources.hypervisorType,
                    hypervisorVersion: Int64(resources.hypervisorVersion), hostIP: "127.0.0.1",
                    vcpus: Int64(resources.vcpus), memoryMB: Int64(resources.memoryMB), localGB: Int64(resources.localGB),
                    vcpusUsed: Int64(load?.vcpus ?? 0), memoryMBUsed: Int64(load?.memoryMB ?? 0),
                    localGBUsed: Int64(load?.diskGB ?? 0), runningVMs: Int64(load?.count ?? 0),
                    cpuInfo: "{\"arch\": \"x86_64\", \"model\": \"fake\", \"vendor\": \"Stratus\"}",
                    cpuAllocationRatio: configuration.cpuAllocationRatio,
                    ramAllocationRatio: configuration.ramAllocationRatio,
                    diskAllocationRatio: configuration.diskAllocationRatio, createdAt: .now(), updatedAt: nil))
        }
        try await backends.placement.ensureResourceProvider(uuid: node.uuid, name: node.hypervisorHostname, parentUUID: nil)
        try await backends.placement.setInventories(
            providerUUID: node.uuid,
            [
                "VCPU": PlacementInventory(
                    total: Int(node.vcpus), maxUnit: Int(node.vcpus), allocationRatio: node.cpuAllocationRatio),
                "MEMORY_MB": PlacementInventory(
                    total: Int(node.memoryMB), maxUnit: Int(node.memoryMB), allocationRatio: node.ramAllocationRatio),
                "DISK_GB": PlacementInventory(
                    total: Int(node.localGB), maxUnit: Int(node.localGB), allocationRatio: node.diskAllocationRatio),
            ])
    }

    /// Heartbeats and reconciliation until cancelled.
    func run() async {
        // Placement may not answer yet when the process starts: retry until it does.
        while !Task.isCancelled {
            do {
                try await register()
                registered.withLock { $0 = true }
                // As Nova's `init_host`: guests evacuated away while this host was down go.
                await cleanUpEvacuatedGuests()
                break
            } catch {
                logger.debug("compute host \(host) not registered yet: \(error)")
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let host = self.host
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.reportInterval)
                    if Task.isCancelled { break }
                    do {
                        try await self.write { q in
                            _ = try await q.upsertService(host: host, binary: "nova-compute", topic: "compute")
                        }
                        await self.cleanUpEvacuatedGuests()
                    } catch {
                        self.logger.warning("heartbeat of \(host) failed: \(error)")
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.reconcileInterval)
                    await self.reconcile()
                }
            }
            if let interval = self.reclaimInterval {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: min(interval, .seconds(60)))
                        if Task.isCancelled { break }
                        await self.reclaimSoftDeleted(olderThan: interval)
                    }
                }
            }
            if let interval = self.powerSyncInterval {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        if Task.isCancelled { break }
                        await self.syncPowerStates()
                    }
                }
            }
        }
    }

    // MARK: Events

    /// Records `event` on the action the request started, runs `body`, and finishes the
    /// event with its outcome.
    func withEvent<T: Sendable>(
        _ event: String, instance uuid: String, requestID: String, _ body: () async throws -> T
    ) async throws -> T {
        let host = self.host
        let ids = try await write { q -> (Int64, Int64)? in
            guard let action = try await q.actionID(instanceUUID: uuid, requestID: requestID) else { return nil }
            return (action, try await q.startEvent(event, actionID: action, host: host))
        }
        do {
            let result = try await body()
            if let ids { try await write { try await $0.finishEvent(ids.1, actionID: ids.0, error: nil) } }
            return result
        } catch {
            if let ids { try? await write { try await $0.finishEvent(ids.1, actionID: ids.0, error: "\(error)") } }
            throw error
        }
    }
}
