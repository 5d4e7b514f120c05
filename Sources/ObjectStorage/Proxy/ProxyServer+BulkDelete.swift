import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StratusKit

/// A name to delete (`/container/object` or `/container`), or one already known to have failed.
struct BulkDeleteItem: Sendable {
    var name: String
    var errorCode: Int?
    var errorMessage: String?
}

/// A request-wide failure of a bulk operation: reported in the body as the Response Status.
struct BulkFailure: Error {
    var status: Int
    var body: String = ""
}

/// Bulk delete (`POST|DELETE ?bulk-delete` with newline-separated, URL-encoded names), as
/// Swift's `bulk` middleware does it: objects first, then containers (which must be empty),
/// a few at a time; the answer is always 200, the outcome in the body.
extension ProxyServer {
    func bulkDelete(_ request: Request, account: String) -> Response {
        let format = BulkResponse.format(accept: request.headers[.accept])
        return BulkResponse.streaming(format: format, frequency: limits.yieldFrequency) {
            var fields: [(String, BulkResponse.Value)] = [
                ("Response Status", .string("200 OK")), ("Response Body", .string("")), ("Number Deleted", .int(0)),
                ("Number Not Found", .int(0)),
            ]
            var errors: [[String]] = []
            do {
                guard format != nil else { throw BulkFailure(status: 406) }
                if let type = request.headers[.contentType], !type.hasPrefix("text/plain") { throw BulkFailure(status: 406) }
                let names = try await self.namesToDelete(request)
                (fields, errors) = await self.runDeletes(account: account, items: names.map { BulkDeleteItem(name: $0) })
            } catch let failure as BulkFailure {
                fields[0].1 = .string(SwiftText.statusLine(failure.status))
                fields[1].1 = .string(failure.body)
            } catch {
                fields[0].1 = .string(SwiftText.statusLine(500))
            }
            return BulkResponse.body(format: format, fields: fields, errors: errors, rootTag: "delete")
        }
    }

    /// The names in the request body, one a line, percent-decoded.
    func namesToDelete(_ request: Request) async throws -> [String] {
        let chunked = request.headers[.transferEncoding]?.lowercased().contains("chunked") == true
        guard request.headers[.contentLength] != nil || chunked else { throw BulkFailure(status: 411) }
        let maxPathLength = constraints.maxObjectNameLength + constraints.maxContainerNameLength + 2
        var names: [String] = []
        var line: [UInt8] = []
        func add(_ bytes: [UInt8]) throws {
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { names.append(SwiftText.unquote(text)) }
            if names.count > limits.maxDeletesPerRequest {
                throw BulkFailure(status: 413, body: "Maximum Bulk Deletes: \(limits.maxDeletesPerRequest) per request")
            }
        }
        for try await chunk in request.body {
            for byte in chunk.readableBytesView {
                if byte == 10 {
                    try add(line)
                    line.removeAll(keepingCapacity: true)
                } else {
                    line.append(byte)
                    if line.count > maxPathLength * 2 { throw BulkFailure(status: 400, body: "Invalid File Name") }
                }
            }
        }
        try add(line)
        return names
    }

    /// Deletes the items, objects before containers, `limits.concurrency` at a time, and
    /// reports as Swift does: how many were deleted or not found, and the failures (status 400,
    /// or 502 when a server failed; "Invalid bulk delete." when nothing was named).
    func runDeletes(account: String, items: [BulkDeleteItem]) async -> (fields: [(String, BulkResponse.Value)], errors: [[String]]) {
        var deleted = 0
        var notFound = 0
        var failed: [[String]] = []
        var failureStatus = 400
        var aborted = false

        func record(_ name: String, status: Int) {
            if (200..<300).contains(status) {
                deleted += 1
            } else if status == 404 {
                notFound += 1
            } else {
                if status >= 500 { failureStatus = 502 }
                failed.append([SwiftText.quote(name), SwiftText.statusLine(status)])
            }
        }

        let isObject = { (name: String) in name.trimmingCharacters(in: CharacterSet(charactersIn: "/")).contains("/") }
        for objects in [true, false] where !aborted {
            var pending: [String] = []
            for item in items where !item.name.isEmpty && isObject(item.name) == objects {
                if let code = item.errorCode {
                    if code == 404 { notFound += 1 } else { failed.append([SwiftText.quote(item.name), item.errorMessage ?? ""]) }
                    continue
                }
                pending.append(item.name)
            }
            var queue = pending.makeIterator()
            await withTaskGroup(of: (String, Int).self) { group in
                var running = 0
                while running < max(limits.concurrency, 1), let name = queue.next() {
                    group.addTask { (name, await self.deleteOne(account: account, name: name)) }
                    running += 1
                }
                while let (name, status) = await group.next() {
                    record(name, status: status)
                    if failed.count >= limits.maxFailedDeletes {
                        aborted = true
                        continue
                    }
                    if !aborted, let next = queue.next() {
                        group.addTask { (next, await self.deleteOne(account: account, name: next)) }
                    }
                }
            }
        }

        var status = SwiftText.statusLine(200)
        var body = ""
        if aborted {
            status = SwiftText.statusLine(400)
            body = "Max delete failures exceeded"
        } else if !failed.isEmpty {
            status = SwiftText.statusLine(failureStatus)
        } else if deleted == 0 && notFound == 0 {
            status = SwiftText.statusLine(400)
            body = "Invalid bulk delete."
        }
        return (
            [
                ("Response Status", .string(status)), ("Response Body", .string(body)), ("Number Deleted", .int(deleted)),
                ("Number Not Found", .int(notFound)),
            ], failed
        )
    }

    /// One DELETE of an object or container of `account` through the proxy; its status.
    func deleteOne(account: String, name: String) async -> Int {
        let trimmed = String(name.drop { $0 == "/" })
        do {
            if name.trimmingCharacters(in: CharacterSet(charactersIn: "/")).contains("/"),
                let names = Self.splitContainerObject(trimmed)
            {
                if constraints.checkNames(ProxyPath(account: account, container: names.container, object: names.object)) != nil {
                    return 400
                }
                let request = Self.internalRequest(.delete, account: account, container: names.container, object: names.object)
                return try await handleObject(request, account: account, container: names.container, object: names.object).status.code
            }
            let container = String(trimmed.reversed().drop { $0 == "/" }.reversed())
            if container.isEmpty || constraints.checkNames(ProxyPath(account: account, container: container)) != nil { return 400 }
            let request = Self.internalRequest(.delete, account: account, container: container)
            return try await handleContainer(request, account: account, container: container).status.code
        } catch {
            return 503
        }
    }
}
