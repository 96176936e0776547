#!/usr/bin/env bash
# Installs the C API of mppoint under PREFIX, from a release bundle (a directory or a .tar.gz made
# by ffi-c/bundle.sh or downloaded from a release), or, without BUNDLE, from a bundle built here
# (which needs the Rust toolchain):
#   PREFIX/include/mppoint.h
#   PREFIX/lib/libmppoint.so.VERSION, libmppoint.so.0, libmppoint.so, libmppoint.a
#   PREFIX/lib/pkgconfig/mppoint.pc, mppoint-static.pc
#   PREFIX/lib/cmake/mppoint/   find_package(mppoint): mppoint::mppoint, mppoint::static
#   PREFIX/pascal/, PREFIX/share/doc/mppoint/
# Usage: ffi-c/install.sh PREFIX [BUNDLE]
# Under a system prefix (/usr/local), run `ldconfig` afterwards so the loader finds the library.
set -euo pipefail

prefix=${1:?usage: ffi-c/install.sh PREFIX [BUNDLE]}
bundle=${2:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "$bundle" ]; then
  bundle=$(bash "$root/ffi-c/bundle.sh" "$work" | tail -n 1)
elif [ -f "$bundle" ]; then
  case "$bundle" in
    *.tar.gz|*.tgz) tar -C "$work" -xzf "$bundle" ;;
    *) echo "install.sh: $bundle is neither a directory nor a .tar.gz bundle" >&2; exit 1 ;;
  esac
  bundle=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)
fi
if [ ! -f "$bundle/include/mppoint.h" ] || [ ! -d "$bundle/lib/pkgconfig" ]; then
  echo "install.sh: $bundle is not a mppoint C bundle (no include/mppoint.h or lib/pkgconfig/)" >&2
  exit 1
fi

mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
# The pkg-config and CMake files find the prefix from their own location: a plain copy suffices.
cp -R "$bundle/." "$prefix/"
version=$(sed -n 's/^Version: //p' "$prefix/lib/pkgconfig/mppoint.pc")
echo "installed libmppoint $version under $prefix"
case "$prefix" in
  /usr|/usr/local) echo "run ldconfig (as root) so that programs find libmppoint.so.0" ;;
  *) echo "programs linked to libmppoint.so find it through an rpath: -Wl,-rpath,$prefix/lib (or LD_LIBRARY_PATH)" ;;
esac
