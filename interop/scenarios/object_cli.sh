#!/usr/bin/env bash
# Object Storage (Swift v1) through python-swiftclient's `swift` CLI (Keystone and v1.0
# auth), the `openstack container/object` commands and curl: containers, uploads of files
# and directories, listings, byte-identical downloads, metadata, ranges, expiry, deletes.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

export STRATUS_OBJECT_TEMPAUTH_USERS="test:tester:testing:.admin"
start_stratus || bail "server did not start"

OSC=(openstack --os-cloud stratus)
WORK="$SCRATCH/files"
mkdir -p "$WORK/tree/sub"
echo "hello object storage" >"$WORK/hello.txt"
head -c 3145728 /dev/urandom >"$WORK/random.bin"
echo one >"$WORK/tree/one.txt"
echo two >"$WORK/tree/sub/two.txt"

# The swift CLI reads the same credentials as the openrc.
set -a
# shellcheck disable=SC1091
source "$STRATUS_DATA_DIR/openrc"
set +a
SW=(swift)

expect_ok "catalog has object-store" "${OSC[@]}" catalog show object-store -f json
expect_json "its URL is the admin project's account on 8080" "'127.0.0.1:8080/v1/AUTH_' in str(d) and '\$(' not in str(d)"
expect_ok "swift stat (a fresh account)" "${SW[@]}" stat
expect_contains "no containers yet" "Containers: 0"
expect_ok "swift post photos (creates the container)" "${SW[@]}" post -m color:blue photos
expect_ok "swift upload a file" bash -c "cd '$WORK' && swift upload photos hello.txt random.bin"
expect_ok "swift upload a directory" bash -c "cd '$WORK' && swift upload photos tree"
expect_ok "swift list photos" "${SW[@]}" list photos
expect_eq "every object is listed" "hello.txt random.bin tree/one.txt tree/sub/two.txt" "$(echo $OUT)"
expect_ok "swift list --prefix --delimiter" "${SW[@]}" list photos --prefix tree/ --delimiter /
expect_eq "one object and one pseudo-directory" "tree/one.txt tree/sub/" "$(echo $OUT)"
expect_ok "swift download" "${SW[@]}" download photos random.bin -o "$WORK/random.copy"
expect_ok "the download is byte-identical" cmp "$WORK/random.bin" "$WORK/random.copy"
expect_ok "swift stat of the object" "${SW[@]}" stat photos hello.txt
expect_contains "its ETag is the MD5" "$(md5sum <"$WORK/hello.txt" | cut -d' ' -f1)"
expect_contains "its content type was guessed from the name" "text/plain"
expect_ok "swift stat of the container" "${SW[@]}" stat photos
expect_contains "container metadata" "Meta Color: blue"
expect_ok "swift post object metadata" "${SW[@]}" post -m owner:alice photos hello.txt
run "${SW[@]}" stat photos hello.txt
expect_contains "the object carries it" "Meta Owner: alice"

# --- Range requests and expiry, with curl and the admin's token ------------------------------
run "${OSC[@]}" token issue -f value -c id
TOKEN="$OUT"
run "${OSC[@]}" token issue -f value -c project_id
URL="http://127.0.0.1:8080/v1/AUTH_$OUT"
run curl -s -H "X-Auth-Token: $TOKEN" -H "Range: bytes=6-11" "$URL/photos/hello.txt"
expect_eq "a Range GET returns those bytes" "object" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -H "X-Auth-Token: $TOKEN" -H "Range: bytes=500-600" "$URL/photos/hello.txt"
expect_eq "an unsatisfiable range is 416" "416" "$OUT"
# (Its listing entry stays until an expirer pass removes it, up to object.expirer_interval
# seconds later, so the expiring object goes in a container of its own; object_durability.sh
# checks the expirer.)
expect_ok "swift post ephemeral" "${SW[@]}" post ephemeral
run curl -s -o /dev/null -w "%{http_code}" -X PUT -H "X-Auth-Token: $TOKEN" -H "X-Delete-After: 2" --data-binary soon "$URL/ephemeral/short-lived"
expect_eq "an object with X-Delete-After is created" "201" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -H "X-Auth-Token: $TOKEN" "$URL/ephemeral/short-lived"
expect_eq "it is there at first" "200" "$OUT"
sleep 3
run curl -s -o /dev/null -w "%{http_code}" -H "X-Auth-Token: $TOKEN" "$URL/ephemeral/short-lived"
expect_eq "and gone once it expired" "404" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -X PUT -H "X-Auth-Token: $TOKEN" -H "ETag: 0123456789abcdef0123456789abcdef" --data-binary data "$URL/photos/bad-etag"
expect_eq "a wrong ETag is 422" "422" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -H "X-Auth-Token: $TOKEN" "$URL/photos/bad-etag"
expect_eq "and nothing was stored" "404" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -X PUT "$URL/photos/anonymous" --data-binary x
expect_eq "no token is 401" "401" "$OUT"

# --- openstack container / object ------------------------------------------------------------
expect_ok "openstack container create" "${OSC[@]}" container create docs
expect_ok "openstack object create" bash -c "cd '$WORK' && openstack --os-cloud stratus object create docs hello.txt"
expect_ok "openstack object list" "${OSC[@]}" object list docs -f json
expect_json "the object is listed" "[o['Name'] for o in d] == ['hello.txt']"
expect_ok "openstack object save" "${OSC[@]}" object save --file "$WORK/hello.saved" docs hello.txt
expect_ok "the saved object is byte-identical" cmp "$WORK/hello.txt" "$WORK/hello.saved"
expect_fail_status "a non-empty container cannot be deleted" 409 "${OSC[@]}" container delete docs
expect_ok "openstack object delete" "${OSC[@]}" object delete docs hello.txt
expect_ok "then the container deletes" "${OSC[@]}" container delete docs

# --- another project cannot reach this account ------------------------------------------------
expect_ok "project pB" "${OSC[@]}" project create --domain default pB
expect_ok "user bob" "${OSC[@]}" user create --domain default --password Bob-pw-1 bob
expect_ok "bob is member of pB" "${OSC[@]}" role add --user bob --project pB member
run openstack --os-auth-type password --os-auth-url "$AUTH_URL" --os-identity-api-version 3 --os-username bob \
    --os-password Bob-pw-1 --os-user-domain-id default --os-project-name pB --os-project-domain-id default token issue -f value -c id
BOB_TOKEN="$OUT"
run curl -s -o /dev/null -w "%{http_code}" -H "X-Auth-Token: $BOB_TOKEN" "$URL/photos"
expect_eq "bob cannot list the admin's container" "403" "$OUT"

# --- v1.0 auth (TempAuth) ------------------------------------------------------------------------
expect_ok "swift with v1 auth: upload" bash -c "cd '$WORK' && swift --auth-version 1 -A http://127.0.0.1:8080/auth/v1.0 -U test:tester -K testing upload v1box hello.txt"
expect_ok "swift with v1 auth: list" swift --auth-version 1 -A http://127.0.0.1:8080/auth/v1.0 -U test:tester -K testing list v1box
expect_eq "the v1 account has the object" "hello.txt" "$OUT"
expect_fail "a wrong v1 key is refused" swift --auth-version 1 -A http://127.0.0.1:8080/auth/v1.0 -U test:tester -K wrong list

# --- deletes ---------------------------------------------------------------------------------
expect_ok "swift delete an object" "${SW[@]}" delete photos hello.txt
run "${SW[@]}" stat photos hello.txt
expect_fail "it is gone" test "$RC" = 0
expect_ok "swift delete the container with its objects" "${SW[@]}" delete photos
run "${SW[@]}" list
expect_eq "only the expiring object's container is left" "ephemeral" "$OUT"

finish
