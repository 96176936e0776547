#!/usr/bin/env bash
# Installs the C API of mppoint under PREFIX (default: ~/.local, which needs no sudo):
#   PREFIX/include/mppoint.h, mppoint.hpp
#   PREFIX/lib/libmppoint.so.VERSION, libmppoint.so.0, libmppoint.so, libmppoint.a
#   PREFIX/lib/pkgconfig/mppoint.pc, mppoint-static.pc
#   PREFIX/lib/cmake/mppoint/   find_package(mppoint): mppoint::mppoint, mppoint::static
#   PREFIX/pascal/, PREFIX/share/doc/mppoint/ (README, licenses, examples/)
#
# Run from an unpacked release bundle (it ships this script), it installs that bundle:
#   mppoint-0.1.0-x86_64-linux-gnu/install.sh                  into ~/.local
#   sudo mppoint-0.1.0-x86_64-linux-gnu/install.sh /usr/local  system-wide (then runs ldconfig)
# Run from the repository, it installs BUNDLE (a directory or .tar.gz from ffi-c/bundle.sh or a
# release), or without BUNDLE builds one first (which needs the Rust toolchain).
#
# It never asks for sudo itself: when PREFIX is not writable it says so and stops. It runs
# ldconfig only when it runs as root and PREFIX/lib is a directory the loader searches.
# Usage: install.sh [PREFIX] [BUNDLE]
set -euo pipefail

prefix=${1:-${HOME:?install.sh: HOME is not set; give a PREFIX}/.local}
bundle=${2:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The nearest existing directory of PREFIX must be writable, or nothing can be installed.
probe=$prefix
while [ ! -d "$probe" ]; do probe=$(dirname "$probe"); done
if [ ! -w "$probe" ]; then
  echo "install.sh: $prefix is not writable by $(id -un) ($probe is not)." >&2
  echo "  Either install for yourself, with no sudo:  $0            (into ~/.local)" >&2
  echo "  or system-wide, as root:                    sudo $0 $prefix" >&2
  exit 1
fi

if [ -z "$bundle" ]; then
  if [ -f "$here/include/mppoint.h" ] && [ -d "$here/lib/pkgconfig" ]; then
    bundle=$here                                   # the bundle this script came in
  else
    bundle=$(bash "$here/bundle.sh" "$work" | tail -n 1)   # the repository: build one
  fi
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
# The bundle's top-level README, install.sh and examples/ stay out of the prefix's root: their
# copies are in share/doc/mppoint/.
for d in include lib pascal share; do
  if [ -d "$bundle/$d" ]; then mkdir -p "$prefix/$d" && cp -R "$bundle/$d/." "$prefix/$d/"; fi
done
version=$(sed -n 's/^Version: //p' "$prefix/lib/pkgconfig/mppoint.pc")
echo "installed libmppoint $version under $prefix"

searched() {  # is $1 a directory the dynamic loader searches?
  case "$1" in /lib|/usr/lib|/lib64|/usr/lib64|/usr/local/lib) return 0 ;; esac
  grep -qsxF "$1" /etc/ld.so.conf /etc/ld.so.conf.d/*.conf
}
if searched "$prefix/lib"; then
  if [ "$(id -u)" -eq 0 ]; then
    ldconfig
    echo "ran ldconfig: programs find libmppoint.so.0 like any system library"
  else
    echo "run 'sudo ldconfig' once so that programs find libmppoint.so.0"
  fi
else
  echo "build with:  export PKG_CONFIG_PATH=$prefix/lib/pkgconfig"
  echo "             cc -o pos pos.c \$(pkg-config --cflags --libs mppoint) -Wl,-rpath,$prefix/lib"
  echo "(the rpath lets the program find libmppoint.so.0 at run time; or link mppoint-static)"
fi
