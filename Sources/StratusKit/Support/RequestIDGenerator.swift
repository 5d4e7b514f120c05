import Synchronization

/// Request ids in OpenStack's form, `req-` and a version-4 UUID, made without a system
/// call: a counter run through SplitMix64 (a bijection, so no id repeats within a
/// process) from keys drawn once from the system's secure generator. They identify
/// requests in logs; they are not secrets.
public enum RequestIDGenerator {
    private static let keys: (UInt64, UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()
    private static let counter = Atomic<UInt64>(0)

    public static func next() -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        var high = mix(keys.0 &+ n)
        var low = mix(keys.1 ^ n)
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & ~(0xC000 << 48)) | (0x8000 << 48)  // RFC 4122 variant
        var text = [UInt8]("req-".utf8)
        text.reserveCapacity(40)
        appendHex(high >> 32, digits: 8, to: &text)
        text.append(UInt8(ascii: "-"))
        appendHex(high >> 16, digits: 4, to: &text)
        text.append(UInt8(ascii: "-"))
        appendHex(high, digits: 4, to: &text)
        text.append(UInt8(ascii: "-"))
        appendHex(low >> 48, digits: 4, to: &text)
        text.append(UInt8(ascii: "-"))
        appendHex(low, digits: 12, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func appendHex(_ value: UInt64, digits: Int, to text: inout [UInt8]) {
        for index in stride(from: digits - 1, through: 0, by: -1) {
            text.append(hexDigits[Int((value >> (UInt64(index) * 4)) & 0xF)])
        }
    }
}
