import Dispatch
import Foundation
import Synchronization

/// What a finished child process left behind.
struct ChildProcessOutput: Sendable {
    /// The exit status, or the signal number when `exitedBySignal`.
    var status: Int32
    var exitedBySignal: Bool
    var standardOutput: Data
    var standardError: Data
    /// True when the process was stopped because it ran past its time limit.
    var timedOut: Bool

    var succeeded: Bool { !exitedBySignal && status == 0 }
}

/// Runs a program as a child process without holding a Swift concurrency thread: the pipes are
/// drained on threads of their own and the exit arrives through the termination handler. A
/// cancelled task or an elapsed time limit kills the child.
enum ChildProcess {
    static func run(executable: String, arguments: [String], timeout: Duration? = nil) async throws -> ChildProcessOutput {
        let handle = RunningChild()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ChildProcessOutput, any Error>) in
                handle.start(executable: executable, arguments: arguments, timeout: timeout, continuation: continuation)
            }
        } onCancel: {
            handle.terminate()
        }
    }
}

/// One started child process: its pipes, what they produced, and whether it was stopped.
private final class RunningChild: Sendable {
    private struct State {
        var process: Process?
        var standardOutput = Data()
        var standardError = Data()
        var timedOut = false
        var cancelled = false
    }

    private let state = Mutex(State())

    func start(
        executable: String, arguments: [String], timeout: Duration?,
        continuation: CheckedContinuation<ChildProcessOutput, any Error>
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let outputPipe = Pipe()
        let errorPipe = Pipe()
        process.standardOutput = outputPipe
        process.standardError = errorPipe

        let finished = DispatchGroup()
        finished.enter()
        process.terminationHandler = { _ in finished.leave() }

        let alreadyCancelled = state.withLock { state -> Bool in
            state.process = process
            return state.cancelled
        }
        if alreadyCancelled {
            continuation.resume(throwing: CancellationError())
            return
        }
        do {
            try process.run()
        } catch {
            continuation.resume(throwing: error)
            return
        }
        // Each pipe is drained on a thread of its own: a read blocks until the child closes
        // its end, and blocked reads must not use up the dispatch pool that the time limit
        // and the completion below run on.
        drain(outputPipe.fileHandleForReading, into: finished) { state, data in state.standardOutput = data }
        drain(errorPipe.fileHandleForReading, into: finished) { state, data in state.standardError = data }
        if let timeout {
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Self.nanoseconds(timeout))) {
                let running = self.state.withLock { state -> Bool in
                    guard let process = state.process, process.isRunning else { return false }
                    state.timedOut = true
                    return true
                }
                if running { self.terminate() }
            }
        }
        finished.notify(queue: .global()) {
            let output = self.state.withLock { state in
                ChildProcessOutput(
                    status: process.terminationStatus,
                    exitedBySignal: process.terminationReason == .uncaughtSignal,
                    standardOutput: state.standardOutput,
                    standardError: state.standardError,
                    timedOut: state.timedOut)
            }
            self.state.withLock { $0.process = nil }
            continuation.resume(returning: output)
        }
    }

    private func drain(
        _ reader: FileHandle, into group: DispatchGroup, keep: @escaping @Sendable (inout State, Data) -> Void
    ) {
        group.enter()
        let thread = Thread {
            let data = reader.readDataToEndOfFile()
            self.state.withLock { keep(&$0, data) }
            group.leave()
        }
        thread.name = "child-process-output"
        thread.start()
    }

    private static func nanoseconds(_ duration: Duration) -> Int {
        let components = duration.components
        return Int(components.seconds) * 1_000_000_000 + Int(components.attoseconds / 1_000_000_000)
    }

    /// Kills the child if it is still running; remembers a stop asked for before it started.
    /// SIGKILL rather than SIGTERM: a child inherits ignored signals from its parent, and
    /// whatever it was writing is removed by the caller anyway.
    func terminate() {
        state.withLock { state in
            state.cancelled = true
            if let process = state.process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }
}
