import Foundation

/// Where the `file` back end keeps things: `<root>/<pool>/volume-<id>.<qcow2|raw>` and
/// `<root>/<pool>/snapshot-<id>.<qcow2|raw>`, with files being written under a hidden
/// temporary name beside their final one. Paths are only ever built from configured pool
/// names and UUID-shaped ids, so no request can point outside the root.
struct FileVolumeLayout: Sendable {
    let root: String
    let pools: [String: FilePool]

    static let fileFormats = ["qcow2", "raw"]
    static let temporaryPrefix = ".tmp-"

    init(root: String, pools: [FilePool]) throws {
        self.root = URL(fileURLWithPath: root).standardizedFileURL.path
        var byName: [String: FilePool] = [:]
        for pool in pools {
            guard Self.isSafeName(pool.name) else {
                throw VolumeDriverError("Pool name '\(pool.name)' is not allowed: use letters, digits, '.', '_' and '-'.")
            }
            guard byName.updateValue(pool, forKey: pool.name) == nil else {
                throw VolumeDriverError("Pool '\(pool.name)' is configured twice.")
            }
        }
        self.pools = byName
    }

    /// The configured pool, or an error naming the unknown one.
    func pool(_ name: String) throws -> FilePool {
        guard let pool = pools[name] else { throw VolumeDriverError("Pool '\(name)' is not configured on back end file.") }
        return pool
    }

    func directory(of pool: FilePool) -> String { "\(root)/\(pool.name)" }

    /// The path a volume's file has in `format`.
    func volumePath(_ volume: VolumeLocation, format: String) throws -> String {
        let pool = try pool(volume.pool)
        return "\(directory(of: pool))/volume-\(try Self.checkedID(volume.volumeID, kind: "volume")).\(format)"
    }

    func snapshotPath(_ snapshotID: String, pool poolName: String, format: String) throws -> String {
        let pool = try pool(poolName)
        return "\(directory(of: pool))/snapshot-\(try Self.checkedID(snapshotID, kind: "snapshot")).\(format)"
    }

    /// A fresh name beside `path` to write into before renaming onto it.
    static func temporaryPath(beside path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let suffix = UUID().uuidString.prefix(8).lowercased()
        return url.deletingLastPathComponent().appendingPathComponent(
            "\(temporaryPrefix)\(url.lastPathComponent).\(suffix)").path
    }

    /// The id, when it is shaped like a UUID (8-4-4-4-12 hex digits).
    static func checkedID(_ id: String, kind: String) throws -> String {
        let utf8 = Array(id.utf8)
        let dashes: Set<Int> = [8, 13, 18, 23]
        let wellFormed = utf8.count == 36 && utf8.indices.allSatisfy { index in
            dashes.contains(index) ? utf8[index] == UInt8(ascii: "-") : isHexDigit(utf8[index])
        }
        guard wellFormed else { throw VolumeDriverError("'\(id)' is not a valid \(kind) id.") }
        return id
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    private static func isSafeName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255, !name.hasPrefix(".") else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
        }
    }
}
