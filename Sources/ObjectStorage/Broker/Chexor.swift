import Crypto
import SQLiteKit
import StratusKit

/// Swift's running hash of a database's rows: the XOR of `MD5("<name>-<timestamp>")` over every
/// row, kept as 32 hex digits in the database's info row. Inserting a row XORs its digest in,
/// deleting it XORs it out, so two replicas with the same rows have the same hash whatever order
/// the rows arrived in (replication compares it before comparing rows).
enum Chexor {
    static let zero = String(repeating: "0", count: 32)

    /// `old` XOR MD5("<name>-<timestamp>"), as 32 lowercase hex digits.
    static func combine(_ old: String, name: String, timestamp: String) -> String {
        let digest = Array(Insecure.MD5.hash(data: Array("\(name)-\(timestamp)".utf8)))
        var bytes = hexBytes(old) ?? [UInt8](repeating: 0, count: 16)
        for index in 0..<16 { bytes[index] ^= digest[index] }
        return Hex.lowercase(bytes)
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 32 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<16 {
            guard let high = value(digits[2 * index]), let low = value(digits[2 * index + 1]) else { return nil }
            bytes[index] = high << 4 | low
        }
        return bytes
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 48...57: digit - 48
        case 97...102: digit - 87
        case 65...70: digit - 55
        default: nil
        }
    }

    /// `chexor(old, name, timestamp)` for the databases' triggers.
    static func sqlFunction() -> SQLiteCustomFunction {
        SQLiteCustomFunction("chexor", argumentCount: 3, pure: true, indirect: true) { arguments in
            guard let name = arguments[1].string else { throw BrokerError.invalid("chexor: the name is NULL") }
            return combine(arguments[0].string ?? zero, name: name, timestamp: arguments[2].string ?? "")
        }
    }
}
