import Synchronization

/// The calls waiting for their replies, by message id. A reply may arrive before its caller
/// starts waiting; a reply for a call that gave up (timeout, cancellation) is dropped.
final class PendingReplies: Sendable {
    private enum Slot {
        case expecting
        case waiting(CheckedContinuation<JSONValue, any Error>)
        case arrived(Result<JSONValue, any Error>)
    }
    private let slots = Mutex<[String: Slot]>([:])

    /// Registers a call before its request is sent, so that no reply can come too early.
    func expect(_ messageID: String) {
        slots.withLock { $0[messageID] = .expecting }
    }

    /// The call's outcome, once `resolve` gives one.
    func wait(for messageID: String) async throws -> JSONValue {
        try await withCheckedThrowingContinuation { continuation in
            slots.withLock { slots in
                switch slots[messageID] {
                case .arrived(let outcome):
                    slots[messageID] = nil
                    continuation.resume(with: outcome)
                case .expecting:
                    slots[messageID] = .waiting(continuation)
                case .waiting, nil:
                    continuation.resume(throwing: MessageBusClosed())
                }
            }
        }
    }

    /// Settles a call with its reply or with a failure (timeout, cancellation); false when
    /// nobody expects it any more.
    @discardableResult
    func resolve(_ messageID: String, with outcome: Result<JSONValue, any Error>) -> Bool {
        slots.withLock { slots in
            switch slots[messageID] {
            case .expecting:
                slots[messageID] = .arrived(outcome)
                return true
            case .waiting(let continuation):
                slots[messageID] = nil
                continuation.resume(with: outcome)
                return true
            case .arrived, nil:
                return false
            }
        }
    }

    /// Fails every call still waiting.
    func resolveAll(with error: any Error) {
        let waiting = slots.withLock { slots in
            let taken = slots
            slots.removeAll()
            return taken
        }
        for case .waiting(let continuation) in waiting.values { continuation.resume(throwing: error) }
    }
}
