#!/usr/bin/env bash
# Runs every test suite of mppoint on a fresh machine: Rust (format, lints, unit, integration,
# property and doc tests), then the C, Pascal, Python and Node suites, each of which installs what it
# needs and tests what we ship (the C bundle, the Pascal unit, the wheel, the npm tarballs), and
# finally lints the release workflow.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

step() { printf '\n==== %s ====\n' "$*"; }

step "Rust: cargo fmt --check"
cargo fmt --all -- --check

step "Rust: cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "Rust: the client crate carries no server, simulator or CLI"
bash tests/check_core_deps.sh

step "Rust: cargo test (client, simulator, CLI: unit, integration against the simulator, property, doc tests)"
cargo test -p mppoint -p mppoint-simulator -p mppoint-cli

for lang in c pascal python node; do
  if [ -f "tests/run_${lang}.sh" ]; then
    step "${lang}: tests/run_${lang}.sh"
    bash "tests/run_${lang}.sh"
  fi
done

step "release workflow: actionlint (tests/check_workflows.sh)"
bash tests/check_workflows.sh

step "all suites passed"
