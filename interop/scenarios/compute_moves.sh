#!/usr/bin/env bash
# Moving servers through python-openstackclient on three fake compute hosts: live
# migration chosen by the scheduler and to a named host, the migration records
# (`server migration list`), and evacuation off a host forced down.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start_stratus --fake-compute-hosts 3 || bail "server did not start"

OSC=(openstack --os-cloud stratus)

host_of() { "${OSC[@]}" server show "$1" -f value -c OS-EXT-SRV-ATTR:host 2>/dev/null; }

# --- live migration -------------------------------------------------------------------------
expect_ok "server create --wait" "${OSC[@]}" server create --image stratus-tiny --flavor m1.tiny --network private \
    --wait mover -f json
MOVER="$(json "f(d, 'id')")"
FIRST="$(host_of mover)"
expect_ok "server migrate --live-migration --wait" "${OSC[@]}" server migrate --live-migration --wait mover
expect_status "ACTIVE after the live migration" mover ACTIVE
SECOND="$(host_of mover)"
expect_eq "on another host" "yes" "$([[ -n "$SECOND" && "$SECOND" != "$FIRST" ]] && echo yes || echo "no ($FIRST -> $SECOND)")"
expect_ok "port follows" "${OSC[@]}" port list --device-id "$MOVER" -f json
PORT="$(json "f(d[0], 'ID')")"
expect_ok "port show" "${OSC[@]}" port show "$PORT" -f json
expect_json "bound to the new host" "f(d, 'binding_host_id') == '$SECOND'"
expect_ok "allocation after the live migration" "${OSC[@]}" resource provider allocation show "$MOVER" -f json
expect_json "one allocation, m1.tiny" "len(d) == 1 and f(d[0], 'resources') == {'VCPU': 1, 'MEMORY_MB': 512, 'DISK_GB': 1}"

THIRD=""
for candidate in compute1 compute2 compute3; do
    if [[ "$candidate" != "$SECOND" ]]; then THIRD=$candidate; break; fi
done
expect_ok "server migrate --live-migration --host" "${OSC[@]}" --os-compute-api-version 2.30 server migrate \
    --live-migration --host "$THIRD" --wait mover
expect_status "ACTIVE after the second live migration" mover ACTIVE
expect_eq "on the named host" "$THIRD" "$(host_of mover)"
expect_fail_status "to its own host is refused (checks answered below 2.34)" 400 \
    "${OSC[@]}" --os-compute-api-version 2.30 server migrate --live-migration --host "$THIRD" mover

expect_ok "server migration list --server" "${OSC[@]}" --os-compute-api-version 2.80 server migration list \
    --server mover -f json
expect_json "two completed live migrations and one refused" \
    "sorted(f(x, 'Status') for x in d if f(x, 'Type') == 'live-migration') == ['completed', 'completed', 'error']"
expect_json "source and destination recorded" \
    "any(f(x, 'Source Compute') == '$SECOND' and f(x, 'Dest Compute') == '$THIRD' for x in d)"
expect_ok "server event list" "${OSC[@]}" server event list mover -f json
expect_json "live-migration actions recorded" "sum(1 for x in d if f(x, 'Action') == 'live-migration') == 3"

# --- resize records -------------------------------------------------------------------------
expect_ok "server resize" "${OSC[@]}" server resize --flavor m1.small --wait mover
expect_status "VERIFY_RESIZE" mover VERIFY_RESIZE
expect_ok "server resize confirm" "${OSC[@]}" server resize confirm mover
expect_status "ACTIVE after confirm" mover ACTIVE
expect_ok "server migration list --type resize" "${OSC[@]}" --os-compute-api-version 2.80 server migration list \
    --server mover --type resize -f json
expect_json "one confirmed resize" "len(d) == 1 and f(d[0], 'Status') == 'confirmed'"

# --- evacuate -------------------------------------------------------------------------------
DOWN="$(host_of mover)"
expect_fail_status "evacuate while the host is up" 400 "${OSC[@]}" server evacuate mover
expect_ok "compute service set --down" "${OSC[@]}" --os-compute-api-version 2.11 compute service set --down \
    "$DOWN" nova-compute
expect_ok "compute service list" "${OSC[@]}" compute service list --service nova-compute -f json
expect_json "the host is down" "any(f(x, 'Host') == '$DOWN' and f(x, 'State') == 'down' for x in d)"
# No --wait: python-openstackclient 10.5 compares the lowered status with 'ACTIVE' and
# never sees the evacuation finish; expect_status polls instead.
expect_ok "server evacuate (2.94: the server keeps its state)" "${OSC[@]}" --os-compute-api-version 2.94 \
    server evacuate mover
expect_status "ACTIVE after evacuation" mover ACTIVE
AFTER="$(host_of mover)"
expect_eq "rebuilt on another host" "yes" "$([[ -n "$AFTER" && "$AFTER" != "$DOWN" ]] && echo yes || echo "no ($DOWN -> $AFTER)")"
expect_ok "server migration list --type evacuation" "${OSC[@]}" --os-compute-api-version 2.80 server migration list \
    --server mover --type evacuation -f json
expect_json "one evacuation from the down host" \
    "len(d) == 1 and f(d[0], 'Source Compute') == '$DOWN' and f(d[0], 'Status') in ('done', 'completed')"
# The old host's agent still runs: with its next heartbeat (10 s) it destroys its copy and
# completes the migration; only then can the service be forced up, as in Nova.
STATUS=""
for ((i = 0; i < 100; i++)); do
    STATUS="$("${OSC[@]}" --os-compute-api-version 2.80 server migration list --server mover --type evacuation \
        -f value -c Status 2>/dev/null)"
    [[ "$STATUS" == completed ]] && break
    sleep 0.3
done
expect_eq "the old host cleaned up after the evacuation" completed "$STATUS"
expect_ok "compute service set --up" "${OSC[@]}" --os-compute-api-version 2.11 compute service set --up \
    "$DOWN" nova-compute

# --- teardown -------------------------------------------------------------------------------
expect_ok "server delete --wait" "${OSC[@]}" server delete --wait mover
expect_ok "allocation after delete" "${OSC[@]}" resource provider allocation show "$MOVER" -f json
expect_json "its allocation is gone" "len(d) == 0"

finish
