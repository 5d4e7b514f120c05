import Synchronization

/// Values computed from the store, kept until the next write (the store's generation
/// moves on). Token rendering and authentication look the same user, project and roles
/// up again and again; between writes the answer cannot change.
final class GenerationCache<Value: Sendable>: Sendable {
    private let state = Mutex<(generation: Int, entries: [String: Value])>((-1, [:]))
    private let limit: Int

    init(limit: Int = 10_000) {
        self.limit = limit
    }

    /// The cached value for `key` at `generation`, else `load()`'s (remembered unless the
    /// store moved on meanwhile).
    func value(
        _ key: String, generation: Int, load: () async throws -> Value
    ) async throws -> Value {
        if let hit = state.withLock({ $0.generation == generation ? $0.entries[key] : nil }) { return hit }
        let value = try await load()
        state.withLock { state in
            if state.generation < generation { state = (generation, [:]) }
            guard state.generation == generation else { return }
            if state.entries.count >= limit { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = value
        }
        return value
    }
}
