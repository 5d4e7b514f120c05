import Hummingbird
import NIOCore
import _NIOFileSystem

/// Where image data lives (Glance's stores). The `file` store keeps it under the data
/// directory; another back end (the Object Storage service) plugs in behind this protocol.
protocol ImageDataStore: Sendable {
    /// The store id clients see in `/v2/info/stores` and an image's `stores`.
    var id: String { get }
    var storeDescription: String { get }

    /// Writes `data` as the image's data. Nothing is visible at the location unless this
    /// returns: a failed or cut-off write leaves no file behind. `observe` sees every chunk
    /// before it is written and may throw to stop the write (hashing, size limits).
    func write<Data: AsyncSequence & Sendable>(
        imageID: String, data: Data, observe: (ByteBuffer) throws -> Void
    ) async throws -> String where Data.Element == ByteBuffer

    /// Runs `body` with the stored data as a stream of chunks, and its size.
    func withContents<Result: Sendable>(
        location: String, _ body: (FileChunks, Int64) async throws -> Result
    ) async throws -> Result

    /// Random access to stored data, for inspecting its format.
    func byteSource(location: String) throws -> any ByteSource

    /// Streams `range` (inclusive byte offsets) of the stored data.
    func read(location: String, range: ClosedRange<Int64>?) async throws -> ResponseBody

    /// Removes stored data; data already gone is not an error.
    func delete(location: String) async throws
}
