import SQLKit
import StratusKit

/// Storage types of the Identity service. The API layer turns them into wire JSON.
struct DomainRecord: Sendable {
    var id: String
    var name: String
    var enabled: Bool
    var description: String?
    var extra: [String: JSONValue]
}

struct ProjectRecord: Sendable {
    var id: String
    var name: String
    var domainID: String
    var parentID: String?
    var enabled: Bool
    var description: String?
    var extra: [String: JSONValue]
    var tags: [String] = []
}

struct UserRecord: Sendable {
    var id: String
    var name: String
    var domainID: String
    var enabled: Bool
    var defaultProjectID: String?
    var extra: [String: JSONValue]
    var passwordHash: String?
    var passwordCreatedAt: Timestamp?
    var passwordExpiresAt: Timestamp?
    var failedAuthCount: Int
    var failedAuthAt: Timestamp?
    var createdAt: Timestamp
    var lastActiveAt: Timestamp?
}

struct GroupRecord: Sendable {
    var id: String
    var name: String
    var domainID: String
    var description: String?
    var extra: [String: JSONValue]
}

struct RoleRecord: Sendable, Hashable {
    var id: String
    var name: String
    /// nil for a global role.
    var domainID: String?
    var description: String?
    var extra: [String: JSONValue]
}

/// Who holds a role where. Keystone's six assignment types.
enum AssignmentType: String, Sendable, CaseIterable {
    case userProject = "UserProject"
    case groupProject = "GroupProject"
    case userDomain = "UserDomain"
    case groupDomain = "GroupDomain"
    case userSystem = "UserSystem"
    case groupSystem = "GroupSystem"

    var actorIsGroup: Bool { self == .groupProject || self == .groupDomain || self == .groupSystem }

    static func of(actorIsGroup: Bool, target: AssignmentTarget) -> AssignmentType {
        switch (actorIsGroup, target) {
        case (false, .project): .userProject
        case (true, .project): .groupProject
        case (false, .domain): .userDomain
        case (true, .domain): .groupDomain
        case (false, .system): .userSystem
        case (true, .system): .groupSystem
        }
    }
}

enum AssignmentTarget: Sendable, Hashable {
    case project(String)
    case domain(String)
    case system

    var id: String {
        switch self {
        case .project(let id), .domain(let id): id
        case .system: "system"
        }
    }
}

struct AssignmentRecord: Sendable, Hashable {
    var type: AssignmentType
    var actorID: String
    var targetID: String
    var roleID: String
    var inherited: Bool

    var target: AssignmentTarget {
        switch type {
        case .userProject, .groupProject: .project(targetID)
        case .userDomain, .groupDomain: .domain(targetID)
        case .userSystem, .groupSystem: .system
        }
    }
}

struct RegionRecord: Sendable {
    var id: String
    var description: String
    var parentRegionID: String?
    var extra: [String: JSONValue]
}

struct ServiceRecord: Sendable {
    var id: String
    var type: String
    var enabled: Bool
    /// name, description and any other attributes, as Keystone keeps them.
    var extra: [String: JSONValue]
    var name: String? { extra["name"]?.stringValue }
}

struct EndpointRecord: Sendable {
    var id: String
    var serviceID: String
    var interface: String
    var regionID: String?
    var url: String
    var enabled: Bool
    var extra: [String: JSONValue]
}

struct ApplicationCredentialRecord: Sendable {
    var id: String
    var name: String
    var userID: String
    var projectID: String
    var secretHash: String
    var description: String?
    var expiresAt: Timestamp?
    var unrestricted: Bool
    var createdAt: Timestamp
    var roleIDs: [String] = []
}

struct CredentialRecord: Sendable {
    var id: String
    var userID: String
    var projectID: String?
    var type: String
    var encryptedBlob: String
    var extra: [String: JSONValue]
}

/// Tokens issued at or before `issuedBefore` that match every non-nil field are revoked.
struct RevocationEvent: Sendable {
    var id: String
    var userID: String?
    var projectID: String?
    var domainID: String?
    var auditID: String?
    var issuedBefore: Timestamp
    var revokedAt: Timestamp
}
