#!/usr/bin/env bash
# Runs every test of the Python package `mppoint` (python/) on what we ship:
#   1. python/dist.sh builds the abi3 wheel for manylinux2014 x86_64 (glibc 2.17; Zig from PyPI,
#      checked by auditwheel, stripped; its size printed and checked) and the sdist;
#   2. with a PATH that has no cargo or rustc (checked), a fresh virtualenv installs that wheel
#      with its test extras, as a user without Rust does;
#   3. building from source without cargo fails with a one-line "install Rust" message;
#   4. mypy --strict on the package's stubs and a typed usage example, and the pytest suite
#      against the simulator, in that virtualenv, still without Rust on PATH;
#   5. a fresh project in a virtualenv holding only the wheel and pytest finds the fixtures of
#      the wheel's pytest plugin.
# Needs python3 (3.10+, with venv and pip), the Rust toolchain (for step 1) and PyPI.
#
#   tests/run_python.sh            # everything
#   MPPOINT_PY_VENV=/tmp/v tests/run_python.sh   # another virtualenv location
#   MPPOINT_PY_BENCH=1 tests/run_python.sh       # also print the benchmarks (get_intent, async sales)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MPPOINT_PY_VENV:-$ROOT/python/.venv}"
PYTHON="${PYTHON:-python3}"
DIST="$ROOT/target/dist/python"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "run_python.sh: $PYTHON is older than 3.10" >&2
    exit 1
fi
PYTHON="$(command -v "$PYTHON")"

echo "== build the wheel and the sdist (python/dist.sh)"
mkdir -p "$DIST"
bash "$ROOT/python/dist.sh" "$DIST" > "$DIST/dist.out"
cat "$DIST/dist.out"   # build time, auditwheel's verdict, the sizes
WHEEL="$(tail -n 1 "$DIST/dist.out")"
SDIST="$(ls "$DIST"/mppoint-*.tar.gz)"

# shellcheck source=no-rust-path.sh
source "$ROOT/tests/no-rust-path.sh"
export PATH="$NO_RUST_PATH"
echo "== from here on, no Rust on PATH (cargo: $(command -v cargo || echo none), rustc: $(command -v rustc || echo none))"

rm -rf "$VENV"
# Some distributions ship python3 without its venv module: fall back on virtualenv from PyPI.
if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    "$PYTHON" -m pip install --quiet --user virtualenv
    "$PYTHON" -m virtualenv --quiet "$VENV"
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip
echo "== install $(basename "$WHEEL") with its test extras (pytest, mypy, the official SDK, requests)"
"$PY" -m pip install --disable-pip-version-check --only-binary=mppoint "$WHEEL[test]"

WHEEL_TAG="$("$PY" - <<'PY'
import importlib.metadata as m
wheel = m.distribution("mppoint").read_text("WHEEL") or ""
print(",".join(l.split(":", 1)[1].strip() for l in wheel.splitlines() if l.startswith("Tag:")))
PY
)"
echo "installed mppoint wheel tag: $WHEEL_TAG"
case "$WHEEL_TAG" in
    *abi3-manylinux*) ;;
    *) echo "run_python.sh: the installed wheel is not an abi3 manylinux one ($WHEEL_TAG)" >&2; exit 1 ;;
esac
"$PY" - <<'PY'
import importlib.metadata as m
files = {p.name for p in m.distribution("mppoint").files or []}
missing = {"LICENSE-MIT", "LICENSE-APACHE"} - files
if missing:
    raise SystemExit(f"run_python.sh: the installed wheel lacks {sorted(missing)}")
PY

echo "== building from source without cargo says to install Rust"
set +e
NO_CARGO_OUT="$("$PY" -m pip wheel --disable-pip-version-check --no-deps --no-cache-dir -w "$DIST/no-cargo" "$SDIST" 2>&1)"
rc=$?
set -e
if [ "$rc" -eq 0 ] || ! grep -q 'needs the Rust toolchain' <<<"$NO_CARGO_OUT"; then
    echo "$NO_CARGO_OUT" >&2
    echo "run_python.sh: building the sdist without cargo did not fail with the 'install Rust' message" >&2
    exit 1
fi
grep -m 1 'needs the Rust toolchain' <<<"$NO_CARGO_OUT" | sed 's/^[^m]*mppoint:/  pip says: mppoint:/'

cd "$ROOT/python"
echo "== mypy --strict (stubs + typed usage example)"
"$VENV/bin/mypy" --strict --no-incremental mppoint tests/typed_usage.py

echo "== pytest python/tests (the installed wheel)"
# The pytest entry point (not `python -m pytest`) keeps python/ off sys.path, so the tests import
# the installed package, native module included.
set +e
"$VENV/bin/pytest" -q -p no:cacheprovider tests
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "run_python.sh: pytest collected no tests" >&2
    exit 1
fi
if [ "$rc" -ne 0 ]; then
    exit "$rc"
fi
(cd / && "$PY" -c 'import mppoint, sys; f = mppoint._native.__file__; sys.exit(0 if "site-packages" in f else f"the tests did not use the installed wheel: {f}")')

echo "== a fresh project, in a virtualenv with only the wheel and pytest, finds the pytest plugin's fixtures"
FRESH="$(mktemp -d "${TMPDIR:-/tmp}/mppoint-fresh.XXXXXX")"
"$PYTHON" -m venv "$FRESH/venv" 2>/dev/null || "$PYTHON" -m virtualenv --quiet "$FRESH/venv"
"$FRESH/venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=mppoint "$WHEEL" pytest
mkdir "$FRESH/project"
"$FRESH/venv/bin/python" "$ROOT/python/tests/test_pytest_plugin.py" "$FRESH/project"
rm -rf "$FRESH"

if [ "${MPPOINT_PY_BENCH:-0}" = "1" ]; then
    echo "== benchmark"
    "$PY" bench/bench_get_intent.py --seconds 2
    "$PY" bench/bench_async_sales.py
fi
