#!/usr/bin/env bash
# Fernet key rotation with `stratus identity fernet-rotate` while the cloud runs: a token
# stays valid as long as the key that sealed it is held (three keys by default), and the
# running server picks the rotated keys up by itself.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start_stratus || bail "server did not start"
OSC=(openstack --os-cloud stratus)

token() { "${OSC[@]}" token issue -f value -c id 2>/dev/null; }
validates() { # validates TOKEN: the HTTP status of validating it with a fresh admin token
    http GET /v3/auth/tokens -H "X-Auth-Token: $(token)" -H "X-Subject-Token: $1"
    echo "$HTTP_CODE"
}
# The server re-reads the key directory every 5 s.
settle() { sleep 6; }

OLD="$(token)"
expect_eq "a token before rotation validates" 200 "$(validates "$OLD")"
expect_ok "first rotation" "$STRATUS_BIN" identity fernet-rotate --data-dir "$STRATUS_DATA_DIR"
expect_contains "keys 0, 1 and 2 are held" "0, 1, 2" "$OUT"
settle
expect_eq "the old token still validates (its key is a secondary now)" 200 "$(validates "$OLD")"
NEW="$(token)"
expect_eq "a token sealed with the new primary validates" 200 "$(validates "$NEW")"
expect_ok "second rotation" "$STRATUS_BIN" identity fernet-rotate --data-dir "$STRATUS_DATA_DIR"
expect_contains "key 1 is dropped" "0, 2, 3" "$OUT"
settle
expect_eq "the token sealed with the dropped key is refused" 404 "$(validates "$OLD")"
expect_eq "the token sealed with key 2 still validates" 200 "$(validates "$NEW")"

finish
