#!/usr/bin/env bash
# Nova's metadata API on 8775 behind what Neutron's metadata proxy sends: a server booted
# by python-openstackclient with properties, user data, a config drive and a key, one with
# a personality file (openstacksdk, 2.56), then read back with curl as the proxy reads it (signed instance id, or
# the guest's address on its network), in the OpenStack and the EC2 formats.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start_stratus --fake-compute-hosts 1 || bail "server did not start"

OSC=(openstack --os-cloud stratus)
MD="http://$STRATUS_HOST:8775"
SECRET_FILE="$STRATUS_DATA_DIR/metadata-proxy-secret"

expect_eq "the proxy's shared secret is generated into the data directory, mode 600" 600 "$(stat -c %a "$SECRET_FILE" 2>&1)"
SECRET="$(tr -d '\n' <"$SECRET_FILE")"
# sign ID: the X-Instance-ID-Signature Neutron's metadata proxy computes.
sign() { "$PY" -c 'import hmac, hashlib, sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())' "$SECRET" "$1"; }

printf '#!/bin/sh\necho interop\n' >"$SCRATCH/user-data"
printf 'hello from a personality file\n' >"$SCRATCH/motd"

expect_ok "keypair create" "${OSC[@]}" keypair create mk
expect_ok "server create --property --user-data --config-drive True --key-name" \
    "${OSC[@]}" server create --image stratus-tiny --flavor m1.tiny --network private \
    --key-name mk --property role=web --user-data "$SCRATCH/user-data" --config-drive True --wait md1 -f json
expect_json "md1 is ACTIVE with a config drive" "f(d, 'status') == 'ACTIVE' and str(f(d, 'config_drive')) == 'True'"
VM="$(json "f(d, 'id')")"
PROJECT="$(json "f(d, 'project_id')")"
SIG="$(sign "$VM")"
PROXY=(-H "X-Instance-ID: $VM" -H "X-Tenant-ID: $PROJECT" -H "X-Instance-ID-Signature: $SIG")

# python-openstackclient's --file hands open files to openstacksdk, which cannot encode
# them; the personality is sent through openstacksdk's session instead, at 2.56.
# (`run` reads stdin from /dev/null, so the script goes into a file.)
cat >"$SCRATCH/personality.py" <<'PYEOF'
import base64, sys, time, openstack
conn = openstack.connect(cloud="stratus")
net = conn.network.find_network("private")
image = conn.image.find_image("stratus-tiny")
contents = base64.b64encode(open(sys.argv[1], "rb").read()).decode()
body = {"server": {"name": "md2", "imageRef": image.id, "flavorRef": "1", "networks": [{"uuid": net.id}],
                   "personality": [{"path": "/etc/motd", "contents": contents}]}}
late = conn.compute.post("/servers", json=body, microversion="2.57")
assert late.status_code == 400, (late.status_code, late.text)
made = conn.compute.post("/servers", json=body, microversion="2.56")
assert made.status_code == 202, (made.status_code, made.text)
server_id = made.json()["server"]["id"]
for _ in range(150):
    if conn.compute.get_server(server_id).status == "ACTIVE":
        break
    time.sleep(0.2)
print(server_id)
PYEOF
expect_ok "a server with a personality file (2.56) through openstacksdk; refused at 2.57" \
    "$PY" "$SCRATCH/personality.py" "$SCRATCH/motd"
VM2="$OUT"
PROXY2=(-H "X-Instance-ID: $VM2" -H "X-Tenant-ID: $PROJECT" -H "X-Instance-ID-Signature: $(sign "$VM2")")
HTTP_BASE=$MD expect_http "md2's meta_data.json" 200 GET /openstack/latest/meta_data.json "${PROXY2[@]}"
expect_json "lists the file" "d['files'] == [{'path': '/etc/motd', 'content_path': '/content/0000'}]" "$HTTP_BODY"
HTTP_BASE=$MD expect_http "GET the personality file's content" 200 GET /openstack/content/0000 "${PROXY2[@]}"
expect_eq "its contents" "$(cat "$SCRATCH/motd")" "$HTTP_BODY"

# --- the OpenStack format ---------------------------------------------------------------
HTTP_BASE=$MD expect_http "GET / lists the EC2 versions without identification" 200 GET /
expect_contains "… ending with latest" "2009-04-04"$'\n'"latest" "$HTTP_BODY"
HTTP_BASE=$MD expect_http "GET /openstack" 200 GET /openstack "${PROXY[@]}"
expect_contains "lists 2012-08-10" "2012-08-10" "$HTTP_BODY"
HTTP_BASE=$MD expect_http "GET meta_data.json, signed" 200 GET /openstack/latest/meta_data.json "${PROXY[@]}"
expect_eq "as JSON" "application/json" "$(header Content-Type)"
expect_json "uuid, name, project, meta, key, file" \
    "d['uuid'] == '$VM' and d['name'] == 'md1' and d['project_id'] == '$PROJECT' and d['meta'] == {'role': 'web'} and d['keys'][0]['name'] == 'mk' and d['public_keys']['mk'].startswith('ssh-') and d['hostname'] == 'md1.novalocal' and len(d['random_seed']) > 600" \
    "$HTTP_BODY"
HTTP_BASE=$MD expect_http "GET user_data" 200 GET /openstack/latest/user_data "${PROXY[@]}"
expect_eq "the user data as given" "$(cat "$SCRATCH/user-data")" "$HTTP_BODY"
HTTP_BASE=$MD expect_http "GET network_data.json" 200 GET /openstack/latest/network_data.json "${PROXY[@]}"
NET="$("${OSC[@]}" network show private -f value -c id)"
expect_json "one link and the private network" \
    "len(d['links']) == 1 and d['networks'][0]['network_id'] == '$NET' and d['networks'][0]['link'] == d['links'][0]['id']" "$HTTP_BODY"
HTTP_BASE=$MD expect_http "GET vendor_data2.json" 200 GET /openstack/latest/vendor_data2.json "${PROXY[@]}"
expect_json "static vendor data" "d == {'static': {}}" "$HTTP_BODY"

# --- the EC2 format -------------------------------------------------------------------------
HTTP_BASE=$MD expect_http "GET /latest/meta-data/" 200 GET /latest/meta-data/ "${PROXY[@]}"
expect_contains "lists instance-id" "instance-id" "$HTTP_BODY"
expect_contains "lists public-keys/" "public-keys/" "$HTTP_BODY"
HTTP_BASE=$MD expect_http "GET instance-id" 200 GET /latest/meta-data/instance-id "${PROXY[@]}"
expect_eq "i-%08x" 1 "$(grep -cE '^i-[0-9a-f]{8}$' <<<"$HTTP_BODY")"
HTTP_BASE=$MD expect_http "GET public-keys/0/openssh-key" 200 GET /latest/meta-data/public-keys/0/openssh-key "${PROXY[@]}"
expect_eq "the key pair's public key" "$("${OSC[@]}" keypair show --public-key mk)" "$HTTP_BODY"
HTTP_BASE=$MD expect_http "GET placement/availability-zone" 200 GET /latest/meta-data/placement/availability-zone "${PROXY[@]}"
expect_eq "nova" "nova" "$HTTP_BODY"
expect_ok "port list --server" "${OSC[@]}" port list --server "$VM" -f json
ADDRESS="$(json "f(d[0], 'Fixed IP Addresses')[0]['ip_address']")"
HTTP_BASE=$MD expect_http "GET local-ipv4" 200 GET /latest/meta-data/local-ipv4 "${PROXY[@]}"
expect_eq "the port's address" "$ADDRESS" "$HTTP_BODY"
HTTP_BASE=$MD expect_http "GET /latest/user-data" 200 GET /latest/user-data "${PROXY[@]}"
expect_eq "the user data" "$(cat "$SCRATCH/user-data")" "$HTTP_BODY"

# --- identification -------------------------------------------------------------------------
HTTP_BASE=$MD expect_http "no identification is a 400" 400 GET /openstack/latest/meta_data.json
HTTP_BASE=$MD expect_http "a wrong signature is a 403" 403 GET /openstack/latest/meta_data.json \
    -H "X-Instance-ID: $VM" -H "X-Tenant-ID: $PROJECT" -H "X-Instance-ID-Signature: $(sign "$VM-forged")"
expect_contains "Nova's message" "Invalid proxy request signature." "$HTTP_BODY"
HTTP_BASE=$MD expect_http "another tenant is a 404" 404 GET /openstack/latest/meta_data.json \
    -H "X-Instance-ID: $VM" -H "X-Tenant-ID: 0123456789abcdef0123456789abcdef" -H "X-Instance-ID-Signature: $SIG"
HTTP_BASE=$MD expect_http "the guest's address on its network finds it" 200 GET /openstack/latest/meta_data.json \
    -H "X-Forwarded-For: $ADDRESS" -H "X-Neutron-Network-ID: $NET"
expect_json "the same server" "d['uuid'] == '$VM'" "$HTTP_BODY"

# --- the password -------------------------------------------------------------------------
HTTP_BASE=$MD expect_http "POST the password" 200 POST /openstack/latest/password "${PROXY[@]}" --data-binary 'sealed-password'
HTTP_BASE=$MD expect_http "GET the password" 200 GET /openstack/latest/password "${PROXY[@]}"
expect_eq "as posted" "sealed-password" "$HTTP_BODY"
HTTP_BASE=$MD expect_http "a second POST is a conflict" 409 POST /openstack/latest/password "${PROXY[@]}" --data-binary 'other'

expect_ok "server delete" "${OSC[@]}" server delete --wait md1 md2
HTTP_BASE=$MD expect_http "a deleted server has no metadata" 404 GET /openstack/latest/meta_data.json "${PROXY[@]}"

finish
