#!/usr/bin/env bash
# Copies into a C bundle directory everything but the libraries, the same on every platform
# (ffi-c/bundle.sh and .github/workflows/release.yml both call it):
#   README.md                        the C README, its links rewritten to the bundle's files
#   install.sh                       installs the bundle under a prefix (not in Windows bundles)
#   include/mppoint.h, mppoint.hpp   the C header and the header-only C++17 layer
#   examples/sale.c, sale.cpp        complete programs that run a sale against the simulator
#   pascal/mppoint.pas, pascal/*.dpr the Delphi / Free Pascal unit and its examples
#   share/doc/mppoint/               README.md (links rewritten too), LICENSE-MIT, LICENSE-APACHE,
#                                    examples/ (what install.sh installs; links resolve there too)
# Usage: ffi-c/bundle_files.sh BUNDLE_DIR [windows]
set -euo pipefail

b=${1:?usage: ffi-c/bundle_files.sh BUNDLE_DIR [windows]}
platform=${2:-unix}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$b/include" "$b/examples" "$b/pascal" "$b/share/doc/mppoint"
cp "$root/include/mppoint.h" "$root/include/mppoint.hpp" "$b/include/"
mkdir -p "$b/share/doc/mppoint/examples"
cp "$root/ffi-c/examples/"*.c "$root/ffi-c/examples/"*.cpp "$b/examples/"
cp "$root/ffi-c/examples/"*.c "$root/ffi-c/examples/"*.cpp "$b/share/doc/mppoint/examples/"
cp "$root/ffi-c/pascal/mppoint.pas" "$root/ffi-c/pascal/examples/"*.dpr "$b/pascal/"
cp "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$b/share/doc/mppoint/"
if [ "$platform" != windows ]; then
  cp "$root/ffi-c/install.sh" "$b/install.sh"
  chmod 0755 "$b/install.sh"
fi
python3 "$root/ffi-c/bundle_readme.py" "$root/ffi-c/README.md" "$b" README.md
python3 "$root/ffi-c/bundle_readme.py" "$root/ffi-c/README.md" "$b" share/doc/mppoint/README.md
