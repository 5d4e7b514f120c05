import HTTPTypes
import StratusKit
import Testing

@testable import Identity

@Suite("Security compliance settings")
struct SecurityComplianceTests {
    @Test func lockoutAfterFailedAttempts() async throws {
        try await TestCloud.run(config: ["security_compliance.lockout_failure_attempts": "2", "security_compliance.lockout_duration": "600"]) { _, api in
            let admin = try await api.adminToken()
            _ = try await api.create("/v3/users", "user", ["name": "eve", "password": "right"], token: admin)
            for _ in 0..<2 {
                #expect(try await api.call(.post, "/v3/auth/tokens", body: APIClient.passwordAuth(user: "eve", password: "wrong")).status == .unauthorized)
            }
            let locked = try await api.call(.post, "/v3/auth/tokens", body: APIClient.passwordAuth(user: "eve", password: "right"))
            #expect(locked.status == .unauthorized)
            #expect(locked.json?["error"]?["message"]?.stringValue?.contains("locked") == true)
        }
    }

    @Test func passwordRegexHistoryAndMinimumAge() async throws {
        let config = [
            "security_compliance.password_regex": "^(?=.*\\d).{6,}$",
            "security_compliance.password_regex_description": "At least 6 characters with a digit.",
            "security_compliance.unique_last_password_count": "2",
        ]
        try await TestCloud.run(config: config) { _, api in
            let admin = try await api.adminToken()
            let weak = try await api.call(.post, "/v3/users", token: admin, body: ["user": ["name": "frank", "password": "short"]])
            #expect(weak.status == .badRequest)
            #expect(weak.json?["error"]?["message"]?.stringValue?.contains("At least 6 characters") == true)
            #expect(try await api.call(.get, "/v3/users?name=frank", token: admin).json?["users"] == [])
            let user = try await api.create("/v3/users", "user", ["name": "frank", "password": "first1"], token: admin)
            func change(_ from: String, _ to: String) async throws -> HTTPResponse.Status {
                try await api.call(.post, "/v3/users/\(user)/password", body: ["user": ["original_password": .string(from), "password": .string(to)]]).status
            }
            #expect(try await change("first1", "first1") == .badRequest)
            #expect(try await change("first1", "second2") == .noContent)
            #expect(try await change("second2", "first1") == .badRequest)
        }
        try await TestCloud.run(config: ["security_compliance.minimum_password_age": "1"]) { _, api in
            let admin = try await api.adminToken()
            let user = try await api.create("/v3/users", "user", ["name": "gina", "password": "pw1"], token: admin)
            let tooSoon = try await api.call(.post, "/v3/users/\(user)/password", body: ["user": ["original_password": "pw1", "password": "pw2"]])
            #expect(tooSoon.status == .badRequest)
        }
    }

    @Test func passwordExpiryAndChangeOnFirstUse() async throws {
        try await TestCloud.run(config: ["security_compliance.change_password_upon_first_use": "true"]) { _, api in
            let admin = try await api.adminToken()
            let user = try await api.create("/v3/users", "user", ["name": "hal", "password": "temp"], token: admin)
            let expired = try await api.call(.post, "/v3/auth/tokens", body: APIClient.passwordAuth(user: "hal", password: "temp"))
            #expect(expired.status == .unauthorized)
            #expect(expired.json?["error"]?["message"]?.stringValue?.contains("expired") == true)
            #expect(try await api.call(.post, "/v3/users/\(user)/password", body: ["user": ["original_password": "temp", "password": "mine"]]).status == .noContent)
            _ = try await api.token(user: "hal", password: "mine")
        }
    }
}
