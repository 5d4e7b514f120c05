import Synchronization

/// A thread-safe incrementing counter (round-robin choices, generations).
public final class ManagedCounter: Sendable {
    fileprivate let valueBox = Atomic<Int>(0)
    public init() {}
    /// Returns the current value and increments it.
    public func next() -> Int { valueBox.add(1, ordering: .relaxed).oldValue }
    public var current: Int { valueBox.load(ordering: .acquiring) }
}

extension ManagedCounter {
    /// Decrements and returns the previous value.
    @discardableResult
    public func decrement() -> Int { valueBox.subtract(1, ordering: .relaxed).oldValue }
}
