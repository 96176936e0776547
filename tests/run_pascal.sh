#!/usr/bin/env bash
# The Delphi / Free Pascal unit of the C API (ffi-c/pascal/):
#   1. ffi-c/pascal/mppoint.pas is exactly what ffi-c/pascal/gen_unit.py makes of include/mppoint.h
#      (every function, enum and handle of the header; fails on any difference);
#   2. the examples ffi-c/pascal/examples/sale.dpr (a sale, a cancel, a webhook check) and
#      sale_thread.dpr (a sale on a TThread with cthreads first in uses, a cancel from the main
#      thread, the Currency helpers) compile with Free Pascal in Delphi mode (Debian's
#      fp-compiler, installed when missing) by the fpc line written at their top, as written,
#      against the release bundle (ffi-c/bundle.sh) installed by its install.sh, and run against
#      the simulator.
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

# Each example is compiled with the fpc line written at its top, as written, from a folder of
# its own, against the bundle installed by its install.sh into ~/.local (HOME=$work/home); the
# installed unit's folder must stay as it was (-FU.), and the programs run without
# LD_LIBRARY_PATH (the rpath).
echo "== install the bundle into ~/.local with its install.sh"
mkdir -p "$work/home"
HOME="$work/home" "$bundle/install.sh" > /dev/null
unit_dir="$work/home/.local/pascal"
before=$(ls "$unit_dir")
for example in sale sale_thread; do
  echo "== $example.dpr: the fpc line at its top, as written"
  mkdir -p "$work/$example"
  cp "$bundle/pascal/$example.dpr" "$work/$example/"
  line=$(sed -n 's|^//   \(fpc .*\)$|\1|p' "$bundle/pascal/$example.dpr" | head -n 1)
  case "$line" in *"-FU."*) ;; *) echo "$example.dpr: no documented fpc line with -FU." >&2; exit 1 ;; esac
  echo "$line"
  (cd "$work/$example" && env HOME="$work/home" bash -c "$line -vew -Sew") > "$work/fpc.log" 2>&1 \
    || { cat "$work/fpc.log" >&2; echo "fpc failed (above)" >&2; exit 1; }
  readelf -d "$work/$example/$example" | grep -q 'Shared library: \[libmppoint.so.0\]' \
    || { echo "the Pascal program does not link libmppoint.so.0" >&2; exit 1; }
  [ "$(ls "$unit_dir")" = "$before" ] || { echo "fpc wrote into the installed unit's folder" >&2; exit 1; }
  echo "== run $example against the simulator"
  (cd "$work/$example" && env -u LD_LIBRARY_PATH "./$example")
done
