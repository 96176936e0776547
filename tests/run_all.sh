#!/usr/bin/env bash
# Runs every test suite of mppoint on a fresh machine: Rust (format, lints, unit, integration,
# property and doc tests), then the C, Python and Node suites, each of which installs what it needs.
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

for lang in c python node; do
  if [ -f "tests/run_${lang}.sh" ]; then
    step "${lang}: tests/run_${lang}.sh"
    bash "tests/run_${lang}.sh"
  fi
done

step "all suites passed"
