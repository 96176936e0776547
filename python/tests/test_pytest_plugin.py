"""The pytest plugin shipped in the wheel (entry point ``pytest11``): a project with mppoint
installed gets the ``mppoint_simulator``, ``mppoint_client`` and ``mppoint_async_client``
fixtures without a conftest. tests/run_python.sh also runs this in a fresh virtualenv holding only
the wheel and pytest."""

from __future__ import annotations

import importlib.metadata
import pathlib
import subprocess
import sys

PROJECT_TEST = '''
import asyncio

import mppoint


def test_a_sale(mppoint_simulator: mppoint.Simulator, mppoint_client: mppoint.Client) -> None:
    seen = []
    sale = mppoint_client.charge("10.00", "Plugin", "plugin-1", pos="SUC001POS001",
                                 on_status=lambda i: seen.append(i.status))
    assert sale.is_paid
    assert mppoint_simulator.intent(sale.intent.id) is not None
    # The simulator's client polls at its pace (a sale takes 200 ms): it sees statuses between
    # OPENED and CLOSED, which a poll every second would miss.
    assert seen[0] == "OPENED" and seen[-1] == "CLOSED" and len(seen) > 2, seen


def test_a_declined_card(mppoint_client: mppoint.Client) -> None:
    assert mppoint_client.charge("10.13", "Plugin", "plugin-2", pos="SUC001POS001").verdict == "REJECTED"


def test_async(mppoint_async_client: mppoint.AsyncClient) -> None:
    sale = asyncio.run(mppoint_async_client.charge("10.00", "Plugin", "plugin-3", pos="SUC001POS001"))
    assert sale.is_paid
'''


def run_fresh_project(project: pathlib.Path, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    """Runs pytest in a directory with one test file and nothing else (no conftest)."""
    (project / "test_shop.py").write_text(PROJECT_TEST, encoding="utf-8")
    return subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_shop.py"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )


def test_the_wheel_declares_the_plugin() -> None:
    eps = importlib.metadata.entry_points(group="pytest11")
    assert [ep.value for ep in eps if ep.name == "mppoint"] == ["mppoint.pytest_plugin"]


def test_a_fresh_project_finds_the_fixtures(tmp_path: pathlib.Path) -> None:
    out = run_fresh_project(tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 passed" in out.stdout, out.stdout


def test_the_plugin_can_be_disabled(tmp_path: pathlib.Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_x(mppoint_simulator): pass\n", encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:mppoint", "test_x.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode != 0
    assert "fixture 'mppoint_simulator' not found" in out.stdout, out.stdout


if __name__ == "__main__":
    # tests/run_python.sh: `python test_pytest_plugin.py DIR` with a virtualenv of the wheel alone.
    result = run_fresh_project(pathlib.Path(sys.argv[1]))
    print(result.stdout[-2000:], result.stderr[-2000:])
    sys.exit(0 if result.returncode == 0 and "3 passed" in result.stdout else 1)
