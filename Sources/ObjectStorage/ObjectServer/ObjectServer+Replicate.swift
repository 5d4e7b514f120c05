import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

extension ObjectServer {
    /// REPLICATE `/<device>/<partition>[/<suffix>-<suffix>…]`: the partition's suffix hashes
    /// as a JSON object `{"<suffix>": "<md5 hex>", …}` (`{}` for a partition this device does
    /// not have), after recomputing invalidated suffixes and the ones named in the path. 507
    /// when the device is missing.
    ///
    /// (Swift today answers a REPLICATE that names suffixes with nothing, only marking them
    /// for the next call; like older Swift, this one recomputes them and answers the hashes.)
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
        let hashes = try await blocking {
            try SuffixHashes.hashes(partitionPath: partitionPath, recalculate: suffixes, reclaimAge: reclaimAge, now: now)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(hashes)
        return JSONResponse.make(.ok, data: body, headers: [.contentLength: String(body.count)])
    }

    /// SwiftNIO's HTTP/1 parser accepts only the methods it knows, and REPLICATE is not one,
    /// so over a real connection the verb never reaches the router. A POST to a REPLICATE path
    /// (two or three segments, which no object POST can have) carrying
    /// `X-Backend-Replicate: REPLICATE` is served as REPLICATE instead. Nil for any other POST.
    func replicateThroughPost(_ request: Request, context: StratusRequestContext) async throws -> Response? {
        guard request.headers[.xBackendReplicate]?.uppercased() == "REPLICATE" else { return nil }
        guard (try? ObjectServer.objectPath(request)) == nil else { return nil }
        return try await replicate(request, context: context)
    }
}

extension HTTPField.Name {
    static let xBackendReplicate = HTTPField.Name("X-Backend-Replicate")!
}
