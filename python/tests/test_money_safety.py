"""The money-safety promises of issue 9, as a Python POS meets them."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import pytest

import mppoint

from conftest import POS, POS2


def _drop_create_after_processing() -> dict[str, Any]:
    return {"endpoint": "CreateIntent", "kind": {"type": "DropAfterProcessing"}, "times": 1}


def test_the_simulator_ignores_create_keys_by_default() -> None:
    with mppoint.Simulator(site="MLB", pickup_delay=60, step_delay=0.05) as s:
        c = s.client(site="MLB", retries=0)
        first = c.create_intent("10.00", "sale", "py-keys", pos=POS, idempotency_key="py-k1")
        with pytest.raises(mppoint.AlreadyQueuedError):
            c.create_intent("10.00", "sale", "py-keys", pos=POS, idempotency_key="py-k1")
        c.cancel_intent(first.id)
    with mppoint.Simulator(site="MLB", pickup_delay=60, honor_idempotency_keys=True) as s:
        c = s.client(site="MLB", retries=0)
        first = c.create_intent("10.00", "sale", "py-keys", pos=POS, idempotency_key="py-k1")
        again = c.create_intent("10.00", "sale", "py-keys", pos=POS, idempotency_key="py-k1")
        assert again.id == first.id


def test_a_lost_create_is_outcome_unknown_and_find_payments_recovers_it(
    fresh_sim: mppoint.Simulator,
) -> None:
    c = fresh_sim.client(site="MLB", retries=2)
    fresh_sim.set_faults([_drop_create_after_processing()])
    with pytest.raises(mppoint.OutcomeUnknownError) as caught:
        c.charge("10.00", "sale", "py-lost-1", pos=POS, timeout=20, poll_interval=0.02)
    e = caught.value
    assert e.idempotency_key
    assert e.external_reference == "py-lost-1"
    assert 'external reference "py-lost-1"' in e.message
    assert fresh_sim.counters()["requests"]["CreateIntent"] == 1
    found: list[mppoint.Payment] = []
    for _ in range(300):
        found = c.find_payments("py-lost-1")
        if found:
            break
        time.sleep(0.02)
    assert len(found) == 1 and found[0].is_approved
    assert str(found[0].transaction_amount) == "10.00"
    assert c.find_payments("py-nothing") == []
    # The same key for another cart is refused before it is sent.
    with pytest.raises(mppoint.IdempotencyKeyMismatchError) as mismatch:
        c.create_intent("12.00", "sale", "py-lost-1", pos=POS, idempotency_key=e.idempotency_key)
    assert mismatch.value.code == "IDEMPOTENCY_KEY_MISMATCH"
    assert fresh_sim.counters()["requests"]["CreateIntent"] == 1


def test_ctrl_c_during_a_sale_carries_the_intent_id_and_key(fresh_sim: mppoint.Simulator) -> None:
    c = fresh_sim.client(site="MLB", retries=0)

    def interrupt(intent: mppoint.Intent) -> None:
        if intent.status == "ON_TERMINAL":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as caught:
        c.charge("10.44", "sale", "py-ctrl-c", pos=POS2, on_status=interrupt, poll_interval=0.02)
    intent_id = getattr(caught.value, "intent_id", None)
    key = getattr(caught.value, "idempotency_key", None)
    assert intent_id and key
    # The POS can cancel what it left on the terminal.
    fresh_sim.cancel_on_terminal(intent_id)
    assert c.sale_for(intent_id).verdict == "CANCELED"


def test_huge_durations_are_invalid_arguments_before_any_create(
    fresh_sim: mppoint.Simulator,
) -> None:
    c = fresh_sim.client(site="MLB", retries=0)
    for kw in ({"timeout": 1e19}, {"timeout": 1e300}, {"poll_interval": 1e19}):
        with pytest.raises(mppoint.InvalidArgumentError):
            c.charge("10.00", "sale", "py-huge", pos=POS, **kw)
    assert fresh_sim.counters()["intents_created"] == 0
    for kw in ({"timeout": 1e19}, {"connect_timeout": 1e19}, {"timeout": float("inf")}):
        with pytest.raises(mppoint.InvalidArgumentError):
            mppoint.Client("t", base_url=fresh_sim.base_url, **kw)


def test_unsafe_settings_are_config_errors() -> None:
    sig = mppoint.webhook.sign("", "abc", "req-1", 1704908010)
    for secret in ("", "   "):
        with pytest.raises(mppoint.ConfigError):
            mppoint.webhook.verify(secret, sig, "req-1", "abc")
    with pytest.raises(mppoint.ConfigError, match="clear text"):
        mppoint.Client("t", base_url="http://api.example.com")
    mppoint.Client("t", base_url="http://api.example.com", allow_insecure_http=True)
    mppoint.Client("t", base_url="http://127.0.0.1:9", resend_ambiguous_creates=True)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="signals are delivered to the main thread")
def test_a_real_ctrl_c_during_a_charge_carries_the_intent_id_and_key(
    fresh_sim: mppoint.Simulator, python_sigint: None,
) -> None:
    c = fresh_sim.client(site="MLB", retries=0)
    threading.Timer(0.4, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    with pytest.raises(KeyboardInterrupt) as caught:
        c.charge("10.44", "sale", "py-sigint", pos=POS, poll_interval=0.05, timeout=60)
    intent_id = getattr(caught.value, "intent_id", None)
    assert intent_id and getattr(caught.value, "idempotency_key", None)
    # The POS can cancel what it left on the terminal.
    if c.get_intent(intent_id).status == "OPENED":
        c.cancel_intent(intent_id)
    else:
        fresh_sim.cancel_on_terminal(intent_id)
    assert c.sale_for(intent_id).verdict == "CANCELED"
