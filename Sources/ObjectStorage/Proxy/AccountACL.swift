import Foundation
import StratusKit

/// An account's ACL, as TempAuth reads it: `X-Account-Access-Control` holds a JSON object
/// (Swift's version-2 ACL syntax) with up to three lists of names, e.g.
/// `{"admin":["alice"],"read-write":["test:bob"],"read-only":["test"]}`:
///
/// - `read-only`: GET and HEAD of the account, its containers and objects (listings and
///   metadata included, owner-only headers excluded);
/// - `read-write`: as `read-only`, and every request on containers and objects (create and
///   delete containers, write, overwrite and delete objects, set their metadata); still only
///   GET and HEAD on the account itself;
/// - `admin`: as the account's owner (ACLs and owner-only headers included).
///
/// A name is matched against the caller's TempAuth groups (`account`, `account:user`, and the
/// user's other groups). The proxy stores the header as the account's system metadata
/// `X-Account-Sysmeta-Core-Access-Control` and shows it back, normalized, to owners only.
struct AccountACL: Sendable, Equatable {
    var admin: [String] = []
    var readWrite: [String] = []
    var readOnly: [String] = []

    enum Level: Sendable, Equatable {
        case readOnly, readWrite, admin
    }

    static let headerName = "X-Account-Access-Control"
    static let sysmetaName = "X-Account-Sysmeta-Core-Access-Control"
    static let keys = ["admin", "read-write", "read-only"]

    /// Why a header value is not an ACL TempAuth takes, in TempAuth's words; nil when it is.
    /// The empty string is a valid ACL (it removes the stored one).
    static func problem(in header: String) -> String? {
        guard let object = parseObject(header) else { return "Syntax error in input (\(PythonRepr.string(header)))" }
        for key in object.keys.sorted() where !keys.contains(key) {
            return "Key \(PythonText.jsonString(key)) not recognized"
        }
        for key in keys {
            guard let value = object[key] else { continue }
            guard case .array(let elements) = value else { return "Value for key \(PythonText.jsonString(key)) must be a list" }
            for element in elements {
                guard case .string = element else { return "Elements of \(PythonText.jsonString(key)) list must be strings" }
            }
        }
        return nil
    }

    /// The ACL stored in an account's system metadata; nil when there is none, it is not a
    /// JSON object, or it grants nobody (Swift's `acls_from_account_info`).
    init?(stored: String?) {
        guard let stored, let object = Self.parseObject(stored) else { return nil }
        func names(_ key: String) -> [String] {
            guard case .array(let elements)? = object[key] else { return [] }
            return elements.compactMap { if case .string(let name) = $0 { name } else { nil } }
        }
        admin = names("admin")
        readWrite = names("read-write")
        readOnly = names("read-only")
        if admin.isEmpty && readWrite.isEmpty && readOnly.isEmpty { return nil }
    }

    init(admin: [String] = [], readWrite: [String] = [], readOnly: [String] = []) {
        self.admin = admin
        self.readWrite = readWrite
        self.readOnly = readOnly
    }

    /// The strongest level granted to a caller known by `names` (admin before read-write before
    /// read-only); nil when none is.
    func level(for names: [String]) -> Level? {
        let names = Set(names)
        if admin.contains(where: names.contains) { return .admin }
        if readWrite.contains(where: names.contains) { return .readWrite }
        if readOnly.contains(where: names.contains) { return .readOnly }
        return nil
    }

    /// A stored ACL as owners see it in `X-Account-Access-Control` (Swift's `format_acl`:
    /// keys sorted, no spaces, non-ASCII escaped); nil for an absent, unreadable or empty one.
    static func displayed(stored: String?) -> String? {
        guard let stored, let object = parseObject(stored), !object.isEmpty else { return nil }
        var output: [UInt8] = []
        PythonText.appendCompactJSON(.object(object), to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// The header value as a JSON object; nil when it is not one. The empty string is the
    /// empty object (Swift's `parse_acl_v2`).
    private static func parseObject(_ text: String) -> [String: JSONValue]? {
        if text.isEmpty { return [:] }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), case .object(let object) = value
        else { return nil }
        return object
    }
}
