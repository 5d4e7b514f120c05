import Foundation
import Logging
import StratusKit

/// The Placement service's logic: providers and their trees, inventories, traits,
/// aggregates, consumers and their allocations. Routes parse and render; this decides.
final class PlacementManager: Sendable {
    let database: StratusDatabase
    let policy: PlacementPolicy
    let logger: Logger

    init(database: StratusDatabase, policy: PlacementPolicy, logger: Logger) {
        self.database = database
        self.policy = policy
        self.logger = logger
    }

    func read<T: Sendable>(_ body: @Sendable (PlacementQueries) async throws -> T) async throws -> T {
        let kind = database.kind
        return try await database.read { try await body(PlacementQueries(sql: $0, kind: kind)) }
    }

    func write<T: Sendable>(_ body: @Sendable (PlacementQueries) async throws -> T) async throws -> T {
        let kind = database.kind
        return try await database.write { try await body(PlacementQueries(sql: $0, kind: kind)) }
    }

    /// The provider, or Placement's 404.
    func existingProvider(_ uuid: String, in q: PlacementQueries) async throws -> ProviderRecord {
        guard let provider = try await q.provider(uuid: uuid) else { throw PlacementErrors.providerNotFound(uuid) }
        return provider
    }

    /// 409 `placement.concurrent_update` unless the caller saw the provider's current generation.
    static func requireGeneration(_ expected: Int64, of provider: ProviderRecord) throws {
        guard expected == provider.generation else { throw PlacementErrors.generationConflict() }
    }

    /// Whether a name is a resource class (standard or custom) this cloud knows.
    func resourceClassExists(_ name: String, in q: PlacementQueries) async throws -> Bool {
        if StandardResourceClasses.set.contains(name) { return true }
        return name.hasPrefix("CUSTOM_") ? try await q.customNameExists("custom_resource_classes", name) : false
    }

    /// The names among `names` that are neither standard nor custom resource classes.
    func unknownResourceClasses(_ names: some Sequence<String>, in q: PlacementQueries) async throws -> [String] {
        let custom = Set(try await q.customNames("custom_resource_classes"))
        return Set(names).filter { !StandardResourceClasses.set.contains($0) && !custom.contains($0) }.sorted()
    }

    /// The names among `names` that are neither standard nor custom traits.
    func unknownTraits(_ names: some Sequence<String>, in q: PlacementQueries) async throws -> [String] {
        let custom = Set(try await q.customNames("custom_traits"))
        return Set(names).filter { !StandardTraits.set.contains($0) && !custom.contains($0) }.sorted()
    }
}

/// Names of custom resource classes and traits: `CUSTOM_` then capitals, digits and `_`.
enum PlacementNames {
    static func isCustom(_ name: String) -> Bool {
        name.hasPrefix("CUSTOM_") && name.count > 7 && name.count <= 255 && isUpperName(name)
    }

    /// Capitals, digits and underscores only (the shape of every class and trait name).
    static func isUpperName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }

    /// A UUID in its canonical lower-case, dashed form; nil when `text` is not one. Both
    /// the dashed and the 32-hex-digit forms are accepted.
    static func uuid(_ text: String) -> String? {
        var candidate = text
        if candidate.count == 32, candidate.allSatisfy(\.isHexDigit) {
            let chars = Array(candidate)
            candidate = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(chars[$0]) }.joined(separator: "-")
        }
        return UUID(uuidString: candidate)?.uuidString.lowercased()
    }
}
