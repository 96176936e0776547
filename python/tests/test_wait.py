"""Waiting: callbacks, cancel from another thread, Ctrl-C, and the GIL released meanwhile."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

import mppoint
from conftest import POS, POS2


def held_intent(sim: mppoint.Simulator, client: mppoint.Client, pos: str = POS) -> mppoint.Intent:
    """An intent the simulated terminal keeps ON_TERMINAL until told otherwise."""
    intent = client.create_intent("30.44", "held", "order-held", pos=pos)
    # .44: the simulated terminal picks it up and holds it ON_TERMINAL until told otherwise.
    deadline = time.monotonic() + 5
    while client.get_intent(intent.id).status != "ON_TERMINAL":
        assert time.monotonic() < deadline, "the simulated terminal did not pick the intent up"
        time.sleep(0.01)
    return intent


def test_callback_sees_intents(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client(retries=0)
    seen: list[mppoint.Intent] = []
    sale = client.charge("12.00", "cb", "order-cb", pos=POS, poll_interval=0.02, timeout=20,
                         on_status=seen.append)
    assert sale.is_paid
    assert all(isinstance(i, mppoint.Intent) for i in seen)
    assert [i.status for i in seen][0] == "OPENED"
    assert seen[-1].status == "CLOSED"
    assert seen[-1].payment_ids == sale.intent.payment_ids


def test_an_exception_in_the_callback_stops_the_wait(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client(retries=0)
    intent = held_intent(fresh_sim, client)

    def boom(i: mppoint.Intent) -> None:
        raise LookupError(f"display broken at {i.status}")

    started = time.monotonic()
    with pytest.raises(mppoint.AbortedError, match="the status callback failed") as exc:
        client.wait_for_final(intent.id, poll_interval=0.02, timeout=600, on_status=boom)
    # Stopped by the callback, not by the 10-minute deadline (a generous bound, not a speed test).
    assert time.monotonic() - started < 300
    # The one ABORTED of every language: it names the intent, says what the callback raised,
    # and chains the callback's own exception.
    assert exc.value.intent_id == intent.id
    assert "LookupError: display broken at" in str(exc.value)
    assert isinstance(exc.value.__cause__, LookupError)
    assert "display broken" in str(exc.value.__cause__)


def test_a_non_callable_callback_is_a_type_error(client: mppoint.Client) -> None:
    with pytest.raises(TypeError, match="on_status must be callable"):
        client.wait_for_final("some-id", on_status=42)  # type: ignore[arg-type]


def test_cancel_from_another_thread(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client(retries=0)
    intent = held_intent(fresh_sim, client)
    token = mppoint.CancelToken()
    assert not token.is_canceled
    threading.Timer(0.2, token.cancel).start()
    started = time.monotonic()
    with pytest.raises(mppoint.CanceledError) as exc:
        client.wait_for_final(intent.id, poll_interval=120, timeout=600, cancel=token)
    # The cancel ended the 120 s pause: the wait did not run to its next poll.
    assert time.monotonic() - started < 60
    assert token.is_canceled
    assert repr(token) == "CancelToken(is_canceled=True)"
    assert exc.value.intent_id == intent.id
    assert exc.value.last_status == "ON_TERMINAL"
    # The intent itself is untouched.
    assert client.get_intent(intent.id).status == "ON_TERMINAL"


def test_cancel_a_charge_from_another_thread(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client(retries=0)
    token = mppoint.CancelToken()
    threading.Timer(0.3, token.cancel).start()
    with pytest.raises(mppoint.CanceledError) as exc:
        # .99: never picked up by the terminal.
        client.charge("10.99", "never", "order-n", pos=POS2, poll_interval=0.05, timeout=30,
                      cancel=token)
    assert exc.value.intent_id
    assert exc.value.idempotency_key
    client.cancel_intent(exc.value.intent_id)


def test_another_thread_runs_python_while_a_wait_is_in_progress(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client(retries=0)
    intent = held_intent(fresh_sim, client)
    token = mppoint.CancelToken()
    outcome: list[BaseException] = []

    def wait() -> None:
        try:
            client.wait_for_final(intent.id, poll_interval=0.05, timeout=30, cancel=token)
        except BaseException as e:  # noqa: BLE001
            outcome.append(e)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.05)
    # Pure-Python work in this thread while the other one waits: if the wait held the GIL this
    # loop could not run until the wait ended.
    ticks = 0
    started = time.monotonic()
    while time.monotonic() - started < 0.5:
        ticks += 1
    assert waiter.is_alive(), "the wait should still be in progress"
    assert ticks > 10_000, f"only {ticks} iterations ran during the wait"
    token.cancel()
    waiter.join(5)
    assert not waiter.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], mppoint.CanceledError)


def test_a_slow_request_does_not_hold_the_gil(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client(retries=0, timeout=60)
    intent = client.create_intent("3.99", "slow", "order-slow", pos=POS2)  # .99: stays OPENED
    fresh_sim.add_fault({"endpoint": "GetIntent", "kind": {"type": "Latency", "ms": 10000}, "times": 1})
    done = threading.Event()
    t = threading.Thread(target=lambda: (client.get_intent(intent.id), done.set()))
    t.start()
    time.sleep(0.05)
    ticks = 0
    started = time.monotonic()
    while time.monotonic() - started < 0.3:
        ticks += 1
    assert not done.is_set(), "the request should still be in flight"
    assert ticks > 10_000
    t.join(60)
    assert done.is_set()
    client.cancel_intent(intent.id)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="signals are delivered to the main thread")
def test_ctrl_c_stops_a_wait_promptly(
    fresh_sim: mppoint.Simulator, python_sigint: None,
) -> None:
    client = fresh_sim.client(retries=0)
    intent = held_intent(fresh_sim, client)
    threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        client.wait_for_final(intent.id, poll_interval=120, timeout=600)
    elapsed = time.monotonic() - started
    # Ctrl-C ended the 120 s pause (checked every 100 ms), not the next poll.
    assert elapsed < 60, f"Ctrl-C took {elapsed:.2f} s to stop the wait"
    # The intent is untouched and the client still works.
    assert client.get_intent(intent.id).status == "ON_TERMINAL"


def test_bad_wait_options_are_refused(client: mppoint.Client) -> None:
    with pytest.raises(mppoint.InvalidArgumentError):
        client.wait_for_final("x", poll_interval=0)
    with pytest.raises(mppoint.InvalidArgumentError):
        client.wait_for_final("x", timeout=-1)
    with pytest.raises(mppoint.InvalidArgumentError):
        client.wait_for_final("x", timeout=float("nan"))
    with pytest.raises(mppoint.InvalidArgumentError):
        client.wait_for_final("", timeout=1)
