import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Listing what a device holds, for the daemons: partitions, suffixes, hash directories and
/// database files. Everything not shaped as expected (temporary files, locks) is skipped.
enum StorageWalk {
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    static func names(_ path: String) -> [String] {
        (try? HashDirectory.list(path)) ?? []
    }

    /// The partition directories under `<device>/<objects|containers|accounts>`, in number order.
    static func partitions(_ directory: String) -> [String] {
        names(directory).filter { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
            .sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
    }

    /// The suffix directories of a partition.
    static func suffixes(_ partitionPath: String) -> [String] {
        names(partitionPath).filter(SuffixHashes.isValidSuffix).sorted()
    }

    /// The hash directories of a suffix directory.
    static func hashes(_ suffixPath: String) -> [String] {
        let suffix = (suffixPath as NSString).lastPathComponent
        return names(suffixPath).filter { $0.utf8.count == 32 && $0.hasSuffix(suffix) }.sorted()
    }

    /// One account or container database file on a device.
    struct Database: Sendable {
        var partition: String
        var hash: String
        var path: String
    }

    /// The database files (`<partition>/<suffix>/<hash>/<hash>.db`) of a device.
    static func databases(devicePath: String, kind: BrokerLocation.Kind) -> [Database] {
        let root = devicePath + "/" + kind.rawValue
        var found: [Database] = []
        for partition in partitions(root) {
            for suffix in suffixes(root + "/" + partition) {
                for hash in hashes(root + "/" + partition + "/" + suffix) {
                    let path = root + "/" + partition + "/" + suffix + "/" + hash + "/" + hash + ".db"
                    if FileManager.default.fileExists(atPath: path) {
                        found.append(Database(partition: partition, hash: hash, path: path))
                    }
                }
            }
        }
        return found
    }
}
