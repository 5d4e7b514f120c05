import Foundation
import StratusKit

/// One personality file: a path in the guest and its contents as the request gave them
/// (base64). Kept with the server's build request, so the config drive, a rebuild and the
/// metadata service (`files`, `/openstack/content/NNNN`) can hand them to the guest.
struct InjectedFile: Sendable, Codable, Equatable {
    var path: String
    var contents: String

    /// The decoded contents.
    var bytes: [UInt8] { Data(base64Encoded: contents).map { [UInt8]($0) } ?? [] }
}

/// The `personality` member of a create (before 2.57) or rebuild body, read as Nova's schema does.
enum PersonalityBody {
    static func parse(_ value: JSONValue?) throws -> [InjectedFile]? {
        guard let value else { return nil }
        guard let list = value.arrayValue else {
            throw ComputeErrors.invalidInput("personality", value, "\(value.jsonText()) is not of type 'array'")
        }
        return try list.map { item in
            guard let object = item.objectValue else {
                throw ComputeErrors.invalidInput("personality", value, "\(item.jsonText()) is not of type 'object'")
            }
            if let extra = object.keys.sorted().first(where: { $0 != "path" && $0 != "contents" }) {
                throw ComputeErrors.invalidInput(
                    "personality", value, "Additional properties are not allowed ('\(extra)' was unexpected)")
            }
            let path = object["path"] ?? .string("")
            let contents = object["contents"] ?? .string("")
            guard let pathText = path.stringValue else {
                throw ComputeErrors.invalidInput("path", path, "\(path.jsonText()) is not of type 'string'")
            }
            guard let contentsText = contents.stringValue else {
                throw ComputeErrors.invalidInput("contents", contents, "\(contents.jsonText()) is not of type 'string'")
            }
            guard Data(base64Encoded: contentsText) != nil else {
                throw ComputeErrors.invalidInput("contents", contents, "'\(contentsText)' is not a 'base64'")
            }
            return InjectedFile(path: pathText, contents: contentsText)
        }
    }
}

extension QuotaCheck {
    /// Nova's injected-file limits (`injected_files`, `injected_file_path_bytes`,
    /// `injected_file_content_bytes`, the contents counted as given, in base64), each a 403
    /// in Nova's words; the path limit is reported before the content limit.
    func checkInjectedFiles(_ q: ComputeQueries, projectID: String, files: [InjectedFile]) async throws {
        guard !files.isEmpty else { return }
        let limits = try await limits(q, projectID: projectID)
        func exceeds(_ resource: String, _ value: Int) -> Int64? {
            guard let limit = limits[resource], limit >= 0, Int64(value) > limit else { return nil }
            return limit
        }
        if exceeds("injected_files", files.count) != nil {
            throw APIError(.forbidden, "Personality file limit exceeded")
        }
        if let limit = exceeds("injected_file_path_bytes", files.map(\.path.utf8.count).max() ?? 0) {
            throw APIError(.forbidden, "Personality file path exceeds maximum \(limit)")
        }
        if let limit = exceeds("injected_file_content_bytes", files.map(\.contents.utf8.count).max() ?? 0) {
            throw APIError(.forbidden, "Personality file content exceeds maximum \(limit)")
        }
    }
}
