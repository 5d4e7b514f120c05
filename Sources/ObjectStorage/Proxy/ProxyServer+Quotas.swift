import HTTPTypes
import Hummingbird
import NIOHTTP1

/// Swift's quota middlewares: a container's `X-Container-Meta-Quota-Bytes` and
/// `-Quota-Count`, and an account's `X-Account-Meta-Quota-Bytes` (which only reseller
/// admins may set), checked before an upload is stored: 413 "Upload exceeds quota.".
extension ProxyServer {
    /// A refusal for an account metadata change a non-reseller tries on quota headers.
    func checkQuotaHeaders(_ request: Request, path: ProxyPath, caller: ProxyIdentity?) -> Response? {
        guard path.container == nil, [.post, .put].contains(request.method), !(caller?.isResellerAdmin ?? false) else { return nil }
        let names = ["X-Account-Meta-Quota-Bytes", "X-Remove-Account-Meta-Quota-Bytes"]
        guard names.contains(where: { request.headers[HTTPField.Name($0)!] != nil }) else { return nil }
        return ProxyErrors.response(.forbidden)
    }

    /// 413 when storing `length` more bytes (one more object) would pass a container or an
    /// account quota; 400 for a quota value that is not a number.
    func checkUploadQuota(account: String, container: String, length: Int64) async throws -> Response? {
        if let headers = try await containerHeaders(account: account, container: container) {
            let used = Int64(headers.first(name: "X-Container-Bytes-Used") ?? "") ?? 0
            let count = Int64(headers.first(name: "X-Container-Object-Count") ?? "") ?? 0
            if let text = headers.first(name: "X-Container-Meta-Quota-Bytes"), !text.isEmpty {
                guard let quota = Int64(text) else { return ProxyErrors.response(.badRequest, detail: "Invalid bytes quota.") }
                if used + length > quota { return ProxyErrors.response(.contentTooLarge, detail: "Upload exceeds quota.") }
            }
            if let text = headers.first(name: "X-Container-Meta-Quota-Count"), !text.isEmpty {
                guard let quota = Int64(text) else { return ProxyErrors.response(.badRequest, detail: "Invalid count quota.") }
                if count + 1 > quota { return ProxyErrors.response(.contentTooLarge, detail: "Upload exceeds quota.") }
            }
        }
        if let headers = try await accountHeaders(account: account),
            let text = headers.first(name: "X-Account-Meta-Quota-Bytes"), !text.isEmpty
        {
            guard let quota = Int64(text) else { return ProxyErrors.response(.badRequest, detail: "Invalid bytes quota.") }
            let used = Int64(headers.first(name: "X-Account-Bytes-Used") ?? "") ?? 0
            if used + length > quota { return ProxyErrors.response(.contentTooLarge, detail: "Upload exceeds quota.") }
        }
        return nil
    }
}
