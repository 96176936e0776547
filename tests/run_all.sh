#!/usr/bin/env bash
# Runs every test suite of mppoint on a fresh machine: Rust (format, lints, unit, integration,
# property and doc tests), then the C, Pascal, Python and Node suites, each of which installs what it
# needs and tests what we ship (the C bundle, the Pascal unit, the wheel, the npm tarballs), and
# finally lints the release workflow. It ends with one line of figures per suite (passed, failed,
# skipped), printed whether the run passed or not, so a failure is found without scrolling.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

logs=$(mktemp -d)
started=$(date +%s)
current=""

step() { printf '\n==== %s ====\n' "$*"; }

# Runs a suite with its output shown and kept in $logs/<name>.log for the closing figures.
suite() {
  local name=$1
  shift
  current=$name
  "$@" 2>&1 | tee "$logs/$name.log"
  current=""
}

# The figures of one suite's log: "passed failed skipped", or nothing when it printed none.
figures() {
  local name=$1 log="$logs/$1.log"
  [ -f "$log" ] || return 0
  case "$name" in
    rust|postgres)
      # cargo test: one "test result:" line per test binary.
      grep -E '^test result: ' "$log" | awk '
        { for (i = 1; i <= NF; i++) {
            if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i
            if ($(i+1) ~ /^ignored;?$/) s += $i } n++ }
        END { if (n) print p + 0, f + 0, s + 0 }' ;;
    node)
      # node --test: "ℹ pass N" (spec reporter) or "# pass N" (TAP, when not on a terminal), with
      # fail and skipped alike, once per run of the runner.
      awk '/^(ℹ|#) pass [0-9]+$/{p += $3} /^(ℹ|#) fail [0-9]+$/{f += $3; n++}
        /^(ℹ|#) skipped [0-9]+$/{s += $3} END { if (n) print p + 0, f + 0, s + 0 }' "$log" ;;
    c)
      # The C script's own total ("c: N passed, N failed"), the last such line.
      grep -E '^c: [0-9]+ passed' "$log" | tail -n 1 | awk '
        { for (i = 1; i < NF; i++) { w = $(i+1); gsub(/[^a-z]/, "", w)
            if (w == "passed") p = $i; if (w == "failed") f = $i; if (w == "skipped") s = $i } }
        END { if (NR) print p + 0, f + 0, s + 0 }' | sed 's/[^0-9 ]//g' ;;
    *)
      # Every closing line of the suite's runs, summed: pytest's ("288 passed, 2 skipped in
      # 40.1s"; the suite runs pytest more than once) or a plain "N passed, N failed".
      grep -E '^[0-9]+ (passed|failed)' "$log" | awk '
        { for (i = 1; i < NF; i++) { w = $(i+1); gsub(/[^a-z]/, "", w)
            if (w == "passed") p += $i; if (w == "failed") f += $i; if (w == "skipped") s += $i } }
        END { if (NR) print p + 0, f + 0, s + 0 }' ;;
  esac
}

summary() {
  local rc=$?
  # The figures are read with greps that may find nothing: no -e, no pipefail from here on.
  set +e +o pipefail
  printf '\n==== figures (%s s) ====\n' "$(( $(date +%s) - started ))"
  local tp=0 tf=0 ts=0 name f p fl s
  for name in rust postgres c pascal python node serve; do
    f=$(figures "$name")
    if [ -n "$f" ]; then
      read -r p fl s <<<"$f"
      tp=$((tp + p)); tf=$((tf + fl)); ts=$((ts + s))
      printf '%s: %d passed, %d failed, %d skipped\n' "$name" "$p" "$fl" "$s"
    elif [ -f "$logs/$name.log" ]; then
      echo "$name: no figures printed (see its output above)"
    fi
  done
  if [ "$rc" -ne 0 ]; then
    echo "FAILED (exit $rc) in: ${current:-a step outside the suites (fmt, clippy, dependency or workflow check)}"
  fi
  printf 'total: %d passed, %d failed, %d skipped\n' "$tp" "$tf" "$ts"
  rm -rf "$logs"
  exit "$rc"
}
trap summary EXIT

step "Rust: cargo fmt --check"
cargo fmt --all -- --check

step "Rust: cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "Rust: the client crate carries no server, simulator or CLI"
bash tests/check_core_deps.sh

step "Rust: no import circle among the files of any crate (tests/module_cycles.py)"
python3 tests/module_cycles.py core/src core/simulator/src core/cli/src ffi-c/src python/src node/src

step "Rust: cargo test (client, simulator, CLI: unit, integration against the simulator, property, doc tests)"
suite rust cargo test -p mppoint -p mppoint-simulator -p mppoint-cli

step "Rust: the sale journal on PostgreSQL (a throw-away server: tests/with_postgres.sh)"
suite postgres bash tests/with_postgres.sh bash -c \
  'cargo test -p mppoint --test journal && MPPOINT_CRASH_SALES_PER_TILL=20 cargo test -p mppoint-cli --test crash_campaign -- --nocapture'

for lang in c pascal python node; do
  if [ -f "tests/run_${lang}.sh" ]; then
    step "${lang}: tests/run_${lang}.sh"
    suite "$lang" bash "tests/run_${lang}.sh"
  fi
done

step "mppoint serve: tests/run_serve.sh (curl and a shell folder POS ring up whole sales, schemathesis)"
suite serve bash tests/run_serve.sh

step "API references: rustdoc, pdoc, TypeDoc, README links (tests/run_docs.sh)"
bash tests/run_docs.sh

step "release workflow: actionlint (tests/check_workflows.sh)"
bash tests/check_workflows.sh

step "all suites passed"
