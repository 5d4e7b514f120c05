import StratusKit

/// The Identity settings an operator can change (config file section `identity`, or
/// `STRATUS_IDENTITY_*` variables). Defaults are Keystone's.
struct IdentitySettings: Sendable {
    /// Token lifetime in seconds (`identity.token_expiration`, Keystone `[token] expiration`).
    var tokenExpiration: Int64 = 3600
    /// How long expired tokens stay usable with `?allow_expired=true` (`identity.allow_expired_window`).
    var allowExpiredWindow: Int64 = 172_800
    /// `bcrypt` (default), `pbkdf2_sha512` or `scrypt` (`identity.password_hash_algorithm`).
    var passwordHashAlgorithm: PasswordHashAlgorithm = .bcrypt
    /// Cost / rounds of the algorithm; nil for the algorithm's default (`identity.password_hash_rounds`).
    var passwordHashRounds: Int?
    /// Fernet keys kept: primary + secondaries + staged (`identity.max_active_keys`).
    var maxActiveKeys: Int = 3
    /// Truncate lists to this many entries, marking them `truncated` (`identity.list_limit`, 0 = none).
    var listLimit: Int = 0
    var compliance = SecurityCompliance()

    init() {}

    init(config: StratusConfig) throws {
        tokenExpiration = Int64(try config.int("identity.token_expiration", default: 3600))
        allowExpiredWindow = Int64(try config.int("identity.allow_expired_window", default: 172_800))
        let algorithm = config.string("identity.password_hash_algorithm", default: "bcrypt")
        guard let parsed = PasswordHashAlgorithm(rawValue: algorithm) else {
            throw ConfigError("identity.password_hash_algorithm must be bcrypt, pbkdf2_sha512 or scrypt")
        }
        passwordHashAlgorithm = parsed
        if let rounds = config.string("identity.password_hash_rounds") {
            guard let value = Int(rounds), value > 0 else {
                throw ConfigError("identity.password_hash_rounds must be a positive integer")
            }
            passwordHashRounds = value
        }
        maxActiveKeys = try config.int("identity.max_active_keys", default: 3)
        listLimit = try config.int("identity.list_limit", default: 0)
        compliance = try SecurityCompliance(config: config)
    }
}

/// Keystone's `[security_compliance]` options. Every one is off by default.
struct SecurityCompliance: Sendable {
    /// Failed password attempts before the account is locked (0 = never).
    var lockoutFailureAttempts = 0
    /// Seconds a locked account stays locked (0 = until an admin re-enables it).
    var lockoutDuration: Int64 = 1800
    /// A new password may not repeat any of the last N (1 = no repeat check beyond the current one).
    var uniqueLastPasswordCount = 0
    /// Days a password must be kept before the user may change it again.
    var minimumPasswordAge = 0
    /// Days after which a password expires (0 = never).
    var passwordExpiresDays = 0
    var passwordRegex: String?
    var passwordRegexDescription: String?
    /// A new user, or one whose password an admin set, must change it before using it.
    var changePasswordUponFirstUse = false

    init() {}

    init(config: StratusConfig) throws {
        lockoutFailureAttempts = try config.int("security_compliance.lockout_failure_attempts", default: 0)
        lockoutDuration = Int64(try config.int("security_compliance.lockout_duration", default: 1800))
        uniqueLastPasswordCount = try config.int("security_compliance.unique_last_password_count", default: 0)
        minimumPasswordAge = try config.int("security_compliance.minimum_password_age", default: 0)
        passwordExpiresDays = try config.int("security_compliance.password_expires_days", default: 0)
        passwordRegex = config.string("security_compliance.password_regex")
        passwordRegexDescription = config.string("security_compliance.password_regex_description")
        changePasswordUponFirstUse = try config.bool(
            "security_compliance.change_password_upon_first_use", default: false)
        if let passwordRegex, (try? Regex(passwordRegex)) == nil {
            throw ConfigError("security_compliance.password_regex is not a valid regular expression")
        }
    }
}
