#!/usr/bin/env bash
# Identity (Keystone v3) through python-openstackclient and raw HTTP.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start_stratus || bail "server did not start"

OSC=(openstack --os-cloud stratus)
ALICE_PW="Alice-pw-1"
BOB_PW="Bob-pw-1"
CAROL_PW="Carol-pw-1"

# osc_as USER PASSWORD PROJECT: print (one word a line) an openstack command
# line that authenticates as USER, project-scoped to PROJECT in domain default.
osc_as() {
    printf '%s\n' openstack --os-auth-type password --os-auth-url "$AUTH_URL" --os-identity-api-version 3 \
        --os-username "$1" --os-password "$2" --os-user-domain-id default \
        --os-project-name "$3" --os-project-domain-id default
}
mapfile -t ALICE < <(osc_as alice "$ALICE_PW" pA)
mapfile -t BOB < <(osc_as bob "$BOB_PW" pA)
mapfile -t CAROL < <(osc_as carol "$CAROL_PW" pA)

# Every raw HTTP response must carry x-openstack-request-id; collected here.
REQUEST_ID_MISSING=()
REQUEST_ID_SEEN=0
note_request_id() {
    REQUEST_ID_SEEN=$((REQUEST_ID_SEEN + 1))
    [[ -n "$(header x-openstack-request-id)" ]] || REQUEST_ID_MISSING+=("$1 -> $HTTP_CODE")
}

# --- tokens, catalog, endpoints ------------------------------------------------
expect_ok "token issue" "${OSC[@]}" token issue -f json
expect_json "token has id, expires, project_id, user_id" \
    "all(f(d, k) for k in ('id', 'expires', 'project_id', 'user_id'))"
ADMIN_PROJECT_ID="$(json "f(d, 'project_id')")"
ADMIN_USER_ID="$(json "f(d, 'user_id')")"

expect_ok "catalog list" "${OSC[@]}" catalog list -f json
expect_json "catalog has an identity service" "any(s.get('Type') == 'identity' for s in d)"

expect_ok "endpoint list" "${OSC[@]}" endpoint list -f json
expect_json "endpoint list has a public identity endpoint on 127.0.0.1:5000 in RegionOne" \
    "any(e.get('Service Type') == 'identity' and e.get('Interface') == 'public' and '127.0.0.1:5000' in e.get('URL', '') and e.get('Region') == 'RegionOne' for e in d)"

# --- domains --------------------------------------------------------------------
expect_ok "domain create d1" "${OSC[@]}" domain create d1 -f json
expect_json "new domain d1 is enabled" "f(d, 'name') == 'd1' and f(d, 'enabled') in (True, 'True')"
expect_ok "domain list" "${OSC[@]}" domain list -f json
expect_json "domain list shows Default (id default) and d1" \
    "any(x['ID'] == 'default' and x['Name'] == 'Default' for x in d) and any(x['Name'] == 'd1' for x in d)"
expect_ok "domain set --disable d1" "${OSC[@]}" domain set --disable d1
expect_ok "domain show d1" "${OSC[@]}" domain show d1 -f json
expect_json "d1 is disabled" "f(d, 'enabled') in (False, 'False')"
expect_ok "domain delete d1" "${OSC[@]}" domain delete d1
expect_fail "domain show d1 after delete fails" "${OSC[@]}" domain show d1

# --- projects ---------------------------------------------------------------------
expect_ok "project create --domain default pA" "${OSC[@]}" project create --domain default pA -f json
PA_ID="$(json "f(d, 'id')")"
expect_json "pA is in domain default" "f(d, 'domain_id') == 'default' and f(d, 'name') == 'pA'"
expect_ok "project create --domain default --parent pA pchild" \
    "${OSC[@]}" project create --domain default --parent pA pchild -f json
expect_json "pchild has parent pA" "f(d, 'parent_id') == '$PA_ID'"
expect_ok "project create --domain default pB" "${OSC[@]}" project create --domain default pB -f json
PB_ID="$(json "f(d, 'id')")"
expect_ok "project list" "${OSC[@]}" project list -f json
expect_json "project list shows admin, service, pA, pchild, pB" \
    "{'admin', 'service', 'pA', 'pchild', 'pB'} <= {p['Name'] for p in d}"

# --- users, groups, roles -----------------------------------------------------------
expect_ok "user create --domain default --password ... alice" \
    "${OSC[@]}" user create --domain default --password "$ALICE_PW" alice -f json
ALICE_ID="$(json "f(d, 'id')")"
expect_json "alice is enabled in domain default and no password is echoed" \
    "f(d, 'domain_id') == 'default' and f(d, 'enabled') in (True, 'True') and f(d, 'password') is None"
expect_ok "group create g1" "${OSC[@]}" group create g1 -f json
expect_json "g1 defaults to domain default" "f(d, 'domain_id') == 'default'"
expect_ok "group add user g1 alice" "${OSC[@]}" group add user g1 alice
expect_ok "group contains user g1 alice" "${OSC[@]}" group contains user g1 alice
expect_ok "role create custom1" "${OSC[@]}" role create custom1 -f json
expect_json "custom1 created" "f(d, 'name') == 'custom1' and bool(f(d, 'id'))"
expect_ok "role list" "${OSC[@]}" role list -f json
expect_json "role list shows admin, member, reader, custom1" \
    "{'admin', 'member', 'reader', 'custom1'} <= {r['Name'] for r in d}"
expect_ok "role add --user alice --project pA member" "${OSC[@]}" role add --user alice --project pA member
expect_ok "role add --group g1 --domain default reader" "${OSC[@]}" role add --group g1 --domain default reader
expect_ok "role add --user alice --system all reader" "${OSC[@]}" role add --user alice --system all reader

expect_ok "role assignment list --names --effective --user alice" \
    "${OSC[@]}" role assignment list --names --effective --user alice -f json
expect_json "effective: alice has member on pA" \
    "any(r['Role'] == 'member' and r['User'] == 'alice@Default' and r['Project'] == 'pA@Default' for r in d)"
expect_json "effective: alice has reader on domain Default via g1, expanded to the user" \
    "any(r['Role'] == 'reader' and r['User'] == 'alice@Default' and r['Domain'] == 'Default' and not r['Group'] for r in d)"
expect_json "effective: no group rows are listed" "all(not r['Group'] for r in d)"
expect_json "effective: member on pA implies reader on pA" \
    "any(r['Role'] == 'reader' and r['User'] == 'alice@Default' and r['Project'] == 'pA@Default' for r in d)"
expect_ok "role assignment list --user alice --system all" \
    "${OSC[@]}" role assignment list --names --user alice --system all -f json
expect_json "alice has reader on system all" "any(r['Role'] == 'reader' and r['System'] == 'all' for r in d)"

expect_ok "implied role create custom1 --implied-role reader" \
    "${OSC[@]}" implied role create custom1 --implied-role reader -f json
expect_ok "implied role list" "${OSC[@]}" implied role list -f json
expect_json "implied roles: custom1 -> reader, admin -> member, member -> reader" \
    "all(any(r['Prior Role Name'] == p and r['Implied Role Name'] == i for r in d) for p, i in (('custom1', 'reader'), ('admin', 'member'), ('member', 'reader')))"

# --- application credentials ----------------------------------------------------------
expect_ok "application credential create ac1" "${OSC[@]}" application credential create ac1 -f json
AC_ID="$(json "f(d, 'id')")"
AC_SECRET="$(json "f(d, 'secret')")"
expect_json "ac1 has id and secret, project admin" \
    "bool(f(d, 'id')) and bool(f(d, 'secret')) and f(d, 'project_id') == '$ADMIN_PROJECT_ID'"
expect_ok "application credential list" "${OSC[@]}" application credential list -f json
expect_json "application credential list shows ac1 without its secret" \
    "any(f(c, 'name') == 'ac1' and f(c, 'id') == '$AC_ID' for c in d) and not any(f(c, 'secret') for c in d)"
APPCRED=(openstack --os-auth-type v3applicationcredential --os-auth-url "$AUTH_URL"
    --os-application-credential-id="$AC_ID")
expect_ok "token issue with the application credential" \
    "${APPCRED[@]}" --os-application-credential-secret="$AC_SECRET" token issue -f json
expect_json "application credential token is scoped to project admin for user admin" \
    "f(d, 'project_id') == '$ADMIN_PROJECT_ID' and f(d, 'user_id') == '$ADMIN_USER_ID'"
expect_fail_status "application credential with a wrong secret is rejected (401)" 401 \
    "${APPCRED[@]}" --os-application-credential-secret="wrong-$AC_SECRET" token issue

# --- raw HTTP: version documents, token validation, revocation ----------------------------------
expect_http "GET / lists versions (300)" 300 GET /
note_request_id "GET /"
expect_json "GET / has v3 in versions.values" \
    "any(v['id'].startswith('v3') for v in d['versions']['values'])" "$HTTP_BODY"
expect_http "GET /v3 is the v3 version document (200)" 200 GET /v3
note_request_id "GET /v3"
expect_json "GET /v3 has version.id v3.x and status stable" \
    "d['version']['id'].startswith('v3') and d['version']['status'] == 'stable'" "$HTTP_BODY"

expect_ok "token issue -f value -c id (admin)" "${OSC[@]}" token issue -f value -c id
ADMIN_TOKEN="$OUT"
expect_ok "token issue -f value -c id (to revoke)" "${OSC[@]}" token issue -f value -c id
DOOMED_TOKEN="$OUT"
expect_http "GET /v3/auth/tokens validates a live token (200)" 200 GET /v3/auth/tokens \
    -H "X-Auth-Token: $ADMIN_TOKEN" -H "X-Subject-Token: $DOOMED_TOKEN"
note_request_id "GET /v3/auth/tokens"
expect_json "validated token body has user, project, roles, catalog, expires_at" \
    "all(k in d['token'] for k in ('user', 'project', 'roles', 'catalog', 'expires_at'))" "$HTTP_BODY"
expect_ok "token revoke" "${OSC[@]}" token revoke -- "$DOOMED_TOKEN"
expect_http "GET /v3/auth/tokens for the revoked token is 404" 404 GET /v3/auth/tokens \
    -H "X-Auth-Token: $ADMIN_TOKEN" -H "X-Subject-Token: $DOOMED_TOKEN"
note_request_id "GET /v3/auth/tokens (revoked)"
expect_fail "the revoked token can not be used to authenticate" \
    openstack --os-auth-type token --os-auth-url "$AUTH_URL" --os-token="$DOOMED_TOKEN" \
    --os-project-id "$ADMIN_PROJECT_ID" project list
expect_http "the revoked token is rejected as X-Auth-Token (401)" 401 GET /v3/projects -H "X-Auth-Token: $DOOMED_TOKEN"
note_request_id "GET /v3/projects (revoked token)"

# --- disabling a user ------------------------------------------------------------------------
expect_ok "alice can authenticate to pA" "${ALICE[@]}" token issue -f json
expect_json "alice's token is scoped to pA" "f(d, 'project_id') == '$PA_ID' and f(d, 'user_id') == '$ALICE_ID'"
expect_ok "user set --disable alice" "${OSC[@]}" user set --disable alice
expect_fail_status "disabled alice can not authenticate (401)" 401 "${ALICE[@]}" token issue

# --- authorization: a project member -------------------------------------------------------------
expect_ok "user create bob" "${OSC[@]}" user create --domain default --password "$BOB_PW" bob -f json
expect_ok "role add --user bob --project pA member" "${OSC[@]}" role add --user bob --project pA member
expect_ok "bob (member of pA) can issue a token" "${BOB[@]}" token issue -f value -c id
BOB_TOKEN="$OUT"
expect_ok "bob can show his own project pA" "${BOB[@]}" project show "$PA_ID" -f json
expect_fail "bob can not project show pB" "${BOB[@]}" project show pB
expect_http "bob GET /v3/projects/{pB} is 403" 403 GET "/v3/projects/$PB_ID" -H "X-Auth-Token: $BOB_TOKEN"
note_request_id "GET /v3/projects/{id} (forbidden)"
expect_json "403 body is an error document" "d['error']['code'] == 403" "$HTTP_BODY"
expect_fail "bob can not role assignment list --project pB" \
    "${BOB[@]}" role assignment list --project pB
expect_http "bob GET /v3/role_assignments?scope.project.id={pB} is 403" 403 \
    GET "/v3/role_assignments?scope.project.id=$PB_ID" -H "X-Auth-Token: $BOB_TOKEN"
expect_fail_status "bob can not user create (403)" 403 \
    "${BOB[@]}" user create --password x-pw-1 eve

# --- authorization: a project reader ---------------------------------------------------------------
expect_ok "user create carol" "${OSC[@]}" user create --domain default --password "$CAROL_PW" carol -f json
expect_ok "role add --user carol --project pA reader" "${OSC[@]}" role add --user carol --project pA reader
expect_ok "carol (reader of pA) can issue a token" "${CAROL[@]}" token issue -f json
expect_fail_status "carol can not project create (403)" 403 "${CAROL[@]}" project create pX
expect_fail_status "carol can not user create (403)" 403 \
    "${CAROL[@]}" user create --password x-pw-1 mallory

# --- raw HTTP: errors ------------------------------------------------------------------------------
wrong_pw='{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"}, "password": "not-the-password"}}}}}'
expect_http "wrong password: POST /v3/auth/tokens is 401" 401 POST /v3/auth/tokens \
    -H "Content-Type: application/json" --data "$wrong_pw"
note_request_id "POST /v3/auth/tokens (wrong password)"
expect_header "401 has a WWW-Authenticate header" WWW-Authenticate
expect_json "401 body is an error document" "d['error']['code'] == 401" "$HTTP_BODY"
no_user='{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "nobody", "domain": {"id": "default"}, "password": "x"}}}}}'
expect_http "unknown user: POST /v3/auth/tokens is 401" 401 POST /v3/auth/tokens \
    -H "Content-Type: application/json" --data "$no_user"
right_pw="{\"auth\": {\"identity\": {\"methods\": [\"password\"], \"password\": {\"user\": {\"name\": \"admin\", \"domain\": {\"id\": \"default\"}, \"password\": \"$ADMIN_PASSWORD\"}}}, \"scope\": {\"project\": {\"name\": \"admin\", \"domain\": {\"id\": \"default\"}}}}}"
expect_http "right password: POST /v3/auth/tokens is 201" 201 POST /v3/auth/tokens \
    -H "Content-Type: application/json" --data "$right_pw"
note_request_id "POST /v3/auth/tokens"
expect_header "201 has X-Subject-Token" X-Subject-Token

expect_http "malformed JSON to POST /v3/projects is 400" 400 POST /v3/projects \
    -H "X-Auth-Token: $ADMIN_TOKEN" -H "Content-Type: application/json" --data '{"project": {"name": '
note_request_id "POST /v3/projects (malformed)"
expect_json "400 body is {\"error\": {\"code\": 400, \"message\": ..., \"title\": ...}}" \
    "d['error']['code'] == 400 and isinstance(d['error']['message'], str) and isinstance(d['error']['title'], str)" "$HTTP_BODY"
expect_http "GET /v3/projects/does-not-exist is 404" 404 GET /v3/projects/does-not-exist -H "X-Auth-Token: $ADMIN_TOKEN"
note_request_id "GET /v3/projects/{id} (missing)"
expect_json "404 body is an error document" "d['error']['code'] == 404" "$HTTP_BODY"
expect_http "GET /v3/projects without a token is 401" 401 GET /v3/projects
note_request_id "GET /v3/projects (no token)"
expect_http "GET /v3/projects with the admin token is 200" 200 GET /v3/projects -H "X-Auth-Token: $ADMIN_TOKEN"
note_request_id "GET /v3/projects"

if ((${#REQUEST_ID_MISSING[@]} == 0)); then
    _record 1 "all $REQUEST_ID_SEEN raw responses have an x-openstack-request-id header"
else
    _record 0 "all raw responses have an x-openstack-request-id header" "missing on: ${REQUEST_ID_MISSING[*]}"
fi

# --- system scope and openrc -----------------------------------------------------------------------
expect_ok "openstack --os-cloud stratus-system token issue" openstack --os-cloud stratus-system token issue -f json
expect_json "system-scoped token (system all, no project)" "f(d, 'system') == 'all' and not f(d, 'project_id')"
expect_ok "openrc from the data dir works" \
    bash -c 'source "$1" && openstack token issue -f value -c project_id' _ "$STRATUS_DATA_DIR/openrc"
expect_eq "openrc is scoped to project admin" "$ADMIN_PROJECT_ID" "$OUT"

finish
