@preconcurrency import Crypto
import Foundation
import StratusKit
import _CryptoExtras

/// The Fernet token format (version 0x80): AES-128-CBC with PKCS#7 padding, then
/// HMAC-SHA256 over version, timestamp, IV and ciphertext. A key is 32 bytes, url-safe
/// base64 encoded: the first half signs, the second half encrypts.
/// `@unchecked Sendable`: the two keys are immutable once made.
public struct FernetKey: @unchecked Sendable {
    let signingKey: SymmetricKey
    let encryptionKey: SymmetricKey

    public init?(base64: String) {
        guard let bytes = Base64URL.decode(base64.trimmingCharacters(in: .whitespacesAndNewlines)),
            bytes.count == 32
        else { return nil }
        signingKey = SymmetricKey(data: bytes[0..<16])
        encryptionKey = SymmetricKey(data: bytes[16..<32])
    }

    /// A new random key in its file form.
    public static func generateEncoded() -> String {
        Base64URL.encode(IDGenerator.randomBytes(32), padded: true)
    }

    /// Seals `payload`; `timestamp` is whole seconds since the epoch.
    public func seal(_ payload: [UInt8], timestamp: Int64, iv: [UInt8] = IDGenerator.randomBytes(16)) throws -> String {
        let ciphertext = try AES._CBC.encrypt(payload, using: encryptionKey, iv: AES._CBC.IV(ivBytes: iv))
        var token: [UInt8] = [0x80]
        token.reserveCapacity(57 + ciphertext.count)
        withUnsafeBytes(of: UInt64(bitPattern: timestamp).bigEndian) { token.append(contentsOf: $0) }
        token.append(contentsOf: iv)
        token.append(contentsOf: ciphertext)
        let mac = HMAC<SHA256>.authenticationCode(for: token, using: signingKey)
        token.append(contentsOf: mac)
        return Base64URL.encode(token, padded: false)
    }

    /// The payload and timestamp, or nil when this key did not make the token or it was altered.
    public func open(_ raw: [UInt8]) -> (payload: [UInt8], timestamp: Int64)? {
        guard raw.count >= 1 + 8 + 16 + 16 + 32, raw[0] == 0x80, (raw.count - 57) % 16 == 0 else { return nil }
        let signed = raw[0..<(raw.count - 32)]
        let mac = raw[(raw.count - 32)...]
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: signingKey) else {
            return nil
        }
        var timestamp: UInt64 = 0
        for byte in raw[1..<9] { timestamp = timestamp << 8 | UInt64(byte) }
        guard let iv = try? AES._CBC.IV(ivBytes: raw[9..<25]),
            let plaintext = try? AES._CBC.decrypt(raw[25..<(raw.count - 32)], using: encryptionKey, iv: iv)
        else { return nil }
        return (Array(plaintext), Int64(bitPattern: timestamp))
    }
}

/// URL-safe base64 (RFC 4648 §5), padding optional on input. Every token is encoded
/// and decoded with it, so it works on bytes directly.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        table[Int(UInt8(ascii: "+"))] = 62
        table[Int(UInt8(ascii: "/"))] = 63
        return table
    }()

    public static func encode(_ bytes: some Collection<UInt8>, padded: Bool) -> String {
        let input = Array(bytes)
        var output = [UInt8]()
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            output.append(alphabet[Int(chunk >> 6 & 63)])
            output.append(alphabet[Int(chunk & 63)])
            index += 3
        }
        let remaining = input.count - index
        if remaining > 0 {
            let chunk = UInt32(input[index]) << 16 | (remaining == 2 ? UInt32(input[index + 1]) << 8 : 0)
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            if remaining == 2 { output.append(alphabet[Int(chunk >> 6 & 63)]) }
            if padded { output.append(contentsOf: Array(repeating: UInt8(ascii: "="), count: 3 - remaining)) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Accepts the url-safe and the standard alphabet, with or without padding.
    public static func decode(_ text: String) -> [UInt8]? {
        var input = Array(text.utf8)
        while input.last == UInt8(ascii: "=") { input.removeLast() }
        guard input.count % 4 != 1 else { return nil }
        var output = [UInt8]()
        output.reserveCapacity(input.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in input {
            let value = values[Int(byte)]
            guard value != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return output
    }
}
