import Testing
@testable import StratusKit

/// Enforces a single rule `rule` (named "under_test"), alongside `others`.
private func allows(
    _ rule: String,
    _ credentials: PolicyAttributes = [:],
    _ target: PolicyAttributes = [:],
    others: [String: String] = [:]
) throws -> Bool {
    var rules = others
    rules["under_test"] = rule
    return try PolicyEngine(defaults: rules).enforce("under_test", credentials: credentials, target: target)
}

/// The parse error for a single rule, or nil if it parses.
private func parseError(_ rule: String) -> PolicyParseError? {
    do {
        _ = try PolicyEngine(defaults: ["bad": rule])
        return nil
    } catch let error as PolicyParseError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

private func roles(_ names: String...) -> PolicyAttributes { ["roles": .list(names)] }

@Suite("PolicyEngine")
struct PolicyEngineTests {
    // MARK: Constant checks

    @Test func alwaysAndNeverAndEmpty() throws {
        #expect(try allows("@"))
        #expect(try !allows("!"))
        #expect(try allows(""))
        #expect(try allows("(@)"))
        #expect(try !allows("(!)"))
        #expect(try !allows("@ and !"))
        #expect(try allows("! or @"))
    }

    @Test func undefinedRuleIsDeniedAndHasReportsDefinedRules() throws {
        let engine = try PolicyEngine(defaults: ["open": "@"])
        #expect(engine.enforce("open", credentials: [:], target: [:]))
        #expect(!engine.enforce("closed", credentials: [:], target: [:]))
        #expect(engine.has("open"))
        #expect(!engine.has("closed"))
        #expect(!engine.has("OPEN"))
    }

    // MARK: rule:

    @Test func ruleReferenceEvaluatesTheNamedRule() throws {
        let others = ["admin_required": "role:admin"]
        #expect(try allows("rule:admin_required", roles("admin"), others: others))
        #expect(try !allows("rule:admin_required", roles("member"), others: others))
        #expect(try allows("rule:admin_required or role:member", roles("member"), others: others))
    }

    @Test func referenceToUndefinedRuleFails() throws {
        #expect(try !allows("rule:nowhere", roles("admin")))
        #expect(try allows("rule:nowhere or role:admin", roles("admin")))
        // The check fails, it does not abort: `not` inverts it, as in oslo.policy.
        #expect(try allows("not rule:nowhere"))
    }

    @Test func referenceCyclesDenyInsteadOfRecursingForever() throws {
        let cycle = ["a": "rule:b", "b": "rule:a", "self": "rule:self", "negated": "not rule:negated"]
        #expect(try !allows("rule:a", roles("admin"), others: cycle))
        #expect(try !allows("rule:self", others: cycle))
        // A `not` around a cycle cannot turn it into a grant.
        #expect(try !allows("rule:negated", others: cycle))
        #expect(try !allows("not rule:a", others: cycle))
        // Reaching a cycle denies the request even if another branch passes
        // (oslo.policy raises RecursionError there).
        #expect(try !allows("rule:a or @", others: cycle))
        // A cycle that evaluation never reaches is harmless.
        #expect(try allows("@ or rule:a", others: cycle))
        let guarded = ["loop": "role:admin or rule:loop"]
        #expect(try allows("rule:loop", roles("admin"), others: guarded))
        #expect(try !allows("rule:loop", roles("member"), others: guarded))
    }

    @Test func deepAcyclicReferenceChainsEvaluate() throws {
        var rules: [String: String] = ["r0": "role:admin"]
        for index in 1...200 { rules["r\(index)"] = "rule:r\(index - 1)" }
        let engine = try PolicyEngine(defaults: rules)
        #expect(engine.enforce("r200", credentials: roles("admin"), target: [:]))
        #expect(!engine.enforce("r200", credentials: roles("member"), target: [:]))
    }

    // MARK: role:

    @Test func roleCheckIsCaseInsensitive() throws {
        #expect(try allows("role:admin", roles("member", "Admin")))
        #expect(try allows("role:ADMIN", roles("admin")))
        #expect(try allows("role:Ädmin", roles("äDMIN")))
        #expect(try !allows("role:admin", roles("member", "reader")))
        #expect(try !allows("role:admin", roles("administrator")))
        #expect(try !allows("role:admin", roles()))
    }

    @Test func roleCheckNeedsARoleList() throws {
        #expect(try !allows("role:admin", [:]))
        #expect(try !allows("role:admin", ["roles": "admin"]))
        #expect(try !allows("role:admin", ["roles": .none]))
        #expect(try allows("role:admin", ["roles": ["admin"]]))
    }

    @Test func roleNameSubstitutesFromTheTarget() throws {
        let target: PolicyAttributes = ["target.role.name": "Reader"]
        #expect(try allows("role:%(target.role.name)s", roles("reader"), target))
        #expect(try !allows("role:%(target.role.name)s", roles("member"), target))
        #expect(try allows("role:%(prefix)s_admin", roles("Compute_Admin"), ["prefix": "compute"]))
        // A key missing from the target fails the check (and `not` inverts that, as in oslo).
        #expect(try !allows("role:%(missing)s", roles("reader"), target))
        #expect(try !allows("role:%(missing)s", roles(""), target))
        #expect(try allows("not role:%(missing)s", roles("reader"), target))
    }

    @Test func roleNameMayContainAColon() throws {
        #expect(try allows("role:compute:admin", roles("compute:admin")))
        #expect(try !allows("role:compute:admin", roles("compute", "admin")))
    }

    // MARK: Generic checks

    @Test func genericCheckComparesCredentialWithSubstitutedTarget() throws {
        let rule = "user_id:%(target.user.id)s"
        #expect(try allows(rule, ["user_id": "u1"], ["target.user.id": "u1"]))
        #expect(try !allows(rule, ["user_id": "u1"], ["target.user.id": "u2"]))
        #expect(try !allows(rule, [:], ["target.user.id": "u1"]))
        #expect(try !allows(rule, ["user_id": "u1"], [:]))
        #expect(try !allows(rule, ["user_id": ""], [:]))
        #expect(try allows("not \(rule)", ["user_id": "u1"], [:]))
    }

    @Test func genericCheckWithLiteralRightSide() throws {
        #expect(try allows("project_id:p1", ["project_id": "p1"]))
        #expect(try !allows("project_id:p1", ["project_id": "P1"]))
        // Only the first ':' separates kind from match.
        #expect(try allows("zone:eu:west", ["zone": "eu:west"]))
        #expect(try !allows("zone:eu:west", ["zone": "eu"]))
    }

    @Test func dottedCredentialKeysAreLookedUpWhole() throws {
        let rule = "token.is_admin_project:True"
        #expect(try allows(rule, ["token.is_admin_project": true]))
        #expect(try !allows(rule, ["token.is_admin_project": false]))
        #expect(try !allows(rule, ["token": "True"]))
        #expect(try allows("target.user.domain_id:d1", ["target.user.domain_id": "d1"]))
    }

    @Test func valuesCompareInTheirPythonStringForm() throws {
        #expect(try allows("is_admin:True", ["is_admin": true]))
        #expect(try !allows("is_admin:True", ["is_admin": false]))
        #expect(try allows("is_admin:False", ["is_admin": false]))
        // As in oslo.policy, a bool credential is "True", never "1".
        #expect(try !allows("is_admin:1", ["is_admin": true]))
        #expect(try allows("is_admin:1", ["is_admin": "1"]))
        #expect(try !allows("is_admin:true", ["is_admin": true]))
        #expect(try allows("is_admin:True", ["is_admin": "True"]))
        #expect(try allows("domain_id:None", ["domain_id": .none]))
        #expect(try !allows("domain_id:None", ["domain_id": "d1"]))
    }

    @Test func noneEqualsNoneAfterSubstitution() throws {
        // oslo.policy's str() comparison: a None credential matches a None target value.
        let rule = "domain_id:%(target.domain_id)s"
        #expect(try allows(rule, ["domain_id": .none], ["target.domain_id": .none]))
        #expect(try !allows(rule, ["domain_id": .none], ["target.domain_id": "d1"]))
        #expect(try !allows(rule, ["domain_id": "d1"], ["target.domain_id": .none]))
    }

    @Test func listCredentialMatchesAnyElement() throws {
        #expect(try allows("groups:%(group)s", ["groups": ["g1", "g2"]], ["group": "g2"]))
        #expect(try !allows("groups:%(group)s", ["groups": ["g1", "g2"]], ["group": "g3"]))
        #expect(try !allows("groups:g1", ["groups": []]))
        #expect(try allows("roles:reader", roles("member", "reader")))
        #expect(try !allows("roles:reader", roles("Reader")))  // generic checks are case-sensitive
    }

    @Test func targetValuesRenderAsPython() throws {
        #expect(try allows("enabled:%(user.enabled)s", ["enabled": "True"], ["user.enabled": true]))
        #expect(try !allows("enabled:%(user.enabled)s", ["enabled": "true"], ["user.enabled": true]))
        #expect(try allows("x:%(v)s", ["x": "None"], ["v": .none]))
        #expect(try allows("x:%(v)s", ["x": "['a', \"it's\"]"], ["v": ["a", "it's"]]))
        #expect(try !allows("x:%(v)s", ["x": "a"], ["v": ["a"]]))
    }

    @Test func quotedLiteralOnTheLeft() throws {
        let rule = "'member':%(role.name)s"
        #expect(try allows(rule, [:], ["role.name": "member"]))
        #expect(try !allows(rule, [:], ["role.name": "Member"]))
        #expect(try !allows(rule, [:], [:]))
        #expect(try allows("\"member\":%(role.name)s", [:], ["role.name": "member"]))
        #expect(try !allows("\"member\":%(role.name)s", [:], ["role.name": "admin"]))
        // The literal is not a credential name.
        #expect(try !allows(rule, ["'member'": "member", "member": "member"], ["role.name": "admin"]))
    }

    @Test func pythonConstantsAndNumbersOnTheLeft() throws {
        #expect(try allows("True:%(user.enabled)s", [:], ["user.enabled": true]))
        #expect(try allows("True:%(user.enabled)s", [:], ["user.enabled": "True"]))
        #expect(try !allows("True:%(user.enabled)s", [:], ["user.enabled": false]))
        #expect(try !allows("True:%(user.enabled)s", ["True": "False"], ["user.enabled": "False"]))
        #expect(try allows("None:%(v)s", [:], ["v": .none]))
        #expect(try allows("1:%(n)s", [:], ["n": "1"]))
        #expect(try !allows("1:%(n)s", [:], ["n": "01"]))
        #expect(try allows("1_000:%(n)s", [:], ["n": "1000"]))
        #expect(try allows("0x10:%(n)s", [:], ["n": "16"]))
        #expect(try allows("-0:%(n)s", [:], ["n": "0"]))
        #expect(try allows("1.50:%(n)s", [:], ["n": "1.5"]))
        #expect(try allows("1e16:%(n)s", [:], ["n": "1e+16"]))
        #expect(try allows("9.5e15:%(n)s", [:], ["n": "9500000000000000.0"]))
        // Python rejects `01`: oslo.policy raises, Stratus denies.
        #expect(try !allows("01:%(n)s", [:], ["n": "1"]))
        #expect(try !allows("not 01:%(n)s", [:], ["n": "1"]))
    }

    @Test func systemReadsSystemScope() throws {
        #expect(try allows("system_scope:all", ["system_scope": "all"]))
        #expect(try !allows("system_scope:all", ["system_scope": .none]))
        // oslo.policy copies a set system_scope into creds["system"].
        #expect(try allows("system:all", ["system_scope": "all"]))
        #expect(try allows("system:all", ["system_scope": "all", "system": "other"]))
        #expect(try allows("system:all", ["system_scope": .none, "system": "all"]))
        #expect(try !allows("system:all", ["system_scope": .none]))
        #expect(try !allows("system:all", ["system_scope": "", "system": "x"]))
    }

    @Test func unsupportedCheckKindsDeny() throws {
        #expect(try !allows("http://policy.example.com/check", roles("admin")))
        #expect(try !allows("https://policy.example.com/check", roles("admin")))
        // Denies the request outright: neither `not` nor `or` turns it into a grant...
        #expect(try !allows("not http://policy.example.com/check"))
        #expect(try !allows("http://policy.example.com/check or role:admin", roles("admin")))
        // ...but a branch that passes first never reaches it.
        #expect(try allows("role:admin or http://policy.example.com/check", roles("admin")))
    }

    @Test func anyOtherKindIsACredentialLookup() throws {
        #expect(try allows("tenant:%(tenant_id)s", ["tenant": "t1"], ["tenant_id": "t1"]))
        #expect(try !allows("tenant:%(tenant_id)s", ["tenant": "t1"], ["tenant_id": "t2"]))
        #expect(try !allows("Role:admin", roles("admin")))  // kinds are case-sensitive
        #expect(try allows("Role:admin", ["Role": "admin"]))
    }

    @Test func kindsThatAreNotPythonNamesDeny() throws {
        // Python cannot read these (`literal_eval` raises SyntaxError), so
        // oslo.policy's enforcement fails; `not` does not turn that into a grant.
        for kind in ["for", "x..y", "x.", "x.if", "))x", "'unterminated"] {
            #expect(try !allows("not \(kind):v", [kind: "v"]), "\(kind)")
        }
        // Expressions oslo would look up as keys (`a-b`) deny too.
        #expect(try !allows("a-b:v", ["a-b": "v"]))
        #expect(try allows("a_b:v", ["a_b": "v"]))
        #expect(try allows("not a_b:v", ["a_b": "w"]))
    }

    // MARK: Substitution

    @Test func substitutionTemplates() throws {
        let target: PolicyAttributes = ["a": "x", "b": "y"]
        #expect(try allows("k:%(a)s-%(b)s", ["k": "x-y"], target))
        #expect(try !allows("k:%(a)s-%(b)s", ["k": "x-z"], target))
        #expect(try !allows("k:%(a)s-%(missing)s", ["k": "x-"], target))
        #expect(try allows("k:100%%", ["k": "100%"]))
        #expect(try !allows("k:100%%", ["k": "100%%"]))
        #expect(try allows("k:%(a(b))s", ["k": "v"], ["a(b)": "v"]))
        #expect(try allows("k:%(flag)d", ["k": "1"], ["flag": true]))
        #expect(try allows("k:%(a)r", ["k": "'x'"], target))
        #expect(try allows("k:[%(a)3s]", ["k": "[  x]"], target))
    }

    @Test func malformedSubstitutionDenies() throws {
        // Python's `%` raises on these; oslo.policy's enforcement fails.
        for rule in ["k:100%", "k:%(a)-", "k:%(a", "k:%(a)z", "k:%(name)d"] {
            #expect(try !allows(rule, ["k": "100%"], ["a": "x", "name": "n"]), "\(rule)")
            #expect(try !allows("not \(rule)", ["k": "x"], ["a": "x", "name": "n"]), "not \(rule)")
        }
        // Python looks the key up first: a missing key is an ordinary failed check.
        #expect(try allows("not k:%(missing)z"))
        #expect(try !allows("not k:%(a)z", [:], ["a": "x"]))
    }

    @Test func comparisonIsByCodePoint() throws {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(try allows("name:%(n)s", ["name": .string(composed)], ["n": .string(composed)]))
        #expect(try !allows("name:%(n)s", ["name": .string(composed)], ["n": .string(decomposed)]))
    }

    // MARK: Operators

    @Test func andOrNot() throws {
        #expect(try allows("role:a and role:b", roles("a", "b")))
        #expect(try !allows("role:a and role:b", roles("a")))
        #expect(try allows("role:a or role:b", roles("b")))
        #expect(try !allows("role:a or role:b", roles("c")))
        #expect(try allows("not role:a", roles("b")))
        #expect(try !allows("not role:a", roles("a")))
        #expect(try allows("not not role:a", roles("a")))
        #expect(try allows("role:a and role:b and role:c", roles("a", "b", "c")))
        #expect(try !allows("role:a and role:b and role:c", roles("a", "b")))
    }

    @Test func andBindsTighterThanOr() throws {
        // a or (b and c), not (a or b) and c
        #expect(try allows("role:a or role:b and role:c", roles("a")))
        #expect(try !allows("role:a or role:b and role:c", roles("b")))
        // (a and b) or c, not a and (b or c)
        #expect(try allows("role:a and role:b or role:c", roles("c")))
        #expect(try !allows("role:a and role:b or role:c", roles("a")))
        #expect(try allows("role:a or role:b and role:c or role:d", roles("d")))
        #expect(try !allows("role:a or role:b and role:c or role:d", roles("c")))
        let engine = try PolicyEngine(defaults: ["r": "role:a or role:b and role:c and role:d or role:e"])
        #expect(engine.parsedRule("r")?.description == "(role:a or (role:b and role:c and role:d) or role:e)")
    }

    @Test func notBindsTightest() throws {
        // (not a) and b, not not (a and b)
        #expect(try !allows("not role:a and role:b", roles()))
        #expect(try allows("not role:a and role:b", roles("b")))
        // (not a) or b, not not (a or b)
        #expect(try allows("not role:a or role:b", roles("a", "b")))
        #expect(try !allows("not role:a or role:b", roles("a")))
        let engine = try PolicyEngine(defaults: ["r": "not role:a and not role:b or role:c"])
        #expect(engine.parsedRule("r")?.description == "((not role:a and not role:b) or role:c)")
    }

    @Test func parenthesesOverridePrecedence() throws {
        #expect(try !allows("(role:a or role:b) and role:c", roles("a")))
        #expect(try allows("(role:a or role:b) and role:c", roles("b", "c")))
        #expect(try allows("role:a and (role:b or role:c)", roles("a", "c")))
        #expect(try !allows("role:a and (role:b or role:c)", roles("c")))
        #expect(try allows("not (role:a and role:b)", roles("a")))
        #expect(try !allows("not (role:a and role:b)", roles("a", "b")))
        #expect(try allows("((role:a))", roles("a")))
        #expect(try !allows("((role:a))", roles("b")))
        #expect(try allows("( role:a or ( role:b and ( role:c ) ) )", roles("b", "c")))
        #expect(try !allows("( role:a or ( role:b and ( role:c ) ) )", roles("b")))
    }

    @Test func keywordsAreCaseInsensitive() throws {
        #expect(try allows("role:a AND role:b", roles("a", "b")))
        #expect(try !allows("role:a And role:b", roles("a")))
        #expect(try allows("role:a OR role:b", roles("b")))
        #expect(try !allows("role:a oR role:b", roles("c")))
        #expect(try allows("NOT role:a", roles("b")))
        #expect(try !allows("Not role:a", roles("a")))
    }

    @Test func parenthesesOnlySplitAtTheEdgesOfWhitespaceSeparatedPieces() throws {
        // As in oslo.policy, this is one role check named "a)or(role:b".
        #expect(try !allows("(role:a)or(role:b)", roles("a", "b")))
        #expect(try allows("(role:a)or(role:b)", roles("a)or(role:b")))
        #expect(try allows("role:a\tor\nrole:b", roles("b")))
    }

    // MARK: Overrides

    @Test func overridesReplaceOnlyTheRulesTheyName() throws {
        let defaults = [
            "admin_required": "role:admin",
            "member_required": "role:member",
            "get_thing": "rule:admin_required",
        ]
        let engine = try PolicyEngine(
            defaults: defaults,
            overrides: ["admin_required": "role:superuser", "custom": "rule:member_required"])
        func check(_ rule: String, _ roles: [String]) -> Bool {
            engine.enforce(rule, credentials: ["roles": .list(roles)], target: [:])
        }
        #expect(check("admin_required", ["superuser"]))
        #expect(!check("admin_required", ["admin"]))
        #expect(check("member_required", ["member"]))
        #expect(!check("member_required", ["superuser"]))
        // References follow the override.
        #expect(check("get_thing", ["superuser"]))
        #expect(!check("get_thing", ["admin"]))
        // Overrides may add rules.
        #expect(check("custom", ["member"]))
        #expect(!check("custom", ["admin"]))
        #expect(engine.has("custom"))

        let plain = try PolicyEngine(defaults: defaults)
        #expect(plain.enforce("get_thing", credentials: roles("admin"), target: [:]))
        #expect(!plain.has("custom"))
    }

    @Test func overriddenDefaultIsNotParsed() throws {
        #expect(throws: PolicyParseError.self) { try PolicyEngine(defaults: ["x": "(role:a"]) }
        let engine = try PolicyEngine(defaults: ["x": "(role:a"], overrides: ["x": "role:a"])
        #expect(engine.enforce("x", credentials: roles("a"), target: [:]))
    }

    // MARK: Parse errors

    @Test(arguments: [
        ("(role:a", 7, "expected ')' to close '(' at 0"),
        ("role:a)", 6, "unexpected ')'"),
        ("role:a and", 10, "unexpected end of rule"),
        ("and role:a", 0, "unexpected 'and'"),
        ("role:a or or role:b", 10, "unexpected 'or'"),
        ("role:a role:b", 7, "unexpected check 'role:b'"),
        ("role:a or ()", 11, "unexpected ')'"),
        ("not", 3, "unexpected end of rule"),
        ("admin", 0, "expected a check 'kind:match'"),
        ("role:a or 'role:b'", 10, "quoted string"),
        (":x", 0, "no kind"),
        ("   ", 3, "unexpected end of rule"),
        ("role:a and (role:b or role:c", 28, "expected ')' to close '(' at 11"),
    ])
    func parseErrors(rule: String, position: Int, message: String) throws {
        let error = try #require(parseError(rule))
        #expect(error.ruleName == "bad")
        #expect(error.ruleText == rule)
        #expect(error.position == position)
        #expect(error.message.contains(message), "\(error.message)")
        #expect(error.description.contains("\"bad\""))
    }

    @Test func validRulesDoNotThrow() {
        for rule in ["@", "!", "", "role:a", "(role:a)", "not (role:a or !)", "role:a and not role:b or @"] {
            #expect(parseError(rule) == nil, "\(rule)")
        }
    }

    @Test func parseErrorNamesTheBadRuleAmongGoodOnes() throws {
        do {
            _ = try PolicyEngine(defaults: ["good": "role:a", "worse": "role:a or"], overrides: ["fine": "@"])
            Issue.record("expected a parse error")
        } catch let error as PolicyParseError {
            #expect(error.ruleName == "worse")
            #expect(error.position == 9)
        }
    }

    @Test func excessiveNestingIsAParseError() throws {
        let deep = String(repeating: "(", count: 150) + "@" + String(repeating: ")", count: 150)
        #expect(parseError(deep) != nil)
        let fine = String(repeating: "(", count: 50) + "@" + String(repeating: ")", count: 50)
        #expect(parseError(fine) == nil)
        #expect(try allows(fine))
    }

    // MARK: Realistic policies

    @Test func keystoneGetUser() throws {
        let engine = try PolicyEngine(defaults: [
            "identity:get_user":
                "(role:reader and system_scope:all) or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(target.user.id)s",
        ])
        let user: PolicyAttributes = ["target.user.id": "u-target", "target.user.domain_id": "d1"]
        func getUser(_ credentials: PolicyAttributes, _ target: PolicyAttributes = user) -> Bool {
            engine.enforce("identity:get_user", credentials: credentials, target: target)
        }
        // System reader.
        #expect(getUser(["roles": ["reader"], "system_scope": "all", "user_id": "u1", "domain_id": .none]))
        #expect(!getUser(["roles": ["member"], "system_scope": "all", "user_id": "u1", "domain_id": .none]))
        // Domain reader, in the user's domain or not.
        #expect(getUser(["roles": ["Reader"], "system_scope": .none, "user_id": "u1", "domain_id": "d1"]))
        #expect(!getUser(["roles": ["reader"], "system_scope": .none, "user_id": "u1", "domain_id": "d2"]))
        // Project-scoped reader: no domain, no system scope.
        #expect(!getUser(["roles": ["reader"], "system_scope": .none, "user_id": "u1", "domain_id": .none, "project_id": "p1"]))
        // The user themself, with any role.
        #expect(getUser(["roles": ["member"], "system_scope": .none, "user_id": "u-target", "domain_id": .none]))
        #expect(!getUser(["roles": [], "system_scope": .none, "user_id": "u-other", "domain_id": .none]))
        // A target without a domain leaves only the self check.
        #expect(getUser(["roles": ["reader"], "user_id": "u-target", "domain_id": "d1"], ["target.user.id": "u-target"]))
        #expect(!getUser(["roles": ["reader"], "user_id": "u1", "domain_id": "d1"], ["target.user.id": "u-target"]))
    }

    @Test func legacyStyleRuleReferences() throws {
        let engine = try PolicyEngine(defaults: [
            "admin_required": "role:admin or is_admin:True",
            "service_role": "role:service",
            "service_or_admin": "rule:admin_required or rule:service_role",
            "owner": "user_id:%(user_id)s",
            "admin_or_owner": "rule:admin_required or rule:owner",
            "token_subject": "user_id:%(target.token.user_id)s",
            "identity:check_token": "rule:service_or_admin or rule:token_subject",
            "identity:get_credential": "rule:admin_or_owner and not role:restricted",
        ])
        func check(_ rule: String, _ credentials: PolicyAttributes, _ target: PolicyAttributes = [:]) -> Bool {
            engine.enforce(rule, credentials: credentials, target: target)
        }
        #expect(check("identity:check_token", ["roles": ["service"]]))
        #expect(check("identity:check_token", ["roles": [], "is_admin": true]))
        #expect(check("identity:check_token", ["roles": [], "user_id": "u1"], ["target.token.user_id": "u1"]))
        #expect(!check("identity:check_token", ["roles": ["member"], "user_id": "u1"], ["target.token.user_id": "u2"]))
        #expect(check("identity:get_credential", ["roles": ["member"], "user_id": "u1"], ["user_id": "u1"]))
        #expect(!check("identity:get_credential", ["roles": ["restricted"], "user_id": "u1"], ["user_id": "u1"]))
        #expect(!check("identity:get_credential", ["roles": ["member"], "user_id": "u1"], ["user_id": "u2"]))
    }

    // MARK: Python renderings

    @Test func pythonStringForms() {
        #expect(PolicyValue.bool(true).pythonString == "True")
        #expect(PolicyValue.bool(false).pythonString == "False")
        #expect(PolicyValue.none.pythonString == "None")
        #expect(PolicyValue.list([]).pythonString == "[]")
        #expect(PolicyValue.list(["a", "it's", "x\"y'z", "tab\t"]).pythonString == #"['a', "it's", 'x"y\'z', 'tab\t']"#)
        #expect(PythonLiteral.pythonFloatRepr(1e15) == "1000000000000000.0")
        #expect(PythonLiteral.pythonFloatRepr(1e16) == "1e+16")
        #expect(PythonLiteral.pythonFloatRepr(0.0001) == "0.0001")
        #expect(PythonLiteral.pythonFloatRepr(0.00001) == "1e-05")
        #expect(PythonLiteral.pythonFloatRepr(-2.5e-7) == "-2.5e-07")
    }
}
