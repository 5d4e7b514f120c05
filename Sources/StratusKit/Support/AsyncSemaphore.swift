import Synchronization

/// Counts permits for async code: `acquire()` suspends (first come, first served) while all
/// permits are taken, `release()` returns one. Bounds how much work runs at once.
public final class AsyncSemaphore: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    public init(permits: Int) {
        precondition(permits > 0)
        state = Mutex(State(available: permits))
    }

    public func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.withLock { state in
                if state.available > 0 {
                    state.available -= 1
                    continuation.resume()
                } else {
                    state.waiters.append(continuation)
                }
            }
        }
    }

    public func release() {
        state.withLock { state in
            if state.waiters.isEmpty {
                state.available += 1
            } else {
                state.waiters.removeFirst().resume()
            }
        }
    }
}
