"""A typed POS flow using the public surface; `mypy --strict` checks it (test_typing.py) and
test_typing.py also runs it against the simulator."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal

import mppoint


def ring_up(client: mppoint.Client, amount: mppoint.AmountLike, order: str) -> mppoint.Sale:
    statuses: list[str] = []

    def show(intent: mppoint.Intent) -> None:
        statuses.append(intent.status)

    token = mppoint.CancelToken()
    try:
        sale = client.charge(
            amount, f"Order {order}", order, pos="SUC001POS001",
            timeout=30.0, poll_interval=0.05, on_status=show, cancel=token,
        )
    except mppoint.OutcomeUnknownError as e:
        # Retry the same create: the key makes sure the customer is charged once.
        key: str | None = e.idempotency_key
        sale = client.charge(amount, f"Order {order}", order, pos="SUC001POS001",
                             idempotency_key=key, poll_interval=0.05)
    paid: bool = sale.is_paid
    if paid and sale.approved_payment is not None:
        received: Decimal | None = sale.approved_payment.transaction_amount
        assert received is not None
    return sale


async def ring_up_async(client: mppoint.AsyncClient, order: str) -> str:
    sale = await client.charge("10.00", f"Order {order}", order, pos="SUC001POS001")
    if sale.is_paid:
        # Narrowed by is_paid: a PaidSale, whose approved_payment is a Payment (no None check).
        payment: mppoint.Payment = sale.approved_payment
        return f"paid {payment.id}"
    unpaid: mppoint.UnpaidSale = sale
    return unpaid.verdict


def run(sim: mppoint.Simulator) -> dict[str, object]:
    client: mppoint.Client = sim.client(site="MLB", retries=1)
    sale = ring_up(client, Decimal("19.90"), "A-1")
    other = ring_up(client, mppoint.cents(1013), "A-2")
    devices: list[mppoint.Device] = list(client.devices())
    page: mppoint.DevicePage = client.list_devices(limit=2)
    amount: mppoint.Amount = mppoint.Amount("1.50")
    cents: int = amount.cents
    done = threading.Event()
    done.set()
    note_sig: str = mppoint.webhook.sign(sim.webhook_secret, sale.intent.id, "req-1")
    mppoint.webhook.verify(sim.webhook_secret, note_sig, "req-1", sale.intent.id, tolerance=60)
    try:
        client.get_intent("nope")
    except mppoint.NotFoundError as e:
        status: int | None = e.status
        assert status == 404
    receipt = mppoint.PrintText("Order A-1").bold(f"Total {sale.amount}").qr("https://example.com/r/A-1")
    action: mppoint.PrintAction = client.print_text("PAX_A910__SMARTPOS0000000001", "A-1", receipt)
    printed: mppoint.PrintStatus = client.print_action(action.id).status
    assert printed in ("created", "on_terminal", "processed")
    tip: Decimal | None = sale.tip
    assert tip is None
    held = client.create_intent("8.44", "Held", "A-4", device="PAX_A910__SMARTPOS0000000002")
    try:
        client.create_intent("1.00", "Second", "A-5", device="PAX_A910__SMARTPOS0000000002")
    except mppoint.AlreadyQueuedError as busy:
        holder: str | None = busy.holding_sale
        assert holder == held.id
    finally:
        sim.cancel_on_terminal(held.id)
        client.wait_for_final(held.id, timeout=10.0)
    paid_async: str = asyncio.run(ring_up_async(mppoint.AsyncClient.from_client(client), "A-3"))
    assert paid_async.startswith("paid ")
    return {
        "verdicts": (sale.verdict, other.verdict),
        "devices": len(devices),
        "page": len(page.devices),
        "cents": cents,
        "dict": sale.to_dict(),
    }
