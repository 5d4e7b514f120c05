import SQLKit
import StratusKit

extension ImageQueries {
    static func member(_ row: any SQLRow) throws -> MemberRecord {
        MemberRecord(
            imageID: try row.string("image_id"), memberID: try row.string("member"),
            status: MemberStatus(rawValue: try row.string("status")) ?? .pending,
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            updatedAt: try row.timestamp("updated_at") ?? Timestamp(microseconds: 0))
    }

    func members(imageID: String) async throws -> [MemberRecord] {
        try await sql.select().columns("*").from("image_members").where("image_id", .equal, imageID)
            .orderBy("created_at").orderBy("member").all().map(Self.member)
    }

    func member(imageID: String, memberID: String) async throws -> MemberRecord? {
        try await sql.select().columns("*").from("image_members").where("image_id", .equal, imageID)
            .where("member", .equal, memberID).first().map(Self.member)
    }

    func insert(_ member: MemberRecord) async throws {
        try await sql.insert(into: "image_members").columns("image_id", "member", "status", "created_at", "updated_at")
            .values(
                SQLBind(member.imageID), SQLBind(member.memberID), SQLBind(member.status.rawValue),
                SQLBind(member.createdAt.microseconds), SQLBind(member.updatedAt.microseconds)
            ).run()
    }

    func update(_ member: MemberRecord) async throws {
        try await sql.update("image_members").set("status", to: member.status.rawValue)
            .set("updated_at", to: member.updatedAt.microseconds)
            .where("image_id", .equal, member.imageID).where("member", .equal, member.memberID).run()
    }

    func deleteMember(imageID: String, memberID: String) async throws {
        try await sql.delete(from: "image_members").where("image_id", .equal, imageID)
            .where("member", .equal, memberID).run()
    }
}
