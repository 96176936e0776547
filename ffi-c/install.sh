#!/usr/bin/env bash
# Builds libmppoint (release) and installs it under PREFIX:
#   PREFIX/include/mppoint.h
#   PREFIX/lib/libmppoint.so, PREFIX/lib/libmppoint.a
#   PREFIX/lib/pkgconfig/mppoint.pc         (links the shared library)
#   PREFIX/lib/pkgconfig/mppoint-static.pc  (links the static library and what it needs)
# Usage: ffi-c/install.sh PREFIX
set -euo pipefail

prefix=${1:?usage: ffi-c/install.sh PREFIX}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)

cargo build --quiet -p mppoint-ffi --release
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
out="$target_dir/release"

# The system libraries a static link needs, as rustc reports them for this platform.
libs_private=$(cargo rustc --quiet -p mppoint-ffi --release --lib --crate-type staticlib -- --print native-static-libs 2>&1 \
  | sed -n 's/.*native-static-libs: //p' | tail -n 1)
if [ -z "$libs_private" ]; then
  libs_private="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
fi
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)

install -d "$prefix/include" "$prefix/lib/pkgconfig"
install -m 0644 include/mppoint.h "$prefix/include/mppoint.h"
install -m 0755 "$out/libmppoint.so" "$prefix/lib/libmppoint.so"
install -m 0644 "$out/libmppoint.a" "$prefix/lib/libmppoint.a"
for pc in mppoint mppoint-static; do
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@VERSION@|$version|g" -e "s|@LIBS_PRIVATE@|$libs_private|g" \
    "ffi-c/$pc.pc.in" > "$prefix/lib/pkgconfig/$pc.pc"
done
echo "installed libmppoint $version under $prefix"
