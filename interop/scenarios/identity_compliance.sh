#!/usr/bin/env bash
# Security compliance through the CLI, configured by environment variables as an
# operator would: password rules, changing one's own password, lockout.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

export STRATUS_SECURITY_COMPLIANCE_PASSWORD_REGEX='^(?=.*[0-9]).{8,}$'
export STRATUS_SECURITY_COMPLIANCE_PASSWORD_REGEX_DESCRIPTION='at least 8 characters, one of them a digit'
export STRATUS_SECURITY_COMPLIANCE_UNIQUE_LAST_PASSWORD_COUNT=2
export STRATUS_SECURITY_COMPLIANCE_LOCKOUT_FAILURE_ATTEMPTS=3
export STRATUS_SECURITY_COMPLIANCE_LOCKOUT_DURATION=600
start_stratus || bail "server did not start"
OSC=(openstack --os-cloud stratus)
as_dave() { # as_dave PASSWORD: an openstack command line authenticating as dave, unscoped
    printf '%s\n' openstack --os-auth-type password --os-auth-url "$AUTH_URL" --os-identity-api-version 3 \
        --os-username dave --os-password "$1" --os-user-domain-id default
}

expect_fail "a password breaking the regex is refused" "${OSC[@]}" user create --domain default --password short dave
expect_contains "the refusal says why" "at least 8 characters" "$ERR"
expect_fail "the refused user was not created" "${OSC[@]}" user show dave
expect_ok "a good password is accepted" "${OSC[@]}" user create --domain default --password first-pw-1 dave

mapfile -t DAVE < <(as_dave first-pw-1)
expect_ok "dave changes his own password" "${DAVE[@]}" user password set --original-password first-pw-1 --password second-pw-2
mapfile -t DAVE < <(as_dave second-pw-2)
expect_ok "the new password works" "${DAVE[@]}" token issue
mapfile -t OLD < <(as_dave first-pw-1)
expect_fail "the old password does not" "${OLD[@]}" token issue
expect_fail "a recent password cannot come back" "${DAVE[@]}" user password set --original-password second-pw-2 --password first-pw-1

mapfile -t WRONG < <(as_dave wrong-pw-9)
for attempt in 1 2 3; do
    expect_fail "wrong password, attempt $attempt" "${WRONG[@]}" token issue
done
expect_fail "after three failures the account is locked, even with the right password" "${DAVE[@]}" token issue
expect_contains "the refusal says the account is locked" "locked" "$ERR"

finish
