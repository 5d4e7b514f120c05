import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StratusKit

/// Archive extraction (`PUT ?extract-archive=tar|tar.gz|tar.bz2`), as Swift's `bulk`
/// middleware does it: every regular file of the archive becomes the object
/// `<upload path>/<file path>` (the first path part is the container, created when missing;
/// files that would not be in a container are skipped). Request metadata (`X-Object-Meta-*`,
/// `X-Delete-At`, `X-Delete-After`) goes onto every object, and the pax attributes
/// `user.mime_type` and `user.meta.*` become its content type and metadata. The answer is
/// always 200 with the outcome in the body.
///
/// A plain tar is read as it arrives; a compressed one is first saved to a temporary file
/// and read through `gzip -dc` or `bzip2 -dc`.
extension ProxyServer {
    func extractArchive(_ request: Request, path: ProxyPath, format requested: String) -> Response {
        let compression: String?
        switch requested.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".")) {
        case "tar": compression = nil
        case "tar.gz": compression = "gz"
        case "tar.bz2": compression = "bz2"
        default: return Self.textResponse(.badRequest, "Unsupported archive format")
        }
        let format = BulkResponse.format(accept: request.headers[.accept])
        return BulkResponse.streaming(format: format, frequency: limits.yieldFrequency) {
            var status = SwiftText.statusLine(201)
            var message = ""
            var created = 0
            var failed: [[String]] = []
            do {
                guard format != nil else { throw BulkFailure(status: 406) }
                let chunked = request.headers[.transferEncoding]?.lowercased().contains("chunked") == true
                guard request.headers[.contentLength] != nil || chunked else { throw BulkFailure(status: 411) }
                (created, failed, status) = try await self.extract(request, path: path, compression: compression)
                if failed.isEmpty && created == 0 {
                    status = SwiftText.statusLine(400)
                    message = "Invalid Tar File: No Valid Files"
                }
            } catch let failure as BulkFailure {
                status = SwiftText.statusLine(failure.status)
                message = failure.body
            } catch let error as TarReader.TarError {
                status = SwiftText.statusLine(400)
                message = "Invalid Tar File: \(error)"
            } catch {
                status = SwiftText.statusLine(500)
            }
            let fields: [(String, BulkResponse.Value)] = [
                ("Response Status", .string(status)), ("Response Body", .string(message)), ("Number Files Created", .int(created)),
            ]
            return BulkResponse.body(format: format, fields: fields, errors: failed, rootTag: "extract")
        }
    }

    private func extract(_ request: Request, path: ProxyPath, compression: String?) async throws -> (Int, [[String]], String) {
        let reader: TarReader
        var cleanup: (() -> Void)? = nil
        if let compression {
            let (pipe, file) = try await decompress(request, compression: compression)
            reader = TarReader(.pipe(pipe))
            cleanup = {
                pipe.close()
                try? FileManager.default.removeItem(atPath: file)
            }
        } else {
            reader = TarReader(.request(request.body.makeAsyncIterator()))
        }
        defer { cleanup?() }

        let account = path.account
        let base = [path.container, path.object].compactMap { $0 }.joined(separator: "/")
            .replacingOccurrences(of: "/+$", with: "", options: .regularExpression)
        var created = 0
        var failed: [[String]] = []
        var failureStatus = 400
        var containersSeen = Set<String>()
        var containersCreated = 0
        while failed.count < limits.maxFailedExtractions, let entry = try await reader.next() {
            guard entry.isRegularFile else { continue }
            var name = entry.name
            if name.hasPrefix("./") { name.removeFirst(2) }
            name = String(name.drop { $0 == "/" })
            if !base.isEmpty { name = base + "/" + name }
            guard let slash = name.firstIndex(of: "/") else { continue }
            let container = String(name[..<slash])
            let object = String(name[name.index(after: slash)...])
            let quoted = SwiftText.quote(String(name.prefix(constraints.maxObjectNameLength + constraints.maxContainerNameLength + 2)))
            if entry.size > constraints.maxFileSize {
                failed.append([quoted, SwiftText.statusLine(413)])
                continue
            }
            if object.isEmpty || constraints.checkNames(ProxyPath(account: account, container: container, object: object)) != nil {
                failed.append([quoted, SwiftText.statusLine(400)])
                continue
            }
            var containerFailure: [String]? = nil
            if !containersSeen.contains(container) {
                let (made, status) = try await createContainerIfMissing(account: account, container: container)
                if made {
                    containersCreated += 1
                    if containersCreated > limits.maxContainersPerExtraction {
                        throw BulkFailure(status: 400, body: "More than \(limits.maxContainersPerExtraction) containers to create from tar.")
                    }
                }
                if let status {
                    containerFailure = [SwiftText.quote("/v1/\(account)/\(container)"), SwiftText.statusLine(status)]
                    if status == 401 { throw BulkFailure(status: 401) }
                }
            }

            var headers = HTTPFields()
            headers[.contentLength] = String(entry.size)
            for field in request.headers {
                let lower = field.name.canonicalName
                if lower == "x-delete-at" || lower == "x-delete-after" || lower.hasPrefix("x-object-meta-") { headers.append(field) }
            }
            for (key, value) in entry.pax {
                guard let header = Self.paxHeader(key), let name = HTTPField.Name(header) else { continue }
                headers[name] = value
            }
            let put = Self.internalRequest(
                .put, account: account, container: container, object: object, headers: headers,
                body: RequestBody(asyncSequence: reader.entryBody()))
            let response = try await handleObject(put, account: account, container: container, object: object)
            containersSeen.insert(container)
            let code = response.status.code
            if (200..<300).contains(code) {
                created += 1
                continue
            }
            if let containerFailure { failed.append(containerFailure) }
            if code == 401 {
                failed.append([quoted, SwiftText.statusLine(401)])
                throw BulkFailure(status: 401)
            }
            if code >= 500 { failureStatus = 502 }
            failed.append([quoted, SwiftText.statusLine(code)])
        }
        return (created, failed, SwiftText.statusLine(failed.isEmpty ? 201 : failureStatus))
    }

    /// Swift's `pax_key_to_swift_header`: the xattrs GNU and BSD tar store for
    /// `user.mime_type` and `user.meta.*`.
    static func paxHeader(_ key: String) -> String? {
        for prefix in ["SCHILY.xattr.", "LIBARCHIVE.xattr."] where key.hasPrefix(prefix) {
            let attribute = key.dropFirst(prefix.count)
            if attribute == "user.mime_type" { return "Content-Type" }
            if attribute.hasPrefix("user.meta.") { return "X-Object-Meta-" + attribute.dropFirst("user.meta.".count) }
        }
        return nil
    }

    /// Creates the container unless it exists: whether it was created, and the status when
    /// it could be neither found nor created.
    func createContainerIfMissing(account: String, container: String) async throws -> (created: Bool, failure: Int?) {
        let (partition, _) = try containerNodes(account, container)
        let head = await replicas.read(
            .HEAD, ring: rings.container, partition: partition,
            path: { BackendClient.path(device: $0.device, partition: partition, account: account, container: container) },
            headers: [:])
        if head.isSuccess { return (false, nil) }
        guard head.status == 404 else { return (false, head.status) }
        let put = Self.internalRequest(.put, account: account, container: container)
        let code = try await handleContainer(put, account: account, container: container).status.code
        return (200..<300).contains(code) ? (true, nil) : (false, code)
    }

    /// Saves the request body to a temporary file (up to the largest object size) and starts
    /// the decompressor on it.
    private func decompress(_ request: Request, compression: String) async throws -> (PipeReader, String) {
        let tool = compression == "gz" ? "gzip" : "bzip2"
        guard let executable = ["/usr/bin/\(tool)", "/bin/\(tool)"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw BulkFailure(status: 500)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("stratus-extract-\(IDGenerator.hex())").path
        guard FileManager.default.createFile(atPath: file, contents: nil), let output = FileHandle(forWritingAtPath: file) else {
            throw BulkFailure(status: 500)
        }
        do {
            var written: Int64 = 0
            for try await chunk in request.body {
                written += Int64(chunk.readableBytes)
                if written > constraints.maxFileSize { throw BulkFailure(status: 413) }
                let bytes = Data(chunk.readableBytesView)
                try await Self.onFileQueue { try output.write(contentsOf: bytes) }
            }
            try output.close()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["-dc"]
            process.standardInput = FileHandle(forReadingAtPath: file)
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let message = compression == "gz" ? "not a gzip file" : "invalid compressed data"
            return (PipeReader(handle: pipe.fileHandleForReading, process: process, failureMessage: message), file)
        } catch {
            try? output.close()
            try? FileManager.default.removeItem(atPath: file)
            throw error
        }
    }

    private static let fileQueue = DispatchQueue(label: "stratus.proxy.archive-spool")

    /// Runs blocking file I/O off the cooperative threads.
    private static func onFileQueue(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            fileQueue.async {
                do {
                    try work()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
