import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What the files of one object's hash directory mean, as Swift decides it for replicated
/// objects (`get_ondisk_files`):
///
/// - the newest tombstone makes every `.data` and `.meta` at or before it obsolete, and every
///   older tombstone;
/// - the newest `.data` makes older `.data` files obsolete, and tombstones and `.meta` files at
///   or before it;
/// - of the `.meta` files only the newest is kept;
/// - the state is the newest `.data` (with the newest `.meta` newer than it), or else the
///   newest tombstone, or else nothing. A `.meta` with no `.data` means nothing, and is removed
///   once older than the reclaim age;
/// - names that are not `<timestamp>.data|.ts|.meta` are unexpected and left alone.
public struct HashDirectoryContents: Sendable, Equatable {
    public var data: ObjectFileName?
    public var meta: ObjectFileName?
    public var tombstone: ObjectFileName?
    /// Files no longer needed.
    public var obsolete: [ObjectFileName] = []
    /// `.meta` files without a `.data`: removable after the reclaim age.
    public var possiblyReclaimable: [ObjectFileName] = []
    public var unexpected: [String] = []

    public init(names: [String]) {
        var byKind: [ObjectFileName.Kind: [ObjectFileName]] = [:]
        for name in names {
            if let file = ObjectFileName(name) {
                byKind[file.kind, default: []].append(file)
            } else {
                unexpected.append(name)
            }
        }
        var datas = (byKind[.data] ?? []).sorted(by: >)
        var metas = (byKind[.meta] ?? []).sorted(by: >)
        var tombstones = (byKind[.tombstone] ?? []).sorted(by: >)

        if let newestTombstone = tombstones.first {
            obsolete += datas.filter { $0.timestamp <= newestTombstone.timestamp }
            datas.removeAll { $0.timestamp <= newestTombstone.timestamp }
            obsolete += metas.filter { $0.timestamp <= newestTombstone.timestamp }
            metas.removeAll { $0.timestamp <= newestTombstone.timestamp }
            obsolete += tombstones.dropFirst()
            tombstones = [newestTombstone]
        }
        if metas.count > 1 {
            obsolete += metas.dropFirst()
            metas = [metas[0]]
        }
        if let newestData = datas.first {
            obsolete += datas.dropFirst()
            datas = [newestData]
            obsolete += tombstones.filter { $0.timestamp <= newestData.timestamp }
            tombstones.removeAll { $0.timestamp <= newestData.timestamp }
            obsolete += metas.filter { $0.timestamp <= newestData.timestamp }
            metas.removeAll { $0.timestamp <= newestData.timestamp }
            data = newestData
            meta = metas.first
        } else {
            possiblyReclaimable = metas
            tombstone = tombstones.first
        }
    }

    /// The files that stay after a cleanup that removes nothing by age, newest first.
    public var kept: [ObjectFileName] { [meta, data, tombstone].compactMap { $0 } }
}

/// Reading and tidying one hash directory.
public enum HashDirectory {
    /// The entry names of a directory; an empty list when it does not exist.
    static func list(_ path: String) throws(DiskFileError) -> [String] {
        guard let directory = opendir(path) else {
            if errno == ENOENT { return [] }
            throw DiskFileError.fromErrno("opendir", path)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Swift's `cleanup_ondisk_files`: removes obsolete files, a tombstone older than
    /// `reclaimAge` seconds, `.meta` files without data older than that, and the directory
    /// itself when nothing is left. Returns what remains.
    @discardableResult
    public static func cleanup(_ path: String, reclaimAge: Double, now: Double) throws(DiskFileError)
        -> HashDirectoryContents
    {
        let names = try list(path)
        var contents = HashDirectoryContents(names: names)
        var removed: [ObjectFileName] = contents.obsolete
        if let tombstone = contents.tombstone, now - tombstone.timestamp.seconds > reclaimAge {
            removed.append(tombstone)
            contents.tombstone = nil
        }
        for meta in contents.possiblyReclaimable where now - meta.timestamp.seconds > reclaimAge {
            removed.append(meta)
        }
        contents.possiblyReclaimable.removeAll { removed.contains($0) }
        for file in removed {
            if unlink(path + "/" + file.name) != 0, errno != ENOENT {
                throw DiskFileError.fromErrno("unlink", path + "/" + file.name)
            }
        }
        contents.obsolete = []
        if names.count == removed.count {
            // Another writer may have added a file since the listing: then rmdir fails, harmlessly.
            _ = rmdir(path)
        }
        return contents
    }
}
