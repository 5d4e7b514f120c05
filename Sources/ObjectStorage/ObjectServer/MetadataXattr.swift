import CObjectStorage
import Crypto
import Foundation
import StratusKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An object file's metadata, kept in extended attributes of the file itself (as Swift keeps
/// it), so a `.data`, `.ts` or `.meta` file carries its own description and a rename moves both.
///
/// Encoding: the metadata is a JSON object of string to string (keys sorted, UTF-8), e.g.
/// `{"Content-Length":"5","Content-Type":"text/plain","ETag":"…","X-Timestamp":"…","name":"/a/c/o"}`.
/// The bytes go in `user.swift.metadata`, and when longer than 65536 bytes continue in
/// `user.swift.metadata1`, `user.swift.metadata2`, … (Swift's chunking). `user.swift.metadata_checksum`
/// holds the MD5 of the whole JSON as 32 lowercase hex digits; a reader that finds it and a
/// different digest treats the metadata as corrupt. (Swift pickles; this JSON is Stratus's own.)
enum MetadataXattr {
    static let key = "user.swift.metadata"
    static let checksumKey = "user.swift.metadata_checksum"
    static let chunkSize = 65536

    static func encode(_ metadata: [String: String]) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try! encoder.encode(metadata))
    }

    static func decode(_ bytes: [UInt8]) -> [String: String]? {
        try? JSONDecoder().decode([String: String].self, from: Data(bytes))
    }

    /// Writes the metadata to the open file `fd` (`path` is for errors only).
    static func write(_ metadata: [String: String], fd: Int32, path: String) throws(DiskFileError) {
        let bytes = encode(metadata)
        var index = 0
        var start = 0
        repeat {
            let end = min(start + chunkSize, bytes.count)
            let name = index == 0 ? key : key + String(index)
            let result = bytes[start..<end].withUnsafeBytes { cobjs_fsetxattr(fd, name, $0.baseAddress, $0.count) }
            if result != 0 { throw DiskFileError.fromErrno("fsetxattr", path) }
            start = end
            index += 1
        } while start < bytes.count
        // A shorter rewrite must not leave a stale chunk behind it.
        while cobjs_fremovexattr(fd, key + String(index)) == 0 { index += 1 }
        let checksum = Array(Hex.lowercase(Insecure.MD5.hash(data: bytes)).utf8)
        let result = checksum.withUnsafeBytes { cobjs_fsetxattr(fd, checksumKey, $0.baseAddress, $0.count) }
        if result != 0 { throw DiskFileError.fromErrno("fsetxattr", path) }
    }

    /// Reads the metadata of the open file `fd`; nil when there is none or it is corrupt.
    static func read(fd: Int32, path: String) throws(DiskFileError) -> [String: String]? {
        var bytes: [UInt8] = []
        var index = 0
        while true {
            let name = index == 0 ? key : key + String(index)
            guard let chunk = try attribute(fd: fd, name: name, path: path) else { break }
            bytes += chunk
            index += 1
        }
        guard index > 0 else { return nil }
        if let stored = try attribute(fd: fd, name: checksumKey, path: path),
            String(decoding: stored, as: UTF8.self) != Hex.lowercase(Insecure.MD5.hash(data: bytes))
        {
            return nil
        }
        return decode(bytes)
    }

    /// Reads the metadata of the file at `path`.
    static func read(path: String) throws(DiskFileError) -> [String: String]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw DiskFileError.stateChanged }
            throw DiskFileError.fromErrno("open", path)
        }
        defer { close(fd) }
        return try read(fd: fd, path: path)
    }

    private static func attribute(fd: Int32, name: String, path: String) throws(DiskFileError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { cobjs_fgetxattr(fd, name, $0.baseAddress, $0.count) }
            if count >= 0 { return Array(buffer.prefix(count)) }
            switch errno {
            case ENODATA: return nil
            case ERANGE:
                let size = cobjs_fgetxattr(fd, name, nil, 0)
                if size < 0 { throw DiskFileError.fromErrno("fgetxattr", path) }
                buffer = [UInt8](repeating: 0, count: size + 1)
            default: throw DiskFileError.fromErrno("fgetxattr", path)
            }
        }
    }
}
