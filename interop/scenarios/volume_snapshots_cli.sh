#!/usr/bin/env bash
# Block Storage snapshots, revert and backups through python-openstackclient: snapshot
# properties and names, revert to the latest snapshot, an in-use snapshot as the CLI sends it
# (3.65 without force), backup set, restore over an existing volume, and deletes in the
# order incremental backups need.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start_stratus || bail "server did not start"

OSC=(openstack --os-cloud stratus)

expect_ok "volume create" "${OSC[@]}" volume create --size 1 sv1 -f json
wait_for volume sv1 available

# --- snapshots ------------------------------------------------------------------------
expect_ok "volume snapshot create --property" "${OSC[@]}" volume snapshot create --volume sv1 --property k=v ss1 -f json
expect_json "the snapshot has the volume's size and the property" "f(d, 'size') == 1 and 'k' in str(f(d, 'properties'))"
wait_for "volume snapshot" ss1 available
expect_ok "volume snapshot set --name --property" "${OSC[@]}" volume snapshot set --name ss1b --property a=b ss1
expect_ok "volume snapshot show ss1b" "${OSC[@]}" volume snapshot show ss1b -f json
expect_json "renamed, with both properties" "f(d, 'name') == 'ss1b' and \"'a': 'b'\" in str(f(d, 'properties'))"
expect_ok "volume snapshot unset --property" "${OSC[@]}" volume snapshot unset --property k ss1b
expect_ok "volume snapshot show after unset" "${OSC[@]}" volume snapshot show ss1b -f json
expect_json "only a remains" "'k' not in str(f(d, 'properties'))"
expect_ok "volume snapshot create ss2" "${OSC[@]}" volume snapshot create --volume sv1 ss2 -f json
wait_for "volume snapshot" ss2 available
expect_fail_status "revert to a snapshot that is not the latest is a 400" 400 "${OSC[@]}" volume revert ss1b
expect_contains "Cinder's reason" "is None or not the latest one of volume" "$ERR"
expect_ok "volume revert ss2" "${OSC[@]}" volume revert ss2
wait_for volume sv1 available
wait_for "volume snapshot" ss2 available
expect_ok "volume snapshot list --long" "${OSC[@]}" volume snapshot list --long -f json
expect_json "two snapshots of sv1" "sorted(f(x, 'Name') for x in d) == ['ss1b', 'ss2']"
expect_ok "volume snapshot set --state error" "${OSC[@]}" volume snapshot set --state error ss2
expect_ok "volume snapshot delete --force" "${OSC[@]}" volume snapshot delete --force ss2
expect_ok "volume delete --cascade" "${OSC[@]}" volume delete --cascade sv1
for ((i = 0; i < 150; i++)); do
    [[ -z "$("${OSC[@]}" volume snapshot list -f value -c ID 2>/dev/null)" ]] && break
    sleep 0.2
done
expect_ok "volume snapshot list after the cascade" "${OSC[@]}" volume snapshot list -f json
expect_json "no snapshots left" "d == []"

# --- backups --------------------------------------------------------------------------
expect_ok "volume create bv1" "${OSC[@]}" volume create --size 1 bv1 -f json
wait_for volume bv1 available
expect_ok "volume backup create --property" "${OSC[@]}" volume backup create --name bk1 --property p=q bv1 -f json
wait_for "volume backup" bk1 available
expect_ok "volume backup create --incremental" "${OSC[@]}" volume backup create --incremental --name bk2 bv1 -f json
wait_for "volume backup" bk2 available
expect_ok "volume backup show bk1" "${OSC[@]}" volume backup show bk1 -f json
expect_json "bk1 is full, has a dependent and its metadata" \
    "f(d, 'is_incremental') is False and f(d, 'has_dependent_backups') is True and 'p' in str(f(d, 'metadata'))"
expect_ok "volume backup set --name --description" "${OSC[@]}" volume backup set --name bk1b --description full bk1
expect_fail_status "deleting a backup with incrementals is a 400" 400 "${OSC[@]}" volume backup delete bk1b
expect_contains "Cinder's reason" "Incremental backups exist for this backup" "$ERR"
expect_ok "volume create target" "${OSC[@]}" volume create --size 1 target -f json
wait_for volume target available
expect_ok "volume backup restore --force over an existing volume" "${OSC[@]}" volume backup restore --force bk2 target -f json
expect_json "the restore names the volume" "f(d, 'volume_name') == 'target'"
wait_for volume target available
wait_for "volume backup" bk2 available
expect_ok "volume backup list" "${OSC[@]}" volume backup list -f json
expect_json "two backups, one incremental" "sorted((f(x, 'Name'), f(x, 'Incremental')) for x in d) == [('bk1b', False), ('bk2', True)]"
expect_ok "volume backup delete bk2" "${OSC[@]}" volume backup delete bk2
for ((i = 0; i < 150; i++)); do
    [[ "$("${OSC[@]}" volume backup list -f value -c Name 2>/dev/null)" == bk1b ]] && break
    sleep 0.2
done
expect_ok "volume backup delete --force bk1b" "${OSC[@]}" volume backup delete --force bk1b
for ((i = 0; i < 150; i++)); do
    [[ -z "$("${OSC[@]}" volume backup list -f value -c ID 2>/dev/null)" ]] && break
    sleep 0.2
done
expect_ok "volume backup list at the end" "${OSC[@]}" volume backup list -f json
expect_json "no backups left" "d == []"

finish
