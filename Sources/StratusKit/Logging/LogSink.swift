import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Where log lines go: standard error, buffered. Lines collect in memory and are written
/// in one system call every 100 ms (or as soon as 64 KiB are waiting); warnings and errors
/// are written at once. A per-request write(2) to a log file cost more CPU than the rest
/// of validating a token.
public final class LogSink: Sendable {
    public static let shared = LogSink()
    private let pending = Mutex<[UInt8]>([])
    private let flushLock = Mutex<Void>(())
    private static let flushThreshold = 64 << 10

    private init() {
        let flusher = Thread { [weak self] in
            while let sink = self {
                sink.flush()
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        flusher.name = "log-flush"
        flusher.start()
        atexit { LogSink.shared.flush() }
    }

    public func write(bytes line: [UInt8], urgent: Bool) {
        let size = pending.withLock { buffer in
            buffer.append(contentsOf: line)
            return buffer.count
        }
        if urgent || size >= Self.flushThreshold { flush() }
    }

    /// Writes out everything collected so far.
    public func flush() {
        flushLock.withLock { _ in
            var bytes = pending.withLock { buffer in
                let taken = buffer
                buffer.removeAll(keepingCapacity: true)
                return taken
            }
            bytes.withUnsafeMutableBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }
}
