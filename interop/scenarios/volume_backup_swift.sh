#!/usr/bin/env bash
# Block Storage backups in Object Storage (block_storage.backup_driver = swift): a full and an
# incremental backup of a volume whose data changes between them, both restored to new volumes
# byte for byte, the chunks and manifests seen in the service project's `volumebackups`
# container through the openstack CLI, and deletes that leave the container empty.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

export STRATUS_BLOCK_STORAGE_BACKUP_DRIVER=swift
start_stratus || bail "server did not start"

OSC=(openstack --os-cloud stratus)
# The service user owns the account the backups are written to.
SERVICE_OSC=(openstack --os-auth-url "http://$STRATUS_HOST:$STRATUS_PORT/v3" --os-username nova
    --os-password "$(cat "$STRATUS_DATA_DIR/service-password")" --os-project-name service
    --os-user-domain-name Default --os-project-domain-name Default --os-identity-api-version 3)

# volume_file NAME: the file of the file back end that holds the volume's data (raw or qcow2).
volume_file() {
    local id
    id="$("${OSC[@]}" volume show "$1" -f value -c id)"
    find "$STRATUS_DATA_DIR/volumes" -name "volume-$id.*" | head -n 1
}

# A thick pool keeps the volume as a raw file the scenario can write into.
expect_ok "volume type create thick" "${OSC[@]}" volume type create --property storage_tier=gold thick -f json
expect_ok "volume create" "${OSC[@]}" volume create --size 1 --type thick sw1 -f json
wait_for volume sw1 available
SOURCE="$(volume_file sw1)"
expect_ok "the volume has a raw file" test -f "$SOURCE"
# Data in the first and third 4 MiB chunks; the others stay zeros and are not stored.
head -c 1000000 /dev/urandom | dd of="$SOURCE" bs=1M seek=0 conv=notrunc status=none
head -c 500000 /dev/urandom | dd of="$SOURCE" bs=1M seek=9 conv=notrunc status=none
cp "$SOURCE" "$SCRATCH/full.raw"

expect_ok "volume backup create (full)" "${OSC[@]}" volume backup create --name full1 sw1 -f json
wait_for "volume backup" full1 available
FULL_ID="$("${OSC[@]}" volume backup show full1 -f value -c id)"
expect_ok "object list volumebackups (service project)" "${SERVICE_OSC[@]}" object list volumebackups -f json
expect_json "the full backup stored its two chunks and its manifest" \
    "sorted(x['Name'] for x in d) == ['$FULL_ID/chunk-0000000000000000', '$FULL_ID/chunk-0000000008388608', '$FULL_ID/manifest']"

# Change only the third chunk: the incremental backup stores just that one.
head -c 300000 /dev/urandom | dd of="$SOURCE" bs=1M seek=8 conv=notrunc status=none
cp "$SOURCE" "$SCRATCH/incremental.raw"
expect_ok "volume backup create --incremental" "${OSC[@]}" volume backup create --incremental --name incr1 sw1 -f json
wait_for "volume backup" incr1 available
INCR_ID="$("${OSC[@]}" volume backup show incr1 -f value -c id)"
expect_ok "object list volumebackups --prefix incremental" "${SERVICE_OSC[@]}" object list --prefix "$INCR_ID/" volumebackups -f json
expect_json "the incremental backup stored only the changed chunk" \
    "sorted(x['Name'] for x in d) == ['$INCR_ID/chunk-0000000008388608', '$INCR_ID/manifest']"
expect_ok "volume backup show incr1" "${OSC[@]}" volume backup show incr1 -f json
expect_json "incr1 is incremental with one object" "f(d, 'is_incremental') is True and f(d, 'object_count') == 1"

expect_ok "volume backup restore full1 to a new volume" "${OSC[@]}" volume backup restore full1 restored-full -f json
wait_for volume restored-full available
wait_for "volume backup" full1 available
expect_ok "the full restore equals the volume at the full backup" \
    qemu-img compare -F raw "$(volume_file restored-full)" "$SCRATCH/full.raw"
expect_ok "volume backup restore incr1 to a new volume" "${OSC[@]}" volume backup restore incr1 restored-incr -f json
wait_for volume restored-incr available
wait_for "volume backup" incr1 available
expect_ok "the incremental restore equals the volume at the incremental backup" \
    qemu-img compare -F raw "$(volume_file restored-incr)" "$SCRATCH/incremental.raw"

expect_ok "volume backup delete incr1" "${OSC[@]}" volume backup delete incr1
for ((i = 0; i < 150; i++)); do
    [[ "$("${OSC[@]}" volume backup list -f value -c Name 2>/dev/null)" == full1 ]] && break
    sleep 0.2
done
expect_ok "volume backup delete full1" "${OSC[@]}" volume backup delete full1
for ((i = 0; i < 150; i++)); do
    [[ -z "$("${OSC[@]}" volume backup list -f value -c ID 2>/dev/null)" ]] && break
    sleep 0.2
done
expect_ok "object list volumebackups after the deletes" "${SERVICE_OSC[@]}" object list volumebackups -f json
expect_json "no backup objects are left" "d == []"

finish
