import StratusKit

/// The `target.*` attributes Keystone's rules read, built from records.
enum PolicyTargets {
    static func domain(_ domain: DomainRecord) -> PolicyAttributes {
        ["target.domain.id": .string(domain.id), "target.domain.name": .string(domain.name)]
    }

    static func project(_ project: ProjectRecord) -> PolicyAttributes {
        [
            "target.project.id": .string(project.id), "target.project.domain_id": .string(project.domainID),
            "target.project.name": .string(project.name),
        ]
    }

    static func user(_ user: UserRecord) -> PolicyAttributes {
        [
            "target.user.id": .string(user.id), "target.user.domain_id": .string(user.domainID),
            "target.user.name": .string(user.name),
        ]
    }

    static func group(_ group: GroupRecord) -> PolicyAttributes {
        ["target.group.id": .string(group.id), "target.group.domain_id": .string(group.domainID)]
    }

    static func role(_ role: RoleRecord) -> PolicyAttributes {
        [
            "target.role.id": .string(role.id), "target.role.name": .string(role.name),
            "target.role.domain_id": role.domainID.map(PolicyValue.string) ?? .none,
        ]
    }

    /// The caller's own domain under `key` (`target.domain_id` for most lists,
    /// `target.group.domain_id` and `target.domain.id` where the rule says so), as Keystone's
    /// list calls build it; absent (so a domain check fails) unless the token is domain-scoped.
    static func callerDomain(_ auth: AuthContext, as key: String = "target.domain_id") -> PolicyAttributes {
        guard let domainID = auth.domainID else { return [:] }
        return [key: .string(domainID)]
    }
}

extension PolicyAttributes {
    func merging(_ other: PolicyAttributes) -> PolicyAttributes { merging(other) { _, new in new } }
}
