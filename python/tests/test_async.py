"""mppoint.AsyncClient: the same client for asyncio code, its calls off the event loop; cancelling
the awaiting task stops a wait through the core's cancel token and says what is left."""

from __future__ import annotations

import asyncio
import inspect
import threading
from typing import Any

import pytest

import mppoint
from conftest import POS, POS2

FAST: dict[str, Any] = {"poll_interval": 0.02, "timeout": 20}


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_a_sale_completes_and_on_status_runs_on_the_event_loop(sim: mppoint.Simulator) -> None:
    client = mppoint.AsyncClient.from_client(sim.client())
    seen: list[tuple[str, bool]] = []

    async def main() -> mppoint.PaidSale | mppoint.UnpaidSale:
        loop_thread = threading.get_ident()

        async def on_status(intent: mppoint.Intent) -> None:  # a coroutine function is awaited
            await asyncio.sleep(0)
            seen.append((intent.status, threading.get_ident() == loop_thread))

        return await client.charge("12.47", "Async sale", "async-1", pos=POS,
                                   on_status=on_status, **FAST)

    sale = run(main())
    assert sale.is_paid and sale.verdict == "APPROVED"
    assert isinstance(sale, mppoint.PaidSale) and isinstance(sale, mppoint.Sale)
    assert sale.approved_payment.transaction_amount is not None
    assert seen[0] == ("OPENED", True) and seen[-1] == ("CLOSED", True), seen
    assert all(on_loop for _, on_loop in seen), seen


def test_the_event_loop_runs_while_a_sale_waits(sim: mppoint.Simulator) -> None:
    # The sale is held on the terminal until another coroutine of the same loop presents the
    # card: if the sale blocked the loop, that coroutine could never run and the sale would hang.
    client = mppoint.AsyncClient(sim.access_token, base_url=sim.base_url, site="MLB", no_proxy=True)
    on_terminal = asyncio.Event()

    async def main() -> str:
        loop = asyncio.get_running_loop()
        ids: list[str] = []

        def status(intent: mppoint.Intent) -> None:
            ids.append(intent.id)
            if intent.status == "ON_TERMINAL":
                on_terminal.set()

        sale = asyncio.create_task(
            client.charge("10.44", "Held", "async-held", pos=POS, on_status=status, **FAST)
        )
        await on_terminal.wait()
        await loop.run_in_executor(None, sim.present_card, ids[0], "approved")
        return (await sale).verdict

    assert run(main()) == "APPROVED"


def test_cancelling_the_task_stops_the_wait_and_names_the_intent(fresh_sim: mppoint.Simulator) -> None:
    sim = fresh_sim
    client = mppoint.AsyncClient.from_client(sim.client())

    async def main() -> tuple[asyncio.CancelledError, str]:
        on_terminal = asyncio.Event()
        ids: list[str] = []

        def status(intent: mppoint.Intent) -> None:
            ids.append(intent.id)
            if intent.status == "ON_TERMINAL":
                on_terminal.set()

        task = asyncio.create_task(
            client.charge("10.44", "Held", "async-cancel", pos=POS2, on_status=status, **FAST)
        )
        await on_terminal.wait()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError as e:
            return e, ids[0]
        raise AssertionError("the task was not cancelled")

    e, intent_id = run(main())
    # What is left on the terminal, as Ctrl-C reports it.
    assert getattr(e, "intent_id") == intent_id
    assert getattr(e, "last_status") == "ON_TERMINAL"
    assert getattr(e, "idempotency_key")
    assert isinstance(e.__cause__, mppoint.CanceledError)
    assert intent_id in str(e.__cause__)
    if hasattr(e, "__notes__"):
        assert any(intent_id in n for n in e.__notes__), e.__notes__
    # The wait stopped, the intent is untouched: still on the terminal, for the POS to cancel.
    left = sim.intent(intent_id)
    assert left is not None and left.status == "ON_TERMINAL"
    sim.cancel_on_terminal(intent_id)


def test_an_on_status_that_raises_stops_the_sale_with_the_intent(fresh_sim: mppoint.Simulator) -> None:
    sim = fresh_sim
    client = mppoint.AsyncClient.from_client(sim.client())

    class Stop(Exception):
        pass

    async def boom(intent: mppoint.Intent) -> None:
        raise Stop(intent.status)

    with pytest.raises(mppoint.AbortedError, match="the status callback failed") as info:
        run(client.charge("10.00", "Boom", "async-boom", pos=POS, on_status=boom, **FAST))
    assert isinstance(info.value.__cause__, Stop)
    intent_id = info.value.intent_id
    assert intent_id
    assert info.value.idempotency_key
    assert sim.intent(intent_id) is not None


def test_errors_are_the_same_classes(sim: mppoint.Simulator) -> None:
    client = mppoint.AsyncClient.from_client(sim.client(retries=0))
    with pytest.raises(mppoint.NotFoundError):
        run(client.get_intent("00000000-0000-0000-0000-000000000000"))
    with pytest.raises(mppoint.InvalidAmountError):
        run(client.charge("1.001", "d", "r", pos=POS))
    with pytest.raises(mppoint.ConfigError):
        mppoint.AsyncClient("")


def test_the_other_calls(fresh_sim: mppoint.Simulator) -> None:
    sim = fresh_sim
    client = mppoint.AsyncClient.from_client(sim.client())

    async def main() -> None:
        intent = await client.create_intent("7.00", "Step", "async-step", pos=POS)
        assert (await client.get_intent(intent.id)).id == intent.id
        ended = await client.wait_for_final(intent.id, **FAST)
        assert ended.status == "CLOSED"
        sale = await client.sale_for(intent.id)
        assert sale.is_paid
        assert (await client.get_payment(sale.approved_payment.id)).is_approved
        assert [d async for d in client.devices()]
        assert (await client.list_devices()).devices
        opened = await client.create_intent("10.99", "Never picked up", "async-open", pos=POS)
        await client.cancel_intent(opened.id)
        assert (await client.get_intent(opened.id)).status == "CANCELED"

    run(main())
    assert client.site == "MLB" and client.base_url == sim.base_url and client.api == "intents"
    assert repr(client).startswith("AsyncClient(")


def test_every_client_method_has_an_async_twin_with_the_same_parameters() -> None:
    public = [n for n in dir(mppoint.Client) if not n.startswith("_")]
    for name in public:
        assert hasattr(mppoint.AsyncClient, name), f"AsyncClient lacks {name}"
        sync = getattr(mppoint.Client, name)
        if isinstance(sync, property) or not callable(sync):
            continue
        twin = getattr(mppoint.AsyncClient, name)
        assert inspect.iscoroutinefunction(twin) or inspect.isasyncgenfunction(twin), name
        want = [p for p in inspect.signature(sync).parameters if p != "self"]
        got = [p for p in inspect.signature(twin).parameters if p != "self"]
        assert got == want, f"{name}: {got} != {want}"
    ctor = [p for p in inspect.signature(mppoint.AsyncClient.__init__).parameters if p != "self"]
    assert ctor == [p for p in inspect.signature(mppoint.Client).parameters], ctor
