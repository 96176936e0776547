#!/usr/bin/env bash
# Builds and tests the Node package (node/) as we ship it:
#   1. `npm ci` on the committed lockfile (dev dependencies: @napi-rs/cli, typescript, the
#      official SDK and express for the tests);
#   2. node/dist.sh: the addon for linux-x64-gnu (glibc 2.17, `dist` profile, stripped), the
#      generated index.d.ts checked against the committed one, and `npm pack` of the main package
#      and the platform package (sizes printed and checked);
#   3. with a PATH that has no cargo or rustc (checked), a fresh app installs the two tarballs
#      (npm picks the platform package through the main one's optionalDependencies), and every
#      `node --test` suite of node/__test__/ runs against that installed package and the simulator;
#   4. the loader's one-line message when the platform package is missing.
# Needs: the Rust toolchain (step 2), Node 20.17+ with npm, crates.io, PyPI and the npm registry.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/node"

for tool in node npm cargo; do
  command -v "$tool" >/dev/null || { echo "run_node.sh: $tool is required" >&2; exit 1; }
done
echo "run_node.sh: node $(node --version), npm $(npm --version), $(cargo --version)"

npm ci --no-audit --no-fund

dist="$root/target/dist/node"
bash dist.sh "$dist"
main_tgz=$(ls "$dist"/mppoint-[0-9]*.tgz)
platform_tgz=$(ls "$dist"/mppoint-linux-x64-gnu-*.tgz)

# shellcheck source=no-rust-path.sh
source "$root/tests/no-rust-path.sh"
export PATH="$NO_RUST_PATH"
echo "run_node.sh: from here on, no Rust on PATH (cargo: $(command -v cargo || echo none), rustc: $(command -v rustc || echo none))"

app="$(mktemp -d "${TMPDIR:-/tmp}/mppoint-node-app.XXXXXX")"
trap 'rm -rf "$app"' EXIT
cd "$app"
npm init -y >/dev/null
# The test suites' own tools, at the versions of node/package-lock.json.
test_deps=$(node -e '
  const lock = require(process.argv[1])
  console.log(["typescript", "@types/node", "mercadopago", "express"]
    .map((n) => `${n}@${lock.packages["node_modules/" + n].version}`).join(" "))' "$root/node/package-lock.json")
# shellcheck disable=SC2086
npm install --no-audit --no-fund "$main_tgz" "$platform_tgz" $test_deps
pkg="$app/node_modules/mppoint"
[ ! -e "$pkg/mppoint.node" ] || { echo "run_node.sh: the main package carries a binary" >&2; exit 1; }
[ -f "$app/node_modules/mppoint-linux-x64-gnu/mppoint.linux-x64-gnu.node" ] \
  || { echo "run_node.sh: the platform package was not installed" >&2; exit 1; }
node -e 'const m = require("mppoint"); console.log(`run_node.sh: installed mppoint ${m.version()} loads`)'

# The suites run against the installed package: they `require("..")`, so they go beside it.
# The shared fixtures they read from ../../tests/fixtures land at node_modules/tests/fixtures, and
# the repository's README.md (whose examples readme.test.js runs) at node_modules/README.md.
cp -R "$root/node/__test__" "$root/node/examples" "$pkg/"
mkdir -p "$app/node_modules/tests"
cp -R "$root/tests/fixtures" "$app/node_modules/tests/"
cp "$root/README.md" "$app/node_modules/README.md"
(cd "$pkg" && node --test --test-timeout=120000 __test__/)

echo "run_node.sh: without the platform package, the loader says so in one line"
mv "$app/node_modules/mppoint-linux-x64-gnu" "$app/platform-package-aside"
set +e
msg=$(node -e 'require("mppoint")' 2>&1)
rc=$?
set -e
mv "$app/platform-package-aside" "$app/node_modules/mppoint-linux-x64-gnu"
line=$(grep -m 1 '^Error: mppoint:' <<<"$msg" || true)
if [ "$rc" -eq 0 ] || [ -z "$line" ] || ! grep -q 'install the package mppoint-linux-x64-gnu' <<<"$line"; then
  echo "$msg" >&2
  echo "run_node.sh: a missing platform package did not give the one-line message" >&2
  exit 1
fi
echo "  $line"
