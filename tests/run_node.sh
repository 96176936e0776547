#!/usr/bin/env bash
# Builds and tests the Node package (node/): npm dependencies, the napi-rs addon (release, as
# `npm run build` builds it for users), the generated TypeScript declarations against the
# committed ones, then every `node --test` suite in node/__test__/ against the simulator.
# Needs: the Rust toolchain, Node 18+ with npm, access to crates.io and the npm registry.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/node"

for tool in node npm cargo; do
  command -v "$tool" >/dev/null || { echo "run_node.sh: $tool is required" >&2; exit 1; }
done
echo "run_node.sh: node $(node --version), npm $(npm --version), $(cargo --version)"

# Dev dependencies: @napi-rs/cli (build), mercadopago (signature conformance and benchmark
# baseline), express (the README's webhook example). `npm install` rather than `npm ci`: the lock
# file pins the versions, but npm leaves out of it the optional per-platform packages of a
# dependency whose `engines` exclude the running Node, and `npm ci` then refuses the lock.
npm install --no-audit --no-fund

committed="$(mktemp)"
trap 'rm -f "$committed"' EXIT
cp index.d.ts "$committed"

npm run build

if ! diff -u "$committed" index.d.ts; then
  echo "run_node.sh: node/index.d.ts differs from the committed one (above): run \`npm run build\` in node/ and commit index.d.ts" >&2
  exit 1
fi
echo "run_node.sh: index.d.ts matches the committed one"

node --test --test-timeout=120000 __test__/
