#!/usr/bin/env bash
# Object Storage durability against `stratus up`, with python-swiftclient's `swift` CLI and the
# daemons run by hand (`stratus object replicate|audit|update|expire|reap --once`): a wiped device
# is refilled by one replication pass, a flipped byte is quarantined by the auditor and repaired by
# the replicator, container updates that failed are delivered by the updater, an expired object
# leaves its listing, a deleted account's objects leave the disks with the reaper; then the same
# against the stopped cloud, and the background daemons of `stratus up` doing it all by themselves.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

export STRATUS_OBJECT_TEMPAUTH_USERS="test:tester:testing:.admin,reseller:admin:adminpw:.reseller_admin,doomed:owner:doomedpw:.admin,later:owner:laterpw:.admin"
export STRATUS_OBJECT_ALLOW_ACCOUNT_MANAGEMENT=true
# The background daemons would repair things before the checks look: off for the first part.
for daemon in REPLICATOR CONTAINER_REPLICATOR ACCOUNT_REPLICATOR AUDITOR UPDATER CONTAINER_UPDATER EXPIRER REAPER; do
    export "STRATUS_OBJECT_${daemon}_INTERVAL=0"
done
export STRATUS_OBJECT_AUDITOR_BYTES_PER_SECOND=0
start_stratus || bail "server did not start"

DEV="$STRATUS_DATA_DIR/object/devices"
ONCE=(--once --data-dir "$STRATUS_DATA_DIR")
WORK="$SCRATCH/files"
mkdir -p "$WORK/batch"
for i in $(seq 1 40); do head -c $((i * 317)) /dev/urandom >"$WORK/batch/f$i.bin"; done
head -c 1048576 /dev/urandom >"$WORK/big.bin"
set -a
# shellcheck disable=SC1091
source "$STRATUS_DATA_DIR/openrc"
set +a

# .data files in the devices' objects/ (not in quarantine)
copies() { find "$DEV"/*/objects -name '*.data' 2>/dev/null | wc -l; }
copies_on() { find "$DEV/$1/objects" -name '*.data' 2>/dev/null | wc -l; }
databases() { find "$DEV" -name '*.db' | wc -l; }

expect_ok "swift upload 40 files" bash -c "cd '$WORK' && swift upload durable batch"
expect_ok "swift upload a 1 MiB file" bash -c "cd '$WORK' && swift upload durable big.bin"
expect_eq "three copies of each of the 41 objects" 123 "$(copies)"
DBS="$(databases)"
expect_eq "three copies of the account and the container database" 6 "$DBS"

# --- A wiped device comes back with one replication pass -------------------------------------
ON_D2="$(copies_on d2)"
rm -rf "$DEV/d2" && mkdir "$DEV/d2"
expect_eq "d2 is empty" 0 "$(copies_on d2)"
expect_ok "stratus object replicate --once" "$STRATUS_BIN" object replicate "${ONCE[@]}"
expect_contains "the object replicator pushed files" "files pushed"
expect_eq "d2 holds its $ON_D2 copies again" "$ON_D2" "$(copies_on d2)"
expect_eq "three copies of every object" 123 "$(copies)"
expect_eq "the databases are back too" "$DBS" "$(databases)"
expect_ok "swift download the big file" swift download durable big.bin -o "$WORK/big.copy"
expect_ok "it is byte-identical" cmp "$WORK/big.bin" "$WORK/big.copy"
expect_ok "a second replication pass" "$STRATUS_BIN" object replicate "${ONCE[@]}"
expect_eq "finds nothing to push" "" "$(grep -o 'files pushed' <<<"$OUT")"

# --- A flipped byte: quarantined by the auditor, repaired by the replicator -----------------
VICTIM="$(find "$DEV"/*/objects -name '*.data' -size +1000k | head -n 1)"
HASH="$(basename "$(dirname "$VICTIM")")"
python3 - "$VICTIM" <<'EOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(4096)
    byte = f.read(1)
    f.seek(4096)
    f.write(bytes([byte[0] ^ 0x01]))
EOF
expect_ok "stratus object audit --once" "$STRATUS_BIN" object audit "${ONCE[@]}"
expect_contains "the auditor quarantined one object" "1 quarantined"
expect_eq "its hash directory is in quarantine" 1 "$(find "$DEV"/*/quarantined/objects -maxdepth 1 -name "$HASH*" | wc -l)"
expect_eq "two good copies are left" 2 "$(find "$DEV"/*/objects -path "*/$HASH/*.data" | wc -l)"
expect_ok "stratus object replicate --once" "$STRATUS_BIN" object replicate "${ONCE[@]}"
expect_eq "three copies again" 3 "$(find "$DEV"/*/objects -path "*/$HASH/*.data" | wc -l)"
expect_eq "all three are the original bytes" "$(md5sum <"$WORK/big.bin" | cut -d' ' -f1)" \
    "$(find "$DEV"/*/objects -path "*/$HASH/*.data" -exec md5sum {} + | cut -d' ' -f1 | sort -u | tr '\n' ' ' | xargs)"
expect_ok "a second audit" "$STRATUS_BIN" object audit "${ONCE[@]}"
expect_eq "finds nothing wrong" "" "$(grep -o 'quarantined' <<<"$OUT")"

# --- Container updates that failed wait in async_pending; the updater delivers them ----------
# Two of the container's three databases go away for a while: each object replica tells one
# container replica, so two of every three updates fail (404) and are kept for the updater.
mapfile -t CDBS < <(find "$DEV" -path '*/containers/*' -name '*.db' | sort)
expect_eq "the container has three databases" 3 "${#CDBS[@]}"
for db in "${CDBS[@]:0:2}"; do mv "$(dirname "$db")" "$(dirname "$db").away"; done
for i in 1 2 3 4 5 6; do echo "late $i" >"$WORK/late$i.txt"; done
expect_ok "swift upload while two container databases are missing" bash -c "cd '$WORK' && swift upload --skip-container-put durable late1.txt late2.txt late3.txt late4.txt late5.txt late6.txt"
for db in "${CDBS[@]:0:2}"; do mv "$(dirname "$db").away" "$(dirname "$db")"; done
pending() { find "$DEV"/*/async_pending -type f 2>/dev/null | wc -l; }
expect_eq "12 container updates are pending" 12 "$(pending)"
rows() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from object where deleted = 0").fetchone()[0])' "$1"; }
expect_eq "a container database that missed them lists 41 objects" 41 "$(rows "${CDBS[0]}")"
expect_ok "stratus object update --once" "$STRATUS_BIN" object update "${ONCE[@]}"
expect_contains "the object updater delivered them" "12 successes"
expect_eq "nothing is pending" 0 "$(pending)"
for db in "${CDBS[@]}"; do expect_eq "$(basename "$(dirname "$(dirname "$(dirname "$(dirname "$(dirname "$db")")")")")") lists all 47 objects" 47 "$(rows "$db")"; done
expect_ok "swift stat" swift stat
expect_contains "the account counts the 47 objects (container updater)" "Objects: 47"

# --- An expired object leaves the listing with the expirer ------------------------------------
expect_ok "swift upload with X-Delete-After: 2" bash -c "cd '$WORK' && swift upload -H 'X-Delete-After: 2' durable late1.txt --object-name ephemeral"
sleep 3
expect_fail "swift stat of the expired object fails" swift stat durable ephemeral
run swift list durable --prefix ephemeral
expect_eq "its listing entry is still there" "ephemeral" "$OUT"
expect_ok "stratus object expire --once" "$STRATUS_BIN" object expire "${ONCE[@]}"
expect_contains "the expirer expired it" "1 objects expired"
run swift list durable --prefix ephemeral
expect_eq "it is gone from the listing" "" "$OUT"

# --- A deleted account: the reseller admin deletes it, the reaper removes its data -----------
V1=(swift --auth-version 1 -A http://127.0.0.1:8080/auth/v1.0)
DOOMED=("${V1[@]}" -U doomed:owner -K doomedpw)
expect_ok "swift upload 5 files into another account (AUTH_doomed)" \
    bash -c "cd '$WORK/batch' && ${DOOMED[*]} upload doomedbox f1.bin f2.bin f3.bin f4.bin f5.bin"
expect_eq "15 more copies on the disks" 156 "$(copies)"
tombstones() { find "$DEV"/*/objects -name '*.ts' 2>/dev/null | wc -l; }
TS_BEFORE="$(tombstones)"
v1_token() { curl -s -D - -o /dev/null -H "X-Auth-User: $1" -H "X-Auth-Key: $2" http://127.0.0.1:8080/auth/v1.0 | tr -d '\r' | awk -F': ' 'tolower($1) == "x-auth-token" { print $2 }'; }
RESELLER_TOKEN="$(v1_token reseller:admin adminpw)"
OWNER_TOKEN="$(v1_token doomed:owner doomedpw)"
HTTP_BASE=http://127.0.0.1:8080 expect_http "the account's owner may not delete it" 403 DELETE /v1/AUTH_doomed -H "X-Auth-Token: $OWNER_TOKEN"
HTTP_BASE=http://127.0.0.1:8080 expect_http "the reseller admin deletes AUTH_doomed" 204 DELETE /v1/AUTH_doomed -H "X-Auth-Token: $RESELLER_TOKEN"
expect_fail_status "swift stat of the deleted account: 410" 410 "${DOOMED[@]}" stat
HTTP_BASE=http://127.0.0.1:8080 expect_http "GET of the deleted account is 410" 410 GET /v1/AUTH_doomed -H "X-Auth-Token: $OWNER_TOKEN"
expect_eq "with X-Account-Status: Deleted" "Deleted" "$(header X-Account-Status)"
HTTP_BASE=http://127.0.0.1:8080 expect_http "no new container in it" 404 PUT /v1/AUTH_doomed/newbox -H "X-Auth-Token: $OWNER_TOKEN"
expect_fail "swift upload into it fails" bash -c "cd '$WORK/batch' && ${DOOMED[*]} upload doomedbox f6.bin"
expect_eq "its objects are still on the disks" 156 "$(copies)"
expect_ok "stratus object reap --once" "$STRATUS_BIN" object reap "${ONCE[@]}"
expect_contains "the reaper deleted its 5 objects" "5 objects deleted"
expect_contains "and its container" "1 containers deleted"
expect_eq "their 15 copies are gone from the disks" 141 "$(copies)"
expect_eq "15 tombstones took their place" "$((TS_BEFORE + 15))" "$(tombstones)"
expect_ok "a second reaper pass" "$STRATUS_BIN" object reap "${ONCE[@]}"
expect_contains "has nothing to do" "account-reaper: nothing to do"
expect_fail_status "the account stays deleted" 410 "${DOOMED[@]}" stat
run swift list durable
expect_eq "the other account still lists its 47 objects" 47 "$(wc -l <<<"$OUT")"

# --- The same passes against the stopped cloud ------------------------------------------------
stop_stratus
expect_eq "the cloud stopped cleanly" 0 "$STRATUS_EXIT_STATUS"
ON_D3="$(copies_on d3)"
rm -rf "$DEV/d3" && mkdir "$DEV/d3"
expect_ok "stratus object replicate --once (the cloud is stopped)" "$STRATUS_BIN" object replicate "${ONCE[@]}"
expect_eq "d3 holds its $ON_D3 copies again" "$ON_D3" "$(copies_on d3)"
expect_eq "three copies of every object" 141 "$(copies)"

# --- stratus up's background daemons do it by themselves --------------------------------------
for daemon in REPLICATOR CONTAINER_REPLICATOR ACCOUNT_REPLICATOR EXPIRER REAPER; do
    export "STRATUS_OBJECT_${daemon}_INTERVAL=2"
done
STRATUS_LOG="$SCRATCH/server2.log"
"$STRATUS_BIN" up --data-dir "$STRATUS_DATA_DIR" --admin-password "$ADMIN_PASSWORD" </dev/null >"$STRATUS_LOG" 2>&1 &
STRATUS_PID=$!
for ((i = 0; i < 300; i++)); do grep -q "Stratus is up" "$STRATUS_LOG" && break; sleep 0.2; done
expect_contains "the cloud starts again on the same data" "Stratus is up" "$(cat "$STRATUS_LOG")"
ON_D4="$(copies_on d4)"
expect_ok "swift upload with X-Delete-After: 2" bash -c "cd '$WORK' && swift upload -H 'X-Delete-After: 2' durable late2.txt --object-name fleeting"
rm -rf "$DEV/d4" && mkdir "$DEV/d4"
# Done when every object has three copies again and the expired one has left the listing.
for ((i = 0; i < 60; i++)); do
    [[ "$(copies)" == 141 && -z "$(swift list durable --prefix fleeting 2>/dev/null)" ]] && break
    sleep 0.5
done
expect_eq "the background replicator refilled d4" "$ON_D4" "$(copies_on d4)"
run swift list durable --prefix fleeting
expect_eq "the background expirer removed the expired object from the listing" "" "$OUT"
run swift list durable
expect_eq "47 objects are listed" 47 "$(wc -l <<<"$OUT")"

LATER=("${V1[@]}" -U later:owner -K laterpw)
expect_ok "swift upload 2 files into AUTH_later" bash -c "cd '$WORK/batch' && ${LATER[*]} upload laterbox f6.bin f7.bin"
expect_eq "6 more copies" 147 "$(copies)"
RESELLER_TOKEN="$(v1_token reseller:admin adminpw)"
HTTP_BASE=http://127.0.0.1:8080 expect_http "the reseller admin deletes AUTH_later" 204 DELETE /v1/AUTH_later -H "X-Auth-Token: $RESELLER_TOKEN"
for ((i = 0; i < 60; i++)); do [[ "$(copies)" == 141 ]] && break; sleep 0.5; done
expect_eq "the background reaper removed its copies" 141 "$(copies)"

finish
