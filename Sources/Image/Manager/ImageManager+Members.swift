import StratusKit

/// Image sharing: the owner adds member projects to a `shared` image; each member accepts
/// or rejects it; an accepted image appears in the member's image list.
extension ImageManager {
    /// Members exist only on shared images; Glance words the refusal per operation.
    private func requireShared(_ image: ImageRecord, _ refusal: @autoclosure () -> APIError) throws {
        guard image.visibility == .shared else { throw refusal() }
    }

    private static func memberNotFound(_ memberID: String, _ imageID: String) -> APIError {
        APIError.notFound("\(memberID) not found in the member list of the image \(imageID).")
    }

    func addMember(_ id: String, memberID: String, auth: AuthContext) async throws -> MemberRecord {
        try await write { q in
            let image = try await self.requireVisibleImage(id, auth: auth, in: q)
            try self.policy.enforce("add_member", auth, target: self.policy.target(image, auth: auth))
            try self.requireShared(image, APIError.forbidden("Not allowed to create members for image \(id)."))
            let members = try await q.members(imageID: id)
            if members.contains(where: { $0.memberID == memberID }) {
                throw APIError.conflict("Member \(memberID) is duplicated for image \(id)")
            }
            if members.count >= self.settings.imageMemberQuota {
                throw APIError(
                    .contentTooLarge,
                    "Image member limit exceeded for image \(id): The limit has been exceeded on the number of allowed image members for this image. Attempted: \(members.count + 1), Maximum: \(self.settings.imageMemberQuota)")
            }
            let now = Timestamp.now()
            let member = MemberRecord(imageID: id, memberID: memberID, status: .pending, createdAt: now, updatedAt: now)
            try await q.insert(member)
            return member
        }
    }

    /// The owner (and admins) see every member; a member project sees its own membership.
    func listMembers(_ id: String, auth: AuthContext) async throws -> [MemberRecord] {
        try await read { q in
            let image = try await self.requireVisibleImage(id, auth: auth, in: q)
            try self.policy.enforce("get_members", auth, target: self.policy.target(image, auth: auth))
            try self.requireShared(
                image, APIError.forbidden("Not allowed to list members for image \(id): Only shared images have members."))
            let members = try await q.members(imageID: id)
            if self.policy.isAdmin(auth) || (image.owner != nil && image.owner == auth.projectID) { return members }
            return members.filter { $0.memberID == auth.projectID }
        }
    }

    func getMember(_ id: String, memberID: String, auth: AuthContext) async throws -> MemberRecord {
        try await read { q in
            let image = try await self.requireVisibleImage(id, auth: auth, in: q)
            try self.policy.enforce("get_member", auth, target: self.policy.target(image, auth: auth))
            try self.requireShared(image, APIError.notFound("Only shared images have members."))
            let isOwner = self.policy.isAdmin(auth) || (image.owner != nil && image.owner == auth.projectID)
            guard isOwner || memberID == auth.projectID, let member = try await q.member(imageID: id, memberID: memberID)
            else { throw Self.memberNotFound(memberID, id) }
            return member
        }
    }

    /// Only the member project itself changes its status.
    func updateMember(_ id: String, memberID: String, status: MemberStatus, auth: AuthContext) async throws
        -> MemberRecord
    {
        try await write { q in
            let image = try await self.requireVisibleImage(id, auth: auth, in: q)
            try self.requireShared(image, APIError.forbidden("Not allowed to update members for image \(id)."))
            let isOwner = self.policy.isAdmin(auth) || (image.owner != nil && image.owner == auth.projectID)
            guard isOwner || memberID == auth.projectID, var member = try await q.member(imageID: id, memberID: memberID)
            else { throw Self.memberNotFound(memberID, id) }
            try self.policy.enforce("modify_member", auth, target: self.policy.target(image, auth: auth, memberID: memberID))
            member.status = status
            member.updatedAt = Timestamp.now()
            try await q.update(member)
            return member
        }
    }

    func deleteMember(_ id: String, memberID: String, auth: AuthContext) async throws {
        try await write { q in
            let image = try await self.requireVisibleImage(id, auth: auth, in: q)
            try self.policy.enforce("delete_member", auth, target: self.policy.target(image, auth: auth))
            try self.requireShared(image, APIError.forbidden("Not allowed to delete members for image \(id)."))
            guard try await q.member(imageID: id, memberID: memberID) != nil else {
                throw Self.memberNotFound(memberID, id)
            }
            try await q.deleteMember(imageID: id, memberID: memberID)
        }
    }
}
