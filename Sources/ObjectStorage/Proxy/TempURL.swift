import Crypto
import Foundation

/// Swift's temporary URLs: `?temp_url_sig=…&temp_url_expires=…` signs
/// `METHOD\nEXPIRES\nPATH` (or `METHOD\nEXPIRES\nprefix:PATH-PREFIX` with `temp_url_prefix`)
/// with HMAC and a key set as account or container metadata (`Temp-URL-Key`,
/// `Temp-URL-Key-2`). Signatures may be hex SHA-1, SHA-256 or SHA-512, or
/// `sha512:<base64url>` (and the like), as Swift accepts them.
struct TempURL: Sendable {
    var signature: String
    var expires: Int64
    var prefix: String?

    /// The temp URL parameters of a query, or nil when it has none.
    init?(query: [String: String]) {
        guard let signature = query["temp_url_sig"], let expiresText = query["temp_url_expires"] else { return nil }
        if let seconds = Int64(expiresText) {
            expires = seconds
        } else if let date = ISO8601DateFormatter().date(from: expiresText) {
            expires = Int64(date.timeIntervalSince1970)
        } else {
            return nil
        }
        self.signature = signature
        prefix = query["temp_url_prefix"]
    }

    /// Whether the signature is valid for `method` on `path` under one of `keys`, now.
    func isValid(method: String, path: String, keys: [String], now: Int64) -> Bool {
        guard expires > now else { return false }
        var subject = path
        if let prefix {
            guard let base = containerPath(of: path), path.hasPrefix(base + prefix) else { return false }
            subject = "prefix:" + base + prefix
        }
        // HEAD is allowed with a signature made for GET, HEAD or PUT.
        let methods = method == "HEAD" ? ["HEAD", "GET", "PUT"] : [method]
        for key in keys where !key.isEmpty {
            for signedMethod in methods where matches("\(signedMethod)\n\(expires)\n\(subject)", key: key) { return true }
        }
        return false
    }

    /// `/v1/account/container/` of an object path.
    private func containerPath(of path: String) -> String? {
        let parts = path.split(separator: "/", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5 else { return nil }
        return "/\(parts[1])/\(parts[2])/\(parts[3])/"
    }

    private func matches(_ message: String, key: String) -> Bool {
        let keyData = SymmetricKey(data: Data(key.utf8))
        let body = Data(message.utf8)
        var presented = signature
        var digestName: String?
        if let colon = signature.firstIndex(of: ":") {
            digestName = String(signature[..<colon])
            presented = String(signature[signature.index(after: colon)...])
        }
        func check<H: HashFunction>(_: H.Type) -> Bool {
            let mac = Array(HMAC<H>.authenticationCode(for: body, using: keyData))
            if digestName != nil {
                var base64 = presented.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                while base64.count % 4 != 0 { base64 += "=" }
                guard let decoded = Data(base64Encoded: base64) else { return false }
                return constantTimeEquals(Array(decoded), mac)
            }
            return constantTimeEquals(Array(presented.lowercased().utf8), Array(mac.map { String(format: "%02x", $0) }.joined().utf8))
        }
        switch digestName ?? (presented.count == 40 ? "sha1" : presented.count == 64 ? "sha256" : "sha512") {
        case "sha1": return check(Insecure.SHA1.self)
        case "sha256": return check(SHA256.self)
        case "sha512": return check(SHA512.self)
        default: return false
        }
    }

    private func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
