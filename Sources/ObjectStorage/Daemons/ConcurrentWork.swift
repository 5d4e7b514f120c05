/// Runs `body` for every item with at most `limit` running at once; stops starting new ones
/// when the task is cancelled.
func forEachConcurrently<Item: Sendable>(
    _ items: [Item], limit: Int, _ body: @escaping @Sendable (Item) async -> Void
) async {
    await withTaskGroup(of: Void.self) { group in
        var iterator = items.makeIterator()
        for _ in 0..<max(1, limit) {
            guard let item = iterator.next() else { break }
            group.addTask { await body(item) }
        }
        while await group.next() != nil {
            guard !Task.isCancelled, let item = iterator.next() else { continue }
            group.addTask { await body(item) }
        }
    }
}
