#!/usr/bin/env bash
# Compute (Nova v2.1) through python-openstackclient: version discovery and
# microversions, the seeded flavors, private flavors with extra specs and project
# access, keypairs generated and imported, a member's refusals, and the operator's
# resources: services, hypervisors, aggregates, zones, server groups, quotas, limits, usage.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start_stratus || bail "server did not start"

OSC=(openstack --os-cloud stratus)
NOVA="http://$STRATUS_HOST:8774"

# --- discovery and microversions ----------------------------------------------------
expect_ok "catalog has the compute service" "${OSC[@]}" catalog show compute -f json
expect_contains "compute endpoint is the v2.1 root on 8774" "127.0.0.1:8774/v2.1"
expect_ok "versions show --service compute" "${OSC[@]}" versions show --service compute -f json
expect_json "v2.1 runs from 2.1 to 2.96" \
    "any(f(v, 'Version') == '2.1' and f(v, 'Min Microversion') == '2.1' and f(v, 'Max Microversion') == '2.96' for v in d)"
HTTP_BASE=$NOVA expect_http "version list without a token" 200 GET /
expect_json "the root lists v2.1 with its range" \
    "d['versions'][0]['id'] == 'v2.1' and d['versions'][0]['version'] == '2.96' and d['versions'][0]['min_version'] == '2.1'" "$HTTP_BODY"
HTTP_BASE=$NOVA expect_http "v2.1 document without a token" 200 GET /v2.1
expect_json "the v2.1 document names its media type" \
    "d['version']['media-types'][0]['type'] == 'application/vnd.openstack.compute+json;version=2.1'" "$HTTP_BODY"
TOKEN="$("${OSC[@]}" token issue -f value -c id)"
HTTP_BASE=$NOVA expect_http "a supported microversion" 200 GET /v2.1/flavors -H "X-Auth-Token: $TOKEN" \
    -H "OpenStack-API-Version: compute 2.55"
expect_eq "the version served is named" "compute 2.55" "$(header OpenStack-API-Version)"
expect_eq "and in the legacy header" "2.55" "$(header X-OpenStack-Nova-API-Version)"
HTTP_BASE=$NOVA expect_http "the legacy header alone" 200 GET /v2.1/flavors -H "X-Auth-Token: $TOKEN" \
    -H "X-OpenStack-Nova-API-Version: 2.20"
expect_eq "the legacy request is answered at 2.20" "compute 2.20" "$(header OpenStack-API-Version)"
HTTP_BASE=$NOVA expect_http "an unsupported microversion is 406" 406 GET /v2.1/flavors -H "X-Auth-Token: $TOKEN" \
    -H "OpenStack-API-Version: compute 2.97"
expect_json "406 in Nova's fault body" "d['computeFault']['code'] == 406" "$HTTP_BODY"
HTTP_BASE=$NOVA expect_http "a malformed microversion is 400" 400 GET /v2.1/flavors -H "X-Auth-Token: $TOKEN" \
    -H "OpenStack-API-Version: compute two"
expect_json "400 in Nova's fault body" "d['badRequest']['code'] == 400" "$HTTP_BODY"

# --- flavors --------------------------------------------------------------------------
expect_ok "flavor list" "${OSC[@]}" flavor list -f json
expect_json "the five default flavors are seeded" \
    "sorted((f(x, 'ID'), f(x, 'Name'), f(x, 'RAM'), f(x, 'VCPUs'), f(x, 'Disk')) for x in d) == [('1', 'm1.tiny', 512, 1, 1), ('2', 'm1.small', 2048, 1, 20), ('3', 'm1.medium', 4096, 2, 40), ('4', 'm1.large', 8192, 4, 80), ('5', 'm1.xlarge', 16384, 8, 160)]"
expect_ok "flavor create (private, with a property)" "${OSC[@]}" flavor create --ram 256 --vcpus 1 --disk 1 --private \
    --property hw:cpu_policy=shared f1 -f json
F1="$(json "f(d, 'id')")"
expect_json "the new flavor is private and carries the property" \
    "f(d, 'os-flavor-access:is_public') is False and 'shared' in str(f(d, 'properties'))"
expect_fail_status "a duplicate flavor name is a conflict" 409 "${OSC[@]}" flavor create --ram 256 --vcpus 1 --disk 1 f1
expect_ok "flavor list --all shows the private flavor" "${OSC[@]}" flavor list --all -f json
expect_json "six flavors in all" "len(d) == 6 and any(f(x, 'Name') == 'f1' for x in d)"
expect_ok "flavor list --private" "${OSC[@]}" flavor list --private -f json
expect_json "only f1 is private" "[f(x, 'Name') for x in d] == ['f1']"
expect_ok "flavor list --min-ram 4096 --limit 2" "${OSC[@]}" flavor list --min-ram 4096 --limit 2 -f json
expect_json "paged and filtered" "[f(x, 'Name') for x in d] == ['m1.medium', 'm1.large']"

expect_ok "project create" "${OSC[@]}" project create --domain default dev
expect_ok "user create" "${OSC[@]}" user create --domain default --password Dev-pw-1 dev
expect_ok "dev is a member of dev" "${OSC[@]}" role add --user dev --project dev member
mapfile -t DEV < <(printf '%s\n' openstack --os-auth-type password --os-auth-url "$AUTH_URL" --os-identity-api-version 3 \
    --os-username dev --os-password Dev-pw-1 --os-user-domain-id default --os-project-name dev --os-project-domain-id default)
expect_fail "a member cannot see the private flavor yet" "${DEV[@]}" flavor show "$F1"
expect_contains "it is not found for them" "No Flavor found" "$ERR"
expect_ok "flavor set --project grants access" "${OSC[@]}" flavor set --project dev f1
expect_ok "flavor show" "${OSC[@]}" flavor show f1 -f json
expect_json "show names the grant and the property" \
    "f(d, 'name') == 'f1' and f(d, 'ram') == 256 and 'shared' in str(f(d, 'properties'))"
expect_ok "the member now sees the private flavor" "${DEV[@]}" flavor show "$F1" -f json
expect_json "by its id" "f(d, 'id') == '$F1'"
expect_ok "flavor set --property" "${OSC[@]}" flavor set --property hw:numa_nodes=1 f1
expect_ok "flavor show at 2.61 carries both properties" "${OSC[@]}" --os-compute-api-version 2.61 flavor show f1 -f json
expect_json "two properties" "'hw:numa_nodes' in str(f(d, 'properties')) and 'hw:cpu_policy' in str(f(d, 'properties'))"
expect_ok "flavor unset --property" "${OSC[@]}" flavor unset --property hw:numa_nodes f1
expect_ok "flavor set --description (2.55)" "${OSC[@]}" --os-compute-api-version 2.55 flavor set --description "tiny and private" f1
expect_ok "flavor show --os-compute-api-version 2.79" "${OSC[@]}" --os-compute-api-version 2.79 flavor show f1 -f json
expect_json "the description is kept and swap is a number" "f(d, 'description') == 'tiny and private' and f(d, 'swap') == 0"
expect_fail_status "a member cannot create flavors" 403 "${DEV[@]}" flavor create --ram 1 --vcpus 1 --disk 0 mine
expect_fail_status "a member cannot delete flavors" 403 "${DEV[@]}" flavor delete m1.tiny
expect_ok "flavor unset --project revokes access" "${OSC[@]}" flavor unset --project dev f1
expect_fail "the member lost sight of it" "${DEV[@]}" flavor show "$F1"
expect_contains "it is not found for them any more" "No Flavor found" "$ERR"
expect_ok "flavor delete" "${OSC[@]}" flavor delete f1
expect_fail "the deleted flavor is gone" "${OSC[@]}" flavor show "$F1"
expect_contains "it is not found" "No Flavor found" "$ERR"

# --- keypairs -------------------------------------------------------------------------
expect_ok "keypair create (generated)" "${OSC[@]}" keypair create k1
expect_contains "the private key is printed" "PRIVATE KEY-----"
ssh-keygen -q -t ed25519 -N "" -C "interop" -f "$SCRATCH/k2" </dev/null >/dev/null 2>&1 || bail "ssh-keygen failed"
FP2="$(ssh-keygen -l -E md5 -f "$SCRATCH/k2.pub" | awk '{print $2}' | sed 's/^MD5://')"
expect_ok "keypair create --public-key" "${OSC[@]}" keypair create --public-key "$SCRATCH/k2.pub" k2 -f json
expect_json "the fingerprint is ssh-keygen's MD5" "f(d, 'fingerprint') == '$FP2'"
expect_fail_status "a duplicate keypair name is a conflict" 409 "${OSC[@]}" keypair create --public-key "$SCRATCH/k2.pub" k2
echo "ssh-rsa not-a-key" >"$SCRATCH/bad.pub"
expect_fail_status "an invalid public key is refused" 400 "${OSC[@]}" keypair create --public-key "$SCRATCH/bad.pub" k3
expect_ok "keypair list" "${OSC[@]}" keypair list -f json
expect_json "both keypairs are listed" "sorted(f(x, 'Name') for x in d) == ['k1', 'k2']"
expect_ok "keypair list --os-compute-api-version 2.79" "${OSC[@]}" --os-compute-api-version 2.79 keypair list -f json
expect_json "with their types" "all(f(x, 'Type') == 'ssh' for x in d)"
expect_ok "keypair show" "${OSC[@]}" keypair show k2 -f json
expect_json "show gives the fingerprint" "f(d, 'fingerprint') == '$FP2' and f(d, 'name') == 'k2'"
expect_ok "the member's keypair list is their own" "${DEV[@]}" keypair list -f json
expect_json "and empty" "d == []"
expect_fail "a member cannot see the admin's keypair" "${DEV[@]}" keypair show k2
expect_contains "it is not found for them" "No Keypair found" "$ERR"
expect_ok "keypair delete" "${OSC[@]}" keypair delete k1 k2
expect_ok "keypair list after delete" "${OSC[@]}" keypair list -f json
expect_json "no keypairs remain" "d == []"

# --- the operator's resources (no compute agent yet: no services, hosts or servers) ---
expect_ok "compute service list" "${OSC[@]}" compute service list -f csv
expect_contains "it prints its header" "Binary"
expect_ok "hypervisor list" "${OSC[@]}" hypervisor list -f csv
expect_contains "it prints its header" "Hypervisor Hostname"
expect_ok "aggregate create --zone az2" "${OSC[@]}" aggregate create --zone az2 agg -f json
expect_json "the aggregate is in az2" "f(d, 'name') == 'agg' and f(d, 'availability_zone') == 'az2'"
expect_fail_status "a duplicate aggregate name is a conflict" 409 "${OSC[@]}" aggregate create agg
expect_ok "aggregate set --property" "${OSC[@]}" aggregate set --property ssd=true agg
expect_ok "aggregate show" "${OSC[@]}" aggregate show agg -f json
expect_json "show carries the property and the zone" \
    "'ssd' in str(f(d, 'properties')) and f(d, 'availability_zone') == 'az2' and f(d, 'hosts') == []"
expect_ok "aggregate list" "${OSC[@]}" aggregate list -f json
expect_json "one aggregate" "[f(x, 'Name') for x in d] == ['agg']"
expect_fail_status "a member cannot list aggregates" 403 "${DEV[@]}" aggregate list
expect_ok "aggregate delete" "${OSC[@]}" aggregate delete agg
expect_ok "availability zone list --compute" "${OSC[@]}" availability zone list --compute
expect_ok "server group create --policy anti-affinity" "${OSC[@]}" server group create --policy anti-affinity sg1 -f json
expect_json "the group has the policy and no members" "f(d, 'name') == 'sg1' and 'anti-affinity' in str(d)"
SG1="$(json "f(d, 'id')")"
expect_ok "server group list" "${OSC[@]}" server group list -f json
expect_json "the group is listed" "[f(x, 'ID') for x in d] == ['$SG1']"
expect_ok "server group show" "${OSC[@]}" server group show sg1 -f json
expect_json "by name" "f(d, 'id') == '$SG1'"
expect_ok "the member's group list is their project's" "${DEV[@]}" server group list -f json
expect_json "and empty" "d == []"
expect_ok "server group delete" "${OSC[@]}" server group delete sg1
expect_ok "quota show --compute" "${OSC[@]}" quota show --compute dev -f json
expect_json "Nova's default instance limit" "any(f(x, 'Resource') == 'instances' and f(x, 'Limit') == 10 for x in d)"
expect_ok "quota set --instances 3" "${OSC[@]}" quota set --instances 3 dev
expect_ok "quota show --compute after the change" "${OSC[@]}" quota show --compute dev -f json
expect_json "the new limit" "any(f(x, 'Resource') == 'instances' and f(x, 'Limit') == 3 for x in d)"
expect_fail_status "a member cannot change quotas" 403 "${DEV[@]}" quota set --instances 30 dev
expect_ok "limits show --absolute (the member's project)" "${DEV[@]}" limits show --absolute -f json
expect_json "the member sees the limit set for their project" \
    "any(f(x, 'Name') in ('maxTotalInstances', 'max_total_instances') and f(x, 'Value') == 3 for x in d)"
expect_ok "usage list" "${OSC[@]}" usage list -f csv
expect_contains "it prints its header" "CPU Hours"

finish
