"""What Mercado Pago added to Point (issue 25), from Python, against the simulator: printing on the
terminal (tagged text built and escaped by the core, the caller's own tagged text, images), the
official sandbox's simulated order events (test credentials only), a busy terminal waited for and
named, and tips. The blocking and the asyncio clients alike."""

from __future__ import annotations

import asyncio
import pickle
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

import mppoint
from conftest import DEVICE, STANDALONE

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
APIS = ["intents", "orders"]


def until(client: mppoint.Client, action_id: str, want: set[str]) -> mppoint.PrintAction:
    """Reads the print action until its status is one of `want` (the event), with a deadline."""
    deadline = time.monotonic() + 10
    while True:
        a = client.print_action(action_id)
        if a.status in want:
            return a
        assert time.monotonic() < deadline, f"print action {action_id} stayed {a.status}"
        time.sleep(0.01)


def unrouted(sim: mppoint.Simulator) -> int:
    return int(sim.counters()["unrouted_requests"])


@pytest.fixture()
def slow_print_sim() -> Iterator[mppoint.Simulator]:
    """A terminal that fetches a print at once but takes long to print it, so `on_terminal` is
    seen for sure (then `finish_print` ends it)."""
    with mppoint.Simulator(site="MLB", pickup_delay=0.02, step_delay=60) as s:
        yield s


# -- printing --------------------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_a_receipt_is_printed_with_the_customers_braces_escaped(sim: mppoint.Simulator, api: str) -> None:
    client = sim.client(api=api, retries=0)
    receipt = (
        mppoint.PrintText()
        .center_wide("Loja Centro")
        .line("Customer: {b}Ana{/b} }{")
        .bold("Total 25.00")
        .small("thank you")
        .blank()
        .qr("https://example.com/r/1")
    )
    tagged = receipt.to_tagged()
    # The customer's text cannot add a tag: its braces print as parentheses.
    assert "Customer: (b)Ana(/b) )(" in tagged
    assert tagged.startswith("{center}{w}Loja Centro{/w}{/center}{br}")
    assert "{b}Total 25.00{/b}{br}{s}thank you{/s}{br}{br}{qr}https://example.com/r/1{/qr}" in tagged
    assert len(tagged) >= 100  # padded to the API's shortest content
    a = client.print_text(DEVICE, f"receipt-{api}", receipt)
    assert isinstance(a, mppoint.PrintAction)
    assert (a.status, a.terminal_id, a.external_reference, a.subtype) == (
        "created", DEVICE, f"receipt-{api}", "custom")
    assert a.is_final is False and a.idempotency_key
    done = until(client, a.id, {"processed", "failed", "canceled"})
    assert done.status == "processed" and done.is_final
    # The same key and receipt: the same action, never a second print.
    again = client.print_text(DEVICE, f"receipt-{api}", receipt, idempotency_key=a.idempotency_key)
    assert again.id == a.id
    # The same key with another receipt.
    with pytest.raises(mppoint.IdempotencyKeyMismatchError):
        client.print_text(DEVICE, f"receipt-{api}", ["another"], idempotency_key=a.idempotency_key)


def test_a_print_goes_created_then_on_terminal_then_processed(slow_print_sim: mppoint.Simulator) -> None:
    client = slow_print_sim.client(retries=0)
    a = client.print_text(DEVICE, "timeline-1", mppoint.PrintText("Sale 1", "Total 9.00"))
    assert a.status == "created"
    on = until(client, a.id, {"on_terminal"})
    assert on.is_final is False
    # Fetched: it can no longer be canceled through the API.
    with pytest.raises(mppoint.CannotCancelError):
        client.cancel_print_action(a.id)
    slow_print_sim.finish_print(a.id)
    assert client.print_action(a.id).status == "processed"
    # Failed on the terminal.
    b = client.print_text(DEVICE, "timeline-2", "plain text\nsecond line")
    slow_print_sim.finish_print(b.id, "failed")
    assert client.print_action(b.id).status == "failed"
    with pytest.raises(mppoint.InvalidArgumentError):
        slow_print_sim.finish_print(b.id, "burnt")


def test_a_print_not_fetched_is_canceled_and_a_printed_one_cannot_be(sim: mppoint.Simulator) -> None:
    client = sim.client(retries=0)
    # A STANDALONE terminal never fetches the action: it stays created.
    a = client.print_text(STANDALONE, "cancel-1", ["Sale 2", "Total 3.00"])
    assert client.print_action(a.id).status == "created"
    client.cancel_print_action(a.id)
    canceled = client.print_action(a.id)
    assert canceled.status == "canceled" and canceled.is_final
    # Printed already: the cancel is refused.
    b = client.print_text(DEVICE, "cancel-2", ["Sale 3"])
    sim.finish_print(b.id, "processed")
    with pytest.raises(mppoint.CannotCancelError) as raised:
        client.cancel_print_action(b.id)
    assert raised.value.status == 409
    with pytest.raises(mppoint.NotFoundError):
        client.print_action("0b7c1a2e-0000-4000-8000-000000000000")


def test_an_image_is_printed_and_a_bad_one_is_refused_before_sending(sim: mppoint.Simulator) -> None:
    client = sim.client(retries=0)
    img = client.print_image(DEVICE, "img-1", PNG)
    assert img.subtype == "image" and img.status == "created"
    assert client.print_image(DEVICE, "img-2", bytearray(PNG)).subtype == "image"
    assert client.print_image(DEVICE, "img-3", memoryview(PNG)).subtype == "image"
    before = unrouted(sim)
    for data, why in (
        (b"GIF89a" + bytes(64), "must be a PNG or JPEG image"),
        (b"\x89PNG\r\n\x1a\n" + bytes(1_000_001), "shrink the image"),
    ):
        with pytest.raises(mppoint.InvalidArgumentError) as raised:
            client.print_image(DEVICE, "img-bad", data)
        assert raised.value.field == "content" and why in raised.value.message
    with pytest.raises(TypeError, match="bytes of a PNG or JPEG"):
        client.print_image(DEVICE, "img-bad", "not bytes")  # type: ignore[arg-type]
    assert unrouted(sim) == before


def test_the_callers_own_tagged_text_is_checked_and_bad_prints_are_refused(sim: mppoint.Simulator) -> None:
    client = sim.client(retries=0)
    own = "{center}{b}RECIBO{/b}{/center}{br}" + "Obrigado pela preferencia. " * 4 + "{br}"
    a = client.print_text(DEVICE, "own-1", tagged=own)
    assert a.status == "created" and a.subtype == "custom"
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"tagged": "{b}short{/b}"}, "content", "must be 100 to 4096 characters"),
        ({"tagged": own + " }"}, "content", "closes no tag"),
        ({"tagged": own.replace("{b}", "{u}").replace("{/b}", "{/u}")}, "content",
         "not a documented tag"),
        ({"tagged": own, "text": ["x"]}, "text", "not both"),
        ({}, "text", "give either text"),
        ({"text": mppoint.PrintText("x" * 5000)}, "content", "must be 100 to 4096"),
    ]
    for kwargs, field, fragment in cases:
        with pytest.raises(mppoint.InvalidArgumentError) as raised:
            client.print_text(DEVICE, "own-2", **kwargs)
        assert raised.value.field == field, kwargs
        assert fragment in raised.value.message, raised.value.message
    for terminal, reference, field in (
        ("NOT-A-TERMINAL", "r", "terminal_id"),
        (DEVICE, "with space", "external_reference"),
    ):
        with pytest.raises(mppoint.InvalidArgumentError) as raised:
            client.print_text(terminal, reference, ["x"])
        assert raised.value.field == field
    with pytest.raises(TypeError, match="PrintText, a str or a list of str"):
        client.print_text(DEVICE, "own-3", 42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="PrintText, a str or a list of str"):
        client.print_text(DEVICE, "own-3", ["line", 7])  # type: ignore[list-item]
    # A builder is a value: equal to another built the same way.
    assert mppoint.PrintText("a").bold("b") == mppoint.PrintText().line("a").bold("b")
    assert "Loja" in repr(mppoint.PrintText("Loja"))


# -- the sandbox's simulated order events --------------------------------------------------


@pytest.fixture(scope="module")
def sandbox_sim() -> Iterator[mppoint.Simulator]:
    """The sandbox's virtual terminal; time_factor 20 turns the sandbox's 10 s into half a second."""
    with mppoint.Simulator(site="MLB", pickup_delay=0.05, step_delay=0.05, time_factor=20,
                           sandbox_terminal=True) as s:
        yield s


def test_a_test_token_drives_an_orders_sale_through_the_sandbox(sandbox_sim: mppoint.Simulator) -> None:
    client = sandbox_sim.client(api="orders", retries=0)
    assert client.has_test_credentials  # the simulator's token starts TEST-
    assert mppoint.SANDBOX_TERMINAL == "NEWLAND_N950__SBX0000001"
    order = client.create_intent("20.00", "Sandbox sale", "sbx-1", device=mppoint.SANDBOX_TERMINAL)
    client.simulate_order_event(order.id, "processed", card=("visa", "credit_card"), installments=3)
    seen: list[str] = []
    ended = client.wait_for_final(order.id, timeout=20, on_status=lambda i: seen.append(i.status))
    assert ended.status in ("PROCESSED", "CLOSED"), ended.status
    sale = client.sale_for(order.id)
    assert sale.verdict == "APPROVED" and sale.is_paid
    assert sale.approved_payment is not None
    assert sale.approved_payment.payment_method_id == "visa"

    declined = client.create_intent("21.00", "Sandbox decline", "sbx-2", device=mppoint.SANDBOX_TERMINAL)
    client.simulate_order_event(declined.id, "failed", status_detail="insufficient_amount")
    client.wait_for_final(declined.id, timeout=20)
    assert client.sale_for(declined.id).verdict == "REJECTED"


def test_a_production_token_is_sandbox_only_and_bad_events_are_refused(sandbox_sim: mppoint.Simulator) -> None:
    client = sandbox_sim.client(api="orders", retries=0)
    order = client.create_intent("22.00", "Sandbox refused", "sbx-3", device=mppoint.SANDBOX_TERMINAL)
    before = unrouted(sandbox_sim)
    prod = mppoint.Client("APP_USR-123-production", base_url=sandbox_sim.base_url, api="orders",
                          retries=0)
    assert prod.has_test_credentials is False
    with pytest.raises(mppoint.SandboxOnlyError) as raised:
        prod.simulate_order_event(order.id, "processed")
    assert "test credentials" in raised.value.message
    # A test user's production token, declared so.
    declared = mppoint.Client("APP_USR-123-test-user", base_url=sandbox_sim.base_url,
                              api="orders", test_account=True)
    assert declared.has_test_credentials
    for kwargs, field in (
        ({"status": "approved"}, "status"),
        ({"status": "canceled", "card": ("visa", "credit_card")}, "payment_method_id"),
        ({"status": "processed", "status_detail": "high_risk"}, "status_detail"),
        ({"status": "processed", "card": ("visa", "debit_card"), "installments": 2}, "installments"),
    ):
        with pytest.raises(mppoint.InvalidArgumentError) as bad:
            client.simulate_order_event(order.id, **kwargs)
        assert bad.value.field == field, kwargs
    assert unrouted(sandbox_sim) == before
    client.simulate_order_event(order.id, "canceled")
    client.wait_for_final(order.id, timeout=20)
    assert client.sale_for(order.id).verdict == "CANCELED"


# -- a busy terminal -------------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS)
def test_a_busy_terminal_is_named_and_waited_for(fresh_sim: mppoint.Simulator, api: str) -> None:
    client = fresh_sim.client(api=api, retries=0)
    # .44: held on the terminal until the control API decides.
    first = client.create_intent("8.44", "First sale", f"busy-1-{api}", device=DEVICE)
    with pytest.raises(mppoint.AlreadyQueuedError) as raised:
        client.create_intent("9.00", "Second sale", f"busy-2-{api}", device=DEVICE)
    e = raised.value
    assert e.holding_sale == first.id, str(e)
    assert f"busy-1-{api}" in e.message
    back = pickle.loads(pickle.dumps(e))
    assert back.holding_sale == first.id and vars(back) == vars(e)

    busy: list[mppoint.AlreadyQueuedError] = []

    def on_busy(err: mppoint.AlreadyQueuedError) -> None:
        busy.append(err)
        if len(busy) == 2:
            fresh_sim.present_card(first.id)  # the first customer pays at last

    sale = client.charge("9.00", "Second sale", f"busy-2-{api}", device=DEVICE, when_busy=10,
                         on_busy=on_busy, poll_interval=0.02, timeout=20)
    assert sale.verdict == "APPROVED"
    assert len(busy) >= 2
    assert all(isinstance(b, mppoint.AlreadyQueuedError) and b.holding_sale == first.id for b in busy)

    # Bounded: a terminal that stays busy is ALREADY_QUEUED after the time given.
    held = client.create_intent("8.44", "Held", f"busy-3-{api}", device=DEVICE)
    with pytest.raises(mppoint.AlreadyQueuedError) as raised:
        client.charge("9.00", "Fourth", f"busy-4-{api}", device=DEVICE, when_busy=0.3,
                      poll_interval=0.02)
    assert raised.value.holding_sale == held.id


def test_on_busy_raising_stops_the_wait_and_bad_when_busy_is_refused(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client(retries=0)
    held = client.create_intent("8.44", "Held", "busy-r-1", device=DEVICE)

    class Giveup(Exception):
        pass

    def on_busy(err: mppoint.AlreadyQueuedError) -> None:
        raise Giveup(err.holding_sale)

    with pytest.raises(Giveup) as raised:
        client.charge("9.00", "Never", "busy-r-2", device=DEVICE, when_busy=30, on_busy=on_busy)
    assert raised.value.args == (held.id,)
    assert client.find_payments("busy-r-2") == []
    for bad in (-1, 90_000):
        with pytest.raises(mppoint.InvalidArgumentError) as e:
            client.charge("9.00", "Never", "busy-r-3", device=DEVICE, when_busy=bad)
        assert e.value.field == "when_busy"
    with pytest.raises(TypeError, match="on_busy must be callable"):
        client.charge("9.00", "Never", "busy-r-3", device=DEVICE, when_busy=1,
                      on_busy="nope")  # type: ignore[arg-type]
    # Without when_busy: ALREADY_QUEUED at once, naming the holder.
    with pytest.raises(mppoint.AlreadyQueuedError) as queued:
        client.charge("9.00", "Never", "busy-r-4", device=DEVICE)
    assert queued.value.holding_sale == held.id


# -- tips --------------------------------------------------------------------------------------


def test_a_tip_on_an_orders_payment_is_a_decimal_and_forbids_a_partial_refund(
    fresh_sim: mppoint.Simulator,
) -> None:
    client = fresh_sim.client(api="orders", retries=0)
    plain = client.charge("30.00", "No tip", "tip-0", device=DEVICE, poll_interval=0.02)
    assert plain.is_paid and plain.tip is None
    assert plain.approved_payment is not None and plain.approved_payment.tip_amount is None
    held = client.create_intent("20.44", "Tipped", "tip-1", device=DEVICE)
    fresh_sim.add_tip(held.id, "3.00")
    fresh_sim.present_card(held.id)
    client.wait_for_final(held.id, timeout=20, poll_interval=0.02)
    sale = client.sale_for(held.id)
    assert sale.verdict == "APPROVED", sale.reason
    assert sale.tip == Decimal("3.00") and isinstance(sale.tip, Decimal)
    assert sale.amount == Decimal("20.44")
    assert sale.approved_payment is not None
    assert sale.approved_payment.tip_amount == Decimal("3.00")
    assert sale.approved_payment.to_dict()["tip_amount"] == Decimal("3.00")
    with pytest.raises(mppoint.RefundNotAllowedError) as raised:
        client.refund_order(held.id, "5.00")
    assert "tip" in raised.value.message
    client.refund_order(held.id)


# -- the asyncio client ------------------------------------------------------------------------


def test_the_async_client_prints_simulates_and_waits_for_a_busy_terminal(
    fresh_sim: mppoint.Simulator, sandbox_sim: mppoint.Simulator,
) -> None:
    async def main() -> None:
        client = mppoint.AsyncClient.from_client(fresh_sim.client(retries=0))
        a = await client.print_text(DEVICE, "async-print-1", mppoint.PrintText("Async"))
        assert a.status == "created"
        img = await client.print_image(STANDALONE, "async-img-1", PNG)
        await client.cancel_print_action(img.id)
        assert (await client.print_action(img.id)).status == "canceled"
        with pytest.raises(mppoint.InvalidArgumentError):
            await client.print_text(DEVICE, "async-print-2", tagged="{b}short{/b}")

        first = await client.create_intent("8.44", "First", "async-busy-1", device=DEVICE)
        seen: list[str | None] = []

        async def on_busy(err: mppoint.AlreadyQueuedError) -> None:
            seen.append(err.holding_sale)
            if len(seen) == 2:
                fresh_sim.present_card(first.id)

        sale = await client.charge("9.00", "Second", "async-busy-2", device=DEVICE, when_busy=10,
                                   on_busy=on_busy, poll_interval=0.02, timeout=20)
        assert sale.is_paid and seen[:2] == [first.id, first.id]

        # Cancelling the task while the terminal is busy stops the wait; nothing was created.
        held = await client.create_intent("8.44", "Held", "async-busy-3", device=DEVICE)
        started = asyncio.Event()
        task = asyncio.create_task(client.charge(
            "9.00", "Never", "async-busy-4", device=DEVICE, when_busy=30,
            on_busy=lambda e: started.set()))
        await asyncio.wait_for(started.wait(), 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as cancelled:
            await task
        assert getattr(cancelled.value, "intent_id") is None
        assert isinstance(cancelled.value.__cause__, mppoint.CanceledError)
        assert await client.find_payments("async-busy-4") == []
        await client.cancel_intent(held.id)

        sbx = mppoint.AsyncClient.from_client(sandbox_sim.client(api="orders", retries=0))
        assert sbx.has_test_credentials
        order = await sbx.create_intent("23.00", "Async sandbox", "async-sbx-1",
                                        device=mppoint.SANDBOX_TERMINAL)
        await sbx.simulate_order_event(order.id, "processed")
        await sbx.wait_for_final(order.id, timeout=20)
        assert (await sbx.sale_for(order.id)).verdict == "APPROVED"
        prod = mppoint.AsyncClient("APP_USR-9", base_url=sandbox_sim.base_url, api="orders")
        with pytest.raises(mppoint.SandboxOnlyError):
            await prod.simulate_order_event(order.id, "processed")

    asyncio.run(main())
