import Crypto
import Foundation
import StratusKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Per-partition suffix hashes, the replicator's way to find which parts of a partition differ
/// between two devices without listing them (Swift's `hashes.pkl`).
///
/// A suffix's hash is the MD5, over its hash directories in name order, of the names of the
/// files that decide each object's state: the kept `.meta`, then the `.ts` or `.data`
/// (`<timestamp internal><ext>`, exactly the bytes Swift hashes, so equal files give equal
/// hashes). Computing it also cleans the directories up (obsolete files, reclaimable
/// tombstones, empty directories); a suffix left empty is removed and drops out of the map.
///
/// Files, in `objects/<partition>/`:
/// - `hashes.json`: `{"hashes": {"<suffix>": "<md5 hex>" | null, ...}, "updated": <unix seconds>,
///   "valid": true}`; `null` means "changed, recompute". A missing or unreadable file is
///   invalid and makes the next request list the partition again.
/// - `hashes.invalid`: suffixes invalidated since, one per line, appended by every write
///   (cheap, and never rewrites `hashes.json` on the write path); folded into `hashes.json`
///   by the next `hashes(...)` call.
/// - `.lock`: the partition lock guarding both.
public enum SuffixHashes {
    public static let hashesFile = "hashes.json"
    public static let invalidationsFile = "hashes.invalid"

    struct Stored: Codable, Equatable {
        var hashes: [String: String?]
        var updated: Double
        var valid: Bool
    }

    public static func isValidSuffix(_ text: String) -> Bool {
        text.utf8.count == 3 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Marks a suffix as changed (called before a write makes its file visible). Does nothing
    /// when the partition directory does not exist yet.
    public static func invalidate(partitionPath: String, suffix: String) throws(DiskFileError) {
        _ = try DirectoryLock.withLock(partitionPath) { () throws(DiskFileError) in
            let path = partitionPath + "/" + invalidationsFile
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw DiskFileError.fromErrno("open", path) }
            defer { close(fd) }
            let line = Array((suffix + "\n").utf8)
            let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written != line.count { throw DiskFileError.fromErrno("write", path) }
        }
    }

    /// The hash of every suffix of the partition, recomputing the invalidated ones, those in
    /// `recalculate`, and all of them when the stored file is missing or unreadable. An absent
    /// partition has no suffixes.
    public static func hashes(
        partitionPath: String, recalculate: [String] = [], reclaimAge: Double, now: Double
    ) throws(DiskFileError) -> [String: String] {
        for _ in 0..<10 {
            guard let state = try consolidate(partitionPath) else { return [:] }
            let (original, consolidated) = state
            var hashes = consolidated?.hashes ?? [:]
            var modified = consolidated == nil
            if consolidated == nil {
                for name in try HashDirectory.list(partitionPath) where isValidSuffix(name) {
                    hashes[name] = .some(nil)
                }
            }
            for suffix in recalculate where isValidSuffix(suffix) { hashes[suffix] = .some(nil) }
            for (suffix, value) in hashes where value == nil {
                modified = true
                if let digest = try hashSuffix(partitionPath + "/" + suffix, reclaimAge: reclaimAge, now: now) {
                    hashes[suffix] = .some(digest)
                } else {
                    hashes.removeValue(forKey: suffix)
                }
            }
            let result = hashes.compactMapValues { $0 }
            guard modified else { return result }
            let stored = Stored(hashes: hashes, updated: now, valid: true)
            // Write only if nobody rewrote the file while we hashed; otherwise start over.
            // Invalidations that arrived meanwhile sit in hashes.invalid and are not lost.
            let written = try DirectoryLock.withLock(partitionPath) { () throws(DiskFileError) -> Bool in
                guard try readRaw(partitionPath + "/" + hashesFile) == original else { return false }
                try store(stored, partitionPath: partitionPath)
                return true
            }
            if written != false { return result }
        }
        throw DiskFileError.stateChanged
    }

    /// Folds `hashes.invalid` into `hashes.json`. Returns the raw bytes of `hashes.json` after
    /// that and its contents (nil when missing or unreadable); nil when there is no partition.
    private static func consolidate(_ partitionPath: String) throws(DiskFileError) -> ([UInt8]?, Stored?)? {
        try DirectoryLock.withLock(partitionPath) { () throws(DiskFileError) -> ([UInt8]?, Stored?) in
            let hashesPath = partitionPath + "/" + hashesFile
            let invalidPath = partitionPath + "/" + invalidationsFile
            let raw = try readRaw(hashesPath)
            var stored = raw.flatMap { try? JSONDecoder().decode(Stored.self, from: Data($0)) }
            if stored?.valid == false || stored?.hashes.keys.allSatisfy(isValidSuffix) == false { stored = nil }
            guard let invalidations = try readRaw(invalidPath) else { return (raw, stored) }
            let suffixes = String(decoding: invalidations, as: UTF8.self).split(separator: "\n").map(String.init)
            var current = raw
            if var valid = stored, suffixes.contains(where: isValidSuffix) {
                for suffix in suffixes where isValidSuffix(suffix) { valid.hashes[suffix] = .some(nil) }
                try store(valid, partitionPath: partitionPath)
                stored = valid
                current = try readRaw(hashesPath)
            }
            if truncate(invalidPath, 0) != 0 { throw DiskFileError.fromErrno("truncate", invalidPath) }
            return (current, stored)
        }
    }

    /// The suffix's hash, or nil when the suffix directory is gone (or was emptied and removed).
    static func hashSuffix(_ suffixPath: String, reclaimAge: Double, now: Double) throws(DiskFileError) -> String? {
        var info = stat()
        guard stat(suffixPath, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
        var md5 = Insecure.MD5()
        for hash in try HashDirectory.list(suffixPath).sorted() {
            let hashPath = suffixPath + "/" + hash
            let contents: HashDirectoryContents
            do throws(DiskFileError) {
                contents = try HashDirectory.cleanup(hashPath, reclaimAge: reclaimAge, now: now)
            } catch .system(_, _, let code) where code == ENOTDIR {
                // A file where a hash directory should be: move it out of the way, as Swift does.
                let devicePath = URL(fileURLWithPath: suffixPath).deletingLastPathComponent()
                    .deletingLastPathComponent().deletingLastPathComponent().path
                _ = try Quarantine.quarantine(hashDirectory: hashPath, devicePath: devicePath)
                continue
            }
            for file in [contents.meta, contents.tombstone, contents.data].compactMap({ $0 }) {
                md5.update(data: Array(file.name.utf8))
            }
        }
        if rmdir(suffixPath) == 0 || errno == ENOENT { return nil }
        return Hex.lowercase(md5.finalize())
    }

    private static func readRaw(_ path: String) throws(DiskFileError) -> [UInt8]? {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            if !FileManager.default.fileExists(atPath: path) { return nil }
            throw DiskFileError.system(call: "read", path: path, errno: EIO)
        }
    }

    private static func store(_ stored: Stored, partitionPath: String) throws(DiskFileError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let path = partitionPath + "/" + hashesFile
        do {
            try AtomicFile.store(Array(try encoder.encode(stored)), at: path)
        } catch {
            throw DiskFileError.system(call: "write", path: path, errno: EIO)
        }
    }
}
