#!/usr/bin/env bash
# Block Storage (Cinder v3) through python-openstackclient and openstacksdk: discovery,
# volumes (empty, from an image, a snapshot, another volume), extend, snapshots, backups
# and restore, types with a back-end capability and QoS, upload to an image, the
# scheduler's explained failure, quotas, project isolation, and volumes on servers
# (boot from volume, add and remove volume).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start_stratus || bail "server did not start"

OSC=(openstack --os-cloud stratus)
CINDER="http://$STRATUS_HOST:8776"

# --- discovery ------------------------------------------------------------------------
expect_ok "catalog has block-storage" "${OSC[@]}" catalog show block-storage -f json
expect_contains "the endpoint is the v3 root with the project on 8776" "127.0.0.1:8776/v3/"
expect_ok "catalog has volumev3 too" "${OSC[@]}" catalog show volumev3 -f json
HTTP_BASE=$CINDER expect_http "GET /v3/ without a token" 200 GET /v3/
expect_json "v3.0 from 3.0 to 3.70" \
    "d['versions'][0]['id'] == 'v3.0' and d['versions'][0]['version'] == '3.70' and d['versions'][0]['min_version'] == '3.0'" "$HTTP_BODY"
expect_ok "versions show --service block-storage" "${OSC[@]}" versions show --service block-storage -f json
expect_json "the CLI sees the microversion range" \
    "any(f(v, 'Max Microversion') == '3.70' for v in d)"

# --- volumes --------------------------------------------------------------------------
expect_ok "volume create --size 1" "${OSC[@]}" volume create --size 1 --property purpose=test v1 -f json
expect_json "the volume is being created" "f(d, 'status') in ('creating', 'available') and f(d, 'size') == 1"
wait_for volume v1 available
expect_ok "volume show v1" "${OSC[@]}" volume show v1 -f json
expect_json "not bootable, default type, our property" \
    "str(f(d, 'bootable')).lower() == 'false' and f(d, 'type') == '__DEFAULT__' and 'test' in str(f(d, 'properties'))"
expect_ok "volume create --image stratus-tiny" "${OSC[@]}" volume create --size 1 --image stratus-tiny bootable1 -f json
wait_for volume bootable1 available
expect_ok "volume show bootable1" "${OSC[@]}" volume show bootable1 -f json
expect_json "a volume from an image is bootable and carries the image's metadata" \
    "str(f(d, 'bootable')).lower() == 'true' and 'stratus-tiny' in str(f(d, 'volume_image_metadata'))"
expect_ok "volume create --source v1" "${OSC[@]}" volume create --source v1 clone1 -f json
wait_for volume clone1 available
expect_ok "volume list --long" "${OSC[@]}" volume list --long -f json
expect_json "three volumes with their sizes and types" \
    "sorted(f(x, 'Name') for x in d) == ['bootable1', 'clone1', 'v1'] and all(f(x, 'Size') == 1 for x in d)"
expect_ok "volume set --size 2 (extend)" "${OSC[@]}" volume set --size 2 v1
wait_for volume v1 available
expect_eq "v1 is 2 GiB" 2 "$("${OSC[@]}" volume show v1 -f value -c size)"

# --- snapshots ------------------------------------------------------------------------
expect_ok "volume snapshot create" "${OSC[@]}" volume snapshot create --volume v1 s1 -f json
wait_for "volume snapshot" s1 available
expect_ok "volume snapshot list" "${OSC[@]}" volume snapshot list -f json
expect_json "the snapshot is listed with its size" "[(f(x, 'Name'), f(x, 'Size')) for x in d] == [('s1', 2)]"
expect_ok "volume create --snapshot s1" "${OSC[@]}" volume create --snapshot s1 fromsnap -f json
wait_for volume fromsnap available
expect_fail_status "deleting a volume with snapshots is a 400" 400 "${OSC[@]}" volume delete v1
expect_contains "Cinder's reason" "must not be migrating, attached, belong to a group, have snapshots" "$ERR"
expect_ok "volume snapshot delete" "${OSC[@]}" volume snapshot delete s1
for ((i = 0; i < 150; i++)); do
    [[ -z "$("${OSC[@]}" volume snapshot list -f value -c ID 2>/dev/null)" ]] && break
    sleep 0.2
done
expect_ok "volume snapshot list after delete" "${OSC[@]}" volume snapshot list -f json
expect_json "no snapshots left" "d == []"

# --- backups --------------------------------------------------------------------------
expect_ok "volume backup create" "${OSC[@]}" volume backup create --name b1 clone1 -f json
wait_for "volume backup" b1 available
expect_ok "volume backup create --incremental" "${OSC[@]}" volume backup create --incremental --name b2 clone1 -f json
wait_for "volume backup" b2 available
expect_ok "volume backup show b2" "${OSC[@]}" volume backup show b2 -f json
expect_json "b2 is incremental" "f(d, 'is_incremental') is True"
expect_ok "volume backup restore to a new volume" "${OSC[@]}" volume backup restore b1 restored1 -f json
wait_for volume restored1 available

# --- types, capabilities, QoS ---------------------------------------------------------
expect_ok "volume type create --property storage_tier=gold" "${OSC[@]}" volume type create --property storage_tier=gold gold -f json
expect_ok "volume create --type gold" "${OSC[@]}" volume create --size 1 --type gold goldvol -f json
wait_for volume goldvol available
expect_ok "volume show goldvol" "${OSC[@]}" volume show goldvol -f json
expect_json "the gold volume is on the pool with storage_tier=gold" \
    "f(d, 'os-vol-host-attr:host') == 'stratus@file#thick' and f(d, 'type') == 'gold'"
expect_ok "volume backend pool list" "${OSC[@]}" volume backend pool list --long -f json
expect_json "two pools of different capacity" \
    "sorted(f(x, 'Name') for x in d) == ['stratus@file#thick', 'stratus@file#thin']"
expect_ok "volume qos create" "${OSC[@]}" volume qos create --consumer front-end --property total_iops_sec=500 fast -f json
expect_ok "volume qos associate" "${OSC[@]}" volume qos associate fast gold
expect_ok "volume qos show" "${OSC[@]}" volume qos show fast -f json
expect_json "the QoS spec is associated with gold" \
    "'gold' in str(f(d, 'associations')) and '500' in str(f(d, 'properties'))"

# --- upload to an image ---------------------------------------------------------------
expect_ok "image create --volume" "${OSC[@]}" image create --volume bootable1 --disk-format qcow2 fromvol -f json
for ((i = 0; i < 150; i++)); do
    [[ "$("${OSC[@]}" image show fromvol -f value -c status 2>/dev/null)" == active ]] && break
    sleep 0.2
done
expect_eq "the uploaded image becomes active" active "$("${OSC[@]}" image show fromvol -f value -c status 2>/dev/null)"
wait_for volume bootable1 available

# --- the scheduler explains itself ----------------------------------------------------
expect_ok "a volume bigger than every pool" "${OSC[@]}" volume create --size 900 huge -f json
wait_for volume huge error
expect_ok "volume message list" "${OSC[@]}" volume message list -f json
expect_json "the message names the capacity filter and the numbers" \
    "any('CapacityFilter removed 2 of 2 pools' in f(x, 'User Message') and '900 GB requested' in f(x, 'User Message') for x in d)"
expect_ok "volume delete huge" "${OSC[@]}" volume delete huge

# --- quotas and projects --------------------------------------------------------------
expect_ok "project create" "${OSC[@]}" project create --domain default voltenant
expect_ok "user create" "${OSC[@]}" user create --domain default --password Vol-pw-1 voluser
expect_ok "voluser is a member" "${OSC[@]}" role add --user voluser --project voltenant member
MEMBER=(openstack --os-auth-type password --os-auth-url "$AUTH_URL" --os-identity-api-version 3
    --os-username voluser --os-password Vol-pw-1 --os-project-name voltenant
    --os-user-domain-name Default --os-project-domain-name Default)
expect_ok "quota set --volumes 2" "${OSC[@]}" quota set --volumes 2 voltenant
expect_ok "quota show" "${OSC[@]}" quota show voltenant -f json
expect_json "the volume quota is 2" "any(f(x, 'Resource') == 'volumes' and f(x, 'Limit') == 2 for x in d)"
expect_ok "member volume 1" "${MEMBER[@]}" volume create --size 1 m1 -f json
expect_ok "member volume 2" "${MEMBER[@]}" volume create --size 1 m2 -f json
expect_fail_status "the third volume is over quota (413)" 413 "${MEMBER[@]}" volume create --size 1 m3
expect_contains "Cinder's quota message" "VolumeLimitExceeded: Maximum number of volumes allowed (2) exceeded for quota 'volumes'." "$ERR"
expect_ok "the member lists volumes" "${MEMBER[@]}" volume list -f json
expect_json "the member sees only its own two" "sorted(f(x, 'Name') for x in d) == ['m1', 'm2']"
expect_fail "the member cannot show the admin's volume" "${MEMBER[@]}" volume show v1

# --- volumes on servers ---------------------------------------------------------------
expect_ok "server create --boot-from-volume 1" "${OSC[@]}" server create --flavor m1.tiny --image stratus-tiny \
    --boot-from-volume 1 --network private --wait bfv -f json
expect_json "the server is ACTIVE" "f(d, 'status') == 'ACTIVE'"
expect_ok "server volume list bfv" "${OSC[@]}" server volume list bfv -f json
expect_json "its root is a volume on /dev/vda" "len(d) == 1 and f(d[0], 'Device') == '/dev/vda'"
ROOTVOL="$(json "f(d[0], 'Volume ID')")"
expect_eq "the root volume is in use" in-use "$("${OSC[@]}" volume show "$ROOTVOL" -f value -c status)"
expect_ok "server add volume" "${OSC[@]}" server add volume bfv clone1
wait_for volume clone1 in-use
expect_ok "volume show clone1" "${OSC[@]}" volume show clone1 -f json
expect_json "attached to bfv on /dev/vdb" \
    "len(f(d, 'attachments')) == 1 and f(d, 'attachments')[0]['device'] == '/dev/vdb'"
expect_ok "volume list shows the attachment (table)" "${OSC[@]}" volume list -c Name -c "Attached to"
expect_contains "clone1 is Attached to bfv on /dev/vdb" "Attached to bfv on /dev/vdb"
expect_ok "server remove volume" "${OSC[@]}" server remove volume bfv clone1
wait_for volume clone1 available
expect_ok "server delete --wait" "${OSC[@]}" server delete --wait bfv
wait_for volume "$ROOTVOL" available
expect_ok "the root volume (not delete_on_termination) outlives its server; delete it" "${OSC[@]}" volume delete "$ROOTVOL"
IMAGE_ID="$("${OSC[@]}" image show stratus-tiny -f value -c id)"
expect_ok "server create with an image-to-volume mapping marked delete_on_termination" "${OSC[@]}" server create \
    --flavor m1.tiny --network private --wait \
    --block-device "uuid=$IMAGE_ID,source_type=image,destination_type=volume,volume_size=1,boot_index=0,delete_on_termination=true" \
    bfv2 -f json
expect_json "bfv2 is ACTIVE" "f(d, 'status') == 'ACTIVE'"
ROOTVOL2="$("${OSC[@]}" server volume list bfv2 -f value -c 'Volume ID')"
expect_eq "its root volume is in use" in-use "$("${OSC[@]}" volume show "$ROOTVOL2" -f value -c status 2>/dev/null)"
expect_ok "server delete --wait bfv2" "${OSC[@]}" server delete --wait bfv2
for ((i = 0; i < 150; i++)); do
    "${OSC[@]}" volume show "$ROOTVOL2" >/dev/null 2>&1 || break
    sleep 0.2
done
expect_fail "the root volume marked delete_on_termination is gone with its server" "${OSC[@]}" volume show "$ROOTVOL2"

# --- openstacksdk ---------------------------------------------------------------------
expect_py "openstacksdk: create_volume(wait), attach_volume, detach_volume, delete_volume(wait)" <<'EOF'
import openstack
conn = openstack.connect(cloud="stratus")
volume = conn.create_volume(size=1, name="sdkvol", wait=True, timeout=60)
assert volume.status == "available", volume.status
server = conn.create_server("sdkserver", image="stratus-tiny", flavor="m1.tiny", network="private", wait=True, timeout=120)
conn.attach_volume(server, volume, wait=True, timeout=60)
volume = conn.get_volume(volume.id)
assert volume.status == "in-use", volume.status
assert volume.attachments[0]["server_id"] == server.id, volume.attachments
conn.detach_volume(server, volume, wait=True, timeout=60)
assert conn.get_volume(volume.id).status == "available"
conn.delete_server(server.id, wait=True, timeout=120)
assert conn.delete_volume(volume.id, wait=True, timeout=60)
assert conn.get_volume(volume.id) is None
EOF

finish
