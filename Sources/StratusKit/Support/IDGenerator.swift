import Foundation

/// The one way Stratus makes resource ids: a random UUID rendered as 32 lowercase hex
/// digits without dashes, as Keystone does (`hex()`), or in its dashed form, as Glance,
/// Nova and Neutron do (`uuid()`).
public enum IDGenerator {
    public static func uuid() -> String { UUID().uuidString.lowercased() }

    public static func hex() -> String { Hex.lowercase(randomBytes(16)) }

    /// `count` random bytes from the system's secure generator, eight per draw.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8]()
        bytes.reserveCapacity(count + 8)
        while bytes.count < count {
            withUnsafeBytes(of: generator.next()) { bytes.append(contentsOf: $0) }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }
}
