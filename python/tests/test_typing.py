"""The hand-written stubs type-check: mypy --strict on the package and on a typed usage example,
which also runs against the simulator."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import mppoint
import typed_usage

HERE = pathlib.Path(__file__).resolve().parent


def test_mypy_strict_passes_on_the_package_and_a_typed_example() -> None:
    pkg = pathlib.Path(mppoint.__file__).resolve().parent
    assert (pkg / "py.typed").exists(), "py.typed must ship in the installed package"
    assert (pkg / "_native.pyi").exists(), "the stubs must ship in the installed package"
    # The installed package (its .py files and the native module's stubs), then an example using
    # it; cwd is tests/, so the package is the installed one.
    for target in (["-p", "mppoint"], [str(HERE / "typed_usage.py")]):
        out = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *target],
            capture_output=True, text=True, cwd=HERE,
        )
        assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_catches_a_wrong_call() -> None:
    bad = HERE / "_bad_usage_tmp.py"
    bad.write_text(
        "import mppoint\n"
        "c = mppoint.Client('t')\n"
        "c.get_intent(123)\n"
        "s: str = c.charge('1.00', 'd', 'r', pos='P').amount\n"
        "unchecked: int = c.charge('1.00', 'd', 'r', pos='P').approved_payment.id\n"
    )
    try:
        out = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(bad)],
            capture_output=True, text=True, cwd=HERE,
        )
    finally:
        bad.unlink()
    assert out.returncode == 1
    assert 'Argument 1 to "get_intent" of "Client" has incompatible type "int"' in out.stdout
    assert "Incompatible types in assignment" in out.stdout
    # Without the is_paid check, approved_payment may be None.
    assert 'Item "None" of "Payment | None" has no attribute "id"' in out.stdout


def test_the_typed_example_runs(sim: mppoint.Simulator) -> None:
    result = typed_usage.run(sim)
    assert result["verdicts"] == ("APPROVED", "REJECTED")
    assert result["devices"] == 3
    assert result["page"] == 2
    assert result["cents"] == 150
