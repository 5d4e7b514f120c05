#!/usr/bin/env bash
# The server lifecycle through python-openstackclient on four fake compute hosts:
# boot with a network and a keypair, the actions and their state machine, images from
# servers, scheduling decisions explained in faults, quotas, and teardown that leaves
# no port and no Placement allocation behind.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start_stratus --fake-compute-hosts 4 || bail "server did not start"

OSC=(openstack --os-cloud stratus)
NOVA="http://$STRATUS_HOST:8774"

expect_ok "keypair create" "${OSC[@]}" keypair create k
expect_contains "a private key is returned once" "PRIVATE KEY"

# --- boot -----------------------------------------------------------------------------------
expect_ok "server create --wait" "${OSC[@]}" server create --image stratus-tiny --flavor m1.tiny --network private \
    --key-name k --wait vm1 -f json
expect_json "vm1 is ACTIVE" "f(d, 'status') == 'ACTIVE'"
VM1="$(json "f(d, 'id')")"
expect_ok "server show" "${OSC[@]}" server show vm1 -f json
expect_json "ACTIVE with power state Running and no task" \
    "f(d, 'status') == 'ACTIVE' and f(d, 'OS-EXT-STS:power_state') in ('Running', 1) and f(d, 'OS-EXT-STS:task_state') is None"
expect_json "an address on the private network" "'private' in str(f(d, 'addresses')) and '198.51.100.' in str(f(d, 'addresses'))"
expect_json "image and flavor named" "'stratus-tiny' in str(f(d, 'image')) and 'm1.tiny' in str(f(d, 'flavor'))"
expect_json "key name and host" "f(d, 'key_name') == 'k' and str(f(d, 'OS-EXT-SRV-ATTR:host')).startswith('compute')"
expect_ok "port list --server" "${OSC[@]}" port list --server "$VM1" -f json
expect_json "one port, ACTIVE" "len(d) == 1 and f(d[0], 'Status') == 'ACTIVE'"
PORT1="$(json "f(d[0], 'ID')")"
expect_ok "port show" "${OSC[@]}" port show "$PORT1" -f json
expect_json "bound to the server's host" "str(f(d, 'binding_host_id')).startswith('compute') and f(d, 'device_owner').startswith('compute:')"
expect_ok "server list" "${OSC[@]}" server list -f json
expect_json "vm1 listed with its network" "any(f(x, 'Name') == 'vm1' and 'private' in str(f(x, 'Networks')) for x in d)"
expect_ok "console log show" "${OSC[@]}" console log show vm1
expect_ok "resource provider list" "${OSC[@]}" resource provider list -f json
expect_json "four compute providers" "len(d) == 4"
expect_ok "resource provider allocation show" "${OSC[@]}" resource provider allocation show "$VM1" -f json
expect_json "vm1 holds 1 VCPU and 512 MB" "len(d) == 1 and f(d[0], 'resources') == {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}"

# --- actions -----------------------------------------------------------------------------
expect_ok "server stop" "${OSC[@]}" server stop vm1
expect_status "SHUTOFF" vm1 SHUTOFF
expect_fail_status "stopping a stopped server is a conflict" 409 "${OSC[@]}" server stop vm1
expect_ok "server start" "${OSC[@]}" server start vm1
expect_status "ACTIVE again" vm1 ACTIVE
expect_ok "server reboot" "${OSC[@]}" server reboot --wait vm1
expect_ok "server reboot --hard" "${OSC[@]}" server reboot --hard --wait vm1
expect_ok "server pause" "${OSC[@]}" server pause vm1
expect_status "PAUSED" vm1 PAUSED
expect_fail_status "suspending a paused server is a conflict" 409 "${OSC[@]}" server suspend vm1
expect_ok "server unpause" "${OSC[@]}" server unpause vm1
expect_status "ACTIVE after unpause" vm1 ACTIVE
expect_ok "server suspend" "${OSC[@]}" server suspend vm1
expect_status "SUSPENDED" vm1 SUSPENDED
expect_ok "server resume" "${OSC[@]}" server resume vm1
expect_status "ACTIVE after resume" vm1 ACTIVE
expect_ok "server rescue" "${OSC[@]}" server rescue vm1
expect_status "RESCUE" vm1 RESCUE
expect_ok "server unrescue" "${OSC[@]}" server unrescue vm1
expect_status "ACTIVE after unrescue" vm1 ACTIVE
expect_ok "server lock" "${OSC[@]}" server lock vm1
expect_ok "server show --os-compute-api-version 2.9" "${OSC[@]}" --os-compute-api-version 2.9 server show vm1 -f json
expect_json "locked is shown" "f(d, 'locked') is True"
expect_ok "server unlock" "${OSC[@]}" server unlock vm1
expect_ok "server resize" "${OSC[@]}" server resize --flavor m1.small --wait vm1
expect_status "VERIFY_RESIZE" vm1 VERIFY_RESIZE
expect_ok "server resize revert" "${OSC[@]}" server resize revert vm1
expect_status "ACTIVE after revert" vm1 ACTIVE
expect_ok "server show after revert" "${OSC[@]}" server show vm1 -f json
expect_json "back on m1.tiny" "'m1.tiny' in str(f(d, 'flavor'))"
expect_ok "server resize again" "${OSC[@]}" server resize --flavor m1.small --wait vm1
expect_ok "server resize confirm" "${OSC[@]}" server resize confirm vm1
expect_status "ACTIVE after confirm" vm1 ACTIVE
expect_ok "allocation after confirm" "${OSC[@]}" resource provider allocation show "$VM1" -f json
expect_json "vm1 now holds m1.small's resources, once" \
    "len(d) == 1 and f(d[0], 'resources') == {'VCPU': 1, 'MEMORY_MB': 2048, 'DISK_GB': 20}"
expect_ok "server migrate" "${OSC[@]}" server migrate --wait vm1
expect_status "VERIFY_RESIZE after migrate" vm1 VERIFY_RESIZE
expect_ok "server migrate confirm" "${OSC[@]}" server resize confirm vm1
expect_status "ACTIVE after migration" vm1 ACTIVE
expect_ok "server rebuild" "${OSC[@]}" server rebuild --image stratus-tiny --wait vm1
expect_ok "server shelve" "${OSC[@]}" server shelve vm1
expect_status "SHELVED_OFFLOADED" vm1 SHELVED_OFFLOADED
expect_ok "no allocation while offloaded" "${OSC[@]}" resource provider allocation show "$VM1" -f json
expect_json "empty" "len(d) == 0"
expect_ok "server unshelve" "${OSC[@]}" server unshelve vm1
expect_status "ACTIVE after unshelve" vm1 ACTIVE
expect_ok "server image create" "${OSC[@]}" server image create --name vm1-snap --wait vm1 -f json
expect_ok "image show" "${OSC[@]}" image show vm1-snap -f json
expect_json "an active snapshot image of vm1" "f(d, 'status') == 'active' and '$VM1' in str(f(d, 'properties'))"
expect_ok "server event list" "${OSC[@]}" server event list vm1 -f json
expect_json "create, stop, start, reboot … recorded" \
    "{'create', 'stop', 'start', 'reboot', 'pause', 'resize', 'shelve', 'createImage'} <= set(f(x, 'Action') for x in d)"
REQ="$(json "[f(x, 'Request ID') for x in d if f(x, 'Action') == 'create'][0]")"
expect_ok "server event show" "${OSC[@]}" server event show vm1 "$REQ" -f json
expect_json "the build event succeeded on a host" "'compute_build_and_run_instance' in str(d) and 'Success' in str(d)"

# --- interfaces, password, crash dump, diagnostics, consoles -------------------------------
expect_ok "network create iface-net" "${OSC[@]}" network create iface-net -f json
expect_ok "subnet create iface-subnet" "${OSC[@]}" subnet create --network iface-net --subnet-range 203.0.113.0/24 \
    iface-subnet -f json
expect_ok "server add network" "${OSC[@]}" server add network vm1 iface-net
expect_ok "port list --server after add network" "${OSC[@]}" port list --server "$VM1" -f json
expect_json "a second port, on iface-net" "len(d) == 2 and any('203.0.113.' in str(f(x, 'Fixed IP Addresses')) for x in d)"
expect_ok "port create mine" "${OSC[@]}" port create --network iface-net mine -f json
MINE="$(json "f(d, 'id')")"
expect_ok "server add port" "${OSC[@]}" server add port vm1 mine
expect_ok "port show mine" "${OSC[@]}" port show mine -f json
expect_json "mine is bound to vm1 on its host" \
    "f(d, 'device_id') == '$VM1' and str(f(d, 'binding_host_id')).startswith('compute')"
expect_fail_status "a port in use cannot be added again" 409 "${OSC[@]}" server add port vm1 mine
expect_ok "server show with three interfaces" "${OSC[@]}" server show vm1 -f json
expect_json "two addresses on iface-net" "str(f(d, 'addresses')).count('203.0.113.') == 2"
expect_ok "server remove port" "${OSC[@]}" server remove port vm1 mine
expect_ok "server remove network" "${OSC[@]}" server remove network vm1 iface-net
for ((i = 0; i < 50; i++)); do
    run "${OSC[@]}" port list --server "$VM1" -f json
    [[ "$(json "len(d)")" == 1 ]] && break
    sleep 0.2
done
expect_ok "port list --server after removals" "${OSC[@]}" port list --server "$VM1" -f json
expect_json "only the boot port is left" "len(d) == 1 and '203.0.113.' not in str(d)"
expect_ok "port show mine after remove" "${OSC[@]}" port show mine -f json
expect_json "the user's port is kept, unbound" "f(d, 'device_id') in ('', None)"
expect_ok "port delete mine" "${OSC[@]}" port delete mine
expect_ok "change_server_password (openstacksdk)" "$PY" -c '
import openstack
conn = openstack.connect(cloud="stratus")
conn.compute.change_server_password(conn.compute.find_server("vm1"), "Sw0rdfish-1")'
expect_status "ACTIVE after changePassword" vm1 ACTIVE
expect_eq "the new password is in no log and no database" "" \
    "$(grep -rl 'Sw0rdfish-1' "$STRATUS_LOG" "$STRATUS_DATA_DIR" 2>/dev/null)"
expect_ok "server dump create" "${OSC[@]}" --os-compute-api-version 2.17 server dump create vm1
expect_ok "server show --diagnostics" "${OSC[@]}" server show --diagnostics vm1 -f json
expect_json "diagnostics of a running fake guest with one NIC" \
    "f(d, 'state') == 'running' and f(d, 'driver') == 'fake' and f(d, 'num_nics') == 1"
expect_ok "console url show --serial" "${OSC[@]}" console url show --serial vm1 -f json
expect_json "a serial console URL with a token" "str(f(d, 'url')).startswith('ws://127.0.0.1:6083/?token=')"
TOKEN="$(json "str(f(d, 'url')).split('token=')[1]")"
expect_ok "console connection show" "${OSC[@]}" --os-compute-api-version 2.31 console connection show "$TOKEN" -f json
expect_json "the token opens vm1's console" "f(d, 'instance_uuid') == '$VM1' and f(d, 'host') == '127.0.0.1'"
expect_fail "an unknown token is refused" "${OSC[@]}" --os-compute-api-version 2.31 console connection show \
    00000000-0000-4000-8000-000000000000
expect_contains "in Nova's words" "Token not found" "$OUT$ERR"
# The proxy: a WebSocket handshake with the token is answered 101 and the console log follows
# (server frames are unmasked, so the guest's text shows in the raw stream).
run curl -s -i -N --max-time 3 -H "Connection: Upgrade" -H "Upgrade: websocket" -H "Sec-WebSocket-Version: 13" \
    -H "Sec-WebSocket-Key: c3RyYXR1cy1pbnRlcm9wLWtleQ==" "http://$STRATUS_HOST:6083/?token=$TOKEN"
expect_contains "the serial proxy upgrades a valid token" "101 Switching Protocols" "$OUT"
expect_contains "and streams vm1's console log" "login:" "$OUT"
run curl -s -i --max-time 3 -H "Connection: Upgrade" -H "Upgrade: websocket" -H "Sec-WebSocket-Version: 13" \
    -H "Sec-WebSocket-Key: c3RyYXR1cy1pbnRlcm9wLWtleQ==" "http://$STRATUS_HOST:6083/?token=not-a-token"
expect_contains "an unknown token gets no upgrade" "400 Bad Request" "$OUT"
expect_ok "server event list (guest access)" "${OSC[@]}" server event list vm1 -f json
expect_json "attach, detach, password and crash dump recorded" \
    "{'attach_interface', 'detach_interface', 'changePassword', 'trigger_crash_dump'} <= set(f(x, 'Action') for x in d)"

# --- teardown -------------------------------------------------------------------------------
expect_ok "server delete --wait" "${OSC[@]}" server delete --wait vm1
expect_ok "port list after delete" "${OSC[@]}" port list --device-id "$VM1" -f json
expect_json "its port is gone" "len(d) == 0"
expect_ok "allocation after delete" "${OSC[@]}" resource provider allocation show "$VM1" -f json
expect_json "its allocation is gone" "len(d) == 0"

# --- hosts, zones, groups ------------------------------------------------------------------
expect_ok "hypervisor list" "${OSC[@]}" hypervisor list -f json
expect_json "four fake hypervisors" "len(d) == 4 and all(f(x, 'Hypervisor Type') == 'fake' for x in d)"
expect_ok "hypervisor stats" "${OSC[@]}" hypervisor stats show -f json
expect_json "four hosts counted" "f(d, 'count') == 4"
expect_ok "compute service list" "${OSC[@]}" compute service list -f json
expect_json "four nova-compute services up" "len([x for x in d if f(x, 'Binary') == 'nova-compute' and f(x, 'State') == 'up']) == 4"
expect_ok "availability zone list" "${OSC[@]}" availability zone list -f json
expect_json "the default zone" "any(f(x, 'Zone Name') == 'nova' for x in d)"

expect_ok "server group create --policy anti-affinity" "${OSC[@]}" server group create --policy anti-affinity spread -f json
GROUP="$(json "f(d, 'id')")"
for i in 1 2 3 4; do
    expect_ok "member $i of the anti-affinity group" "${OSC[@]}" server create --image stratus-tiny --flavor m1.tiny \
        --network private --hint group="$GROUP" --wait "spread$i" -f json
done
expect_ok "server list --long" "${OSC[@]}" server list --name '^spread' --long -f json
expect_json "four members on four hosts" "len(set(f(x, 'Host') for x in d)) == 4"
expect_ok "a fifth member" "${OSC[@]}" server create --image stratus-tiny --flavor m1.tiny --network private \
    --hint group="$GROUP" spread5 -f json
expect_status "the fifth goes to ERROR" spread5 ERROR
expect_ok "server show spread5" "${OSC[@]}" server show spread5 -f json
expect_json "the fault names the anti-affinity filter" "'ServerGroupAntiAffinityFilter' in str(f(d, 'fault'))"
for i in 1 2 3 4 5; do expect_ok "delete spread$i" "${OSC[@]}" server delete --wait "spread$i"; done

expect_ok "compute service set --disable compute1" "${OSC[@]}" compute service set --disable --disable-reason maintenance compute1 nova-compute
expect_ok "aggregate create --zone az2" "${OSC[@]}" aggregate create --zone az2 agg2 -f json
expect_ok "aggregate add host compute2" "${OSC[@]}" aggregate add host agg2 compute2
expect_ok "server create --availability-zone az2" "${OSC[@]}" server create --image stratus-tiny --flavor m1.tiny \
    --network private --availability-zone az2 --wait inaz2 -f json
expect_ok "server show inaz2" "${OSC[@]}" server show inaz2 -f json
expect_json "landed on compute2 in az2" \
    "f(d, 'OS-EXT-SRV-ATTR:host') == 'compute2' and f(d, 'OS-EXT-AZ:availability_zone') == 'az2'"
expect_fail_status "an unknown zone is refused" 400 "${OSC[@]}" server create --image stratus-tiny --flavor m1.tiny \
    --network private --availability-zone nowhere nope
for i in 1 2 3; do
    expect_ok "server $i in the default zone" "${OSC[@]}" server create --image stratus-tiny --flavor m1.tiny \
        --network private --wait "plain$i" -f json
done
expect_ok "server list --long (default zone)" "${OSC[@]}" server list --name '^plain' --long -f json
expect_json "nothing lands on the disabled compute1" "all(f(x, 'Host') != 'compute1' for x in d) and len(d) == 3"
for i in 1 2 3; do expect_ok "delete plain$i" "${OSC[@]}" server delete --wait "plain$i"; done
expect_ok "delete inaz2" "${OSC[@]}" server delete --wait inaz2
expect_ok "compute service set --enable compute1" "${OSC[@]}" compute service set --enable compute1 nova-compute

# --- quota --------------------------------------------------------------------------------
ADMIN_PROJECT="$("${OSC[@]}" project show admin -f value -c id)"
expect_ok "quota set --instances 3" "${OSC[@]}" quota set --instances 3 "$ADMIN_PROJECT"
for i in 1 2 3; do
    expect_ok "server $i within quota" "${OSC[@]}" server create --image stratus-tiny --flavor m1.tiny --network private "q$i" -f json
done
expect_fail_status "a fourth is over quota" 403 "${OSC[@]}" server create --image stratus-tiny --flavor m1.tiny --network private q4
expect_contains "in Nova's words" "Quota exceeded for instances: Requested 1, but already used 3 of 3 instances" "$OUT$ERR"
for i in 1 2 3; do expect_ok "delete q$i" "${OSC[@]}" server delete --wait "q$i"; done

# --- microversions and the SDK --------------------------------------------------------------
expect_ok "server list --os-compute-api-version 2.79" "${OSC[@]}" --os-compute-api-version 2.79 server list -f json
expect_py "openstacksdk create_server(wait) and delete_server(wait)" <<'PYEOF'
import openstack
conn = openstack.connect(cloud="stratus")
server = conn.create_server("sdkvm", image="stratus-tiny", flavor="m1.tiny", network="private", wait=True, timeout=60)
assert server.status == "ACTIVE", server.status
assert conn.delete_server(server.id, wait=True, timeout=60)
assert conn.get_server(server.id) is None
PYEOF

# --- concurrency: 50 requests against an instance quota of 40 --------------------------------
expect_ok "quota set --instances 40 --cores 100" "${OSC[@]}" quota set --instances 40 --cores 100 "$ADMIN_PROJECT"
TOKEN="$("${OSC[@]}" token issue -f value -c id)"
IMAGE="$("${OSC[@]}" image show stratus-tiny -f value -c id)"
NET="$("${OSC[@]}" network show private -f value -c id)"
seq 1 50 | xargs -P 50 -I{} curl -s --noproxy '*' -o /dev/null -w '%{http_code}\n' -X POST "$NOVA/v2.1/servers" \
    -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"server\": {\"name\": \"par{}\", \"imageRef\": \"$IMAGE\", \"flavorRef\": \"1\", \"networks\": [{\"uuid\": \"$NET\"}]}}" \
    >"$SCRATCH/codes"
expect_eq "40 accepted" 40 "$(grep -c '^202$' "$SCRATCH/codes")"
expect_eq "10 refused with 403" 10 "$(grep -c '^403$' "$SCRATCH/codes")"
for ((i = 0; i < 150; i++)); do
    ACTIVE="$("${OSC[@]}" server list --name '^par' --status ACTIVE -f value -c ID | wc -l)"
    [[ "$ACTIVE" == 40 ]] && break
    sleep 0.4
done
expect_eq "exactly 40 ACTIVE" 40 "$ACTIVE"
"${OSC[@]}" server list --name '^par' -f value -c ID | xargs -P 10 -n 5 "${OSC[@]}" server delete --wait
expect_ok "server list after deleting them" "${OSC[@]}" server list --name '^par' -f json
expect_json "none left" "len(d) == 0"
expect_ok "port list --device-owner compute:nova" "${OSC[@]}" port list --device-owner compute:nova -f json
expect_json "no leaked port" "len(d) == 0"
[[ "$OUT" == "[]" ]] || "${OSC[@]}" port list --device-owner compute:nova --long -f json >&2
expect_py "resource provider usages" <<'PYEOF'
import openstack
conn = openstack.connect(cloud="stratus")
for rp in conn.placement.resource_providers():
    usage = conn.placement.get("/resource_providers/%s/usages" % rp.id).json()["usages"]
    assert all(v == 0 for v in usage.values()), (rp.name, usage)
PYEOF
expect_ok "quota show --usage" "${OSC[@]}" quota show --usage "$ADMIN_PROJECT" -f json
expect_json "no instance usage left" "any(f(x, 'Resource') == 'instances' and f(x, 'In Use') == 0 for x in d)"

# --- scheduling explained ------------------------------------------------------------------
expect_ok "flavor bigger than any host" "${OSC[@]}" flavor create --ram 49500 --vcpus 1 --disk 1 huge
expect_ok "server create huge" "${OSC[@]}" server create --image stratus-tiny --flavor huge --network private big -f json
expect_status "ERROR" big ERROR
expect_ok "server show big" "${OSC[@]}" server show big -f json
expect_json "the fault names the RAM filter and the numbers" \
    "'RamFilter' in str(f(d, 'fault')) and '49500 MB' in str(f(d, 'fault'))"
expect_ok "server delete big" "${OSC[@]}" server delete --wait big

finish
