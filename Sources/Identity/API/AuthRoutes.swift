import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

extension IdentityAPI {
    static let subjectTokenHeader = HTTPField.Name("X-Subject-Token")!

    func registerAuth(on router: Router<StratusRequestContext>) {
        router.post("/v3/auth/tokens") { request, context in
            var request = request
            let body = try await request.jsonObject(context: context)
            let authRequest = try Self.parseAuthRequest(body)
            let (token, validated) = try await manager.authenticate(authRequest)
            var headers = HTTPFields()
            headers[Self.subjectTokenHeader] = token
            let rendered = request.queryFlag("nocatalog") ? validated.bodyWithoutCatalog : validated.body
            return JSONResponse.make(.created, buffer: rendered, headers: headers)
        }
        router.get("/v3/auth/tokens") { request, context in
            let subject = try await validateSubject(request, context: context)
            var headers = HTTPFields()
            headers[Self.subjectTokenHeader] = request.headers[Self.subjectTokenHeader]
            let body = request.queryFlag("nocatalog") ? subject.bodyWithoutCatalog : subject.body
            return JSONResponse.make(.ok, buffer: body, headers: headers)
        }
        router.head("/v3/auth/tokens") { request, context in
            _ = try await validateSubject(request, context: context, rule: "identity:check_token")
            var headers = HTTPFields()
            headers[Self.subjectTokenHeader] = request.headers[Self.subjectTokenHeader]
            return Response(status: .ok, headers: headers)
        }
        router.delete("/v3/auth/tokens") { request, context in
            let subject = try await validateSubject(request, context: context, rule: "identity:revoke_token")
            try await manager.store.write { q in
                try await manager.revoke(in: q, auditID: subject.payload.auditIDs.first)
            }
            return JSONResponse.empty()
        }
        router.get("/v3/auth/catalog") { _, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:get_auth_catalog", auth)
            guard auth.scope != .unscoped else {
                throw APIError.forbidden("A scoped token is required to obtain a service catalog.")
            }
            return JSONResponse.make(
                .ok, ["catalog": try await manager.tokens.catalog.catalog(projectID: auth.projectID, userID: auth.userID), "links": wire.links("/auth/catalog")])
        }
        router.get("/v3/auth/projects") { request, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:get_auth_projects", auth)
            let projects = try await manager.projectsWithAccess(userID: auth.userID)
            return try list("projects", projects.map(wire.project), request: request, path: "/auth/projects")
        }
        router.get("/v3/auth/domains") { request, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:get_auth_domains", auth)
            let domains = try await manager.domainsWithAccess(userID: auth.userID)
            return try list("domains", domains.map(wire.domain), request: request, path: "/auth/domains")
        }
        router.get("/v3/auth/system") { request, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:get_auth_system", auth)
            let hasSystem = try await manager.store.read { q in
                try await !manager.tokens.roles.assignedRoleIDs(userID: auth.userID, scope: .system, in: q).isEmpty
            }
            let system: [JSONValue] = hasSystem ? [["all": true]] : []
            return JSONResponse.make(.ok, ["system": .array(system), "links": wire.links("/auth/system")])
        }
    }

    /// Validates `X-Subject-Token` for the caller in `X-Auth-Token`: 404 when the subject
    /// is not a valid token, policy decides whether the caller may look.
    private func validateSubject(
        _ request: Request, context: StratusRequestContext, rule: String = "identity:validate_token"
    ) async throws -> ValidatedToken {
        let auth = try context.requireAuth()
        guard let subjectToken = request.headers[Self.subjectTokenHeader], !subjectToken.isEmpty else {
            throw APIError.badRequest("X-Subject-Token header is required.")
        }
        let subject: ValidatedToken
        do {
            subject = try await manager.tokens.validate(subjectToken, allowExpired: request.queryFlag("allow_expired"))
        } catch let failure as TokenFailure {
            // Only a caller allowed to look at any token learns that this one is invalid;
            // others get the 403 they would get for a valid token of someone else.
            try policy.enforce(rule, auth)
            throw APIError.notFound("Could not find token: \(failure.description)")
        }
        try policy.enforce(rule, auth, target: ["target.token.user_id": .string(subject.payload.userID)])
        return subject
    }

    static func parseAuthRequest(_ body: [String: JSONValue]) throws -> IdentityManager.AuthRequest {
        let auth = try JSONFields.require(body, "auth")
        guard let identity = try auth.nested("identity") else {
            throw APIError.badRequest("Expecting to find identity in auth.")
        }
        guard let methods = try identity.stringArray("methods"), !methods.isEmpty else {
            throw APIError.badRequest("Expecting to find methods in identity.")
        }
        let parsedIdentity: IdentityManager.AuthRequest.Identity
        if methods.contains("password") {
            guard let password = try identity.nested("password"), let user = try password.nested("user") else {
                throw APIError.badRequest("Expecting to find password.user in identity.")
            }
            guard let secret = try user.string("password", maxLength: 4096) else {
                throw APIError.badRequest("Expecting to find password in user.")
            }
            parsedIdentity = .password(user: try parseUserReference(user), password: secret)
        } else if methods.contains("application_credential") {
            guard let credential = try identity.nested("application_credential") else {
                throw APIError.badRequest("Expecting to find application_credential in identity.")
            }
            guard let secret = try credential.string("secret", maxLength: 4096) else {
                throw APIError.badRequest("Expecting to find secret in application_credential.")
            }
            let id = try credential.string("id")
            let name = try credential.string("name")
            let user = try credential.nested("user").map(parseUserReference)
            guard id != nil || (name != nil && user != nil) else {
                throw APIError.badRequest("Expecting to find id, or name and user, in application_credential.")
            }
            parsedIdentity = .applicationCredential(id: id, name: name, user: user, secret: secret)
        } else if methods.contains("token") {
            guard let token = try identity.nested("token"), let id = try token.string("id", maxLength: 4096) else {
                throw APIError.badRequest("Expecting to find token.id in identity.")
            }
            parsedIdentity = .token(id)
        } else {
            throw IdentityErrors.unauthorized("Attempted to authenticate with an unsupported method.")
        }
        return .init(identity: parsedIdentity, scope: try parseScope(auth))
    }

    private static func parseUserReference(_ user: JSONFields) throws -> IdentityManager.AuthRequest.UserReference {
        if let id = try user.string("id") { return .id(id) }
        guard let name = try user.string("name") else {
            throw APIError.badRequest("Expecting to find id or name in user.")
        }
        guard let domain = try user.nested("domain") else {
            throw APIError.badRequest("Expecting to find domain in user.")
        }
        return .name(name, domain: try parseDomainReference(domain))
    }

    private static func parseDomainReference(_ domain: JSONFields) throws -> IdentityManager.AuthRequest.DomainReference {
        if let id = try domain.string("id") { return .id(id) }
        if let name = try domain.string("name") { return .name(name) }
        throw APIError.badRequest("Expecting to find id or name in domain.")
    }

    private static func parseScope(_ auth: JSONFields) throws -> IdentityManager.AuthRequest.ScopeRequest {
        guard let value = auth.object["scope"], !value.isNull else { return .none }
        if value.stringValue == "unscoped" { return .unscoped }
        guard let object = value.objectValue else {
            throw APIError.badRequest("Invalid input for field 'scope': \(value.typeName) is not of type 'object'.")
        }
        let scope = JSONFields(object, name: "scope")
        if let project = try scope.nested("project") {
            let id = try project.string("id")
            let name = try project.string("name")
            let domain = try project.nested("domain").map(parseDomainReference)
            guard id != nil || (name != nil && domain != nil) else {
                throw APIError.badRequest("Expecting to find id, or name and domain, in project scope.")
            }
            return .project(id: id, name: name, domain: domain)
        }
        if let domain = try scope.nested("domain") { return .domain(try parseDomainReference(domain)) }
        if let system = try scope.nested("system") {
            guard try system.bool("all") == true else { throw APIError.badRequest("Only system scope 'all' exists.") }
            return .system
        }
        if scope.object.isEmpty { return .none }
        throw APIError.badRequest("Expecting a project, domain or system scope.")
    }
}
