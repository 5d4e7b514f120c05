#!/usr/bin/env bash
# Object Storage (Swift v1) through python-swiftclient's `swift` CLI (Keystone and v1.0
# auth), the `openstack container/object` commands and curl: containers, uploads of files
# and directories, listings, byte-identical downloads, metadata, ranges, expiry, deletes.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

export STRATUS_OBJECT_TEMPAUTH_USERS="test:tester:testing:.admin,test:reader:readerpw,test:writer:writerpw"
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

# --- sharing a container read-only with another project (ACL) -----------------------------------
run "${OSC[@]}" project show pB -f value -c id
PB_ID="$OUT"
expect_ok "swift post -r grants pB read access" "${SW[@]}" post -r "$PB_ID:*,.rlistings" photos
run curl -s -H "X-Auth-Token: $BOB_TOKEN" "$URL/photos/hello.txt"
expect_eq "bob reads the shared object" "hello object storage" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -H "X-Auth-Token: $BOB_TOKEN" "$URL/photos"
expect_eq "bob lists the shared container" "200" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -X PUT -H "X-Auth-Token: $BOB_TOKEN" --data-binary x "$URL/photos/from-bob"
expect_eq "but cannot write to it" "403" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -X POST -H "X-Auth-Token: $BOB_TOKEN" -H "X-Container-Read: *:*" "$URL/photos"
expect_eq "nor change its ACL" "403" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" "$URL/photos/hello.txt"
expect_eq "anonymous callers still cannot read" "401" "$OUT"

# --- temporary URLs ------------------------------------------------------------------------------
expect_ok "swift post -m Temp-URL-Key on the account" "${SW[@]}" post -m "Temp-URL-Key:tempkey-1"
run swift tempurl GET 600 "/v1/AUTH_${URL##*AUTH_}/photos/hello.txt" tempkey-1
TEMP_PATH="$OUT"
run curl -s "http://127.0.0.1:8080$TEMP_PATH"
expect_eq "a TempURL fetch without a token" "hello object storage" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -X PUT --data-binary x "http://127.0.0.1:8080$TEMP_PATH"
expect_eq "the GET TempURL does not allow PUT" "401" "$OUT"
run swift tempurl GET 600 "/v1/AUTH_${URL##*AUTH_}/photos/hello.txt" wrong-key
run curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:8080$OUT"
expect_eq "a TempURL signed with another key is refused" "401" "$OUT"

# --- quotas ----------------------------------------------------------------------------------
expect_ok "swift post a container with a count quota of 1" "${SW[@]}" post -m Quota-Count:1 -m Quota-Bytes:100 quota1
run curl -s -o /dev/null -w "%{http_code}" -X PUT -H "X-Auth-Token: $TOKEN" --data-binary first "$URL/quota1/a"
expect_eq "the first object fits" "201" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -X PUT -H "X-Auth-Token: $TOKEN" --data-binary second "$URL/quota1/b"
expect_eq "a second object is over the count quota" "413" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -X POST -H "X-Auth-Token: $TOKEN" -H "X-Account-Meta-Quota-Bytes: 10" "$URL"
expect_eq "only a reseller admin sets an account quota" "403" "$OUT"

# --- CORS ----------------------------------------------------------------------------------------
expect_ok "swift post an allowed origin on photos" "${SW[@]}" post -m "Access-Control-Allow-Origin:https://app.example.org" -m "Access-Control-Max-Age:600" photos
run curl -s -o /dev/null -w "%{http_code}" -X OPTIONS -H "Origin: https://app.example.org" -H "Access-Control-Request-Method: GET" "$URL/photos/hello.txt"
expect_eq "a preflight from the allowed origin is granted" "200" "$OUT"
run curl -s -D - -o /dev/null -X OPTIONS -H "Origin: https://app.example.org" -H "Access-Control-Request-Method: GET" "$URL/photos/hello.txt"
expect_contains "with the origin and max age" "access-control-max-age: 600" "$(tr 'A-Z' 'a-z' <<<"$OUT")"
run curl -s -o /dev/null -w "%{http_code}" -X OPTIONS -H "Origin: https://evil.example.net" -H "Access-Control-Request-Method: GET" "$URL/photos/hello.txt"
expect_eq "another origin is refused" "401" "$OUT"
run curl -s -D - -o /dev/null -H "X-Auth-Token: $TOKEN" -H "Origin: https://app.example.org" "$URL/photos/hello.txt"
expect_contains "a GET from the allowed origin carries Access-Control-Allow-Origin" "access-control-allow-origin: https://app.example.org" "$(tr 'A-Z' 'a-z' <<<"$OUT")"

# --- v1.0 auth (TempAuth) ------------------------------------------------------------------------
expect_ok "swift with v1 auth: upload" bash -c "cd '$WORK' && swift --auth-version 1 -A http://127.0.0.1:8080/auth/v1.0 -U test:tester -K testing upload v1box hello.txt"
expect_ok "swift with v1 auth: list" swift --auth-version 1 -A http://127.0.0.1:8080/auth/v1.0 -U test:tester -K testing list v1box
expect_eq "the v1 account has the object" "hello.txt" "$OUT"
expect_fail "a wrong v1 key is refused" swift --auth-version 1 -A http://127.0.0.1:8080/auth/v1.0 -U test:tester -K wrong list

# --- account ACLs (TempAuth users of the same account without .admin) ------------------------
V1=(swift --auth-version 1 -A http://127.0.0.1:8080/auth/v1.0)
OWNER=("${V1[@]}" -U test:tester -K testing)
READER=("${V1[@]}" -U test:reader -K readerpw)
WRITER=("${V1[@]}" -U test:writer -K writerpw)
expect_fail_status "test:reader cannot list the account without an ACL" 403 "${READER[@]}" list
expect_ok "the owner sets a temporary URL key" "${OWNER[@]}" post -m "Temp-URL-Key:v1-secret"
expect_fail_status "a malformed account ACL is refused" 400 "${OWNER[@]}" post -H 'X-Account-Access-Control: {"read-only": "test:reader"}'
expect_ok "swift post X-Account-Access-Control (read-only test:reader, read-write test:writer)" \
    "${OWNER[@]}" post -H 'X-Account-Access-Control: {"read-only": ["test:reader"], "read-write": ["test:writer"]}'
expect_ok "swift stat as the owner" "${OWNER[@]}" stat
expect_contains "shows the ACL, normalized" '{"read-only":["test:reader"],"read-write":["test:writer"]}'
expect_contains "and the temporary URL key" "v1-secret"
expect_ok "test:reader lists the account" "${READER[@]}" list
expect_eq "it sees the container" "v1box" "$OUT"
expect_ok "test:reader downloads the object" "${READER[@]}" download v1box hello.txt -o "$WORK/hello.reader"
expect_ok "byte-identical" cmp "$WORK/hello.txt" "$WORK/hello.reader"
expect_ok "swift stat as test:reader" "${READER[@]}" stat
expect_eq "without the owner-only ACL and temporary URL key" "" "$(grep -E 'Access-Control|v1-secret' <<<"$OUT")"
expect_fail_status "test:reader cannot upload" 403 bash -c "cd '$WORK' && ${READER[*]} upload v1box hello.txt --object-name from-reader"
expect_fail_status "nor change the ACL" 403 "${READER[@]}" post -H 'X-Account-Access-Control: {"admin": ["test:reader"]}'
expect_ok "test:writer uploads into a new container" bash -c "cd '$WORK' && ${WRITER[*]} upload writerbox hello.txt"
expect_ok "test:writer deletes an object" "${WRITER[@]}" delete writerbox hello.txt
expect_fail_status "test:writer cannot change account metadata" 403 "${WRITER[@]}" post -m color:red
expect_fail_status "nor give itself more" 403 "${WRITER[@]}" post -H 'X-Account-Access-Control: {"admin": ["test:writer"]}'
expect_ok "the owner removes the ACL" "${OWNER[@]}" post -H 'X-Account-Access-Control: {}'
expect_fail_status "test:reader is shut out again" 403 "${READER[@]}" list

# --- deletes ---------------------------------------------------------------------------------
expect_ok "swift delete an object" "${SW[@]}" delete photos hello.txt
run "${SW[@]}" stat photos hello.txt
expect_fail "it is gone" test "$RC" = 0
expect_ok "swift delete the container with its objects" "${SW[@]}" delete photos
run "${SW[@]}" list
expect_eq "only the expiring object's and the quota's containers are left" "ephemeral quota1" "$(echo $OUT)"


# --- large objects (DLO and SLO), server-side copy, bulk operations ---------------------------
# With `slo` in /info the swift CLI makes SLOs by default; --use-dlo asks for a DLO.
head -c 10485760 /dev/urandom >"$WORK/large.bin"
EXPECTED_ETAG="$("$PY" -c '
import hashlib, sys
data = open(sys.argv[1], "rb").read()
step = 1048576
print(hashlib.md5("".join(hashlib.md5(data[i:i + step]).hexdigest() for i in range(0, len(data), step)).encode()).hexdigest())
' "$WORK/large.bin")"
expect_ok "swift capabilities" "${SW[@]}" capabilities
expect_contains "they list slo" "slo"
expect_contains "and bulk_delete" "bulk_delete"
expect_ok "swift upload --use-dlo --segment-size 1M (a DLO of 10 segments)" \
    bash -c "cd '$WORK' && swift upload --use-dlo --segment-size 1M big large.bin"
expect_ok "swift upload --use-slo --segment-size 1M (an SLO of 10 segments)" \
    bash -c "cd '$WORK' && swift upload --use-slo --segment-size 1M --object-name large-slo.bin big large.bin"
expect_ok "swift list big" "${SW[@]}" list big
expect_eq "the container lists the two large objects" "large-slo.bin large.bin" "$(echo $OUT)"
expect_ok "swift list big_segments" "${SW[@]}" list big_segments
expect_eq "the segments are in big_segments" 20 "$(wc -l <<<"$OUT" | tr -d ' ')"
expect_ok "swift stat of the DLO" "${SW[@]}" stat big large.bin
expect_contains "it has a manifest" "Manifest: big_segments/large.bin/"
expect_contains "its length is the sum of the segments" "Content Length: 10485760"
expect_ok "swift download of the DLO" "${SW[@]}" download big large.bin -o "$WORK/large.dlo"
expect_ok "the DLO download is byte-identical" cmp "$WORK/large.bin" "$WORK/large.dlo"
expect_ok "swift download of the SLO" "${SW[@]}" download big large-slo.bin -o "$WORK/large.slo"
expect_ok "the SLO download is byte-identical" cmp "$WORK/large.bin" "$WORK/large.slo"
for name in large.bin large-slo.bin; do
    run curl -sI -H "X-Auth-Token: $TOKEN" "$URL/big/$name"
    HTTP_HEADERS="$(tr -d '\r' <<<"$OUT")"
    expect_eq "$name: ETag is the MD5 of the segments' ETags" "\"$EXPECTED_ETAG\"" "$(header ETag)"
    expect_eq "$name: Content-Length is the whole" 10485760 "$(header Content-Length)"
    run bash -c "curl -s -H 'X-Auth-Token: $TOKEN' -H 'Range: bytes=1048570-3145740' '$URL/big/$name' | cmp - <(tail -c +1048571 '$WORK/large.bin' | head -c 2097171)"
    expect_eq "$name: a range across segments is byte-identical" 0 "$RC"
done
HTTP_BASE="$URL" http GET "/big/large-slo.bin?multipart-manifest=get" -H "X-Auth-Token: $TOKEN"
expect_json "?multipart-manifest=get returns the SLO manifest" "len(d) == 10 and all(s['bytes'] == 1048576 for s in d)" "$HTTP_BODY"
expect_ok "swift copy of the SLO" "${SW[@]}" copy --destination /copies/large.copy big large-slo.bin
expect_ok "swift download of the copy" "${SW[@]}" download copies large.copy -o "$WORK/large.copy"
expect_ok "the copy is byte-identical" cmp "$WORK/large.bin" "$WORK/large.copy"
expect_ok "swift stat of the copy" "${SW[@]}" stat copies large.copy
expect_contains "the copy is a plain object (its ETag is its MD5)" "$(md5sum <"$WORK/large.bin" | cut -d' ' -f1)"
run curl -s -o /dev/null -w "%{http_code}" -X PUT -H "X-Auth-Token: $TOKEN" -H "X-Copy-From: /copies/large.copy" \
    -H "Content-Length: 0" "$URL/copies/large.again"
expect_eq "PUT with X-Copy-From is 201" 201 "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -X PUT -H "X-Auth-Token: $TOKEN" --data-binary small "$URL/copies/small"
HTTP_BASE="$URL" expect_http "curl -X COPY is 201" 201 COPY "/copies/small" -H "X-Auth-Token: $TOKEN" -H "Destination: /copies/small.copy"
expect_eq "with X-Copied-From" "copies/small" "$(header X-Copied-From)"
run curl -s -H "X-Auth-Token: $TOKEN" "$URL/copies/small.copy"
expect_eq "and the copy has the bytes" small "$OUT"
expect_ok "swift delete of the SLO" "${SW[@]}" delete big large-slo.bin
expect_ok "swift list big_segments after the SLO is gone" "${SW[@]}" list big_segments --prefix large-slo.bin/
expect_eq "its segments were deleted with it" "" "$OUT"
expect_ok "swift list big_segments" "${SW[@]}" list big_segments
expect_eq "the DLO's segments remain" 10 "$(wc -l <<<"$OUT" | tr -d ' ')"
expect_ok "swift delete of the DLO" "${SW[@]}" delete big large.bin
expect_ok "swift list big_segments after the DLO is gone" "${SW[@]}" list big_segments
expect_eq "the client deleted its segments too" "" "$OUT"
mkdir -p "$WORK/many"
for i in $(seq -w 1 25); do echo "$i" >"$WORK/many/$i.txt"; done
expect_ok "swift upload of 25 files" bash -c "cd '$WORK' && swift upload many many"
expect_ok "swift delete of their container (bulk delete)" "${SW[@]}" delete many
run "${SW[@]}" list many
expect_fail "the container is gone" test "$RC" = 0
tar -C "$WORK" -cf "$WORK/tree.tar" tree
run curl -s -X PUT -H "X-Auth-Token: $TOKEN" -H "Accept: application/json" --data-binary @"$WORK/tree.tar" "$URL/unpacked?extract-archive=tar"
expect_json "PUT ?extract-archive=tar creates the archive's files" "d['Number Files Created'] == 2 and d['Response Status'] == '201 Created'"
expect_ok "swift list unpacked" "${SW[@]}" list unpacked
expect_eq "as objects under the upload path" "tree/one.txt tree/sub/two.txt" "$(echo $OUT)"


# --- object versioning: X-Versions-Location (stack) and X-History-Location (history) ---------
expect_ok "swift capabilities" "${SW[@]}" capabilities
expect_contains "they list versioned_writes" "versioned_writes"
expect_ok "swift post archive" "${SW[@]}" post archive
expect_ok "swift post -H 'X-Versions-Location: archive' versioned" "${SW[@]}" post -H "X-Versions-Location: archive" versioned
expect_ok "swift stat versioned" "${SW[@]}" stat versioned
expect_contains "it shows the archive container" "X-Versions-Location: archive"
run "$PY" -c '
import openstack
c = openstack.connect(cloud="stratus").object_store.get_container_metadata("versioned")
print(c.versions_location, c.history_location)'
expect_eq "openstacksdk reads versions_location" "archive None" "$OUT"
echo "version one" >"$WORK/notes.txt"
expect_ok "swift upload notes.txt (first version)" bash -c "cd '$WORK' && swift upload versioned notes.txt"
echo "version two" >"$WORK/notes.txt"
expect_ok "swift upload notes.txt again" bash -c "cd '$WORK' && swift upload versioned notes.txt"
expect_ok "swift list archive" "${SW[@]}" list archive
ARCHIVED="$OUT"
expect_eq "one earlier version, named <length><name>/<timestamp>" 1 "$(grep -c '^009notes.txt/[0-9]\{10\}\.[0-9]\{5\}$' <<<"$ARCHIVED")"
run "${SW[@]}" download versioned notes.txt -o -
expect_eq "the object is the second version" "version two" "$OUT"
run "${SW[@]}" download archive "$ARCHIVED" -o -
expect_eq "the archive holds the first" "version one" "$OUT"
expect_ok "swift delete versioned notes.txt" "${SW[@]}" delete versioned notes.txt
run "${SW[@]}" download versioned notes.txt -o -
expect_eq "the delete restored the first version" "version one" "$OUT"
expect_ok "swift list archive after the delete" "${SW[@]}" list archive
expect_eq "the restored version left the archive" "" "$OUT"
expect_ok "swift delete versioned notes.txt again" "${SW[@]}" delete versioned notes.txt
run "${SW[@]}" stat versioned notes.txt
expect_fail "with no earlier version the object is gone" test "$RC" = 0
run curl -s -o /dev/null -w "%{http_code}" -X PUT -H "X-Auth-Token: $TOKEN" --data-binary one "$URL/versioned/nowhere-test"
expect_eq "an upload with nothing to archive is 201" "201" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -X POST -H "X-Auth-Token: $TOKEN" -H "X-Versions-Location: missing" "$URL/versioned"
expect_eq "the archive container is changed to one that does not exist" "204" "$OUT"
run curl -s -o /dev/null -w "%{http_code}" -X PUT -H "X-Auth-Token: $TOKEN" --data-binary two "$URL/versioned/nowhere-test"
expect_eq "overwriting with no archive container is 412" "412" "$OUT"
run curl -s -X POST -H "X-Auth-Token: $TOKEN" -H "X-Versions-Location: a" -H "X-History-Location: b" -w " %{http_code}" "$URL/versioned"
expect_eq "both locations at once is 400" "Only one of x-versions-location or x-history-location may be specified 400" "$OUT"
expect_ok "swift post -H 'X-Remove-Versions-Location: x' versioned" "${SW[@]}" post -H "X-Remove-Versions-Location: x" versioned
expect_ok "swift stat versioned after the removal" "${SW[@]}" stat versioned
expect_eq "versioning is off" "" "$(grep Versions-Location <<<"$OUT")"

expect_ok "swift post history" "${SW[@]}" post history
expect_ok "swift post -H 'X-History-Location: history' journal" "${SW[@]}" post -H "X-History-Location: history" journal
expect_ok "swift stat journal" "${SW[@]}" stat journal
expect_contains "it shows the history location" "X-History-Location: history"
echo "entry one" >"$WORK/log.txt"
expect_ok "swift upload log.txt" bash -c "cd '$WORK' && swift upload journal log.txt"
echo "entry two" >"$WORK/log.txt"
expect_ok "swift upload log.txt again" bash -c "cd '$WORK' && swift upload journal log.txt"
expect_ok "swift delete journal log.txt" "${SW[@]}" delete journal log.txt
run "${SW[@]}" stat journal log.txt
expect_fail "history mode deletes the object" test "$RC" = 0
expect_ok "swift list --long history" "${SW[@]}" list --long history
expect_eq "both versions and a delete marker are kept" 3 "$(grep -c ' 007log.txt/' <<<"$OUT")"
expect_contains "the marker has the delete-marker content type" "application/x-deleted;swift_versions_deleted=1"
run "${SW[@]}" list history
FIRST_ENTRY="$(head -n 1 <<<"$OUT")"
expect_ok "swift copy the first version back" "${SW[@]}" copy --destination /journal/log.txt history "$FIRST_ENTRY"
run "${SW[@]}" download journal log.txt -o -
expect_eq "the first version is restored" "entry one" "$OUT"

finish
