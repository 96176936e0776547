"""Shared fixtures: a simulator per test module, and a client pointed at it."""

from __future__ import annotations

import json
import pathlib
import signal
from collections.abc import Iterator
from typing import Any

import pytest

import mppoint

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"

POS = "SUC001POS001"
POS2 = "SUC001POS002"
DEVICE = "PAX_A910__SMARTPOS0000000001"
DEVICE2 = "PAX_A910__SMARTPOS0000000002"
STANDALONE = "NEWLAND_N950__N950NCB000000003"


def fixture_json(name: str) -> Any:
    path = FIXTURES / name
    assert path.exists(), f"shared fixture {path} is missing"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sim() -> Iterator[mppoint.Simulator]:
    with mppoint.Simulator(site="MLB", pickup_delay=0.05, step_delay=0.05) as s:
        yield s


@pytest.fixture()
def client(sim: mppoint.Simulator) -> mppoint.Client:
    sim.clear_faults()
    return sim.client(site="MLB", timeout=5, retries=0)


@pytest.fixture()
def fresh_sim() -> Iterator[mppoint.Simulator]:
    """A simulator of its own, for tests that leave intents queued or change faults."""
    with mppoint.Simulator(site="MLB", pickup_delay=0.05, step_delay=0.05) as s:
        yield s


@pytest.fixture()
def python_sigint() -> Iterator[None]:
    """Python's own Ctrl-C handler for the test, restored after it. A Python started with SIGINT
    ignored (a background job of a non-interactive shell, `nohup … &`, some CI runners) keeps it
    ignored and never raises KeyboardInterrupt, which is the handler a POS has, not ours to test;
    a test of what mppoint does on a real Ctrl-C sets the usual handler itself."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
