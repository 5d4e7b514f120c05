import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension ObjectServer {
    /// REPLICATE `/<device>/<partition>[/<suffix>-<suffix>…]`: the partition's suffix hashes
    /// as a JSON object `{"<suffix>": "<md5 hex>", …}` (`{}` for a partition this device does
    /// not have), after recomputing invalidated suffixes and the ones named in the path. 507
    /// when the device is missing.
    ///
    /// (Swift today answers a REPLICATE that names suffixes with nothing, only marking them
    /// for the next call; like older Swift, this one recomputes them and answers the hashes.)
    ///
    /// With `X-Backend-Replicate: LIST` (Stratus's own), it answers the file names of the named
    /// suffixes instead (see `listSuffixes`), which the replicator compares with its own before
    /// pushing files (see `ObjectServer+ReplicationPut.swift`).
    func replicate(_ request: Request, context: StratusRequestContext) async throws -> Response {
        let path: ReplicateRequestPath
        do throws(ObjectRequestPath.Problem) {
            path = try ReplicateRequestPath(rawPath: request.uri.path)
        } catch .invalidUTF8 {
            throw APIError(.preconditionFailed, "Invalid UTF8 or contains NULL")
        } catch .invalid(let message) {
            throw APIError(.badRequest, message)
        }
        let devicePath: String
        do {
            devicePath = try layout.devicePath(path.device)
        } catch {
            return ObjectServerResponse.insufficientStorage(path.device, method: request.method)
        }
        let partitionPath = ObjectDiskLayout.partitionPath(devicePath: devicePath, partition: path.partition)
        let (reclaimAge, now, suffixes) = (self.reclaimAge, clock(), path.suffixes)
        if request.headers[.xBackendReplicate]?.uppercased() == "LIST" {
            let listing = try await blocking { try ObjectServer.listSuffixes(partitionPath: partitionPath, suffixes: suffixes) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let body = try encoder.encode(listing)
            return JSONResponse.make(.ok, data: body, headers: [.contentLength: String(body.count)])
        }
        let hashes = try await blocking {
            try SuffixHashes.hashes(partitionPath: partitionPath, recalculate: suffixes, reclaimAge: reclaimAge, now: now)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(hashes)
        return JSONResponse.make(.ok, data: body, headers: [.contentLength: String(body.count)])
    }

    /// The files of the named suffixes: `{"<suffix>": {"<hash>": ["<file name>", …]}}`, for the
    /// replicator to work out which files the other side lacks. Absent suffixes are left out;
    /// entries that are not hash directories are skipped.
    static func listSuffixes(partitionPath: String, suffixes: [String]) throws(DiskFileError) -> [String: [String: [String]]] {
        var listing: [String: [String: [String]]] = [:]
        for suffix in suffixes where SuffixHashes.isValidSuffix(suffix) {
            let suffixPath = partitionPath + "/" + suffix
            var hashes: [String: [String]] = [:]
            for hash in try HashDirectory.list(suffixPath) where hash.utf8.count == 32 && hash.hasSuffix(suffix) {
                do throws(DiskFileError) {
                    let names = try HashDirectory.list(suffixPath + "/" + hash)
                    if !names.isEmpty { hashes[hash] = names.sorted() }
                } catch .system(_, _, let code) where code == ENOTDIR {
                    continue
                }
            }
            if !hashes.isEmpty { listing[suffix] = hashes }
        }
        return listing
    }

    /// SwiftNIO's HTTP/1 parser accepts only the methods it knows, and REPLICATE is not one,
    /// so over a real connection the verb never reaches the router. A POST to a REPLICATE path
    /// (two or three segments, which no object POST can have) carrying
    /// `X-Backend-Replicate: REPLICATE` is served as REPLICATE instead. Nil for any other POST.
    func replicateThroughPost(_ request: Request, context: StratusRequestContext) async throws -> Response? {
        guard let operation = request.headers[.xBackendReplicate]?.uppercased(), operation == "REPLICATE" || operation == "LIST"
        else { return nil }
        guard (try? ObjectServer.objectPath(request)) == nil else { return nil }
        return try await replicate(request, context: context)
    }
}

extension HTTPField.Name {
    static let xBackendReplicate = HTTPField.Name("X-Backend-Replicate")!
}
