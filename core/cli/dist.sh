#!/usr/bin/env bash
# Builds the release artifact of the mppoint CLI for Linux x86_64 (glibc 2.17 and later): the
# binary with the `dist` profile (stripped, LTO), linked by Zig like the other packages
# (tests/dist-env.sh), checked (stripped, glibc symbols), its size printed, and packed:
#   OUTDIR/mppoint-cli-VERSION-x86_64-unknown-linux-gnu/mppoint (+ README.md, licenses)
#   OUTDIR/mppoint-cli-VERSION-x86_64-unknown-linux-gnu.tar.gz
# Other platforms are built by .github/workflows/release.yml (job cli). Prints the binary's
# path on its last line. Usage: core/cli/dist.sh [OUTDIR]   (default dist/)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
outdir=${1:-$root/dist}
# shellcheck source=../../tests/dist-env.sh
source "$root/tests/dist-env.sh"
cd "$root"
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

start=$(date +%s)
cargo build --quiet -p mppoint-cli --bin mppoint --profile "$DIST_PROFILE" --target "$DIST_TARGET"
echo "dist.sh: mppoint built in $(( $(date +%s) - start )) s (profile $DIST_PROFILE, $DIST_TARGET, glibc $DIST_GLIBC)"
bin="$DIST_OUT/mppoint"
if readelf -S "$bin" | grep -qE '\.(symtab|debug_info)'; then
  echo "dist.sh: $bin is not stripped" >&2; exit 1
fi
newest=$(objdump -T "$bin" | grep -oE 'GLIBC_[0-9]+\.[0-9]+' | sort -uV | tail -n 1)
python3 -c 'import sys; v = tuple(map(int, sys.argv[1].split("_")[1].split("."))); m = tuple(map(int, sys.argv[2].split("."))); sys.exit(v > m)' \
  "$newest" "$DIST_GLIBC" || { echo "dist.sh: mppoint needs $newest, newer than glibc $DIST_GLIBC" >&2; exit 1; }
"$bin" --version

name="mppoint-cli-$version-$DIST_TARGET"
d="$outdir/$name"
rm -rf "$d" "$d.tar.gz"
mkdir -p "$d"
install -m 0755 "$bin" "$d/mppoint"
install -m 0644 README.md LICENSE-MIT LICENSE-APACHE "$d/"
tar -C "$outdir" -czf "$d.tar.gz" "$name"
dist_size_check "mppoint (stripped)" "$d/mppoint" 20
dist_size_check "$name.tar.gz" "$d.tar.gz" 10
echo "$d/mppoint"
