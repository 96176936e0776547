"""What a newcomer met in the first hour (issue 23): help() shows real defaults, a wait's timeout
is reported as given, a bad site is the error the docs say, and a simulator's client polls at the
simulator's pace so on_status shows every status."""

from __future__ import annotations

import inspect

import pytest

import mppoint
from conftest import POS


def test_help_shows_present_cards_default_not_ellipsis() -> None:
    sig = inspect.signature(mppoint.Simulator.present_card)
    assert sig.parameters["outcome"].default == "approved"
    assert "outcome='approved'" in str(sig)


def test_no_public_method_shows_an_ellipsis_default() -> None:
    for cls in (mppoint.Client, mppoint.Simulator, mppoint.CancelToken, mppoint.Amount):
        for name, fn in inspect.getmembers(cls):
            if name.startswith("_") or not callable(fn):
                continue
            try:
                sig = inspect.signature(fn)
            except (TypeError, ValueError):
                continue
            for p in sig.parameters.values():
                assert p.default is not Ellipsis, f"{cls.__name__}.{name}{sig}"


def test_present_card_without_an_outcome_approves(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client()
    intent = client.create_intent("10.44", "Held", "fh-held", pos=POS)
    seen: list[str] = []

    def status(i: mppoint.Intent) -> None:
        seen.append(i.status)
        if i.status == "ON_TERMINAL" and seen.count("ON_TERMINAL") == 1:
            fresh_sim.present_card(intent.id)

    client.wait_for_final(intent.id, on_status=status, timeout=20)
    assert client.sale_for(intent.id).verdict == "APPROVED"


def test_a_timeout_of_half_a_second_is_reported_as_500_ms(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client(retries=0)
    intent = client.create_intent("10.99", "Never picked up", "fh-timeout", pos=POS)
    with pytest.raises(mppoint.WaitTimeoutError) as info:
        client.wait_for_final(intent.id, timeout=0.5, poll_interval=0.05)
    assert "within 500 ms" in str(info.value), str(info.value)
    client.cancel_intent(intent.id)


def test_a_bad_site_is_the_error_the_docs_say() -> None:
    with pytest.raises(mppoint.InvalidArgumentError) as info:
        mppoint.Client("APP_USR-x", site="XX")  # type: ignore[arg-type]
    assert info.value.code == "INVALID_ARGUMENT" and info.value.field == "site"
    assert "site" not in (mppoint.ConfigError.__doc__ or "")


def test_a_simulators_client_polls_at_its_pace_and_on_status_sees_every_status() -> None:
    with mppoint.Simulator(pickup_delay=0.4, step_delay=0.4) as sim:
        seen: list[str] = []
        # No poll_interval: the simulator's pace (200 ms here), not the 1 s default.
        sale = sim.client().charge("10.00", "Paced", "fh-paced", pos=POS,
                                   on_status=lambda i: seen.append(i.status))
        assert sale.is_paid
        assert seen == ["OPENED", "ON_TERMINAL", "PROCESSING", "PROCESSED", "CLOSED"], seen
