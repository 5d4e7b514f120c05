import Hummingbird
import StratusKit

extension ImageAPI {
    func registerMembers(on router: Router<StratusRequestContext>) {
        router.post("/v2/images/{image_id}/members") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let body = try await request.jsonObject(context: context)
            guard let requested = body["member"] else { throw APIError.badRequest("Member to be added not specified") }
            guard let memberID = requested.stringValue, !memberID.isEmpty else {
                throw APIError.badRequest("Member can't be empty")
            }
            let member = try await manager.addMember(
                try context.parameters.require("image_id"), memberID: memberID, auth: auth)
            return JSONResponse.make(.ok, ImageWire.member(member))
        }
        router.get("/v2/images/{image_id}/members") { _, context in
            let auth = try context.requireAuth()
            let members = try await manager.listMembers(try context.parameters.require("image_id"), auth: auth)
            return JSONResponse.make(.ok, ImageWire.members(members))
        }
        router.get("/v2/images/{image_id}/members/{member_id}") { _, context in
            let auth = try context.requireAuth()
            let member = try await manager.getMember(
                try context.parameters.require("image_id"), memberID: try context.parameters.require("member_id"),
                auth: auth)
            return JSONResponse.make(.ok, ImageWire.member(member))
        }
        router.put("/v2/images/{image_id}/members/{member_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let body = try await request.jsonObject(context: context)
            guard let text = body["status"]?.stringValue else { throw APIError.badRequest("Status not specified") }
            guard let status = MemberStatus(rawValue: text) else {
                throw APIError.badRequest("Incorrect request: Status must be \"pending\", \"accepted\" or \"rejected\".")
            }
            let member = try await manager.updateMember(
                try context.parameters.require("image_id"), memberID: try context.parameters.require("member_id"),
                status: status, auth: auth)
            return JSONResponse.make(.ok, ImageWire.member(member))
        }
        router.delete("/v2/images/{image_id}/members/{member_id}") { _, context in
            let auth = try context.requireAuth()
            try await manager.deleteMember(
                try context.parameters.require("image_id"), memberID: try context.parameters.require("member_id"),
                auth: auth)
            return JSONResponse.empty()
        }
    }
}
