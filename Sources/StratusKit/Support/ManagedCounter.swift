import Synchronization

/// A thread-safe counter (round-robin choices, generations).
public final class ManagedCounter: Sendable {
    private let value = Atomic<Int>(0)

    public init() {}

    /// Returns the current value and increments it.
    public func next() -> Int { value.add(1, ordering: .relaxed).oldValue }

    /// Decrements and returns the previous value.
    @discardableResult
    public func decrement() -> Int { value.subtract(1, ordering: .relaxed).oldValue }

    public var current: Int { value.load(ordering: .acquiring) }
}
