#!/usr/bin/env bash
# The Delphi / Free Pascal unit of the C API (ffi-c/pascal/):
#   1. ffi-c/pascal/mppoint.pas is exactly what ffi-c/pascal/gen_unit.py makes of include/mppoint.h
#      (every function, enum and handle of the header; fails on any difference);
#   2. the example ffi-c/pascal/examples/sale.dpr compiles with Free Pascal in Delphi mode
#      (fpc -Mdelphi, Debian's fp-compiler, installed when missing) against the release bundle
#      (ffi-c/bundle.sh), links to libmppoint.so, and runs a sale, a cancel and a webhook
#      verification against the simulator.
# Needs python3, the Rust toolchain (for the bundle) and Debian's packages.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
work=$(mktemp -d "${TMPDIR:-/tmp}/mppoint-pascal.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== ffi-c/pascal/mppoint.pas matches include/mppoint.h"
python3 ffi-c/pascal/gen_unit.py include/mppoint.h > "$work/mppoint.pas"
if ! diff -u ffi-c/pascal/mppoint.pas "$work/mppoint.pas"; then
  echo "ffi-c/pascal/mppoint.pas is stale: regenerate it with" >&2
  echo "  python3 ffi-c/pascal/gen_unit.py include/mppoint.h > ffi-c/pascal/mppoint.pas" >&2
  exit 1
fi
echo "the unit is up to date"

if ! command -v fpc >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends fp-compiler fp-units-rtl fp-units-base >/dev/null
fi
echo "Free Pascal $(fpc -iV)"

echo "== the release bundle"
bash ffi-c/bundle.sh "$work/dist" > "$work/bundle.out"
bundle=$(tail -n 1 "$work/bundle.out")
cmp -s "$bundle/pascal/mppoint.pas" ffi-c/pascal/mppoint.pas || { echo "the bundle lacks the Pascal unit" >&2; exit 1; }

echo "== fpc -Mdelphi sale.dpr, linked to the bundle's libmppoint.so"
mkdir -p "$work/build"
cp "$bundle/pascal/sale.dpr" "$work/build/"
fpc -Mdelphi -vew -Sew -Fu"$bundle/pascal" -Fl"$bundle/lib" -k-rpath -k"$bundle/lib" \
  -FU"$work/build" -o"$work/build/sale" "$work/build/sale.dpr" > "$work/fpc.log" 2>&1 \
  || { cat "$work/fpc.log" >&2; echo "fpc failed (above)" >&2; exit 1; }
readelf -d "$work/build/sale" | grep -q 'Shared library: \[libmppoint.so.0\]' \
  || { echo "the Pascal program does not link libmppoint.so.0" >&2; exit 1; }

echo "== run it against the simulator"
"$work/build/sale"
