/// The Object Storage (Swift) API calls a volume backup needs, in the account the session's
/// project owns: containers, objects written from bytes or a file, read back, listed by prefix
/// and deleted.
public protocol ObjectStoreClient: Sendable {
    /// Creates `container` when it is missing (an existing one is kept as it is).
    func ensureContainer(_ container: String) async throws
    /// Stores `data` as `container/name`; the store's ETag must be the data's MD5.
    func putObject(container: String, name: String, data: [UInt8]) async throws
    /// Stores the file at `path` as `container/name`, streamed (never whole in memory).
    func putObject(container: String, name: String, fileAt path: String) async throws
    /// The object's data, or nil when it does not exist.
    func object(container: String, name: String) async throws -> [UInt8]?
    /// Deletes the object; one that is gone is not an error.
    func deleteObject(container: String, name: String) async throws
    /// The names of the container's objects that begin with `prefix`, in name order (all pages);
    /// empty when the container does not exist.
    func objectNames(container: String, prefix: String) async throws -> [String]
}
