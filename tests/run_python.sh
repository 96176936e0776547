#!/usr/bin/env bash
# Runs every test of the Python package `mppoint` (python/): builds and installs it the way a user
# does (`pip install ./python[test]`, maturin as the PEP 517 backend, an abi3 wheel), then runs
# mypy --strict on the package's stubs and a typed usage example, and the pytest suite against the
# simulator. Needs only python3 (3.10+, with venv and pip), the Rust toolchain and PyPI.
#
#   tests/run_python.sh            # everything
#   MPPOINT_PY_VENV=/tmp/v tests/run_python.sh   # another virtualenv location
#   MPPOINT_PY_BENCH=1 tests/run_python.sh       # also print the get_intent benchmark
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MPPOINT_PY_VENV:-$ROOT/python/.venv}"
PYTHON="${PYTHON:-python3}"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "run_python.sh: $PYTHON is older than 3.10" >&2
    exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
    # Some distributions ship python3 without its venv module: fall back on virtualenv from PyPI.
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"
        "$PYTHON" -m pip install --quiet --user virtualenv
        "$PYTHON" -m virtualenv --quiet "$VENV"
    fi
fi
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --disable-pip-version-check --upgrade pip
# Builds the wheel with maturin (fetched by pip into an isolated build environment) and installs it
# with the test extras (pytest, mypy, the official mercadopago SDK, requests).
"$PY" -m pip uninstall --quiet --yes mppoint >/dev/null 2>&1 || true
"$PY" -m pip install --disable-pip-version-check "$ROOT/python[test]"

WHEEL_TAG="$("$PY" - <<'PY'
import importlib.metadata as m
wheel = m.distribution("mppoint").read_text("WHEEL") or ""
print(",".join(l.split(":", 1)[1].strip() for l in wheel.splitlines() if l.startswith("Tag:")))
PY
)"
echo "installed mppoint wheel tag: $WHEEL_TAG"
case "$WHEEL_TAG" in
    *abi3*) ;;
    *) echo "run_python.sh: the wheel is not abi3 ($WHEEL_TAG)" >&2; exit 1 ;;
esac

cd "$ROOT/python"
echo "== mypy --strict (stubs + typed usage example)"
"$VENV/bin/mypy" --strict --no-incremental mppoint tests/typed_usage.py

echo "== pytest python/tests"
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

if [ "${MPPOINT_PY_BENCH:-0}" = "1" ]; then
    echo "== benchmark"
    "$PY" bench/bench_get_intent.py --seconds 2
fi
