"""mppoint's pytest plugin: fixtures for testing a POS against the simulator, without a terminal.

Installed with the wheel (entry point ``pytest11``), so ``pytest`` finds the fixtures in any
project where mppoint is installed; nothing to import or configure:

- ``mppoint_simulator``: a running :class:`mppoint.Simulator` (fast terminals: 50 ms steps),
  stopped after the test;
- ``mppoint_client``: a :class:`mppoint.Client` of that simulator (it polls at the simulator's
  pace, so ``on_status`` sees every status);
- ``mppoint_async_client``: the same as an :class:`mppoint.AsyncClient`.

Another shop, site or pace: override ``mppoint_simulator`` in your ``conftest.py`` (the two
clients follow it)::

    @pytest.fixture
    def mppoint_simulator():
        with mppoint.Simulator(site="MLA", pickup_delay=0.01, step_delay=0.01) as sim:
            yield sim

Disable the plugin with ``pytest -p no:mppoint``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import mppoint

__all__ = ["mppoint_simulator", "mppoint_client", "mppoint_async_client"]


@pytest.fixture
def mppoint_simulator() -> Iterator[mppoint.Simulator]:
    """A running simulator of Mercado Pago's Point APIs with fast terminals (50 ms steps)."""
    with mppoint.Simulator(pickup_delay=0.05, step_delay=0.05) as sim:
        yield sim


@pytest.fixture
def mppoint_client(mppoint_simulator: mppoint.Simulator) -> mppoint.Client:
    """A client of ``mppoint_simulator`` (its site and token, no proxy)."""
    return mppoint_simulator.client()


@pytest.fixture
def mppoint_async_client(mppoint_simulator: mppoint.Simulator) -> mppoint.AsyncClient:
    """An :class:`mppoint.AsyncClient` of ``mppoint_simulator``."""
    return mppoint.AsyncClient.from_client(mppoint_simulator.client())
