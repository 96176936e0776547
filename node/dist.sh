#!/usr/bin/env bash
# Builds the npm packages we ship, in napi-rs's per-platform layout, into OUTDIR:
#   mppoint-VERSION.tgz                 the main package: JavaScript, index.d.ts, the loader
#                                       (load.js); its optionalDependencies name one package per
#                                       target of package.json `napi.targets`
#   mppoint-linux-x64-gnu-VERSION.tgz   the addon for Linux x64 with glibc 2.17 or later (built
#                                       here with the `dist` profile, linked by Zig; stripped)
# The other platforms' packages are built by .github/workflows/release.yml with this script's
# --stage-only and --pack-only steps. Also regenerates index.d.ts into the staging directory and
# fails when it differs from the committed node/index.d.ts.
# Needs `npm ci` done in node/ (for @napi-rs/cli). Prints OUTDIR on its last line.
# Usage: node/dist.sh OUTDIR
set -euo pipefail

outdir=${1:?usage: node/dist.sh OUTDIR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../tests/dist-env.sh
source "$root/tests/dist-env.sh"
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
cd "$root/node"
[ -x node_modules/.bin/napi ] || { echo "dist.sh: run \`npm ci\` in node/ first (for @napi-rs/cli)" >&2; exit 1; }
for f in LICENSE-MIT LICENSE-APACHE; do
  cmp -s "$f" "$root/$f" || { echo "dist.sh: node/$f differs from $root/$f: copy it again" >&2; exit 1; }
done

stage="$outdir/stage"
rm -rf "$stage" "$outdir"/mppoint-*.tgz
mkdir -p "$stage/mppoint"

start=$(date +%s)
# Without -x: the CC/linker variables of tests/dist-env.sh point at Zig (glibc 2.17), the same
# as for the C and Python builds, so the three share their compiled dependencies.
node_modules/.bin/napi build --platform --target "$DIST_TARGET" --profile "$DIST_PROFILE" --no-js \
  --dts index.d.ts --output-dir "$stage/build" >"$stage/build.log" 2>&1 \
  || { cat "$stage/build.log" >&2; echo "dist.sh: napi build failed (above)" >&2; exit 1; }
echo "dist.sh: addon built in $(( $(date +%s) - start )) s (profile $DIST_PROFILE, $DIST_TARGET, glibc $DIST_GLIBC)"
if ! diff -u index.d.ts "$stage/build/index.d.ts"; then
  echo "dist.sh: node/index.d.ts differs from the generated one (above): run \`npm run build\` in node/ and commit index.d.ts" >&2
  exit 1
fi
echo "dist.sh: index.d.ts matches the committed one"

# One package per platform (napi-rs naming), and the main package that selects them.
node - "$stage" "$DIST_TARGET" <<'JS'
const fs = require('node:fs')
const path = require('node:path')
const [stage, builtTarget] = process.argv.slice(2)
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8'))
const platforms = {
  'x86_64-unknown-linux-gnu': ['linux-x64-gnu', 'linux', 'x64', 'glibc'],
  'aarch64-unknown-linux-gnu': ['linux-arm64-gnu', 'linux', 'arm64', 'glibc'],
  'x86_64-unknown-linux-musl': ['linux-x64-musl', 'linux', 'x64', 'musl'],
  'aarch64-unknown-linux-musl': ['linux-arm64-musl', 'linux', 'arm64', 'musl'],
  'x86_64-apple-darwin': ['darwin-x64', 'darwin', 'x64'],
  'aarch64-apple-darwin': ['darwin-arm64', 'darwin', 'arm64'],
  'x86_64-pc-windows-msvc': ['win32-x64-msvc', 'win32', 'x64'],
  'aarch64-pc-windows-msvc': ['win32-arm64-msvc', 'win32', 'arm64'],
}
const loader = fs.readFileSync('load.js', 'utf8')
const optional = {}
for (const target of pkg.napi.targets) {
  const p = platforms[target]
  if (!p) throw new Error(`dist.sh: no package layout for napi target ${target}`)
  const [key, os, cpu, libc] = p
  if (!loader.includes(`'${key}'`)) throw new Error(`dist.sh: load.js does not list ${key}`)
  optional[`${pkg.name}-${key}`] = pkg.version
  const dir = path.join(stage, `${pkg.name}-${key}`)
  fs.mkdirSync(dir, { recursive: true })
  const binary = `${pkg.napi.binaryName}.${key}.node`
  const platformPkg = {
    name: `${pkg.name}-${key}`,
    version: pkg.version,
    description: `The ${key} native part of ${pkg.name} (installed by npm through ${pkg.name}'s optionalDependencies).`,
    license: pkg.license,
    repository: pkg.repository,
    main: binary,
    files: [binary, 'LICENSE-MIT', 'LICENSE-APACHE', 'README.md'],
    os: [os],
    cpu: [cpu],
    ...(libc ? { libc: [libc] } : {}),
    engines: pkg.engines,
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(platformPkg, null, 2) + '\n')
  fs.writeFileSync(path.join(dir, 'README.md'),
    `# ${platformPkg.name}\n\nThe native addon of [\`${pkg.name}\`](https://www.npmjs.com/package/${pkg.name}) for ${key}. ` +
    `Install \`${pkg.name}\`, not this package: npm picks the right platform package by itself.\n`)
  for (const f of ['LICENSE-MIT', 'LICENSE-APACHE']) fs.copyFileSync(f, path.join(dir, f))
  if (target === builtTarget) fs.copyFileSync(path.join(stage, 'build', binary), path.join(dir, binary))
}
const main = { ...pkg }
delete main.devDependencies
delete main.devEngines
delete main.overrides
delete main.scripts
main.files = pkg.files.filter((f) => f !== `${pkg.napi.binaryName}.node`)
main.optionalDependencies = optional
fs.writeFileSync(path.join(stage, 'mppoint', 'package.json'), JSON.stringify(main, null, 2) + '\n')
for (const f of main.files) fs.copyFileSync(f, path.join(stage, 'mppoint', f))
JS

# Addons built elsewhere (the release workflow's other platforms): MPPOINT_NODE_BINARIES names a
# directory of mppoint.<platform>.node files.
if [ -n "${MPPOINT_NODE_BINARIES:-}" ]; then
  for f in "$MPPOINT_NODE_BINARIES"/mppoint.*.node; do
    key=$(basename "$f" .node); key=${key#mppoint.}
    [ -d "$stage/mppoint-$key" ] || { echo "dist.sh: $f matches no napi target" >&2; exit 1; }
    [ -f "$stage/mppoint-$key/$(basename "$f")" ] || cp "$f" "$stage/mppoint-$key/"
  done
fi

# Pack the main package and every platform package whose binary is there.
for dir in "$stage/mppoint" "$stage"/mppoint-*/; do
  dir=${dir%/}
  if [ "$dir" != "$stage/mppoint" ] && ! ls "$dir"/*.node >/dev/null 2>&1; then continue; fi
  (cd "$dir" && npm pack --quiet --pack-destination "$outdir" >/dev/null)
done
for tgz in "$outdir"/mppoint-*.tgz; do
  case "$(basename "$tgz")" in
    mppoint-[0-9]*) dist_size_check "$(basename "$tgz")" "$tgz" 1 ;;
    *) dist_size_check "$(basename "$tgz")" "$tgz" 4
       unpacked=$(tar -xzOf "$tgz" --wildcards 'package/*.node' | wc -c)
       echo "size: $(basename "$tgz") unpacked addon: $unpacked bytes" ;;
  esac
  # Not `tar | grep -q`: grep -q may exit before tar has written everything, and with pipefail
  # tar's SIGPIPE would fail the check at random.
  tar -tzf "$tgz" > "$stage/listing.txt"
  grep -q 'package/LICENSE-APACHE' "$stage/listing.txt" || { echo "dist.sh: $tgz lacks LICENSE-APACHE" >&2; exit 1; }
done
echo "$outdir"
