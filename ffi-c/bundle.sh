#!/usr/bin/env bash
# Builds the release bundle of the C API for Linux x86_64 (glibc 2.17 and later):
#
#   OUTDIR/mppoint-VERSION-x86_64-linux-gnu/
#     README.md, install.sh                 start here; install.sh [PREFIX] (default ~/.local)
#     include/mppoint.h, include/mppoint.hpp   the C header and the header-only C++17 layer
#     examples/sale.c, examples/sale.cpp    a sale against the simulator, build line inside
#     lib/libmppoint.so.VERSION            SONAME libmppoint.so.0 (0.x releases)
#     lib/libmppoint.so.0, lib/libmppoint.so   symbolic links
#     lib/libmppoint.a
#     lib/pkgconfig/mppoint.pc, mppoint-static.pc     relocatable (${pcfiledir})
#     lib/cmake/mppoint/mppointConfig.cmake (+Version)  find_package(mppoint):
#                                                       mppoint::mppoint, mppoint::static
#     pascal/mppoint.pas, pascal/*.dpr                  the Delphi / Free Pascal unit and examples
#     share/doc/mppoint/  README.md, LICENSE-MIT, LICENSE-APACHE
# (everything but the libraries is copied by ffi-c/bundle_files.sh, shared with the release
# workflow; the README's links are rewritten to point at the bundle's files).
#   OUTDIR/mppoint-VERSION-x86_64-linux-gnu.tar.gz
#
# The library is built with the `dist` profile (stripped, LTO) and linked by Zig against glibc
# 2.17 (tests/dist-env.sh). Prints the bundle's directory on its last line.
# Usage: ffi-c/bundle.sh OUTDIR
set -euo pipefail

outdir=${1:?usage: ffi-c/bundle.sh OUTDIR}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../tests/dist-env.sh
source "$root/tests/dist-env.sh"
cd "$root"
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
major=${version%%.*}
minor=${version#*.}; minor=${minor%%.*}
soversion=$major                     # 0.x: libmppoint.so.0; 1.x: libmppoint.so.1
soname="libmppoint.so.$soversion"

# One rustc run makes both libraries; the SONAME goes to the shared one, and rustc reports the
# system libraries a static link needs.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
if ! cargo rustc -p mppoint-ffi --lib --profile "$DIST_PROFILE" --target "$DIST_TARGET" -- \
    -C "link-arg=-Wl,-soname,$soname" --print native-static-libs >"$log" 2>&1; then
  cat "$log" >&2
  echo "bundle.sh: the build of libmppoint failed (above)" >&2
  exit 1
fi
echo "bundle.sh: libmppoint built in $(( $(date +%s) - start )) s (profile $DIST_PROFILE, $DIST_TARGET, glibc $DIST_GLIBC)"
libs_private=$(sed -n 's/.*native-static-libs: //p' "$log" | tail -n 1)
[ -n "$libs_private" ] || libs_private="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
# CMake's list of the same, without the C runtime the compiler adds anyway.
cmake_libs=$(for l in $libs_private; do case $l in -lc|-lgcc_s|-lpthread) ;; -l*) printf '%s;' "${l#-l}" ;; esac; done)
cmake_libs=${cmake_libs%;}

name="mppoint-$version-x86_64-linux-gnu"
b="$outdir/$name"
rm -rf "$b" "$b.tar.gz"
install -d "$b/lib/pkgconfig" "$b/lib/cmake/mppoint"
bash ffi-c/bundle_files.sh "$b"
install -m 0755 "$DIST_OUT/libmppoint.so" "$b/lib/libmppoint.so.$version"
ln -s "libmppoint.so.$version" "$b/lib/$soname"
ln -s "$soname" "$b/lib/libmppoint.so"
install -m 0644 "$DIST_OUT/libmppoint.a" "$b/lib/libmppoint.a"
# The profile strips the shared library; the archive keeps its symbols (a linker needs them)
# but not debug sections.
strip --strip-debug "$b/lib/libmppoint.a"
for pc in mppoint mppoint-static; do
  sed -e "s|@VERSION@|$version|g" -e "s|@LIBS_PRIVATE@|$libs_private|g" "ffi-c/$pc.pc.in" > "$b/lib/pkgconfig/$pc.pc"
done
for f in mppointConfig mppointConfigVersion; do
  sed -e "s|@VERSION@|$version|g" -e "s|@SOVERSION@|$soversion|g" -e "s|@VERSION_MINOR@|$minor|g" \
    -e "s|@CMAKE_LIBS_PRIVATE@|$cmake_libs|g" "ffi-c/cmake/$f.cmake.in" > "$b/lib/cmake/mppoint/$f.cmake"
done

# Checks of what we ship: the SONAME, nothing newer than glibc 2.17, the size.
readelf -d "$b/lib/libmppoint.so.$version" | grep -q "Library soname: \[$soname\]" \
  || { echo "bundle.sh: libmppoint.so has no SONAME $soname" >&2; exit 1; }
newest=$(objdump -T "$b/lib/libmppoint.so.$version" | grep -oE 'GLIBC_[0-9]+\.[0-9]+' | sort -uV | tail -n 1)
python3 -c 'import sys; v = tuple(map(int, sys.argv[1].split("_")[1].split("."))); m = tuple(map(int, sys.argv[2].split("."))); sys.exit(v > m)' \
  "$newest" "$DIST_GLIBC" || { echo "bundle.sh: libmppoint.so needs $newest, newer than glibc $DIST_GLIBC" >&2; exit 1; }
echo "bundle.sh: libmppoint.so.$version: SONAME $soname, needs glibc >= ${newest#GLIBC_}"
dist_size_check "libmppoint.so.$version" "$b/lib/libmppoint.so.$version" 7
dist_size_check "libmppoint.a" "$b/lib/libmppoint.a" 40

tar -C "$outdir" -czf "$b.tar.gz" "$name"
dist_size_check "$name.tar.gz" "$b.tar.gz" 15
echo "$b"
