import CObjectStorage
import Crypto
import Foundation
import StratusKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Writes one object file atomically: the bytes go to an unnamed temporary file in
/// `<device>/tmp` (`O_TMPFILE`; a named `mkstemp` file there where the file system lacks it),
/// their MD5 computed on the way; `commit` stores the metadata in the file's extended
/// attributes, fsyncs it, invalidates the suffix hash, links (or renames) it into the hash
/// directory under its final name, fsyncs the directory and removes what the new file makes
/// obsolete. Until `commit`, nothing is visible; a writer dropped without `commit` leaves nothing.
///
/// Not thread-safe: one task drives a writer.
final class DiskFileWriter {
    let devicePath: String
    private var fd: Int32
    /// Set when the temporary file has a name (no `O_TMPFILE`).
    private var temporaryPath: String?
    private var md5 = Insecure.MD5()
    private(set) var bytesWritten: Int64 = 0
    private var committed = false

    /// - Parameter size: the expected length, reserved up front (`fallocate`) so a full disk
    ///   fails the request at once; nil when unknown.
    init(devicePath: String, size: Int64?) throws(DiskFileError) {
        self.devicePath = devicePath
        let directory = devicePath + "/" + ObjectDiskLayout.tmpDirectory
        try ObjectDiskLayout.makeDirectories(directory)
        var descriptor = cobjs_open_tmpfile(directory, 0o644)
        if descriptor < 0 {
            guard errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL else {
                throw DiskFileError.fromErrno("open(O_TMPFILE)", directory)
            }
            var template = Array((directory + "/.tmp-XXXXXX").utf8CString)
            descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard descriptor >= 0 else { throw DiskFileError.fromErrno("mkstemp", directory) }
            temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
        fd = descriptor
        if let size, size > 0 {
            if cobjs_fallocate_keep_size(fd, off_t(size)) != 0, errno == ENOSPC || errno == EDQUOT {
                abort()
                throw DiskFileError.noSpace(path: directory)
            }
        }
    }

    deinit { abort() }

    /// Appends bytes to the file.
    func write(_ bytes: UnsafeRawBufferPointer) throws(DiskFileError) {
        md5.update(bufferPointer: bytes)
        var done = 0
        while done < bytes.count {
            let count = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if count < 0 {
                if errno == EINTR { continue }
                throw DiskFileError.fromErrno("write", devicePath + "/" + ObjectDiskLayout.tmpDirectory)
            }
            done += count
        }
        bytesWritten += Int64(bytes.count)
    }

    /// The MD5 of the bytes written so far, as 32 lowercase hex digits.
    var etag: String { Hex.lowercase(md5.finalize()) }

    /// Makes the file visible as `hashDirectory/fileName` with `metadata`, then cleans the
    /// hash directory up (see `HashDirectory.cleanup`).
    func commit(
        metadata: [String: String], hashDirectory: String, fileName: ObjectFileName, reclaimAge: Double, now: Double
    ) throws(DiskFileError) {
        precondition(!committed, "a writer commits once")
        let target = hashDirectory + "/" + fileName.name
        try MetadataXattr.write(metadata, fd: fd, path: target)
        if fsync(fd) != 0 { throw DiskFileError.fromErrno("fsync", target) }
        let suffixPath = (hashDirectory as NSString).deletingLastPathComponent
        let partitionPath = (suffixPath as NSString).deletingLastPathComponent
        let created = try ObjectDiskLayout.makeDirectories(hashDirectory)
        try SuffixHashes.invalidate(partitionPath: partitionPath, suffix: (suffixPath as NSString).lastPathComponent)
        try link(to: target)
        committed = true
        // Flush the new entry, and the entries of every directory this commit created.
        var directory = hashDirectory
        for _ in 0...created {
            ObjectDiskLayout.fsyncDirectory(directory)
            directory = (directory as NSString).deletingLastPathComponent
        }
        close(fd)
        fd = -1
        try HashDirectory.cleanup(hashDirectory, reclaimAge: reclaimAge, now: now)
    }

    private func link(to target: String) throws(DiskFileError) {
        if let temporaryPath {
            if rename(temporaryPath, target) != 0 { throw DiskFileError.fromErrno("rename", target) }
            self.temporaryPath = nil
            return
        }
        let source = "/proc/self/fd/\(fd)"
        if linkat(AT_FDCWD, source, AT_FDCWD, target, AT_SYMLINK_FOLLOW) == 0 { return }
        guard errno == EEXIST else { throw DiskFileError.fromErrno("linkat", target) }
        // Same name already there (a retried write): link beside it, then rename over it.
        let beside = devicePath + "/" + ObjectDiskLayout.tmpDirectory + "/.link-" + IDGenerator.hex()
        guard linkat(AT_FDCWD, source, AT_FDCWD, beside, AT_SYMLINK_FOLLOW) == 0 else {
            throw DiskFileError.fromErrno("linkat", beside)
        }
        if rename(beside, target) != 0 {
            let failure = DiskFileError.fromErrno("rename", target)
            unlink(beside)
            throw failure
        }
    }

    /// Drops the temporary file (nothing to do after a commit).
    func abort() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        if let temporaryPath {
            unlink(temporaryPath)
            self.temporaryPath = nil
        }
    }
}
