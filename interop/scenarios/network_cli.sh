#!/usr/bin/env bash
# Network (Neutron v2.0) control plane through python-openstackclient: networks,
# subnets, ports and their addresses, provider networks, project isolation.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start_stratus || bail "server did not start"

OSC=(openstack --os-cloud stratus)
osc_as() {
    printf '%s\n' openstack --os-auth-type password --os-auth-url "$AUTH_URL" --os-identity-api-version 3 \
        --os-username "$1" --os-password "$2" --os-user-domain-id default \
        --os-project-name "$3" --os-project-domain-id default
}
for project in pA pB; do expect_ok "project create $project" "${OSC[@]}" project create --domain default "$project"; done
expect_ok "user alice" "${OSC[@]}" user create --domain default --password Alice-pw-1 alice
expect_ok "user bob" "${OSC[@]}" user create --domain default --password Bob-pw-1 bob
expect_ok "alice is member of pA" "${OSC[@]}" role add --user alice --project pA member
expect_ok "bob is member of pB" "${OSC[@]}" role add --user bob --project pB member
mapfile -t ALICE < <(osc_as alice Alice-pw-1 pA)
mapfile -t BOB < <(osc_as bob Bob-pw-1 pB)

# --- the bootstrapped external network ------------------------------------------------
expect_ok "catalog has the network service" "${OSC[@]}" catalog show network -f json
expect_contains "network endpoint is on 9696" "127.0.0.1:9696"
expect_ok "network show public" "${OSC[@]}" network show public -f json
expect_json "public is an external flat network" "d['router:external'] in (True, 'External') and d['provider:network_type'] == 'flat'"

# --- networks, subnets, ports ---------------------------------------------------------
expect_ok "network create (member)" "${ALICE[@]}" network create --tag blue -f json netA
expect_json "tenant network is VXLAN-sized and tagged" "d['mtu'] == 1450 and 'blue' in d['tags'] and d['status'] == 'ACTIVE'"
expect_ok "subnet create with pool, dns and gateway" "${ALICE[@]}" subnet create --network netA \
    --subnet-range 10.20.0.0/24 --allocation-pool start=10.20.0.10,end=10.20.0.20 \
    --dns-nameserver 192.0.2.53 --gateway 10.20.0.1 -f json subA
expect_json "subnet has the requested pool, dns and gateway" \
    "d['allocation_pools'] in ([{'start': '10.20.0.10', 'end': '10.20.0.20'}], '10.20.0.10-10.20.0.20') and d['gateway_ip'] == '10.20.0.1' and '192.0.2.53' in str(d['dns_nameservers'])"
expect_ok "port create with a fixed ip" "${ALICE[@]}" port create --network netA --fixed-ip subnet=subA,ip-address=10.20.0.15 -f json pA1
expect_json "port has the address and a fa:16:3e MAC and is DOWN" \
    "'10.20.0.15' in str(d['fixed_ips']) and d['mac_address'].startswith('fa:16:3e') and d['status'] == 'DOWN'"
expect_fail_status "the same address again is a conflict" 409 "${ALICE[@]}" port create --network netA --fixed-ip subnet=subA,ip-address=10.20.0.15 pA2
expect_ok "port create from the pool" "${ALICE[@]}" port create --network netA -f json pA3
expect_json "it gets a pool address" "'10.20.0.1' in str(d['fixed_ips'])"
expect_ok "port list" "${ALICE[@]}" port list -f json
expect_json "both ports listed" "len(d) == 2"
expect_fail_status "network delete with ports is refused" 409 "${ALICE[@]}" network delete netA

# --- isolation and overlapping ranges -------------------------------------------------
expect_ok "bob lists networks" "${BOB[@]}" network list -f json
expect_json "bob sees public but not netA" "any(n['Name'] == 'public' for n in d) and all(n['Name'] != 'netA' for n in d)"
expect_ok "bob creates his network" "${BOB[@]}" network create netB
expect_ok "both projects may use 198.18.0.0/24 (A)" "${ALICE[@]}" subnet create --network netA --subnet-range 198.18.0.0/24 overlapA
expect_ok "both projects may use 198.18.0.0/24 (B)" "${BOB[@]}" subnet create --network netB --subnet-range 198.18.0.0/24 overlapB
expect_fail_status "an overlapping subnet on one network is refused" 400 "${BOB[@]}" subnet create --network netB --subnet-range 198.18.0.128/25 overlapB2

# --- a /29 fills up ------------------------------------------------------------------
expect_ok "small network" "${ALICE[@]}" network create small
expect_ok "a /29 subnet" "${ALICE[@]}" subnet create --network small --subnet-range 192.0.2.0/29 small-sub
for i in 1 2 3 4 5; do expect_ok "port $i on the /29" "${ALICE[@]}" port create --network small "small-$i"; done
run "${ALICE[@]}" port create --network small small-6
expect_contains "the sixth port fails with IpAddressGenerationFailure" "No more IP addresses available" "$OUT$ERR"

# --- provider networks ---------------------------------------------------------------
expect_ok "provider VLAN network as admin" "${OSC[@]}" network create --provider-network-type vlan \
    --provider-physical-network physnet1 --provider-segment 101 -f json vlan101
expect_json "it is VLAN 101" "d['provider:segmentation_id'] == 101 and d['provider:network_type'] == 'vlan'"
expect_fail_status "the same as a member is refused" 403 "${ALICE[@]}" network create --provider-network-type vlan \
    --provider-physical-network physnet1 --provider-segment 102 vlan102
expect_fail_status "VLAN 101 twice is a conflict" 409 "${OSC[@]}" network create --provider-network-type vlan \
    --provider-physical-network physnet1 --provider-segment 101 vlan101b

# --- security groups -----------------------------------------------------------------
expect_ok "security group list shows the default group" "${ALICE[@]}" security group list -f json
expect_json "exactly one default group" "[g['Name'] for g in d] == ['default']"
expect_ok "security group create" "${ALICE[@]}" security group create web
expect_ok "rule: tcp 22 from 198.51.100.0/24" "${ALICE[@]}" security group rule create --protocol tcp --dst-port 22 \
    --remote-ip 198.51.100.0/24 -f json web
expect_json "the rule is ingress tcp 22" "d['direction'] == 'ingress' and d['protocol'] == 'tcp' and d['port_range_min'] == 22 and d['port_range_max'] == 22"
expect_fail_status "the same rule again is a conflict" 409 "${ALICE[@]}" security group rule create --protocol tcp \
    --dst-port 22 --remote-ip 198.51.100.0/24 web
expect_ok "port create with the group" "${ALICE[@]}" port create --network netA --security-group web -f json pWeb
expect_json "the port carries the group" "len(d['security_group_ids'] if 'security_group_ids' in d else d['security_groups']) == 1"
expect_ok "port delete" "${ALICE[@]}" port delete pWeb

# --- routers and floating IPs --------------------------------------------------------
expect_ok "router create" "${ALICE[@]}" router create -f json rA
expect_ok "router set --external-gateway public" "${ALICE[@]}" router set --external-gateway public rA
expect_ok "router show" "${ALICE[@]}" router show rA -f json
expect_json "the gateway has an address on public" "'203.0.113.' in str(d['external_gateway_info'])"
expect_ok "router add subnet" "${ALICE[@]}" router add subnet rA subA
expect_ok "the interface port holds the subnet's gateway" "${ALICE[@]}" port list --device-owner network:router_interface -f json
expect_json "one interface at 10.20.0.1" "len(d) == 1 and '10.20.0.1' in str(d[0]['Fixed IP Addresses'])"
expect_fail_status "an interface port cannot be deleted through the port API" 409 "${ALICE[@]}" port delete "$(json "d[0]['ID']")"
expect_ok "floating ip create public" "${ALICE[@]}" floating ip create -f json public
expect_json "it is an address of public" "d['floating_ip_address'].startswith('203.0.113.') and not d['port_id']"
FIP="$(json "d['floating_ip_address']")"
expect_ok "floating ip set --port" "${ALICE[@]}" floating ip set --port pA1 "$FIP"
expect_ok "floating ip show" "${ALICE[@]}" floating ip show "$FIP" -f json
expect_json "associated with pA1's address through rA" "d['fixed_ip_address'] == '10.20.0.15' and d['router_id']"
expect_ok "an unrouted network" "${ALICE[@]}" network create island
expect_ok "with a subnet" "${ALICE[@]}" subnet create --network island --subnet-range 10.99.0.0/24 island-sub
expect_ok "a port on it" "${ALICE[@]}" port create --network island -f json lonely
expect_fail_status "cannot take a floating IP (no router to public)" 404 "${ALICE[@]}" floating ip set --port lonely "$FIP"
expect_ok "floating ip unset --port" "${ALICE[@]}" floating ip unset --port "$FIP"
run "${ALICE[@]}" floating ip show "$FIP" -f json
expect_json "disassociated" "not d['port_id'] and not d['fixed_ip_address']"
expect_fail_status "a router with interfaces cannot be deleted" 409 "${ALICE[@]}" router delete rA
expect_ok "floating ip delete" "${ALICE[@]}" floating ip delete "$FIP"
expect_ok "router remove subnet" "${ALICE[@]}" router remove subnet rA subA
expect_ok "router delete" "${ALICE[@]}" router delete rA

# --- sharing a network with one project (RBAC) ------------------------------------------
run "${OSC[@]}" project show pB -f value -c id
PB_ID="$OUT"
expect_ok "alice's network to share" "${ALICE[@]}" network create sharedA
expect_ok "with a subnet" "${ALICE[@]}" subnet create --network sharedA --subnet-range 10.60.0.0/24 sharedA-sub
run "${BOB[@]}" network show sharedA
expect_fail "bob cannot see it before the share" test "$RC" = 0
expect_ok "network rbac create (access_as_shared with pB)" "${ALICE[@]}" network rbac create --type network \
    --action access_as_shared --target-project "$PB_ID" -f json sharedA
RBAC_ID="$(json "d['id']")"
expect_ok "bob sees the network" "${BOB[@]}" network show sharedA -f json
expect_ok "bob can put a port on it" "${BOB[@]}" port create --network sharedA -f json bob-on-shared
expect_fail_status "the share cannot be withdrawn while bob uses it" 409 "${ALICE[@]}" network rbac delete "$RBAC_ID"
expect_ok "bob removes his port" "${BOB[@]}" port delete bob-on-shared
expect_ok "then alice withdraws the share" "${ALICE[@]}" network rbac delete "$RBAC_ID"

# --- quotas --------------------------------------------------------------------------
expect_ok "quota set --ports 5 for pB (admin)" "${OSC[@]}" quota set --ports 5 pB
expect_ok "quota show pB" "${OSC[@]}" quota show pB -f json
expect_json "the port quota is 5" "any(r.get('Resource') == 'ports' and r.get('Limit') == 5 for r in d) if isinstance(d, list) else d.get('ports') == 5"
expect_ok "bob's subnet for ports" "${BOB[@]}" subnet create --network netB --subnet-range 10.50.0.0/24 quota-sub
for i in 1 2 3 4 5; do expect_ok "bob's port $i" "${BOB[@]}" port create --network netB "bq-$i"; done
expect_fail_status "the sixth port is over quota" 409 "${BOB[@]}" port create --network netB bq-6

# --- address groups as remote ends of rules ---------------------------------------------
expect_ok "address group create" "${ALICE[@]}" address group create --address 192.0.2.7/24 --address 198.51.100.9 -f json office
expect_json "addresses normalized" "sorted(d['addresses']) == ['192.0.2.0/24', '198.51.100.9/32']"
expect_ok "address group set --address" "${ALICE[@]}" address group set --address 203.0.113.0/28 office
expect_ok "address group unset --address" "${ALICE[@]}" address group unset --address 198.51.100.9/32 office
run "${ALICE[@]}" address group show office -f json
expect_json "two addresses left" "sorted(d['addresses']) == ['192.0.2.0/24', '203.0.113.0/28']"
run "${BOB[@]}" address group show office
expect_fail "another project cannot see it" test "$RC" = 0
expect_ok "security group rule with --remote-address-group" "${ALICE[@]}" security group rule create --protocol tcp \
    --dst-port 443 --remote-address-group office -f json web
expect_json "the rule names the group" "d['remote_address_group_id'] and not d['remote_ip_prefix']"
AG_RULE="$(json "d['id']")"
expect_fail_status "a group in use cannot be deleted" 409 "${ALICE[@]}" address group delete office
expect_ok "rule delete" "${ALICE[@]}" security group rule delete "$AG_RULE"
expect_ok "address group delete" "${ALICE[@]}" address group delete office

# --- DNS names ---------------------------------------------------------------------------
expect_ok "port create --dns-name" "${ALICE[@]}" port create --network netA --dns-name web-1 -f json dns-port
expect_json "dns_assignment in the default domain" "d['dns_assignment'][0]['fqdn'] == 'web-1.openstacklocal.' and d['dns_name'] == 'web-1'"
expect_fail_status "an invalid dns name is refused" 400 "${ALICE[@]}" port set --dns-name 'bad_name' dns-port
expect_ok "port delete" "${ALICE[@]}" port delete dns-port

# --- subnet pools ------------------------------------------------------------------------
expect_ok "subnet pool create" "${ALICE[@]}" subnet pool create --pool-prefix 10.210.0.0/16 --default-prefix-length 24 -f json poolA
expect_ok "subnet pool set --pool-prefix (grow)" "${ALICE[@]}" subnet pool set --pool-prefix 10.211.0.0/16 poolA
run "${ALICE[@]}" subnet pool show poolA -f json
expect_json "both prefixes" "sorted(d['prefixes']) == ['10.210.0.0/16', '10.211.0.0/16']"
expect_ok "network for the pool" "${ALICE[@]}" network create pooled
expect_ok "subnet create --subnet-pool" "${ALICE[@]}" subnet create --network pooled --subnet-pool poolA -f json pooled-sub
expect_json "a /24 cut from the pool" "d['cidr'] == '10.210.0.0/24'"
expect_fail_status "a pool in use cannot be deleted" 409 "${ALICE[@]}" subnet pool delete poolA
expect_ok "subnet delete" "${ALICE[@]}" subnet delete pooled-sub
expect_ok "subnet pool delete" "${ALICE[@]}" subnet pool delete poolA
expect_ok "network delete" "${ALICE[@]}" network delete pooled

# --- admin views: IP availability, agents, availability zones ---------------------------------
expect_ok "ip availability list (admin)" "${OSC[@]}" ip availability list -f json
expect_json "public is counted" "any(r['Network Name'] == 'public' for r in d)"
expect_ok "ip availability show netA" "${OSC[@]}" ip availability show netA -f json
expect_json "netA has used addresses" "d['used_ips'] >= 1"
expect_fail_status "members cannot read IP availability" 403 "${ALICE[@]}" ip availability show netA
expect_ok "network agent list (admin)" "${OSC[@]}" network agent list -f json
expect_ok "availability zone list --network" "${OSC[@]}" availability zone list --network -f json

# --- clean up in order ---------------------------------------------------------------
expect_ok "port delete" "${ALICE[@]}" port delete pA1 pA3
expect_ok "network delete once its ports are gone" "${ALICE[@]}" network delete netA

finish
