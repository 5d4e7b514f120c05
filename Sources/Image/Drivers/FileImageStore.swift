import Foundation
import Hummingbird
import NIOCore
import StratusKit
import _NIOFileSystem

/// The `file` store: one file per image under `root`, named by image id.
/// Files are created with O_TMPFILE and linked into place only when the write completes,
/// so an interrupted upload never leaves a partial file.
struct FileImageStore: ImageDataStore {
    let id = "file"
    let storeDescription = "Image data on this host's disk"
    let root: String

    init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(
            atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    func path(of location: String) -> String { root + "/" + location }

    func write<Data: AsyncSequence & Sendable>(
        imageID: String, data: Data, observe: (ByteBuffer) throws -> Void
    ) async throws -> String where Data.Element == ByteBuffer {
        let location = imageID
        try await FileSystem.shared.withFileHandle(
            forWritingAt: FilePath(path(of: location)), options: .newFile(replaceExisting: true)
        ) { handle in
            try await handle.withBufferedWriter(capacity: .mebibytes(1)) { writer in
                for try await buffer in data {
                    try observe(buffer)
                    try await writer.write(contentsOf: buffer.readableBytesView)
                }
            }
        }
        return location
    }

    func withContents<Result: Sendable>(
        location: String, _ body: (FileChunks, Int64) async throws -> Result
    ) async throws -> Result {
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path(of: location))) { handle in
            let size = try await handle.info().size
            return try await body(handle.readChunks(in: 0..<size, chunkLength: .mebibytes(1)), size)
        }
    }

    func byteSource(location: String) throws -> any ByteSource {
        try FileByteSource(path: path(of: location))
    }

    func read(location: String, range: ClosedRange<Int64>?) async throws -> ResponseBody {
        let path = FilePath(path(of: location))
        guard let info = try await FileSystem.shared.info(forFileAt: path) else {
            throw APIError.notFound("The image data is missing from the store.")
        }
        guard info.size > 0 else { return ResponseBody() }
        let whole: ClosedRange<Int64> = 0...(info.size - 1)
        let bytes = range?.clamped(to: whole) ?? whole
        return ResponseBody(contentLength: bytes.count) { writer in
            try await FileSystem.shared.withFileHandle(forReadingAt: path) { handle in
                for try await chunk in handle.readChunks(in: bytes, chunkLength: .kibibytes(256)) {
                    try await writer.write(chunk)
                }
            }
            try await writer.finish(nil)
        }
    }

    func delete(location: String) async throws {
        let path = path(of: location)
        guard FileManager.default.fileExists(atPath: path) else { return }
        try FileManager.default.removeItem(atPath: path)
    }
}
