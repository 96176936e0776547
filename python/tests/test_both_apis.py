"""The same sale, cancel, refund, device, wait-abort and webhook tests on both APIs.

Each test takes ``api`` ("intents" or "orders") as a parameter and runs the same body against
the simulator; where the two APIs document different behaviour the test says so.
"""

from __future__ import annotations

import http.server
import json
import queue
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

import mppoint
from conftest import DEVICE, DEVICE2, POS, POS2, STANDALONE, fixture_json

FAST = {"poll_interval": 0.02, "timeout": 30.0}
APIS = pytest.mark.parametrize("api", ["intents", "orders"])


@pytest.fixture()
def sim() -> Iterator[mppoint.Simulator]:
    # time_factor 80: the Orders API's action_required (40 s after processing) comes in 0.5 s.
    with mppoint.Simulator(site="MLB", pickup_delay=0.05, step_delay=0.05, time_factor=80) as s:
        yield s


@APIS
def test_the_api_option(sim: mppoint.Simulator, api: str) -> None:
    assert sim.client(api=api).api == api  # type: ignore[arg-type]
    with pytest.raises(mppoint.InvalidArgumentError, match="api"):
        mppoint.Client("t", api="order")  # type: ignore[arg-type]


@APIS
@pytest.mark.parametrize(
    ("amount", "verdict"),
    [
        ("10.00", "APPROVED"),
        ("10.13", "REJECTED"),
        ("10.66", "ERROR"),
        ("10.77", "CONFIRMATION_REQUIRED"),
        ("10.88", "CANCELED"),
    ],
)
def test_every_sale_gives_one_verdict(
    sim: mppoint.Simulator, api: str, amount: str, verdict: str
) -> None:
    client = sim.client(api=api)  # type: ignore[arg-type]
    seen: list[str] = []
    sale = client.charge(amount, "Sale", "order-c", pos=POS,
                         on_status=lambda i: seen.append(i.status), **FAST)
    assert sale.verdict == verdict, sale.reason
    assert sale.is_paid is (verdict == "APPROVED")
    assert sale.intent.is_final
    assert seen[0] == "OPENED"
    if verdict == "APPROVED":
        assert sale.approved_payment is not None
        assert sale.approved_payment.transaction_amount == Decimal(amount)
        assert client.sale_for(sale.intent.id).verdict == "APPROVED"
    else:
        assert sale.approved_payment is None


@APIS
def test_create_get_cancel_and_cancel_again(sim: mppoint.Simulator, api: str) -> None:
    client = sim.client(api=api)  # type: ignore[arg-type]
    intent = client.create_intent("10.99", "Sale", "order-1", pos=POS)
    assert intent.status == "OPENED"
    assert client.get_intent(intent.id).amount == Decimal("10.99")
    client.cancel_intent(intent.id)
    assert client.get_intent(intent.id).status == "CANCELED"
    client.cancel_intent(intent.id)  # a retried cancel is harmless
    assert client.sale_for(intent.id).verdict == "CANCELED"


@APIS
def test_cancel_once_on_the_terminal(sim: mppoint.Simulator, api: str) -> None:
    client = sim.client(api=api)  # type: ignore[arg-type]
    intent = client.create_intent("10.44", "Sale", "order-1", pos=POS)
    with pytest.raises(mppoint.WaitTimeoutError) as exc:
        client.wait_for_final(intent.id, poll_interval=0.02, timeout=0.6)
    assert exc.value.last_status == "ON_TERMINAL"
    # Each API's own rule, from the core: an order at the terminal can still be canceled by
    # asking the terminal, an intent cannot.
    on_terminal = client.get_intent(intent.id)
    assert on_terminal.status == "ON_TERMINAL"
    assert on_terminal.can_cancel_via_api is (api == "orders")
    if api == "intents":
        # Only the terminal can cancel it now.
        with pytest.raises(mppoint.CannotCancelError, match="cancel it on the terminal"):
            client.cancel_intent(intent.id)
        sim.cancel_on_terminal(intent.id)
    else:
        # The Orders API asks the terminal, and returns once it confirmed.
        client.cancel_intent(intent.id)
    assert client.get_intent(intent.id).status == "CANCELED"


@APIS
def test_a_busy_terminal_is_already_queued(sim: mppoint.Simulator, api: str) -> None:
    client = sim.client(api=api)  # type: ignore[arg-type]
    held = client.create_intent("10.44", "Sale", "order-1", pos=POS)
    with pytest.raises(mppoint.AlreadyQueuedError):
        client.create_intent("10.00", "Sale", "order-2", device=DEVICE)
    sim.cancel_on_terminal(held.id)


@APIS
def test_devices(sim: mppoint.Simulator, api: str) -> None:
    client = sim.client(api=api)  # type: ignore[arg-type]
    page = client.list_devices()
    assert [d.id for d in page.devices] == [DEVICE, DEVICE2, STANDALONE]
    assert page.devices[0].external_pos_id == POS
    assert [d.id for d in client.devices(limit=1)] == [DEVICE, DEVICE2, STANDALONE]
    assert client.set_operating_mode(DEVICE2, "STANDALONE") == "STANDALONE"
    with pytest.raises(mppoint.BadRequestError):
        client.create_intent("10.00", "Sale", "order-1", pos=POS2)
    assert client.set_operating_mode(DEVICE2, "PDV") == "PDV"


@APIS
def test_refunds(sim: mppoint.Simulator, api: str) -> None:
    client = sim.client(api=api)  # type: ignore[arg-type]
    sale = client.charge("30.00", "Sale", "order-r", pos=POS, **FAST)
    assert sale.approved_payment is not None
    pid = sale.approved_payment.id
    assert client.refund_payment(pid, "10.00").amount == Decimal("10.00")
    client.refund_payment(pid)
    assert client.get_payment(pid).status == "refunded"


def test_orders_own_refund_partial_then_full_once_per_key(sim: mppoint.Simulator) -> None:
    client = sim.client(api="orders")
    sale = client.charge("30.00", "Sale", "order-own-refund", pos=POS, **FAST)
    assert sale.is_paid
    order_id = sale.intent.id
    with pytest.raises(mppoint.InvalidAmountError):
        client.refund_order(order_id, "1,00")
    partly = client.refund_order(order_id, "10.00")
    assert partly.id == order_id and partly.status == "CLOSED"
    assert client.sale_for(order_id).is_paid
    client.refund_order(order_id, idempotency_key="py-order-refund-1")
    client.refund_order(order_id, idempotency_key="py-order-refund-1")  # the same refund, once
    assert not client.sale_for(order_id).is_paid


@APIS
def test_a_wait_aborted_from_another_thread(sim: mppoint.Simulator, api: str) -> None:
    client = sim.client(api=api)  # type: ignore[arg-type]
    intent = client.create_intent("10.44", "Sale", "order-1", pos=POS)
    token = mppoint.CancelToken()
    threading.Timer(0.2, token.cancel).start()
    with pytest.raises(mppoint.CanceledError) as exc:
        client.wait_for_final(intent.id, poll_interval=0.05, timeout=60, cancel=token)
    assert exc.value.intent_id == intent.id
    assert not client.get_intent(intent.id).is_final
    sim.cancel_on_terminal(intent.id)


class _Hooks(http.server.BaseHTTPRequestHandler):
    got: queue.Queue[tuple[dict[str, str], str, bytes]] = queue.Queue()

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        query = self.path.split("?", 1)[1] if "?" in self.path else ""
        self.got.put((dict(self.headers.items()), query, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@APIS
def test_the_webhook_of_a_sale_verifies_and_reads_the_same(api: str) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hooks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        with mppoint.Simulator(site="MLB", pickup_delay=0.05, step_delay=0.05,
                               webhook_urls=[url]) as s:
            client = s.client(api=api)  # type: ignore[arg-type]
            sale = client.charge("12.00", "Sale", "order-w", pos=POS, **FAST)
            headers, query, body = _Hooks.got.get(timeout=20)
            note = mppoint.webhook.verify_request(s.webhook_secret, headers, query, body,
                                                  tolerance=300)
            assert note.intent.id == sale.intent.id
            assert note.intent.status == "CLOSED"
            assert note.is_final
            status = "CLOSED" if api == "intents" else "processed"
            assert note.dedup_key == f"{sale.intent.id}:{status}"
            with pytest.raises(mppoint.InvalidSignatureError):
                mppoint.webhook.verify_request("not-the-secret", headers, query, body)
    finally:
        server.shutdown()


def test_the_documented_order_notification_reads_as_an_intent() -> None:
    doc = fixture_json("orders/webhook_order_processed.json")
    note = mppoint.webhook.parse(json.dumps(doc))
    assert note.intent.id == doc["data"]["id"]
    assert note.intent.status == "CLOSED"
    assert note.dedup_key == f"{doc['data']['id']}:processed"
    refunded = mppoint.webhook.parse(json.dumps(fixture_json("orders/webhook_order_refunded.json")))
    assert refunded.dedup_key.endswith(":refunded")


def test_orders_rules_are_checked_before_sending() -> None:
    client = mppoint.Client("t", base_url="http://127.0.0.1:9", api="orders", retries=0)
    with pytest.raises(mppoint.InvalidArgumentError, match="external_reference"):
        client.create_intent("10.00", "Sale", "order 1", pos=POS)
    with pytest.raises(mppoint.InvalidArgumentError, match="ticket_number"):
        client.create_intent("10.00", "Sale", "order-1", pos=POS, ticket_number="T1")
