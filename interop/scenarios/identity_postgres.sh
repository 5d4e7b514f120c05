#!/usr/bin/env bash
# Identity on PostgreSQL: `stratus up` pointed at a database by STRATUS_DATABASE_URL
# bootstraps into it, serves the CLI, keeps its state across a restart, and writes no
# SQLite file.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

"$REPO/scripts/postgres-test-server" start >"$SCRATCH/pg.log" 2>&1 || bail "PostgreSQL did not start: $(tail -5 "$SCRATCH/pg.log")"
stop_postgres() { _interop_cleanup; "$REPO/scripts/postgres-test-server" stop >/dev/null 2>&1; }
trap stop_postgres EXIT
export STRATUS_DATABASE_URL
STRATUS_DATABASE_URL="$("$REPO/scripts/postgres-test-server" url)"

start_stratus || bail "server did not start"
OSC=(openstack --os-cloud stratus)

expect_ok "token issue on PostgreSQL" "${OSC[@]}" token issue -f json
expect_ok "project create" "${OSC[@]}" project create --domain default pg-project -f json
expect_json "project has an id" "len(d['id']) == 32"
expect_ok "user create" "${OSC[@]}" user create --domain default --password pg-pw pg-user -f json
expect_ok "role add" "${OSC[@]}" role add --user pg-user --project pg-project member
expect_ok "the user authenticates" openstack --os-auth-type password --os-auth-url "$AUTH_URL" \
    --os-identity-api-version 3 --os-username pg-user --os-password pg-pw --os-user-domain-id default \
    --os-project-name pg-project --os-project-domain-id default token issue -f json
expect_eq "no SQLite file in the data dir" "" "$(ls "$STRATUS_DATA_DIR"/*.sqlite 2>/dev/null)"

# A second start on the same data dir and database reuses the state.
kill -TERM "$STRATUS_PID"; wait "$STRATUS_PID"; STRATUS_PID=""
DATA_DIR="$STRATUS_DATA_DIR"
"$STRATUS_BIN" up --data-dir "$DATA_DIR" --admin-password "$ADMIN_PASSWORD" </dev/null >"$SCRATCH/second.log" 2>&1 &
STRATUS_PID=$!
for ((i = 0; i < 300; i++)); do grep -q "Stratus is up" "$SCRATCH/second.log" && break; sleep 0.2; done
expect_ok "project list after restart" "${OSC[@]}" project list -f json
expect_json "the project survived the restart" "any(p['Name'] == 'pg-project' for p in d)"

finish
