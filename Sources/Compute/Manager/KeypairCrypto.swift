import Crypto
import Foundation
import _CryptoExtras

/// Keypair material as Nova handles it: generated pairs are 2048-bit RSA (the private key
/// in PEM, returned once and never stored); an SSH public key's fingerprint is the MD5 of
/// its decoded key blob and an X.509 certificate's the SHA-1 of its DER form, both as
/// colon-separated lowercase hex.
enum KeypairCrypto {
    /// The SSH key types an import accepts.
    static let sshKeyTypes: Set<String> = [
        "ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    /// A new RSA pair: the private key as PEM and the public key in OpenSSH form.
    static func generateRSA() throws -> (privateKey: String, publicKey: String) {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let primitives = try key.publicKey.getKeyPrimitives()
        var blob = Data()
        appendString(Data("ssh-rsa".utf8), to: &blob)
        appendString(mpint(primitives.publicExponent), to: &blob)
        appendString(mpint(primitives.modulus), to: &blob)
        return (key.pemRepresentation, "ssh-rsa \(blob.base64EncodedString()) Generated-by-Stratus")
    }

    /// The fingerprint of an OpenSSH public key line (`type base64 [comment]`), or nil when
    /// it is not one.
    static func sshFingerprint(_ publicKey: String) -> String? {
        let fields = publicKey.split(whereSeparator: \.isWhitespace)
        guard fields.count >= 2, sshKeyTypes.contains(String(fields[0])),
            let blob = Data(base64Encoded: String(fields[1])),
            let embeddedType = firstString(of: blob), embeddedType == String(fields[0])
        else { return nil }
        return colonHex(Array(Insecure.MD5.hash(data: blob)))
    }

    /// The fingerprint of a PEM certificate, or nil when it is not one.
    static func x509Fingerprint(_ pem: String) -> String? {
        let begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----"
        guard let start = pem.range(of: begin), let stop = pem.range(of: end), start.upperBound <= stop.lowerBound else {
            return nil
        }
        let body = pem[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: String(body)), der.first == 0x30, der.count > 16 else { return nil }
        return colonHex(Array(Insecure.SHA1.hash(data: der)))
    }

    static func colonHex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined(separator: ":")
    }

    /// An unsigned big-endian integer as SSH's mpint: no leading zeros, a zero byte before a set high bit.
    private static func mpint(_ bytes: Data) -> Data {
        var trimmed = Data(bytes.drop(while: { $0 == 0 }))
        if let first = trimmed.first, first & 0x80 != 0 { trimmed.insert(0, at: 0) }
        return trimmed
    }

    private static func appendString(_ bytes: Data, to blob: inout Data) {
        let length = UInt32(bytes.count)
        blob.append(contentsOf: [UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)])
        blob.append(bytes)
    }

    /// The first length-prefixed string of an SSH key blob (the key type).
    private static func firstString(of blob: Data) -> String? {
        let bytes = Array(blob)
        guard bytes.count >= 4 else { return nil }
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        guard length > 0, 4 + length <= bytes.count else { return nil }
        return String(bytes: bytes[4..<(4 + length)], encoding: .utf8)
    }
}
