import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Sends one object file to another device with its exact name and metadata (the replication
/// PUT, see `ObjectServer+ReplicationPut.swift`), streaming a `.data` file's bytes from disk.
struct ObjectFilePush: Sendable {
    let context: DaemonContext

    enum Outcome: Sendable, Equatable {
        /// Stored (201).
        case stored(bytes: Int64)
        /// Not needed there (409): the device has it, or something newer.
        case notNeeded
        /// The local file vanished or has unreadable metadata; nothing was sent.
        case skipped
        /// No answer, or another status.
        case failed(status: Int?)
    }

    func push(_ file: ObjectFileName, hashDirectory: String, to node: RingDevice, partition: String) async -> Outcome {
        let path = hashDirectory + "/" + file.name
        let opened: (FileDescriptor, [String: String], Int64)?
        do {
            opened = try await context.blocking { () -> (FileDescriptor, [String: String], Int64)? in
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { return nil }
                let descriptor = FileDescriptor(fd)
                var info = stat()
                guard fstat(fd, &info) == 0, let metadata = try MetadataXattr.read(fd: fd, path: path) else { return nil }
                return (descriptor, metadata, Int64(info.st_size))
            }
        } catch {
            opened = nil
        }
        guard let (descriptor, metadata, size) = opened, let name = metadata["name"],
            let objectPath = ObjectFilePush.objectPath(name)
        else { return .skipped }
        let length = file.kind == .data ? size : 0
        var headers = HTTPHeaders()
        headers.add(name: "X-Backend-Replication", value: "True")
        headers.add(name: "X-Backend-Replication-File", value: file.name)
        headers.add(name: "X-Backend-Replication-Metadata", value: ReplicationMetadata.encode(metadata))
        headers.add(name: "X-Timestamp", value: file.timestamp.internal)
        headers.add(name: "Content-Type", value: metadata["Content-Type"] ?? "application/octet-stream")
        headers.add(name: "Content-Length", value: String(length))
        headers.add(name: "User-Agent", value: "object-replicator")
        let body: HTTPClientRequest.Body =
            length > 0 ? .stream(FileChunks(file: descriptor, length: length), length: .known(length)) : .bytes(ByteBuffer())
        let answer = await context.request(
            .PUT, node: node, path: "/" + BackendClient.percentEncode(node.device) + "/" + partition + objectPath,
            headers: headers, body: body)
        guard let answer else { return .failed(status: nil) }
        switch answer.status {
        case 201: return .stored(bytes: length)
        case 409: return .notNeeded
        default: return .failed(status: answer.status)
        }
    }

    /// `/a/c/o` (an object file's `name`) → `/<a>/<c>/<o>`, each part percent-encoded (the
    /// object keeps its slashes, encoded); nil for a name that is not three parts.
    static func objectPath(_ name: String) -> String? {
        guard name.hasPrefix("/") else { return nil }
        let parts = name.dropFirst().split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else { return nil }
        return parts.map { "/" + BackendClient.percentEncode(String($0)) }.joined()
    }
}

/// A file's bytes as a request body, read in 64 KiB chunks on the blocking thread pool.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let file: FileDescriptor
    let length: Int64

    struct AsyncIterator: AsyncIteratorProtocol {
        let file: FileDescriptor
        let length: Int64
        var offset: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            guard offset < length else { return nil }
            let (fd, start, count) = (file.fd, offset, Int(Swift.min(Int64(1 << 16), length - offset)))
            let chunk = try await NIOThreadPool.singleton.runIfActive { () throws -> [UInt8] in
                var bytes = [UInt8](repeating: 0, count: count)
                var done = 0
                while done < count {
                    let read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(start) + off_t(done)) }
                    if read < 0, errno == EINTR { continue }
                    guard read > 0 else { throw FileChanged() }
                    done += read
                }
                return bytes
            }
            offset += Int64(chunk.count)
            return ByteBuffer(bytes: chunk)
        }
    }

    /// The file is shorter than when the push began.
    struct FileChanged: Error {}

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(file: file, length: length) }
}
