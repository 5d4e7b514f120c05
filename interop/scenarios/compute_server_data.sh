#!/usr/bin/env bash
# What a server carries besides its disk, through python-openstackclient: metadata
# (properties) set and unset, tags set, filtered on and removed, backups whose rotation
# keeps only the newest ones in the Image service, and block device mappings.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start_stratus --fake-compute-hosts 1 || bail "server did not start"

OSC=(openstack --os-cloud stratus)

expect_ok "server create --property --tag" "${OSC[@]}" --os-compute-api-version 2.52 server create \
    --image stratus-tiny --flavor m1.tiny --network private --property role=web --tag blue --wait vm1 -f json
VM1="$(json "f(d, 'id')")"
expect_ok "server create (untagged)" "${OSC[@]}" server create --image stratus-tiny --flavor m1.tiny --network private \
    --wait vm2 -f json

# --- metadata ---------------------------------------------------------------------------------
expect_ok "server set --property" "${OSC[@]}" server set --property tier=front --property owner=ops vm1
expect_ok "server show" "${OSC[@]}" server show vm1 -f json
expect_json "the three properties" \
    "f(d, 'properties') in ({'role': 'web', 'tier': 'front', 'owner': 'ops'}, \"owner='ops', role='web', tier='front'\")"
expect_ok "server unset --property" "${OSC[@]}" server unset --property owner vm1
expect_ok "server show" "${OSC[@]}" server show vm1 -f json
expect_json "owner is gone" "'owner' not in str(f(d, 'properties')) and 'tier' in str(f(d, 'properties'))"
expect_fail_status "a 256-character key is refused" 400 "${OSC[@]}" server set --property "$(printf 'k%.0s' {1..256})=v" vm1

# --- tags --------------------------------------------------------------------------------------
expect_ok "server set --tag" "${OSC[@]}" --os-compute-api-version 2.26 server set --tag green vm1
expect_ok "server show --os-compute-api-version 2.26" "${OSC[@]}" --os-compute-api-version 2.26 server show vm1 -f json
expect_json "two tags" "sorted(f(d, 'tags')) == ['blue', 'green']"
expect_ok "server list --tags blue" "${OSC[@]}" --os-compute-api-version 2.26 server list --tags blue -f json
expect_json "only vm1 is tagged blue" "[f(x, 'Name') for x in d] == ['vm1']"
expect_ok "server list --not-tags blue" "${OSC[@]}" --os-compute-api-version 2.26 server list --not-tags blue -f json
expect_json "only vm2 is not" "[f(x, 'Name') for x in d] == ['vm2']"
expect_ok "server unset --tag" "${OSC[@]}" --os-compute-api-version 2.26 server unset --tag blue vm1
expect_ok "server list --tags blue" "${OSC[@]}" --os-compute-api-version 2.26 server list --tags blue -f json
expect_json "nothing is tagged blue any more" "d == []"

# --- backups with rotation --------------------------------------------------------------------
for n in 1 2 3; do
    expect_ok "server backup create $n (rotate 2)" "${OSC[@]}" server backup create --name "nightly-$n" --type daily \
        --rotate 2 --wait vm1
done
expect_ok "image list --property image_type=backup" "${OSC[@]}" image list --property image_type=backup --long -f json
expect_json "rotation kept the newest two" "sorted(f(x, 'Name') for x in d) == ['nightly-2', 'nightly-3']"
expect_ok "image show nightly-3" "${OSC[@]}" image show nightly-3 -f json
expect_json "the backup names its server and type" \
    "'$VM1' in str(f(d, 'properties')) and 'daily' in str(f(d, 'properties')) and f(d, 'status') == 'active'"

# --- block device mappings ------------------------------------------------------------------------
expect_ok "flavor with swap and ephemeral" "${OSC[@]}" flavor create --ram 512 --vcpus 1 --disk 1 --swap 512 --ephemeral 2 disks
expect_ok "server create --swap --ephemeral" "${OSC[@]}" server create --image stratus-tiny --flavor disks --network private \
    --swap 256 --ephemeral size=2 --wait vm3 -f json
expect_json "ACTIVE with local swap and ephemeral disks" "f(d, 'status') == 'ACTIVE'"
expect_fail_status "a swap bigger than the flavor's" 400 "${OSC[@]}" server create --image stratus-tiny --flavor disks \
    --network private --swap 1024 vm4
expect_contains "Nova's message" "Swap drive requested is larger than instance type allows" "$ERR"
expect_fail_status "a mapping to a volume that does not exist" 400 "${OSC[@]}" server create --flavor m1.tiny --network private \
    --block-device uuid=00000000-0000-4000-8000-000000000000,source_type=volume,destination_type=volume,boot_index=0 vm5
expect_contains "the refusal names the volume" \
    "Block Device Mapping is Invalid: failed to get volume 00000000-0000-4000-8000-000000000000." "$ERR"
expect_ok "server list" "${OSC[@]}" server list -f json
expect_json "the refused creates left nothing" "sorted(f(x, 'Name') for x in d) == ['vm1', 'vm2', 'vm3']"

expect_ok "server delete" "${OSC[@]}" server delete --wait vm1 vm2 vm3
finish
