# Shared helpers for interop scenarios (bash). Source it from a scenario:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
#   start_stratus || bail "server did not start"
#   expect_ok "token issue" openstack --os-cloud stratus token issue -f json
#   ...
#   finish
#
# Every assertion is numbered, printed as `ok N - ...` / `not ok N - ...`, and
# a failing assertion does not stop the scenario. `finish` stops the server,
# prints `assertions: P passed, F failed` and exits non-zero on any failure.
#
# After each `run`/`expect_*` call: $RC is the exit status, $OUT the stdout,
# $ERR the stderr. After `http`/`expect_http`: $HTTP_CODE, $HTTP_BODY and
# $HTTP_HEADERS (raw header block, CRLF stripped).

set -uo pipefail

INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$INTEROP_DIR/.." && pwd)"
STRATUS_BIN="${STRATUS_BIN:-$ROOT/.build/debug/stratus}"
INTEROP_VENV="${INTEROP_VENV:-$ROOT/.venv-interop}"
if [[ -d "$INTEROP_VENV/bin" && ":$PATH:" != *":$INTEROP_VENV/bin:"* ]]; then
    PATH="$INTEROP_VENV/bin:$PATH"
fi
PY="$INTEROP_VENV/bin/python"
[[ -x "$PY" ]] || PY="$(command -v python3)"

STRATUS_HOST=127.0.0.1
STRATUS_PORT=5000
BASE_URL="http://$STRATUS_HOST:$STRATUS_PORT"
# shellcheck disable=SC2034 # used by the scenarios
AUTH_URL="$BASE_URL/v3"
STARTUP_TIMEOUT="${STRATUS_STARTUP_TIMEOUT:-60}"
CMD_TIMEOUT="${INTEROP_CMD_TIMEOUT:-120}"

# Nothing from the caller's environment may steer the clients elsewhere.
while IFS= read -r _var; do unset "$_var"; done < <(compgen -e | grep -E '^OS_' || true)
unset _var
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/stratus-scenario.XXXXXX")"
STRATUS_PID=""
STRATUS_DATA_DIR=""
STRATUS_EXIT_STATUS=""
ADMIN_PASSWORD="${ADMIN_PASSWORD:-adm-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}"
ASSERT_N=0
ASSERT_PASSED=0
ASSERT_FAILED=0
RC=0
OUT=""
ERR=""
HTTP_CODE=""
HTTP_BODY=""
HTTP_HEADERS=""

_interop_cleanup() {
    if [[ -n "$STRATUS_PID" ]]; then
        kill -TERM "$STRATUS_PID" 2>/dev/null
        local i
        for ((i = 0; i < 100; i++)); do
            kill -0 "$STRATUS_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$STRATUS_PID" 2>/dev/null
        wait "$STRATUS_PID" 2>/dev/null
        STRATUS_PID=""
    fi
    if [[ "${INTEROP_KEEP:-0}" == 1 ]]; then
        echo "# kept: data dir $STRATUS_DATA_DIR, scratch $SCRATCH"
    else
        [[ -n "$STRATUS_DATA_DIR" ]] && rm -rf "$STRATUS_DATA_DIR"
        rm -rf "$SCRATCH"
    fi
}
trap _interop_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

_indent() { sed -e 's/^/#     /' | tail -n "${1:-25}"; }

port_open() { (exec 3<>"/dev/tcp/$STRATUS_HOST/$1") 2>/dev/null; }

# start_stratus: start a fresh server in a new temporary data dir and wait for
# "Stratus is up". Exports OS_CLIENT_CONFIG_FILE. Returns non-zero on failure.
start_stratus() {
    if [[ ! -x "$STRATUS_BIN" ]]; then
        echo "# server binary not found: $STRATUS_BIN"
        return 1
    fi
    local i
    # A server from a previous scenario may still be releasing the port.
    for ((i = 0; i < 100; i++)); do
        port_open "$STRATUS_PORT" || break
        sleep 0.1
    done
    if port_open "$STRATUS_PORT"; then
        echo "# $STRATUS_HOST:$STRATUS_PORT is already in use by another process"
        return 1
    fi
    STRATUS_DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/stratus-data.XXXXXX")"
    STRATUS_LOG="$SCRATCH/server.log"
    "$STRATUS_BIN" up --data-dir "$STRATUS_DATA_DIR" --admin-password "$ADMIN_PASSWORD" "$@" \
        </dev/null >"$STRATUS_LOG" 2>&1 &
    STRATUS_PID=$!
    local start=$SECONDS
    while ! grep -q "Stratus is up" "$STRATUS_LOG" 2>/dev/null; do
        if ! kill -0 "$STRATUS_PID" 2>/dev/null; then
            wait "$STRATUS_PID"
            echo "# server exited with status $? before it was up; its output:"
            _indent 60 <"$STRATUS_LOG"
            STRATUS_PID=""
            return 1
        fi
        if ((SECONDS - start >= STARTUP_TIMEOUT)); then
            echo "# server not up after ${STARTUP_TIMEOUT}s; its output:"
            _indent 60 <"$STRATUS_LOG"
            return 1
        fi
        sleep 0.2
    done
    echo "# server up in $((SECONDS - start))s (pid $STRATUS_PID, data dir $STRATUS_DATA_DIR)"
    export OS_CLIENT_CONFIG_FILE="$STRATUS_DATA_DIR/clouds.yaml"
    if [[ ! -f "$OS_CLIENT_CONFIG_FILE" ]]; then
        echo "# $OS_CLIENT_CONFIG_FILE was not written"
        return 1
    fi
    return 0
}

# stop_stratus: SIGTERM the server, wait up to 20 s (then SIGKILL). Sets
# STRATUS_EXIT_STATUS and returns it.
stop_stratus() {
    [[ -n "$STRATUS_PID" ]] || return 0
    kill -TERM "$STRATUS_PID" 2>/dev/null
    local i
    for ((i = 0; i < 200; i++)); do
        kill -0 "$STRATUS_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$STRATUS_PID" 2>/dev/null; then
        echo "# server still running 20s after SIGTERM, killing it"
        kill -KILL "$STRATUS_PID" 2>/dev/null
    fi
    wait "$STRATUS_PID" 2>/dev/null
    STRATUS_EXIT_STATUS=$?
    STRATUS_PID=""
    return "$STRATUS_EXIT_STATUS"
}

bail() {
    echo "Bail out! $*"
    ASSERT_FAILED=$((ASSERT_FAILED + 1))
    finish
}

# _record PASSED(0|1) DESCRIPTION [DETAIL...]
_record() {
    local ok=$1 desc=$2
    shift 2
    ASSERT_N=$((ASSERT_N + 1))
    if [[ "$ok" == 1 ]]; then
        ASSERT_PASSED=$((ASSERT_PASSED + 1))
        echo "ok $ASSERT_N - $desc"
    else
        ASSERT_FAILED=$((ASSERT_FAILED + 1))
        echo "not ok $ASSERT_N - $desc"
        local d
        for d in "$@"; do
            [[ -n "$d" ]] && printf '%s\n' "$d" | _indent
        done
    fi
    return $((1 - ok))
}

_last_output() {
    printf 'exit status %s\n' "$RC"
    [[ -n "$OUT" ]] && printf 'stdout:\n%s\n' "$OUT"
    [[ -n "$ERR" ]] && printf 'stderr:\n%s\n' "$ERR"
}

# run CMD...: run with a timeout, capture $OUT/$ERR/$RC. Never fails.
run() {
    timeout --kill-after=10 "$CMD_TIMEOUT" "$@" </dev/null >"$SCRATCH/out" 2>"$SCRATCH/err"
    RC=$?
    OUT="$(cat "$SCRATCH/out")"
    ERR="$(cat "$SCRATCH/err")"
    return 0
}

# expect_ok DESC CMD...: command exits 0.
expect_ok() {
    local desc=$1
    shift
    run "$@"
    if [[ "$RC" == 0 ]]; then _record 1 "$desc"; else _record 0 "$desc" "\$ $*" "$(_last_output)"; fi
}

# expect_py DESC <<'EOF' … EOF: runs the Python script read from standard input (a
# here-document) in the test venv; passes when it exits 0. The script goes through a file:
# `run` gives commands /dev/null as their input, so `"$PY" -` would run an empty script.
expect_py() {
    local desc=$1 script
    script="$(mktemp "$SCRATCH/script.XXXXXX.py")"
    cat >"$script"
    [[ -s "$script" ]] || { _record 0 "$desc" "no script on standard input"; return; }
    expect_ok "$desc" "$PY" "$script"
}

# expect_status DESC SERVER STATUS: polls (up to 30 s) until the server has STATUS
# (through the scenario's "${OSC[@]}" command).
expect_status() {
    local desc=$1 server=$2 want=$3 i status=""
    for ((i = 0; i < 150; i++)); do
        status="$("${OSC[@]}" server show "$server" -f value -c status 2>/dev/null)"
        [[ "$status" == "$want" ]] && break
        sleep 0.2
    done
    expect_eq "$desc" "$want" "$status"
}

# expect_fail DESC CMD...: command exits non-zero.
expect_fail() {
    local desc=$1
    shift
    run "$@"
    if [[ "$RC" != 0 ]]; then _record 1 "$desc"; else _record 0 "$desc (expected failure)" "\$ $*" "$(_last_output)"; fi
}

# expect_fail_status DESC STATUS CMD...: command exits non-zero and its
# output mentions the HTTP status (e.g. "(HTTP 403)" or "403: Client Error").
expect_fail_status() {
    local desc=$1 status=$2
    shift 2
    run "$@"
    if [[ "$RC" != 0 ]] && grep -Eq "(^|[^0-9])$status([^0-9]|$)" <<<"$OUT"$'\n'"$ERR"; then
        _record 1 "$desc"
    else
        _record 0 "$desc (expected failure mentioning HTTP $status)" "\$ $*" "$(_last_output)"
    fi
}

# expect_contains DESC NEEDLE [HAYSTACK]: fixed-string search in HAYSTACK
# (default: $OUT of the last command).
expect_contains() {
    local desc=$1 needle=$2 hay=${3-$OUT}
    if grep -Fq -- "$needle" <<<"$hay"; then _record 1 "$desc"; else _record 0 "$desc" "expected to find: $needle" "in: $hay"; fi
}

# expect_eq DESC EXPECTED ACTUAL
expect_eq() {
    if [[ "$2" == "$3" ]]; then _record 1 "$1"; else _record 0 "$1" "expected: $2" "actual:   $3"; fi
}

# wait_for KIND NAME STATUS: polls (up to 60 s) `openstack … KIND show NAME` (the scenario's
# OSC array) until it has STATUS, or error; then expects STATUS.
wait_for() {
    local kind=$1 name=$2 want=$3 i status=""
    for ((i = 0; i < 300; i++)); do
        # shellcheck disable=SC2086  # KIND may be two words ("volume snapshot")
        status="$("${OSC[@]}" $kind show "$name" -f value -c status 2>/dev/null)"
        [[ "$status" == "$want" || ("$status" == error && "$want" != error) ]] && break
        sleep 0.2
    done
    expect_eq "$kind $name becomes $want" "$want" "$status"
}

# json EXPR [TEXT]: evaluate a Python expression over the parsed JSON TEXT
# (default $OUT) bound to `d`; prints the result (str() of it, lists and
# dicts as JSON). Non-zero exit if the text is not JSON or EXPR raises.
# `f(obj, "project_id")` reads a field whatever the client's column naming
# ("project_id", "Project ID", "ProjectId"); None if absent.
json() {
    local expr=$1 text=${2-$OUT}
    "$PY" -c '
import json, sys
def _norm(k):
    return "".join(c for c in str(k).lower() if c.isalnum())
def f(obj, name):
    want = _norm(name)
    for k, v in obj.items():
        if _norm(k) == want:
            return v
    return None
d = json.loads(sys.stdin.read())
r = eval(sys.argv[1], {"d": d, "f": f, "any": any, "all": all, "len": len, "str": str})
print(json.dumps(r) if isinstance(r, (list, dict)) else r)
' "$expr" <<<"$text" 2>/dev/null
}

# expect_json DESC PY-BOOLEAN-EXPR [TEXT]: expression over `d` (parsed JSON
# of TEXT, default $OUT) is true.
expect_json() {
    local desc=$1 expr=$2 text=${3-$OUT}
    local r
    r="$(json "bool($expr)" "$text")"
    if [[ "$r" == True ]]; then _record 1 "$desc"; else _record 0 "$desc" "expression: $expr" "on: $text"; fi
}

# http METHOD PATH [CURL-ARGS...]: request ${HTTP_BASE:-$BASE_URL}$PATH (set
# HTTP_BASE to reach another service's port). Sets HTTP_CODE,
# HTTP_BODY, HTTP_HEADERS.
http() {
    local method=$1 path=$2
    shift 2
    HTTP_CODE="$(curl -sS --noproxy '*' --max-time 30 -X "$method" -o "$SCRATCH/body" -D "$SCRATCH/headers" \
        -w '%{http_code}' "$@" "${HTTP_BASE:-$BASE_URL}$path" 2>"$SCRATCH/curl.err")" || HTTP_CODE="curl-error: $(cat "$SCRATCH/curl.err")"
    HTTP_BODY="$(cat "$SCRATCH/body" 2>/dev/null)"
    HTTP_HEADERS="$(tr -d '\r' <"$SCRATCH/headers" 2>/dev/null)"
}

# header NAME: value of response header NAME (case-insensitive) from the last
# http call; empty if absent.
header() {
    awk -v n="$(tr '[:upper:]' '[:lower:]' <<<"$1")" '
        { i = index($0, ":"); if (i > 0 && tolower(substr($0, 1, i - 1)) == n) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v); print v; exit } }
    ' <<<"$HTTP_HEADERS"
}

# expect_http DESC STATUS METHOD PATH [CURL-ARGS...]
expect_http() {
    local desc=$1 status=$2
    shift 2
    http "$@"
    if [[ "$HTTP_CODE" == "$status" ]]; then
        _record 1 "$desc"
    else
        _record 0 "$desc (expected HTTP $status, got $HTTP_CODE)" "$HTTP_HEADERS" "$HTTP_BODY"
    fi
}

# expect_header DESC NAME: the last http response has header NAME.
expect_header() {
    local v
    v="$(header "$2")"
    if [[ -n "$v" ]]; then _record 1 "$1"; else _record 0 "$1 (no $2 header)" "$HTTP_HEADERS"; fi
}

# finish: stop the server (asserting a clean exit on SIGTERM when it was
# running), print the summary line and exit.
finish() {
    if [[ -n "$STRATUS_PID" ]]; then
        stop_stratus
        expect_eq "server exits with status 0 on SIGTERM" 0 "$STRATUS_EXIT_STATUS"
    fi
    if ((ASSERT_FAILED)) && [[ -n "${STRATUS_LOG:-}" && -f "$STRATUS_LOG" ]]; then
        echo "# last lines of the server output:"
        _indent 40 <"$STRATUS_LOG"
    fi
    echo "assertions: $ASSERT_PASSED passed, $ASSERT_FAILED failed"
    if ((ASSERT_FAILED)); then exit 1; fi
    exit 0
}
