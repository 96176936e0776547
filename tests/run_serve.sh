#!/usr/bin/env bash
# `mppoint serve` end to end, with the real binary and the tools a POS vendor has:
#   1. curl: a whole sale (create, long-poll to APPROVED, settle), the token, a typed 400;
#   2. a POS written in shell that uses the file-exchange folder only (request file, response
#      file, settle file) for a whole sale, and a malformed request answered with the typed error;
#   3. the random token: printed, written to a file of mode 0600, accepted;
#   4. an address other than loopback only when given, with a warning;
#   5. SIGTERM: the bridge stops cleanly and the sale on the terminal stays in the journal;
#   6. schemathesis (PyPI, in a venv under target/, cached) against GET /openapi.json on both
#      APIs: no 5xx, no response outside the schema, no undeclared status, header or method.
# The Rust tests of the bridge (every route on both APIs, 401s, typed 400s, the OpenAPI file
# against the routes served, SIGKILL mid-sale and restart, 50 concurrent sales with the figures)
# are `cargo test -p mppoint-cli --test serve` (run by the Rust suite of tests/run_all.sh).
# Ends with "N passed, N failed".
set -euo pipefail
export RUST_BACKTRACE=0 NO_PROXY='*' no_proxy='*'
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
work=$(mktemp -d "${TMPDIR:-/tmp}/mppoint-serve.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
stage() { printf '\n== %s\n' "$*"; }
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
no() { failed=$((failed + 1)); echo "FAILED: $*"; }
check() { # check DESCRIPTION COMMAND...
  local d=$1
  shift
  if "$@"; then ok "$d"; else no "$d"; fi
}
# Waits (at most $2 seconds) until the file $1 has a line matching $3.
wait_line() {
  local f=$1 secs=$2 re=$3 end=$((SECONDS + $2))
  while [ $SECONDS -lt $end ]; do
    grep -qE "$re" "$f" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

stage "build"
cargo build -q -p mppoint-cli
bin=$root/target/debug/mppoint

# start NAME ARGS...: `mppoint serve` on a free loopback port; sets $port and $pid.
start() {
  local name=$1
  shift
  "$bin" serve --listen 127.0.0.1:0 "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pid=$!
  pids+=("$pid")
  if ! wait_line "$work/$name.out" 60 '^ready$'; then
    cat "$work/$name.err" >&2
    echo "FAILED: the bridge $name did not start" >&2
    exit 1
  fi
  port=$(sed -n 's|^mppoint serve listening on http://[^:]*:\([0-9]*\)$|\1|p' "$work/$name.out")
}
json() { python3 -c "import json,sys; v=json.load(sys.stdin); print($1)"; }

# ---------------------------------------------------------------------------- 1. curl
stage "curl: a whole sale"
start curl --simulator --sim-step-ms 100 --token T --journal "$work/curl.sqlite"
base="http://127.0.0.1:$port"
auth=(-H "Authorization: Bearer T")
code=$(curl -s -o "$work/r.json" -w '%{http_code}' "${auth[@]}" -X POST "$base/v1/sales" \
  -d '{"reference": "CURL-1", "amount": "25.00", "description": "Coffee", "pos": "SUC001POS001"}')
check "POST /v1/sales is 202" [ "$code" = 202 ]
state=""
for _ in 1 2 3 4 5 6; do
  curl -s "${auth[@]}" "$base/v1/sales/CURL-1/wait?timeout_s=10" >"$work/w.json"
  state=$(json 'v["state"]' <"$work/w.json")
  [ "$state" = FINAL ] && break
done
check "the long-poll ends APPROVED" [ "$(json 'v["verdict"]' <"$work/w.json")" = APPROVED ]
check "settle books it once" [ "$(curl -s "${auth[@]}" -X POST "$base/v1/sales/CURL-1/settle" | json 'v["settled"]')" = True ]
check "settle again says it was booked already" [ "$(curl -s "${auth[@]}" -X POST "$base/v1/sales/CURL-1/settle" | json 'v["settled"]')" = False ]
check "no token: 401" [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/sales")" = 401 ]
check "wrong token: 401" [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer X' "$base/v1/devices")" = 401 ]
check "/healthz needs no token" [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ]
code=$(curl -s -o "$work/e.json" -w '%{http_code}' "${auth[@]}" -X POST "$base/v1/sales" -d '{"reference": "CURL-2", "amount": 25.0, "pos": "SUC001POS001"}')
check "an amount as a number: typed 400" [ "$code" = 400 -a "$(json 'v["error"]["code"]' <"$work/e.json")" = INVALID_ARGUMENT ]

# ---------------------------------------------------------------------------- 2. shell folder POS
stage "a POS in shell on the file-exchange folder"
x=$work/exchange
start folder --simulator --sim-step-ms 100 --token T --journal "$work/folder.sqlite" --exchange-dir "$x"
# The POS: write the request under a hidden name, rename it into requests/, read the response
# file until it says final, then book the sale and settle it.
pos_sale() {
  local ref=$1 amount=$2 dir=$3
  printf '{"amount": "%s", "description": "Shell POS", "pos": "SUC001POS002"}\n' "$amount" >"$dir/requests/.$ref.tmp"
  mv "$dir/requests/.$ref.tmp" "$dir/requests/$ref.json"
  wait_line "$dir/responses/$ref.json" 60 '"final": true' || return 1
  grep -q '"verdict": "APPROVED"' "$dir/responses/$ref.json" || return 1
  : >"$dir/settle/$ref.json"
  wait_line "$dir/responses/$ref.json" 30 '"state": "SETTLED"'
}
check "the shell POS rings up a whole sale (request, APPROVED response, settled)" pos_sale SHELL-1 12.50 "$x"
check "the request was consumed once (moved to done/)" [ -f "$x/done/SHELL-1.json" -a ! -e "$x/requests/SHELL-1.json" -a ! -e "$x/processing/SHELL-1.json" ]
echo 'this is not json' >"$x/requests/BROKEN.json"
wait_line "$x/responses/BROKEN.json" 30 '"code": "INVALID_ARGUMENT"' && ok "a malformed request file gets the typed error in its response" || no "malformed request file"
check "the bridge is still up" [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]

# ---------------------------------------------------------------------------- 3. random token
stage "the random token"
start tok --simulator --journal "$work/tok.sqlite" --token-file "$work/tok/serve.token"
tok=$(sed -n 's/^token: //p' "$work/tok.out")
check "the token is printed and written to the file" [ -n "$tok" -a "$(cat "$work/tok/serve.token")" = "$tok" ]
check "the token file is readable by its owner only (0600)" [ "$(stat -c %a "$work/tok/serve.token")" = 600 ]
check "the printed token is accepted" [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/v1/sales")" = 200 ]

# ---------------------------------------------------------------------------- 4. not loopback
stage "another address only when given, with a warning"
"$bin" serve --simulator --token T --journal "$work/any.sqlite" --listen 0.0.0.0:0 >"$work/any.out" 2>"$work/any.err" &
pids+=("$!")
wait_line "$work/any.out" 60 '^ready$' || true
check "binding 0.0.0.0 warns on stderr" grep -q '^warning: .*not loopback' "$work/any.err"
check "the default is loopback" grep -q '^mppoint serve listening on http://127.0.0.1:' "$work/curl.out"

# ---------------------------------------------------------------------------- 5. SIGTERM
stage "SIGTERM leaves the sale resumable"
start term --simulator --sim-step-ms 100 --token T --journal "$work/term.sqlite"
curl -s "${auth[@]}" -X POST "http://127.0.0.1:$port/v1/sales" -d '{"reference": "TERM-1", "amount": "9.44", "pos": "SUC001POS001"}' >/dev/null
for _ in 1 2 3 4 5 6 7 8 9 10; do
  curl -s "${auth[@]}" "http://127.0.0.1:$port/v1/sales/TERM-1" | grep -q '"ON_TERMINAL"' && break
  curl -s "${auth[@]}" "http://127.0.0.1:$port/v1/sales/TERM-1/wait?timeout_s=1" >/dev/null
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
check "the bridge exits 0 on SIGTERM" [ "$rc" = 0 ]
check "it says the sales resume at the next start" grep -q 'resume at the next start' "$work/term.err"
check "the sale is still pending in the journal" bash -c "'$bin' pending --journal '$work/term.sqlite' --json | grep -q '\"reference\": \"TERM-1\"'"

# ---------------------------------------------------------------------------- 6. schemathesis
stage "schemathesis against GET /openapi.json"
venv=$root/target/serve-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'schemathesis==4.32.5'
fi
"$venv/bin/schemathesis" --version
for api in intents orders; do
  start "st-$api" --simulator --sim-step-ms 100 --token T --journal "$work/st-$api.sqlite" --api "$api"
  # Every check but positive_data_acceptance: a schema cannot say the site's amount limits
  # (MLB 1.00-70000.00, MLA 5.00-4000000.00), so a schema-valid amount may rightly be a 400.
  # Run from $work: schemathesis keeps its example database in ./.schemathesis.
  if (cd "$work" && "$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" --url "http://127.0.0.1:$port" \
    -H "Authorization: Bearer T" --exclude-checks positive_data_acceptance \
    --max-examples 25 --seed 22 --no-color --request-timeout 70) >"$work/st-$api.log" 2>&1; then
    tail -n 12 "$work/st-$api.log"
    ok "schemathesis ($api): no 5xx, no schema violation"
  else
    cat "$work/st-$api.log"
    no "schemathesis ($api)"
  fi
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
