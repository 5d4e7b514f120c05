import Foundation
import Hummingbird
import NIOCore

/// Reads a tar stream entry by entry, as it arrives (ustar and old-style headers, GNU long
/// names, pax extended and global headers), without holding more than a block and a chunk:
/// each entry's bytes are read through `entryBody()` before the next entry is asked for
/// (whatever is left of an entry is skipped then).
///
/// Read by one task at a time (the extraction loop and the upload it starts take turns).
final class TarReader: @unchecked Sendable {
    struct Entry: Sendable {
        var name: String
        var size: Int64
        var type: UInt8
        /// The entry's pax records (global ones included), e.g. `SCHILY.xattr.user.mime_type`.
        var pax: [String: String]

        /// A regular file (`0`, NUL or `7`); directories, links and devices have no data to store.
        var isRegularFile: Bool { type == UInt8(ascii: "0") || type == 0 || type == UInt8(ascii: "7") }
    }

    enum TarError: Error, CustomStringConvertible {
        case invalid(String)
        var description: String {
            switch self {
            case .invalid(let message): message
            }
        }
    }

    enum Input {
        case request(RequestBody.AsyncIterator)
        case pipe(PipeReader)
    }

    private var input: Input
    private var buffer = ByteBuffer()
    private var inputDone = false
    private var entryRemaining: Int64 = 0
    private var entryPadding: Int64 = 0
    private var headersRead = 0
    private var globalPax: [String: String] = [:]

    init(_ input: Input) {
        self.input = input
    }

    private func pull() async throws -> ByteBuffer? {
        if inputDone { return nil }
        let chunk: ByteBuffer?
        switch input {
        case .request(var iterator):
            chunk = try await iterator.next()
            input = .request(iterator)
        case .pipe(let reader):
            chunk = try await reader.next()
        }
        if chunk == nil { inputDone = true }
        return chunk
    }

    /// Makes at least `count` bytes readable; false at the end of the input.
    private func fill(_ count: Int) async throws -> Bool {
        while buffer.readableBytes < count {
            guard var chunk = try await pull() else { return false }
            if buffer.readableBytes == 0 {
                buffer = chunk
            } else {
                buffer.discardReadBytes()
                buffer.writeBuffer(&chunk)
            }
        }
        return true
    }

    private func skip(_ count: Int64) async throws {
        var left = count
        while left > 0 {
            if buffer.readableBytes == 0 {
                guard let chunk = try await pull() else { throw TarError.invalid("unexpected end of data") }
                buffer = chunk
            }
            let step = Int(min(Int64(buffer.readableBytes), left))
            buffer.moveReaderIndex(forwardBy: step)
            left -= Int64(step)
        }
    }

    private func readBytes(_ count: Int64) async throws -> [UInt8] {
        guard count < 1 << 24, try await fill(Int(count)) else { throw TarError.invalid("unexpected end of data") }
        return buffer.readBytes(length: Int(count)) ?? []
    }

    /// The next entry, or nil at the end of the archive.
    func next() async throws -> Entry? {
        try await skip(entryRemaining + entryPadding)
        entryRemaining = 0
        entryPadding = 0
        var longName: String? = nil
        var pax: [String: String] = [:]
        while true {
            let first = headersRead == 0
            guard try await fill(512) else {
                if first { throw TarError.invalid(buffer.readableBytes == 0 ? "empty file" : "truncated header") }
                return nil
            }
            let header = buffer.readBytes(length: 512)!
            headersRead += 1
            if header.allSatisfy({ $0 == 0 }) {
                if first { throw TarError.invalid("empty file") }
                return nil
            }
            guard Self.checksumMatches(header) else {
                // Python's tarfile: a bad first header is an error, a later one ends the archive.
                if first { throw TarError.invalid("bad checksum") }
                return nil
            }
            guard let size = Self.number(header[124..<136]), size >= 0 else {
                if first { throw TarError.invalid("invalid header") }
                return nil
            }
            let type = header[156]
            let padding = (512 - size % 512) % 512
            switch type {
            case UInt8(ascii: "L"):
                longName = Self.string(try await readBytes(size)[...])
                try await skip(padding)
                continue
            case UInt8(ascii: "K"):
                try await skip(size + padding)
                continue
            case UInt8(ascii: "x"), UInt8(ascii: "g"):
                let records = Self.paxRecords(try await readBytes(size))
                try await skip(padding)
                if type == UInt8(ascii: "g") {
                    globalPax.merge(records) { _, new in new }
                } else {
                    pax.merge(records) { _, new in new }
                }
                continue
            default:
                break
            }
            var name = Self.string(header[0..<100])
            if header[257..<262].elementsEqual("ustar".utf8) {
                let prefix = Self.string(header[345..<500])
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            name = pax["path"] ?? longName ?? name
            let entrySize = pax["size"].flatMap { Int64($0) } ?? size
            let entry = Entry(name: name, size: entrySize, type: type, pax: globalPax.merging(pax) { _, new in new })
            let known: Set<UInt8> = [0, 48, 49, 50, 51, 52, 53, 54, 55]  // NUL, "0"…"7"
            let hasData = entry.isRegularFile || !known.contains(type)
            entryRemaining = hasData ? entrySize : 0
            entryPadding = hasData ? (512 - entrySize % 512) % 512 : 0
            return entry
        }
    }

    /// The next bytes of the current entry; nil once all of them were read.
    func readEntry() async throws -> ByteBuffer? {
        guard entryRemaining > 0 else { return nil }
        if buffer.readableBytes == 0 {
            guard let chunk = try await pull() else { throw TarError.invalid("unexpected end of data") }
            buffer = chunk
        }
        let count = Int(min(Int64(buffer.readableBytes), entryRemaining))
        entryRemaining -= Int64(count)
        return buffer.readSlice(length: count)
    }

    /// The current entry's bytes, for an upload.
    func entryBody() -> EntryBody { EntryBody(reader: self) }

    struct EntryBody: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let reader: TarReader
        struct AsyncIterator: AsyncIteratorProtocol {
            let reader: TarReader
            mutating func next() async throws -> ByteBuffer? { try await reader.readEntry() }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }
    }

    // MARK: Header fields

    /// The checksum field (octal) against the sum of the header's bytes with that field as
    /// spaces (unsigned, or signed as some old tars wrote it).
    static func checksumMatches(_ header: [UInt8]) -> Bool {
        guard let stored = number(header[148..<156]) else { return false }
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (index, byte) in header.enumerated() {
            let value = (148..<156).contains(index) ? UInt8(32) : byte
            unsigned += Int64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        return stored == unsigned || stored == signed
    }

    /// A numeric field: octal digits (NUL or space terminated), or GNU base-256 when the
    /// first byte has its high bit set.
    static func number(_ field: ArraySlice<UInt8>) -> Int64? {
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            var value: Int64 = Int64(first & 0x3f)
            for byte in field.dropFirst() {
                guard value < Int64.max >> 8 else { return nil }
                value = value << 8 | Int64(byte)
            }
            return first & 0x40 != 0 ? -value : value
        }
        let digits = field.drop { $0 == 32 || $0 == 0 }.prefix { $0 != 0 && $0 != 32 }
        if digits.isEmpty { return 0 }
        var value: Int64 = 0
        for digit in digits {
            guard (48...55).contains(digit), value < Int64.max >> 3 else { return nil }
            value = value << 3 | Int64(digit - 48)
        }
        return value
    }

    /// A NUL-terminated text field.
    static func string(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// `"<length> <key>=<value>\n"` records.
    static func paxRecords(_ data: [UInt8]) -> [String: String] {
        var records: [String: String] = [:]
        var index = 0
        while index < data.count {
            guard let space = data[index...].firstIndex(of: 32),
                let length = Int(String(decoding: data[index..<space], as: UTF8.self)), length > 0,
                index + length <= data.count
            else { break }
            let record = data[(space + 1)..<(index + length)]
            let body = record.last == 10 ? record.dropLast() : record
            if let equals = body.firstIndex(of: UInt8(ascii: "=")) {
                records[String(decoding: body[..<equals], as: UTF8.self)] = String(decoding: body[(equals + 1)...], as: UTF8.self)
            }
            index += length
        }
        return records
    }
}

/// The output of a decompressing process (`gzip -dc`, `bzip2 -dc`) read in chunks off the
/// cooperative threads; at its end, a failed process is reported as a bad archive.
final class PipeReader: @unchecked Sendable {
    private let handle: FileHandle
    private let process: Process
    private let queue = DispatchQueue(label: "stratus.proxy.extract-archive")
    private let failureMessage: String

    init(handle: FileHandle, process: Process, failureMessage: String) {
        self.handle = handle
        self.process = process
        self.failureMessage = failureMessage
    }

    func next() async throws -> ByteBuffer? {
        let (data, failed): (Data?, Bool) = await withCheckedContinuation { continuation in
            queue.async {
                let data = try? self.handle.read(upToCount: 1 << 16)
                if let data, !data.isEmpty {
                    continuation.resume(returning: (data, false))
                    return
                }
                self.process.waitUntilExit()
                continuation.resume(returning: (nil, self.process.terminationStatus != 0))
            }
        }
        if failed { throw TarReader.TarError.invalid(failureMessage) }
        return data.map { ByteBuffer(bytes: $0) }
    }

    /// Stops the process if it still runs (the extraction ended early).
    func close() {
        if process.isRunning { process.terminate() }
        try? handle.close()
    }
}
