#!/usr/bin/env bash
# Every test of the C API (ffi-c/, include/mppoint.h, tests/c/), from a clean clone:
#   1. include/mppoint.h is exactly what cbindgen 0.29.4 generates from ffi-c/src;
#   2. the Rust unit tests of ffi-c (permanent result codes, the README's table);
#   3. the C tests against the simulator: compiled as C11 and as C++17 with
#      -Wall -Wextra -Werror (-Wpedantic too), linked to the shared and to the static library;
#   4. the C tests again under valgrind: zero leaks, zero invalid accesses;
#   5. 10,000 create/get/cancel cycles with flat memory;
#   6. the get_intent benchmark: the C API next to the core, same run (printed, not asserted);
#   7. the example program built against the installed package (a release build without the
#      test hooks) through pkg-config (shared and static) and through the CMake snippet of
#      ffi-c/README.md, run against the simulator.
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
ok "compiled as C11 and as C++17 without a warning"

# ---------------------------------------------------------------------------- run
stage "C tests (C11, shared library)"
counted "$work/test_c" tests/fixtures

stage "C tests (C++17, static library)"
counted "$work/test_cpp" tests/fixtures

if [ "${MPP_SKIP_VALGRIND:-0}" != 1 ]; then
  stage "C tests under valgrind (memcheck: leaks and invalid accesses)"
  counted valgrind --quiet --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
    --suppressions=tests/c/valgrind.supp --gen-suppressions=all \
    "$work/test_c" tests/fixtures
  ok "valgrind: no leaks, no invalid accesses"
fi

stage "10,000 create/get/cancel cycles: memory stays flat"
counted "$work/memory_loop" 10000

# ---------------------------------------------------------------------------- benchmark
stage "benchmark: get_intent through the C API next to the core"
counted "$work/bench_get_intent" 2000 9

# ---------------------------------------------------------------------------- packaging
stage "install, then build the example with pkg-config (shared and static) and CMake"
ffi-c/install.sh "$work/prefix"
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
pkg-config --modversion mppoint
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror -o "$work/sale_shared" ffi-c/examples/sale.c $(pkg-config --cflags --libs mppoint)
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror -o "$work/sale_static" ffi-c/examples/sale.c $(pkg-config --cflags --libs mppoint-static)
LD_LIBRARY_PATH="$work/prefix/lib" "$work/sale_shared"
"$work/sale_static"
mkdir -p "$work/cmake"
cp ffi-c/examples/sale.c "$work/cmake/pos.c"
{
  echo 'cmake_minimum_required(VERSION 3.16)'
  echo 'project(pos C)'
  # the snippet exactly as ffi-c/README.md shows it
  awk '/^```cmake$/{on=1; next} /^```$/{on=0} on' ffi-c/README.md
} > "$work/cmake/CMakeLists.txt"
cmake -S "$work/cmake" -B "$work/cmake/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cmake/build" >/dev/null
LD_LIBRARY_PATH="$work/prefix/lib" "$work/cmake/build/pos" >/dev/null
ok "example built and run through pkg-config (shared, static) and CMake"

stage "C API: every check passed"
echo "c: $passed passed, 0 failed"
