import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one way Stratus makes resource ids: a random UUID rendered as 32 lowercase hex
/// digits without dashes, as Keystone does (`hex()`), or in its dashed form, as Glance,
/// Nova and Neutron do (`uuid()`).
public enum IDGenerator {
    public static func uuid() -> String { UUID().uuidString.lowercased() }

    public static func hex() -> String { Hex.lowercase(randomBytes(16)) }

    /// `count` random bytes from the system's secure generator in one draw
    /// (`SystemRandomNumberGenerator.next()` costs a system call per eight bytes).
    public static func randomBytes(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { arc4random_buf(buffer.baseAddress!, count) }
            initialized = count
        }
    }
}
