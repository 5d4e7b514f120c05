import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix
import StratusKit
import _CryptoExtras

enum PasswordHashAlgorithm: String, Sendable {
    case bcrypt
    case pbkdf2Sha512 = "pbkdf2_sha512"
    case scrypt
}

/// Hashes and checks passwords and application-credential secrets in the formats Keystone
/// stores (modular crypt: `$2b$12$...`, `$pbkdf2-sha512$rounds$salt$hash`,
/// `$scrypt$ln=16,r=8,p=1$salt$hash`). Hashing is slow by design, so it runs on the
/// blocking thread pool, never on an event loop.
struct PasswordHasher: Sendable {
    var algorithm: PasswordHashAlgorithm
    var rounds: Int?

    func hash(_ password: String) async throws -> String {
        let algorithm = self.algorithm
        let rounds = self.rounds
        return try await NIOThreadPool.singleton.runIfActive {
            try PasswordHashMetrics.measure { try Self.hashNow(password, algorithm: algorithm, rounds: rounds) }
        }
    }

    func verify(_ password: String, hash: String) async -> Bool {
        (try? await NIOThreadPool.singleton.runIfActive {
            PasswordHashMetrics.measure { Self.verifyNow(password, hash: hash) }
        }) ?? false
    }

    static func hashNow(_ password: String, algorithm: PasswordHashAlgorithm, rounds: Int?) throws -> String {
        switch algorithm {
        case .bcrypt:
            return Bcrypt.hash(password, cost: UInt8(clamping: rounds ?? 12))
        case .pbkdf2Sha512:
            let count = rounds ?? 60000
            let salt = IDGenerator.randomBytes(16)
            let key = try pbkdf2(password, salt: salt, rounds: count)
            return "$pbkdf2-sha512$\(count)$\(abase64(salt))$\(abase64(key))"
        case .scrypt:
            let logN = rounds ?? 16
            let salt = IDGenerator.randomBytes(16)
            let key = try scrypt(password, salt: salt, logN: logN, blockSize: 8, parallelism: 1)
            return "$scrypt$ln=\(logN),r=8,p=1$\(abase64(salt))$\(abase64(key))"
        }
    }

    static func verifyNow(_ password: String, hash: String) -> Bool {
        if hash.hasPrefix("$2") { return Bcrypt.verify(password, hash: hash) }
        let parts = hash.split(separator: "$", omittingEmptySubsequences: true).map(String.init)
        if parts.count == 4, parts[0] == "pbkdf2-sha512", let rounds = Int(parts[1]),
            let salt = unabase64(parts[2]), let expected = unabase64(parts[3]),
            let actual = try? pbkdf2(password, salt: salt, rounds: rounds, length: expected.count)
        {
            return constantTimeEqual(actual, expected)
        }
        if parts.count == 4, parts[0] == "scrypt", let salt = unabase64(parts[2]), let expected = unabase64(parts[3]) {
            var settings: [String: Int] = [:]
            for pair in parts[1].split(separator: ",") {
                let kv = pair.split(separator: "=")
                if kv.count == 2, let value = Int(kv[1]) { settings[String(kv[0])] = value }
            }
            guard let logN = settings["ln"], let r = settings["r"], let p = settings["p"],
                let actual = try? scrypt(password, salt: salt, logN: logN, blockSize: r, parallelism: p,
                    length: expected.count)
            else { return false }
            return constantTimeEqual(actual, expected)
        }
        return false
    }

    private static func pbkdf2(_ password: String, salt: [UInt8], rounds: Int, length: Int = 64) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha512, outputByteCount: length,
            unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }

    private static func scrypt(
        _ password: String, salt: [UInt8], logN: Int, blockSize: Int, parallelism: Int, length: Int = 32
    ) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: length, rounds: 1 << logN,
            blockSize: blockSize, parallelism: parallelism, maxMemory: 256 << 20)
        return key.withUnsafeBytes { Array($0) }
    }

    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
        return difference == 0
    }

    /// passlib's "adapted base64": standard alphabet with `.` for `+`, no padding.
    private static func abase64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: ".")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func unabase64(_ text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: ".", with: "+")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }
}
