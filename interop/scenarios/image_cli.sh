#!/usr/bin/env bash
# Image (Glance v2) through python-openstackclient, plus raw HTTP where the
# clients cannot reach (a cut-off upload, server memory during big transfers).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start_stratus || bail "server did not start"

OSC=(openstack --os-cloud stratus)
IMAGE_URL="http://$STRATUS_HOST:9292"
HTTP_BASE="$IMAGE_URL"
osc_as() {
    printf '%s\n' openstack --os-auth-type password --os-auth-url "$AUTH_URL" --os-identity-api-version 3 \
        --os-username "$1" --os-password "$2" --os-user-domain-id default \
        --os-project-name "$3" --os-project-domain-id default
}
mapfile -t ALICE < <(osc_as alice Alice-pw-1 pA)
mapfile -t BOB < <(osc_as bob Bob-pw-1 pB)

# token_for USER PASSWORD PROJECT: a project-scoped token, for curl.
token_for() {
    curl -sS --noproxy '*' -D - -o /dev/null -H 'Content-Type: application/json' \
        -d "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"$2\"}}},\"scope\":{\"project\":{\"name\":\"$3\",\"domain\":{\"id\":\"default\"}}}}}" \
        "$AUTH_URL/auth/tokens" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-subject-token" { print $2 }'
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$STRATUS_PID/status"; }

# --- two projects with a member each --------------------------------------------
for project in pA pB; do expect_ok "project create $project" "${OSC[@]}" project create --domain default "$project"; done
expect_ok "user alice" "${OSC[@]}" user create --domain default --password Alice-pw-1 alice
expect_ok "user bob" "${OSC[@]}" user create --domain default --password Bob-pw-1 bob
expect_ok "alice is member of pA" "${OSC[@]}" role add --user alice --project pA member
expect_ok "bob is member of pB" "${OSC[@]}" role add --user bob --project pB member
run "${OSC[@]}" project show pB -f value -c id
PB_ID="$OUT"

# --- catalog and the tiny guest image --------------------------------------------
expect_ok "catalog has the image service" "${OSC[@]}" catalog show image -f json
expect_contains "image endpoint is on 9292" "$IMAGE_URL"
TINY_DIR="${STRATUS_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stratus/images}"
if [[ -f "$TINY_DIR/stratus-tiny.img" ]]; then
    expect_ok "stratus-tiny is registered" "${OSC[@]}" image show stratus-tiny -f json
    expect_json "stratus-tiny is a public active ami with kernel and ramdisk" \
        "d['status'] == 'active' and d['visibility'] == 'public' and d['disk_format'] == 'ami' and f(d['properties'], 'kernel_id') and f(d['properties'], 'ramdisk_id')"
    expect_eq "stratus-tiny checksum is the md5 of the built disk" "$(md5sum <"$TINY_DIR/stratus-tiny.img" | cut -d' ' -f1)" "$(json "d['checksum']")"
fi

# --- create with data, show, list, save -------------------------------------------
QCOW="$SCRATCH/disk.qcow2"
if [[ -f "$TINY_DIR/stratus-tiny.qcow2" ]]; then cp "$TINY_DIR/stratus-tiny.qcow2" "$QCOW"; else qemu-img create -q -f qcow2 "$QCOW" 64M; fi
expect_ok "image create --file (qcow2, public, --progress) as admin" \
    "${OSC[@]}" image create --file "$QCOW" --disk-format qcow2 --container-format bare --public --progress -f json cirros-like
expect_json "created image is active with its size" "d['status'] == 'active' and d['size'] == $(stat -c %s "$QCOW")"
IMG="$(json "d['id']")"
expect_ok "image show" "${OSC[@]}" image show "$IMG" -f json
expect_eq "checksum equals md5sum" "$(md5sum <"$QCOW" | cut -d' ' -f1)" "$(json "d['checksum']")"
expect_eq "os_hash_value equals sha512sum" "$(sha512sum <"$QCOW" | cut -d' ' -f1)" "$(json "f(d['properties'], 'os_hash_value')")"
expect_json "virtual_size is read from the qcow2 header" "d['virtual_size'] == $(qemu-img info --output json "$QCOW" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])' 2>/dev/null || echo 0)"
expect_ok "image list" "${OSC[@]}" image list -f json
expect_json "the image is listed" "any(i['ID'] == '$IMG' for i in d)"
expect_ok "image save" "${OSC[@]}" image save --file "$SCRATCH/saved.qcow2" "$IMG"
expect_ok "saved file equals the upload byte for byte" cmp "$QCOW" "$SCRATCH/saved.qcow2"

expect_ok "image set --property --tag" "${OSC[@]}" image set --property k=v --property os_distro=tiny --tag t1 "$IMG"
expect_ok "image show after set" "${OSC[@]}" image show "$IMG" -f json
expect_json "property and tag are set" "f(d['properties'], 'k') == 'v' and 't1' in d['tags']"
expect_ok "image unset --property --tag" "${OSC[@]}" image unset --property k --tag t1 "$IMG"
run "${OSC[@]}" image show "$IMG" -f json
expect_json "property and tag are gone" "f(d['properties'], 'k') is None and 't1' not in d['tags']"

# --- wrong format, protection ------------------------------------------------------
expect_fail_status "a qcow2 uploaded as --disk-format raw is refused" 415 \
    "${OSC[@]}" image create --file "$QCOW" --disk-format raw --container-format bare not-raw
run "${OSC[@]}" image list --name not-raw -f value -c ID
expect_eq "the refused image leaves nothing behind" "" "$OUT"
expect_ok "protected image create (with the empty standard input as data)" \
    "${OSC[@]}" image create --protected --disk-format raw --container-format bare keep-me
run "${OSC[@]}" image show keep-me -f json
expect_json "an empty upload makes an active image of size 0" "d['status'] == 'active' and d['size'] == 0 and d['checksum'] == 'd41d8cd98f00b204e9800998ecf8427e'"
expect_ok "an empty image downloads as an empty file" "${OSC[@]}" image save --file "$SCRATCH/empty" keep-me
expect_eq "the empty download is empty" 0 "$(stat -c %s "$SCRATCH/empty")"
expect_fail_status "a protected image cannot be deleted" 403 "${OSC[@]}" image delete keep-me
expect_ok "unprotect" "${OSC[@]}" image set --unprotected keep-me
expect_ok "then it can be deleted" "${OSC[@]}" image delete keep-me

# --- privacy and sharing between projects -----------------------------------------
head -c 100000 /dev/urandom >"$SCRATCH/private.raw"
expect_ok "alice creates a private image" "${ALICE[@]}" image create --private --file "$SCRATCH/private.raw" -f json secret
SECRET="$(json "d['id']")"
expect_ok "bob lists images" "${BOB[@]}" image list -f json
expect_json "bob does not see alice's private image" "all(i['ID'] != '$SECRET' for i in d)"
expect_fail "bob cannot show it" "${BOB[@]}" image show "$SECRET"

expect_ok "alice creates a shared image" "${ALICE[@]}" image create --shared --file "$SCRATCH/private.raw" -f json shared-one
SHARED="$(json "d['id']")"
expect_ok "image add project (alice shares with pB)" "${ALICE[@]}" image add project "$SHARED" "$PB_ID"
run "${BOB[@]}" image list -f json
expect_json "a pending share is not in bob's list" "all(i['ID'] != '$SHARED' for i in d)"
expect_ok "bob accepts (image set --accept)" "${BOB[@]}" image set --accept "$SHARED"
expect_ok "bob lists images again" "${BOB[@]}" image list -f json
expect_json "the accepted image is in bob's list" "any(i['ID'] == '$SHARED' for i in d)"
expect_ok "bob downloads the shared image" "${BOB[@]}" image save --file "$SCRATCH/shared.raw" "$SHARED"
expect_ok "bob's copy equals the upload" cmp "$SCRATCH/private.raw" "$SCRATCH/shared.raw"
expect_ok "member list (owner)" "${ALICE[@]}" image member list "$SHARED" -f json
expect_json "pB is an accepted member" "any(f(m, 'member_id') == '$PB_ID' and f(m, 'status') == 'accepted' for m in d)"
expect_fail_status "bob cannot delete alice's image" 403 "${BOB[@]}" image delete "$SHARED"

# --- deactivation -----------------------------------------------------------------
expect_ok "admin deactivates alice's image" "${OSC[@]}" image set --deactivate "$SHARED"
run "${ALICE[@]}" image show "$SHARED" -f json
expect_json "status is deactivated" "d['status'] == 'deactivated'"
expect_fail "a member cannot download a deactivated image" "${ALICE[@]}" image save --file "$SCRATCH/no.raw" "$SHARED"
TOKEN_ALICE="$(token_for alice Alice-pw-1 pA)"
expect_http "raw download by the member is 403" 403 GET "/v2/images/$SHARED/file" -H "X-Auth-Token: $TOKEN_ALICE"
expect_ok "admin reactivates" "${OSC[@]}" image set --activate "$SHARED"
expect_ok "the member downloads again" "${ALICE[@]}" image save --file "$SCRATCH/again.raw" "$SHARED"

# --- a client killed half-way through an upload -------------------------------------
TOKEN_ADMIN="$(token_for admin "$ADMIN_PASSWORD" admin)"
# (created over HTTP: the CLI would upload its standard input, empty here)
new_image() {
    http POST /v2/images -H "X-Auth-Token: $TOKEN_ADMIN" -H 'Content-Type: application/json' \
        -d "{\"name\": \"$1\", \"disk_format\": \"raw\", \"container_format\": \"bare\"}"
    NEW_IMAGE="$(json "d['id']" "$HTTP_BODY")"
}
new_image cut-off
CUT="$NEW_IMAGE"
expect_eq "create an image to upload slowly" 201 "$HTTP_CODE"
head -c 50000000 /dev/urandom >"$SCRATCH/big.raw"
curl -sS --noproxy '*' --limit-rate 4M -X PUT -H "X-Auth-Token: $TOKEN_ADMIN" -H 'Content-Type: application/octet-stream' \
    -T "$SCRATCH/big.raw" "$IMAGE_URL/v2/images/$CUT/file" >/dev/null 2>&1 &
CURL_PID=$!
sleep 2
run "${OSC[@]}" image show "$CUT" -f value -c status
expect_eq "the image is saving during the upload" saving "$OUT"
kill -KILL "$CURL_PID"
wait "$CURL_PID" 2>/dev/null
sleep 1
run "${OSC[@]}" image show "$CUT" -f value -c status
expect_eq "after the client is killed the image is queued again" queued "$OUT"
run ls -A "$STRATUS_DATA_DIR/images"
expect_eq "no partial file is left in the store" "" "$(grep -Fx "$CUT" <<<"$OUT")"
run find "$STRATUS_DATA_DIR" -newer "$SCRATCH/big.raw" -size +1M -type f -not -name '*.sqlite*'
expect_eq "no other large file appeared in the data dir" "" "$OUT"
expect_ok "the queued image can then be uploaded completely" \
    curl -sSf --noproxy '*' -X PUT -H "X-Auth-Token: $TOKEN_ADMIN" -H 'Content-Type: application/octet-stream' \
    -T "$SCRATCH/big.raw" "$IMAGE_URL/v2/images/$CUT/file"
run "${OSC[@]}" image show "$CUT" -f json
expect_eq "and its checksum is right" "$(md5sum <"$SCRATCH/big.raw" | cut -d' ' -f1)" "$(json "d['checksum']")"

# --- a 2 GiB upload and download stay within 100 MB of idle RSS ---------------------
truncate -s 2G "$SCRATCH/two.raw"
new_image two-gib
TWO="$NEW_IMAGE"
expect_eq "create a 2 GiB image" 201 "$HTTP_CODE"
IDLE_KIB="$(rss_kib)"
PEAK_KIB=$IDLE_KIB
curl -sS --noproxy '*' -X PUT -H "X-Auth-Token: $TOKEN_ADMIN" -H 'Content-Type: application/octet-stream' \
    -T "$SCRATCH/two.raw" "$IMAGE_URL/v2/images/$TWO/file" >/dev/null &
TRANSFER=$!
while kill -0 "$TRANSFER" 2>/dev/null; do r="$(rss_kib)"; ((r > PEAK_KIB)) && PEAK_KIB=$r; sleep 0.1; done
rm -f "$SCRATCH/two.raw"
curl -sS --noproxy '*' -H "X-Auth-Token: $TOKEN_ADMIN" "$IMAGE_URL/v2/images/$TWO/file" -o /dev/null &
TRANSFER=$!
while kill -0 "$TRANSFER" 2>/dev/null; do r="$(rss_kib)"; ((r > PEAK_KIB)) && PEAK_KIB=$r; sleep 0.1; done
run "${OSC[@]}" image show "$TWO" -f value -c size
expect_eq "the 2 GiB image is stored whole" 2147483648 "$OUT"
echo "# RSS idle $((IDLE_KIB / 1024)) MiB, peak during 2 GiB upload+download $((PEAK_KIB / 1024)) MiB"
expect_json "peak RSS stays within 100 MB of idle" "$PEAK_KIB - $IDLE_KIB <= 100000" '{}'
expect_ok "delete the 2 GiB image" "${OSC[@]}" image delete "$TWO"

# --- errors in Glance's format -----------------------------------------------------
expect_http "unknown image is 404" 404 GET "/v2/images/$(cat /proc/sys/kernel/random/uuid)" \
    -H "X-Auth-Token: $TOKEN_ADMIN" -H 'Accept: application/json'
expect_json "404 body is Glance's JSON" "d['code'] == '404 Not Found' and 'No image found' in d['message']" "$HTTP_BODY"
expect_http "a patch with the wrong content type is 415" 415 PATCH "/v2/images/$IMG" \
    -H "X-Auth-Token: $TOKEN_ADMIN" -H 'Content-Type: application/json' -d '[]'
expect_http "no token is 401" 401 GET "/v2/images"

finish
