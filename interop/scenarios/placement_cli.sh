#!/usr/bin/env bash
# Placement (API 1.x) through python-openstackclient with the osc-placement plugin:
# resource providers and trees, inventories, resource classes, traits, allocations with
# capacity checks, allocation candidates and usages, at several microversions.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

start_stratus --fake-compute-hosts 0 || bail "server did not start"

OSC=(openstack --os-cloud stratus)
PL="http://$STRATUS_HOST:8778"

# --- discovery and microversions ----------------------------------------------------
expect_ok "catalog has the placement service" "${OSC[@]}" catalog show placement -f json
expect_contains "placement endpoint is on 8778" "127.0.0.1:8778"
HTTP_BASE=$PL expect_http "version document without a token" 200 GET /
expect_json "versions run from 1.0 to 1.39" "d['versions'][0]['min_version'] == '1.0' and d['versions'][0]['max_version'] == '1.39'" "$HTTP_BODY"
expect_eq "the version served is named" "placement 1.0" "$(header OpenStack-API-Version)"
HTTP_BASE=$PL expect_http "an unsupported microversion is 406" 406 GET / -H "OpenStack-API-Version: placement 1.99"
expect_json "406 names the supported range" "d['errors'][0]['max_version'] == '1.39' and d['errors'][0]['title'] == 'Not Acceptable'" "$HTTP_BODY"

# --- resource providers --------------------------------------------------------------
expect_ok "resource provider create (1.0)" "${OSC[@]}" --os-placement-api-version 1.0 resource provider create cn1 -f json
CN1="$(json "f(d, 'uuid')")"
expect_json "a new provider is at generation 0" "f(d, 'generation') == 0"
expect_ok "resource provider create (1.20)" "${OSC[@]}" --os-placement-api-version 1.20 resource provider create cn2 -f json
CN2="$(json "f(d, 'uuid')")"
expect_ok "child provider create (1.14)" "${OSC[@]}" --os-placement-api-version 1.14 resource provider create \
    --parent-provider "$CN2" cn2-pf1 -f json
PF1="$(json "f(d, 'uuid')")"
expect_json "the child's root is its parent" "f(d, 'root_provider_uuid') == '$CN2' and f(d, 'parent_provider_uuid') == '$CN2'"
expect_fail_status "a duplicate name is a conflict" 409 "${OSC[@]}" resource provider create cn1
expect_ok "resource provider list" "${OSC[@]}" resource provider list -f json
expect_json "three providers are listed" "len(d) == 3 and {'cn1', 'cn2', 'cn2-pf1'} == {f(p, 'name') for p in d}"
expect_ok "resource provider list --in-tree" "${OSC[@]}" --os-placement-api-version 1.14 resource provider list --in-tree "$PF1" -f json
expect_json "the tree holds the parent and the child" "{f(p, 'uuid') for p in d} == {'$CN2', '$PF1'}"
expect_ok "resource provider show" "${OSC[@]}" resource provider show "$CN1" -f json
expect_json "show names the provider" "f(d, 'name') == 'cn1'"
expect_ok "resource provider set (rename)" "${OSC[@]}" resource provider set "$CN1" --name compute-1 -f json
expect_json "the new name is kept (a rename leaves the generation)" "f(d, 'name') == 'compute-1' and f(d, 'generation') == 0"
expect_fail_status "deleting a provider with children is refused" 409 "${OSC[@]}" resource provider delete "$CN2"

# --- inventories ----------------------------------------------------------------------
expect_ok "inventory set" "${OSC[@]}" resource provider inventory set "$CN1" \
    --resource VCPU=4 --resource VCPU:allocation_ratio=2.0 --resource MEMORY_MB=4096 --resource MEMORY_MB:reserved=512 \
    --resource DISK_GB=100 -f json
expect_ok "inventory list" "${OSC[@]}" resource provider inventory list "$CN1" -f json
expect_json "VCPU is 4 at ratio 2 with default units" \
    "any(f(i, 'resource_class') == 'VCPU' and f(i, 'total') == 4 and float(f(i, 'allocation_ratio')) == 2.0 and f(i, 'max_unit') == 2147483647 for i in d)"
expect_json "three classes are listed" "len(d) == 3"
expect_ok "inventory set on the second node" "${OSC[@]}" resource provider inventory set "$CN2" --resource VCPU=2 --resource MEMORY_MB=2048
expect_ok "inventory set on the child" "${OSC[@]}" resource provider inventory set "$PF1" --resource SRIOV_NET_VF=4
expect_fail_status "an unknown class in an inventory is refused" 400 "${OSC[@]}" resource provider inventory set "$CN1" --resource CUSTOM_NOPE=1

# --- resource classes and traits -------------------------------------------------------
expect_ok "resource class create (1.2)" "${OSC[@]}" --os-placement-api-version 1.2 resource class create CUSTOM_GPU_SLICE
expect_ok "resource class list" "${OSC[@]}" --os-placement-api-version 1.2 resource class list -f json
expect_json "standard and custom classes are listed" \
    "{'VCPU', 'MEMORY_MB', 'DISK_GB', 'PCPU', 'CUSTOM_GPU_SLICE'} <= {f(c, 'name') for c in d}"
expect_fail_status "a class without CUSTOM_ is refused" 400 "${OSC[@]}" --os-placement-api-version 1.2 resource class create GPU_SLICE
expect_ok "trait create (1.6)" "${OSC[@]}" --os-placement-api-version 1.6 trait create CUSTOM_RACK_A
expect_ok "trait list" "${OSC[@]}" --os-placement-api-version 1.6 trait list -f json
expect_json "standard and custom traits are listed" \
    "{'HW_CPU_X86_AVX2', 'COMPUTE_VOLUME_MULTI_ATTACH', 'CUSTOM_RACK_A'} <= {f(t, 'name') for t in d}"
expect_ok "resource provider trait set (1.6)" "${OSC[@]}" --os-placement-api-version 1.6 resource provider trait set "$CN1" \
    --trait HW_CPU_X86_AVX2 --trait CUSTOM_RACK_A -f json
expect_json "the provider has both traits" "{f(t, 'name') for t in d} == {'HW_CPU_X86_AVX2', 'CUSTOM_RACK_A'}"
expect_fail_status "an unknown trait is refused" 400 "${OSC[@]}" --os-placement-api-version 1.6 resource provider trait set "$CN1" --trait CUSTOM_NOPE

# --- allocation candidates --------------------------------------------------------------
expect_ok "allocation candidate list --resource VCPU=1 (1.10)" "${OSC[@]}" --os-placement-api-version 1.10 \
    allocation candidate list --resource VCPU=1 -f json
expect_json "both compute nodes are candidates" "{f(r, 'resource provider') for r in d} == {'$CN1', '$CN2'}"
expect_ok "allocation candidate list with a required trait (1.17)" "${OSC[@]}" --os-placement-api-version 1.17 \
    allocation candidate list --resource VCPU=1 --required HW_CPU_X86_AVX2 -f json
expect_json "only the AVX2 node is a candidate" "[f(r, 'resource provider') for r in d] == ['$CN1']"
expect_ok "allocation candidate list over a tree (1.29)" "${OSC[@]}" --os-placement-api-version 1.29 \
    allocation candidate list --resource VCPU=1 --resource SRIOV_NET_VF=1 -f json
expect_json "one candidate spreads over the node and its child" "{f(r, 'resource provider') for r in d} == {'$CN2', '$PF1'} and {f(r, '#') for r in d} == {1}"
expect_ok "allocation candidate list --limit (1.16)" "${OSC[@]}" --os-placement-api-version 1.16 \
    allocation candidate list --resource VCPU=1 --limit 1 -f json
expect_json "one candidate only" "len(d) == 1"
expect_ok "allocation candidate list asking too much" "${OSC[@]}" --os-placement-api-version 1.10 \
    allocation candidate list --resource VCPU=100 -f json
expect_json "no candidate" "d == []"

# --- allocations ------------------------------------------------------------------------
PROJECT_ID="$("${OSC[@]}" project show admin -f value -c id)"
USER_ID="$("${OSC[@]}" user show admin -f value -c id)"
VM1=11111111-2222-4333-8444-555555555501
VM2=11111111-2222-4333-8444-555555555502
VM3=11111111-2222-4333-8444-555555555503
expect_ok "allocation set (1.12)" "${OSC[@]}" --os-placement-api-version 1.12 resource provider allocation set "$VM1" \
    --allocation "rp=$CN1,VCPU=6,MEMORY_MB=1024" --project-id "$PROJECT_ID" --user-id "$USER_ID" -f json
expect_ok "allocation show (1.12)" "${OSC[@]}" --os-placement-api-version 1.12 resource provider allocation show "$VM1" -f json
expect_json "the allocation is on cn1 for the project" \
    "len(d) == 1 and f(d[0], 'resource_provider') == '$CN1' and f(d[0], 'resources')['VCPU'] == 6 and f(d[0], 'project_id') == '$PROJECT_ID'"
expect_fail_status "an allocation beyond capacity is a conflict" 409 "${OSC[@]}" --os-placement-api-version 1.12 \
    resource provider allocation set "$VM2" --allocation "rp=$CN1,VCPU=3" --project-id "$PROJECT_ID" --user-id "$USER_ID"
expect_ok "allocation set with consumer generations (1.28)" "${OSC[@]}" --os-placement-api-version 1.28 \
    resource provider allocation set "$VM2" --allocation "rp=$CN1,VCPU=2" --project-id "$PROJECT_ID" --user-id "$USER_ID" -f json
expect_ok "allocation set with a consumer type (1.38)" "${OSC[@]}" --os-placement-api-version 1.38 \
    resource provider allocation set "$VM3" --allocation "rp=$CN2,VCPU=1" --allocation "rp=$PF1,SRIOV_NET_VF=1" \
    --project-id "$PROJECT_ID" --user-id "$USER_ID" --consumer-type MIGRATION -f json
expect_ok "allocation show (1.38)" "${OSC[@]}" --os-placement-api-version 1.38 resource provider allocation show "$VM3" -f json
expect_json "the consumer's two providers and its type" \
    "{f(a, 'resource_provider') for a in d} == {'$CN2', '$PF1'} and all(f(a, 'consumer_type') == 'MIGRATION' for a in d)"
expect_ok "allocation candidates leave a full node out" "${OSC[@]}" --os-placement-api-version 1.10 \
    allocation candidate list --resource VCPU=1 -f json
expect_json "cn1 (8 of 8 used) is no longer a candidate" "{f(r, 'resource provider') for r in d} == {'$CN2'}"
expect_ok "resource provider usage show" "${OSC[@]}" resource provider usage show "$CN1" -f json
expect_json "cn1 uses 8 VCPU and 1024 MEMORY_MB" \
    "{f(u, 'resource_class'): f(u, 'usage') for u in d} == {'VCPU': 8, 'MEMORY_MB': 1024, 'DISK_GB': 0}"
expect_ok "resource usage show for the project (1.9)" "${OSC[@]}" --os-placement-api-version 1.9 resource usage show "$PROJECT_ID" -f json
expect_json "the project uses 9 VCPU" "{f(u, 'resource_class'): f(u, 'usage') for u in d}.get('VCPU') == 9"
expect_fail_status "a provider with allocations cannot be deleted" 409 "${OSC[@]}" resource provider delete "$CN1"
expect_fail_status "inventory in use cannot be removed" 409 "${OSC[@]}" resource provider inventory delete "$CN1" --resource-class VCPU
expect_ok "allocation delete" "${OSC[@]}" resource provider allocation delete "$VM1"
expect_ok "allocation show after delete" "${OSC[@]}" --os-placement-api-version 1.12 resource provider allocation show "$VM1" -f json
expect_json "nothing is left for the consumer" "d == []"
expect_fail_status "deleting again is not found" 404 "${OSC[@]}" resource provider allocation delete "$VM1"
expect_ok "resource provider usage show after delete" "${OSC[@]}" resource provider usage show "$CN1" -f json
expect_json "cn1 uses 2 VCPU" "{f(u, 'resource_class'): f(u, 'usage') for u in d}['VCPU'] == 2"

# --- the raw API: error codes, generations, methods -----------------------------------------
TOKEN="$("${OSC[@]}" token issue -f value -c id)"
HTTP_BASE=$PL expect_http "a stale generation is a conflict" 409 PUT "/resource_providers/$CN1/traits" \
    -H "X-Auth-Token: $TOKEN" -H "OpenStack-API-Version: placement 1.39" -H "Content-Type: application/json" \
    -d '{"traits": [], "resource_provider_generation": 0}'
expect_json "with the concurrent-update code (1.23 on)" "d['errors'][0]['code'] == 'placement.concurrent_update'" "$HTTP_BODY"
HTTP_BASE=$PL expect_http "another method on a known path is 405" 405 POST "/resource_providers/$CN1" -H "X-Auth-Token: $TOKEN"
expect_eq "405 names the methods allowed" "GET, PUT, DELETE" "$(header Allow)"
HTTP_BASE=$PL expect_http "no token is 401" 401 GET /resource_providers

# --- policy -----------------------------------------------------------------------------
expect_ok "project create" "${OSC[@]}" project create --domain default pA
expect_ok "user create" "${OSC[@]}" user create --domain default --password Alice-pw-1 alice
expect_ok "alice is member of pA" "${OSC[@]}" role add --user alice --project pA member
expect_fail_status "a member may not list providers" 403 openstack --os-auth-type password --os-auth-url "$AUTH_URL" \
    --os-identity-api-version 3 --os-username alice --os-password Alice-pw-1 --os-user-domain-id default \
    --os-project-name pA --os-project-domain-id default resource provider list

# --- cleanup ------------------------------------------------------------------------------
expect_ok "allocation delete (VM2)" "${OSC[@]}" resource provider allocation delete "$VM2"
expect_ok "allocation delete (VM3)" "${OSC[@]}" resource provider allocation delete "$VM3"
expect_ok "resource provider delete (child)" "${OSC[@]}" resource provider delete "$PF1"
expect_ok "resource provider delete" "${OSC[@]}" resource provider delete "$CN2"
expect_ok "resource provider list after deletes" "${OSC[@]}" resource provider list -f json
expect_json "one provider remains" "[f(p, 'name') for p in d] == ['compute-1']"

finish
