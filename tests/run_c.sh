#!/usr/bin/env bash
# Every test of the C API (ffi-c/, include/mppoint.h, tests/c/), from a clean clone:
#   1. include/mppoint.h is exactly what cbindgen 0.29.4 generates from ffi-c/src;
#   2. the Rust unit tests of ffi-c (permanent result codes, the README's table);
#   3. the C tests against the simulator: compiled as C11 and as C++17 with
#      -Wall -Wextra -Werror (-Wpedantic too), linked to the shared and to the static library;
#      the tests of include/mppoint.hpp (C++17, tests/c/test_mppoint_hpp.cpp) likewise;
#   4. the C and C++ tests again under valgrind: zero leaks, zero invalid accesses;
#   5. 10,000 create/get/cancel cycles with flat memory;
#   6. the get_intent benchmark: the C API next to the core, same run (printed, not asserted);
#   7. the release bundle (ffi-c/bundle.sh: stripped, SONAME, glibc 2.17, sizes printed and
#      checked; install.sh, examples/, mppoint.hpp inside; every relative link of its READMEs
#      resolves inside it), installed by its own install.sh exactly as the README says (default
#      prefix, a prefix that is not writable), the examples built and run with the lines written
#      at their top, as written, and the example built four ways more (pkg-config and CMake
#      find_package, shared and static) and run against the simulator.
# Needs the Rust toolchain, gcc/g++ and python3; installs cbindgen, valgrind, pkg-config and
# cmake when missing. Set MPP_SKIP_VALGRIND=1 to skip step 4 (never in CI).
set -euo pipefail
export RUST_BACKTRACE=0

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
work=$(mktemp -d "${TMPDIR:-/tmp}/mppoint-c.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage() { printf '\n== %s\n' "$*"; }
passed=0
# Runs a test program, shows its output, and adds its closing "N passed, N failed" to the total.
counted() {
  "$@" 2>&1 | tee "$work/out.txt"
  local rc=${PIPESTATUS[0]} line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/out.txt" | tail -n 1)
  [ "$rc" -eq 0 ] && [ -n "$line" ] || { echo "FAILED: $*" >&2; exit 1; }
  passed=$((passed + ${line%% passed*}))
}
# One more check that passed (a stage that is a single check).
ok() { passed=$((passed + 1)); echo "$*"; }

# ---------------------------------------------------------------------------- tools
stage "tools"
CBINDGEN_VERSION=0.29.4
if ! command -v cbindgen >/dev/null || [ "$(cbindgen --version)" != "cbindgen $CBINDGEN_VERSION" ]; then
  cargo install --quiet cbindgen --version "$CBINDGEN_VERSION" --locked
fi
missing=()
command -v valgrind >/dev/null || missing+=(valgrind)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || missing+=(g++)
command -v make >/dev/null || missing+=(make)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
cbindgen --version
valgrind --version
gcc --version | head -n 1

# ---------------------------------------------------------------------------- header drift
stage "include/mppoint.h matches cbindgen $CBINDGEN_VERSION"
cbindgen --quiet --config ffi-c/cbindgen.toml --output "$work/mppoint.h" ffi-c
if ! diff -u include/mppoint.h "$work/mppoint.h"; then
  echo "include/mppoint.h is stale: regenerate it with" >&2
  echo "  cbindgen --config ffi-c/cbindgen.toml --output include/mppoint.h ffi-c" >&2
  exit 1
fi
ok "header is up to date"
python3 - include/mppoint.h <<'PY'
import re, sys
header = open(sys.argv[1]).read()
decl = r'/\*\*((?:(?!\*/).)*)\*/\s*\n((?:(?!/\*\*).)*?\b(mpp_\w+)\((?:(?!/\*\*).)*?\);)'
missing = [m.group(3) for m in re.finditer(decl, header, re.S)
           if 'typedef' not in m.group(2) and 'Ownership:' not in m.group(1)]
total = len(re.findall(r'^\S.*\bmpp_\w+\(.*\);$', header, re.M))
if missing:
    sys.exit("functions whose comment does not say who owns what: " + ", ".join(missing))
print(f"all {total} functions say who owns what")
PY
passed=$((passed + 1))
# Every macro of the header expands to something that compiles, in C and in C++.
{
  echo '#include <mppoint.h>'
  echo 'int use_macros(void);'
  echo 'int use_macros(void) {'
  sed -n 's/^#define \(MPP[A-Za-z0-9_]*\|mpp_[A-Za-z0-9_]*\) .*/  (void)(\1);/p' include/mppoint.h
  echo '  return 0;'
  echo '}'
} > "$work/macros.c"
gcc -std=c11 -Wall -Wextra -Werror -Iinclude -fsyntax-only "$work/macros.c"
g++ -std=c++17 -Wall -Wextra -Werror -Iinclude -fsyntax-only -x c++ "$work/macros.c"
ok "every macro of the header compiles ($(grep -c '(void)(' "$work/macros.c" || true) used)"

# ---------------------------------------------------------------------------- build
stage "build libmppoint (release, with the test hooks) and its Rust unit tests"
cargo build --quiet -p mppoint-ffi --release --features test-hooks
cargo test --quiet -p mppoint-ffi --release --features test-hooks --lib
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
lib="$target_dir/release"
native_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

cflags=(-std=c11 -Wall -Wextra -Wpedantic -Werror -g -Iinclude -Itests/c)
cxxflags=(-std=c++17 -Wall -Wextra -Wpedantic -Werror -g -Iinclude -Itests/c)
shared=(-L"$lib" -lmppoint -Wl,-rpath,"$lib" -lpthread)
static=("$lib/libmppoint.a" $native_libs)

stage "compile the C tests as C11 and as C++17"
gcc "${cflags[@]}" tests/c/test_mppoint.c -o "$work/test_c" "${shared[@]}"
g++ "${cxxflags[@]}" -x c++ tests/c/test_mppoint.c -x none -o "$work/test_cpp" "${static[@]}"
gcc "${cflags[@]}" tests/c/memory_loop.c -o "$work/memory_loop" "${shared[@]}"
gcc "${cflags[@]}" -O2 tests/c/bench_get_intent.c -o "$work/bench_get_intent" "${shared[@]}"
g++ "${cxxflags[@]}" -fsyntax-only -x c++ tests/c/memory_loop.c tests/c/bench_get_intent.c ffi-c/examples/sale.c
# include/mppoint.hpp: its tests and the C++ example, -std=c++17 -Wall -Wextra -Werror
g++ "${cxxflags[@]}" tests/c/test_mppoint_hpp.cpp -o "$work/test_hpp" "${shared[@]}"
g++ "${cxxflags[@]}" -fsyntax-only ffi-c/examples/sale.cpp
awk '/^```cpp$/{n++; on=1; next} /^```$/{on=0} on{print > ("'"$work"'/readme_" n ".cpp")}' ffi-c/README.md
for snippet in "$work"/readme_*.cpp; do g++ "${cxxflags[@]}" -fsyntax-only "$snippet"; done
# the C snippets of ffi-c/README.md compile too
awk '/^```c$/{n++; on=1; next} /^```$/{on=0} on{print > ("'"$work"'/readme_" n ".c")}' ffi-c/README.md
for snippet in "$work"/readme_*.c; do
  if grep -q 'int main' "$snippet"; then
    gcc "${cflags[@]}" -fsyntax-only "$snippet"
  else
    printf '#include <mppoint.h>\nvoid snippet(const char *secret, const char *x_signature_header, const char *x_request_id_header, const char *data_id_query);\nvoid snippet(const char *secret, const char *x_signature_header, const char *x_request_id_header, const char *data_id_query) {\n%s\n(void)r;}\n' "$(cat "$snippet")" > "$snippet.wrapped.c"
    gcc "${cflags[@]}" -fsyntax-only "$snippet.wrapped.c"
  fi
done
ok "compiled as C11 and as C++17 without a warning (mppoint.hpp too)"

# ---------------------------------------------------------------------------- run
stage "C tests (C11, shared library)"
counted "$work/test_c" tests/fixtures

stage "C tests (C++17, static library)"
counted "$work/test_cpp" tests/fixtures

stage "include/mppoint.hpp: a sale, cancels, errors with their fields (C++17)"
counted "$work/test_hpp"

if [ "${MPP_SKIP_VALGRIND:-0}" != 1 ]; then
  stage "C tests under valgrind (memcheck: leaks and invalid accesses)"
  counted valgrind --quiet --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
    --suppressions=tests/c/valgrind.supp --gen-suppressions=all \
    "$work/test_c" tests/fixtures
  counted valgrind --quiet --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
    --suppressions=tests/c/valgrind.supp --gen-suppressions=all \
    "$work/test_hpp"
  ok "valgrind: no leaks, no invalid accesses (C tests and mppoint.hpp tests)"
fi

stage "10,000 create/get/cancel cycles: memory stays flat"
counted "$work/memory_loop" 10000

# ---------------------------------------------------------------------------- benchmark
stage "benchmark: get_intent through the C API next to the core"
counted "$work/bench_get_intent" 2000 9

# ---------------------------------------------------------------------------- packaging
stage "the release bundle (ffi-c/bundle.sh): SONAME, glibc 2.17, stripped, sizes"
bash ffi-c/bundle.sh "$work/dist" > "$work/bundle.out"
cat "$work/bundle.out"
bundle=$(tail -n 1 "$work/bundle.out")
[ -L "$bundle/lib/libmppoint.so.0" ] && [ -L "$bundle/lib/libmppoint.so" ] \
  || { echo "the bundle lacks the libmppoint.so.0 / libmppoint.so links" >&2; exit 1; }
if readelf -S "$bundle/lib/libmppoint.so" | grep -qE '\.(symtab|debug_info)'; then
  echo "the bundle's libmppoint.so is not stripped" >&2; exit 1
fi
for f in LICENSE-MIT LICENSE-APACHE; do
  [ -f "$bundle/share/doc/mppoint/$f" ] || { echo "the bundle lacks $f" >&2; exit 1; }
done
ok "bundle $(basename "$bundle"): SONAME libmppoint.so.0, links, licenses"
for f in install.sh README.md include/mppoint.hpp examples/sale.c examples/sale.cpp pascal/mppoint.pas; do
  [ -f "$bundle/$f" ] || { echo "the bundle lacks $f" >&2; exit 1; }
done
[ -x "$bundle/install.sh" ] || { echo "the bundle's install.sh is not executable" >&2; exit 1; }
ok "the bundle holds install.sh, README.md, mppoint.hpp and the examples"
# Every relative link of a README resolves to a file present under $1 (a bundle or a prefix).
check_links() {
  python3 - "$@" <<'PY'
import os, re, sys
root, readmes = sys.argv[1], sys.argv[2:]
bad, count = [], 0
for readme in readmes:
    text = open(os.path.join(root, readme), encoding="utf-8").read()
    for m in re.finditer(r"(?<!!)\[[^\]]+\]\(([^)\s]+)\)", text):
        target = m.group(1)
        if re.match(r"^[a-z]+:|^#", target):
            continue
        count += 1
        path = os.path.normpath(os.path.join(root, os.path.dirname(readme), target.split("#")[0]))
        if not path.startswith(os.path.abspath(root) + os.sep) or not os.path.isfile(path):
            bad.append(f"{readme}: {target}")
if bad:
    sys.exit("links that do not resolve inside " + root + ":\n  " + "\n  ".join(bad))
print(f"{count} relative links of {', '.join(readmes)} resolve inside {os.path.basename(root)}")
PY
}
check_links "$bundle" README.md share/doc/mppoint/README.md
passed=$((passed + 1))

stage "install the bundle as ffi-c/README.md says, build and run the examples with their own lines"
# The README's install block, run as written (the sudo line aside) beside the downloaded tarball,
# by a user whose home is $work/home: the default prefix is ~/.local, no sudo.
mkdir -p "$work/home" "$work/download"
cp "$bundle.tar.gz" "$work/download/"
awk '/^## Installing: the prebuilt bundle first/{f=1} f && /^```sh$/{on=1; next} on && /^```$/{exit} on' ffi-c/README.md \
  | grep -v '^sudo ' > "$work/install_block.sh"
grep -q 'install.sh' "$work/install_block.sh" || { echo "no install block found in ffi-c/README.md" >&2; exit 1; }
(cd "$work/download" && env HOME="$work/home" bash -euo pipefail "$work/install_block.sh")
[ -f "$work/home/.local/lib/pkgconfig/mppoint.pc" ] && [ -f "$work/home/.local/include/mppoint.hpp" ] \
  || { echo "install.sh did not install into ~/.local" >&2; exit 1; }
check_links "$work/home/.local" share/doc/mppoint/README.md
ok "the README's install block installs into ~/.local; the installed README's links resolve"
# The build lines at the top of each example, exactly as written there, from the directory that
# holds it, with no LD_LIBRARY_PATH: the programs must start by their rpath (or static link).
for example in sale.c sale.cpp; do
  mkdir -p "$work/ex-$example"
  cp "$bundle/examples/$example" "$work/ex-$example/"
  sed -n '1,/\*\//p' "$bundle/examples/$example" | sed -n 's/^ \*   //p' > "$work/ex-$example/build.sh"
  grep -q 'rpath' "$work/ex-$example/build.sh" || { echo "examples/$example has no build line with an rpath" >&2; exit 1; }
  (cd "$work/ex-$example" && env -u LD_LIBRARY_PATH HOME="$work/home" bash -euo pipefail build.sh) > "$work/ex.out" 2>&1 \
    || { cat "$work/ex.out" >&2; echo "the build lines of examples/$example failed (above)" >&2; exit 1; }
  cat "$work/ex.out"
  runs=$(grep -c '^PAID 12.47' "$work/ex.out" || true)
  [ "$runs" -ge 1 ] || { echo "examples/$example did not make a paid sale" >&2; exit 1; }
  ok "examples/$example built and run with the $(wc -l < "$work/ex-$example/build.sh") lines at its top ($runs paid sales)"
done
# A prefix the user cannot write: install.sh says to use sudo (or the default) and installs nothing.
mkdir -p "$work/locked"
if [ "$(id -u)" -eq 0 ]; then
  # As root every directory is writable: try as nobody, from a copy nobody can read.
  if command -v runuser >/dev/null && id nobody >/dev/null 2>&1; then
    shared_dir=$(mktemp -d /tmp/mppoint-c-nobody.XXXXXX)
    chmod 0755 "$shared_dir"
    cp -R "$bundle" "$shared_dir/"
    chmod -R a+rX "$shared_dir"
    set +e
    runuser -u nobody -- env HOME="$shared_dir" "$shared_dir/$(basename "$bundle")/install.sh" "$work/locked/usr" > "$work/locked.out" 2>&1
    rc=$?
    set -e
    rm -rf "$shared_dir"
  else
    rc=skip
  fi
else
  chmod 0555 "$work/locked"
  set +e
  "$bundle/install.sh" "$work/locked/usr" > "$work/locked.out" 2>&1
  rc=$?
  set -e
  chmod 0755 "$work/locked"
fi
if [ "$rc" != skip ]; then
  cat "$work/locked.out"
  [ "$rc" -ne 0 ] && grep -q 'not writable' "$work/locked.out" && grep -q 'sudo ' "$work/locked.out" \
    && [ ! -e "$work/locked/usr" ] || { echo "install.sh into a locked prefix: exit $rc, not a clear refusal" >&2; exit 1; }
  ok "install.sh refuses a prefix it cannot write, naming sudo and the default"
else
  echo "(no runuser/nobody: the locked-prefix check is skipped)"
fi

stage "install the bundle into another prefix, then build the example four ways: pkg-config and CMake, shared and static"
ffi-c/install.sh "$work/prefix" "$bundle.tar.gz"
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
pkg-config --modversion mppoint
libdir=$(pkg-config --variable=libdir mppoint)
# Shared, through pkg-config: the loader finds libmppoint.so.0 through the rpath (the README's
# advice for a non-system prefix). Without it and without ldconfig, it would not start.
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror -o "$work/sale_shared" ffi-c/examples/sale.c $(pkg-config --cflags --libs mppoint) -Wl,-rpath,"$libdir"
readelf -d "$work/sale_shared" | grep -q 'Shared library: \[libmppoint.so.0\]' \
  || { echo "sale_shared does not need libmppoint.so.0 (no SONAME?)" >&2; exit 1; }
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror -o "$work/sale_static" ffi-c/examples/sale.c $(pkg-config --cflags --libs mppoint-static)
if readelf -d "$work/sale_static" | grep -q libmppoint; then
  echo "sale_static still needs libmppoint.so" >&2; exit 1
fi
"$work/sale_shared"
"$work/sale_static" >/dev/null
ok "example built and run through pkg-config (shared with an rpath, static)"
for kind in shared static; do
  target=mppoint::mppoint
  [ "$kind" = static ] && target=mppoint::static
  mkdir -p "$work/cmake-$kind"
  cp ffi-c/examples/sale.c "$work/cmake-$kind/pos.c"
  {
    echo 'cmake_minimum_required(VERSION 3.16)'
    echo 'project(pos C)'
    # the snippet exactly as ffi-c/README.md shows it, with the static target for the static build
    awk '/^```cmake$/{on=1; next} /^```$/{on=0} on' ffi-c/README.md | sed "s/mppoint::mppoint/$target/"
  } > "$work/cmake-$kind/CMakeLists.txt"
  cmake -S "$work/cmake-$kind" -B "$work/cmake-$kind/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
  cmake --build "$work/cmake-$kind/build" >/dev/null
  # CMake gives the build tree an rpath to the imported library: no LD_LIBRARY_PATH needed.
  env -u LD_LIBRARY_PATH "$work/cmake-$kind/build/pos" >/dev/null
  if [ "$kind" = static ] && readelf -d "$work/cmake-$kind/build/pos" | grep -q libmppoint; then
    echo "the CMake static build still needs libmppoint.so" >&2; exit 1
  fi
done
ok "example built and run through CMake find_package(mppoint): mppoint::mppoint and mppoint::static"

stage "C API: every check passed"
echo "c: $passed passed, 0 failed"
