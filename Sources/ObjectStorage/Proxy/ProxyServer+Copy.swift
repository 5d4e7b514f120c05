import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StratusKit

extension HTTPRequest.Method {
    /// Swift's server-side copy verb (SwiftNIO's HTTP parser knows it).
    static let copy = HTTPRequest.Method("COPY")!
}

/// Server-side copy, as Swift's `copy` middleware does it: `COPY` with `Destination:
/// /container/object` (and `Destination-Account`) is a `PUT` of the destination with
/// `X-Copy-From: /container/object` (and `X-Copy-From-Account`). The source is read through
/// the proxy (a large object is copied as its concatenation, unless `?multipart-manifest=get`
/// copies the manifest) and streamed into the new object; its metadata is carried over unless
/// `X-Fresh-Metadata: true`, and headers of the request override it.
extension ProxyServer {
    /// `COPY`: 201 (`X-Copied-From`, `X-Copied-From-Account`, `X-Copied-From-Last-Modified`);
    /// 412 without a well-formed `Destination`; 403 for a destination the caller may not write
    /// (as its owner or by an ACL); then as for a `PUT` with `X-Copy-From`.
    func copyObject(
        _ request: Request, caller: ProxyIdentity?, account: String, container: String, object: String, query: ProxyQuery
    ) async throws -> Response {
        guard let destination = request.headers[.destination], !destination.isEmpty else {
            return Self.textResponse(.preconditionFailed, "Destination header required")
        }
        var headers = request.headers
        var destinationAccount = account
        if let named = request.headers[.destinationAccount] {
            let decoded = SwiftText.unquote(named)
            if let problem = Self.accountFormatProblem(decoded) { return Self.textResponse(.preconditionFailed, problem) }
            destinationAccount = decoded
            headers[.xCopyFromAccount] = SwiftText.quote(account)
            headers[.destinationAccount] = nil
        }
        guard let target = Self.splitContainerObject(SwiftText.unquote(destination)) else {
            return Self.textResponse(.preconditionFailed, "Destination header must be of the form <container name>/<object name>")
        }
        headers[.destination] = nil
        headers[.contentLength] = "0"
        headers[.transferEncoding] = nil
        headers[.xCopyFrom] = SwiftText.quote("/\(container)/\(object)")
        let path = ProxyPath(account: destinationAccount, container: target.container, object: target.object)
        guard try await access(.put, path: path, caller: caller) != nil else { return ProxyErrors.response(caller == nil ? .unauthorized : .forbidden) }
        if let problem = constraints.checkNames(path) { return ProxyErrors.response(.badRequest, detail: problem) }
        return try await copyToObject(
            headers: headers, query: query, caller: caller, account: destinationAccount, container: target.container,
            object: target.object)
    }

    /// `PUT` with `X-Copy-From`: 201 as for `COPY`; 400 when the request has a body; 412 for a
    /// malformed `X-Copy-From` or `X-Copy-From-Account`; 403 for a source the caller may not
    /// read (as its owner or by an ACL); the source's error (404, 416, 412, …) when it cannot be read; 413 when it
    /// is larger than the largest object; then the destination `PUT`'s answer (404 without its
    /// container).
    func copyToObject(
        headers request: HTTPFields, query: ProxyQuery, caller: ProxyIdentity?, account: String, container: String, object: String
    ) async throws -> Response {
        if let length = request[.contentLength].flatMap({ Int64($0) }), length > 0 {
            return Self.textResponse(.badRequest, "Copy requests require a zero byte body", contentType: "text/plain")
        }
        var sourceAccount = account
        if let named = request[.xCopyFromAccount] {
            let decoded = SwiftText.unquote(named)
            if let problem = Self.accountFormatProblem(decoded) { return Self.textResponse(.preconditionFailed, problem) }
            sourceAccount = decoded
        }
        guard let source = request[.xCopyFrom].flatMap({ Self.splitContainerObject(SwiftText.unquote($0)) }) else {
            return Self.textResponse(.preconditionFailed, "X-Copy-From header must be of the form <container name>/<object name>")
        }
        let sourcePath = ProxyPath(account: sourceAccount, container: source.container, object: source.object)
        guard try await access(.get, path: sourcePath, caller: caller) != nil else {
            return ProxyErrors.response(caller == nil ? .unauthorized : .forbidden)
        }
        if let problem = constraints.checkNames(sourcePath) { return ProxyErrors.response(.badRequest, detail: problem) }

        // The source, read as a client would read it (its Range and conditions apply to it);
        // an SLO manifest is read in the form it was uploaded in, to be stored again.
        let manifestCopy = query["multipart-manifest"] == "get"
        let sourceQuery = ProxyQuery(manifestCopy ? "multipart-manifest=get&format=raw" : nil)
        let read = try await readObject(
            .get, account: sourceAccount, container: source.container, object: source.object, headers: request, query: sourceQuery)
        guard read.status < 300 else { return read.response(method: .get) }
        guard let length = read.contentLength, length <= constraints.maxFileSize else {
            return ProxyErrors.response(.contentTooLarge)
        }

        let isStatic = read.headers[.xStaticLargeObject] != nil
        let dynamic = read.headers[.xObjectManifest]
        var sink = HTTPFields()
        if SwiftText.isTrue(request[.xFreshMetadata]) {
            sink = request
            for field in read.headers where field.name.canonicalName.hasPrefix("x-object-sysmeta-") { sink[field.name] = field.value }
        } else {
            let excluded: Set<String> = ["x-static-large-object", "x-object-manifest", "etag", "content-type", "x-timestamp", "x-backend-timestamp"]
            for field in read.headers where !excluded.contains(field.name.canonicalName) { sink[field.name] = field.value }
            for name in Set(request.map(\.name)) { sink[fields: name] = request[fields: name] }
        }
        var putQuery: String? = nil
        if manifestCopy {
            if isStatic { putQuery = "multipart-manifest=put" }
            if let dynamic { sink[.xObjectManifest] = dynamic }
        }
        if read.status == 200 && !isStatic && (dynamic == nil || manifestCopy) {
            sink[.eTag] = SwiftText.normalizeETag(read.headers[.eTag])
        } else {
            sink[.eTag] = nil
            for field in sink where field.name.canonicalName.hasPrefix("x-object-sysmeta-container-update-override-") {
                sink[field.name] = nil
            }
        }
        sink[.xCopyFrom] = nil
        sink[.xCopyFromAccount] = nil
        sink[.contentRange] = nil
        sink[.transferEncoding] = nil
        if (request[.contentType] ?? "").isEmpty { sink[.contentType] = read.headers[.contentType] }
        sink[.contentLength] = String(length)

        var copied = HTTPFields()
        copied[HTTPField.Name("X-Copied-From-Account")!] = SwiftText.quote(sourceAccount)
        copied[HTTPField.Name("X-Copied-From")!] = SwiftText.quote("\(source.container)/\(source.object)")
        if let modified = read.headers[.lastModified] { copied[HTTPField.Name("X-Copied-From-Last-Modified")!] = modified }
        for field in sink {
            let name = field.name.canonicalName
            if name.hasPrefix("x-object-meta-") || name == "x-delete-at" { copied.append(field) }
        }

        let put = Self.internalRequest(
            .put, account: account, container: container, object: object, query: putQuery, headers: sink,
            body: RequestBody(asyncSequence: read.body))
        var response =
            putQuery != nil
            ? try await putStaticManifest(put, account: account, container: container, object: object)
            : try await handleObject(put, account: account, container: container, object: object)
        if (200..<300).contains(response.status.code) {
            for field in copied { response.headers[field.name] = field.value }
        }
        return response
    }

    /// Swift's `check_account_format`: the reason an account name is refused, or nil.
    static func accountFormatProblem(_ account: String) -> String? {
        if account.isEmpty { return "Account name cannot be empty" }
        if account.contains("/") { return "Account name cannot contain slashes" }
        return nil
    }
}
