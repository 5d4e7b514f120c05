import Foundation

/// The one way Stratus makes resource ids: a random UUID rendered as 32 lowercase hex
/// digits without dashes, as Keystone does.
public enum IDGenerator {
    public static func hex() -> String {
        var generator = SystemRandomNumberGenerator()
        return randomHex(byteCount: 16, using: &generator)
    }

    /// A dashed UUID (the form Nova, Glance and Neutron use).
    public static func uuid() -> String { UUID().uuidString.lowercased() }

    static func randomHex(byteCount: Int, using generator: inout some RandomNumberGenerator) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(byteCount * 2)
        for _ in 0..<byteCount {
            let byte = UInt8.random(in: 0...255, using: &generator)
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `count` random bytes from the system's secure generator.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
