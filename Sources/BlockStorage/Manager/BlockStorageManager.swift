import Foundation
import Logging
import StratusKit

/// The Block Storage logic behind the API: validation, policy, state transitions and quotas.
/// Work that takes time (scheduling, driver calls) is cast to the scheduler and volume agents.
final class BlockStorageManager: Sendable {
    let database: StratusDatabase
    let policy: BlockStoragePolicy
    let settings: BlockStorageSettings
    let backends: BlockStorageBackends?
    let logger: Logger
    let quotas: VolumeQuotas

    init(
        database: StratusDatabase, policy: BlockStoragePolicy, settings: BlockStorageSettings,
        backends: BlockStorageBackends?, logger: Logger
    ) {
        self.database = database
        self.policy = policy
        self.settings = settings
        self.backends = backends
        self.logger = logger
        quotas = VolumeQuotas(defaults: settings.defaultQuotas)
    }

    /// The bus and clients, or Cinder's 503 when the service runs without them.
    func requireBackends() throws -> BlockStorageBackends {
        guard let backends else {
            throw APIError(.serviceUnavailable, "Service cinder-volume could not be found.")
        }
        return backends
    }

    func read<T: Sendable>(_ body: @Sendable (BlockStorageQueries) async throws -> T) async throws -> T {
        try await database.read { try await body(BlockStorageQueries(sql: $0)) }
    }

    func write<T: Sendable>(_ body: @Sendable (BlockStorageQueries) async throws -> T) async throws -> T {
        try await database.write { try await body(BlockStorageQueries(sql: $0)) }
    }

    /// First start: the default volume type `__DEFAULT__` (Cinder creates it with its schema).
    func bootstrap() async throws {
        let name = settings.defaultVolumeType
        try await write { queries in
            guard try await queries.volumeType(idOrName: name) == nil else { return }
            try await queries.insert(
                VolumeTypeRecord(
                    id: UUID().uuidString.lowercased(), name: name, description: "Default Volume Type", isPublic: true,
                    qosSpecsID: nil, createdAt: .now(), updatedAt: nil))
        }
    }

    /// The volume when the caller may see it (its project, or an admin), else Cinder's 404.
    func visibleVolume(_ id: String, _ auth: AuthContext, rule: String = "volume:get") async throws -> VolumeRecord {
        guard let volume = try await read({ try await $0.volume(id: id) }),
            policy.isAdmin(auth) || volume.projectID == auth.projectID
        else { throw BlockStorageErrors.volumeNotFound(id) }
        try policy.enforce(rule, auth, projectID: volume.projectID)
        return volume
    }

    /// Records a user message about an asynchronous failure (`openstack volume message list`).
    func recordMessage(
        _ queries: BlockStorageQueries, projectID: String, requestID: String?, resourceType: String = "VOLUME",
        resourceID: String?, event: UserMessageEvent, detail: String
    ) async throws {
        try await queries.recordError(
            event, detail: detail, resourceType: resourceType, resourceID: resourceID, projectID: projectID,
            requestID: requestID, ttlSeconds: settings.messageTTLSeconds)
    }
}
