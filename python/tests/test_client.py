"""Every operation of mppoint.Client against the simulator, checked as a POS would check it."""

from __future__ import annotations

import dataclasses
import pickle
from decimal import Decimal

import pytest

import mppoint
from conftest import DEVICE, DEVICE2, POS, POS2, STANDALONE

FAST = {"poll_interval": 0.02, "timeout": 20.0}


def test_client_repr_never_shows_the_token(sim: mppoint.Simulator) -> None:
    c = mppoint.Client("APP_USR-secret-token-123", base_url=sim.base_url, site="MLA")
    assert "secret-token" not in repr(c)
    assert repr(c) == f"Client(base_url='{sim.base_url}', site='MLA')"
    assert c.site == "MLA"
    assert c.base_url == sim.base_url


def test_create_get_cancel_for_a_pos(client: mppoint.Client) -> None:
    # ticket_number is in the MLA reference only: an MLB client refuses it before sending.
    with pytest.raises(mppoint.InvalidArgumentError) as refused:
        client.create_intent("12.47", "Sale 123", "order-123", pos=POS, ticket_number="T001")
    assert refused.value.field == "ticket_number"
    intent = client.create_intent(
        "12.47", "Sale 123", "order-123", pos=POS, print_seller_ticket=True
    )
    assert intent.status == "OPENED"
    assert not intent.is_final
    assert intent.can_cancel_via_api
    assert intent.description == "Sale 123"
    assert intent.external_reference == "order-123"
    assert intent.idempotency_key  # every create carries one
    assert intent.enabler_configuration is not None
    assert intent.enabler_configuration.ticket_number is None
    assert intent.enabler_configuration.print_on_terminal == ("SELLER_TICKET",)
    again = client.get_intent(intent.id)
    assert again.id == intent.id
    assert again.amount == Decimal("12.47")
    client.cancel_intent(intent.id)
    assert client.get_intent(intent.id).status == "CANCELED"
    client.cancel_intent(intent.id)  # canceling twice is harmless


def test_create_for_a_device_and_cancel_through_the_pos_path(client: mppoint.Client) -> None:
    intent = client.create_intent(Decimal("5.00"), "Sale", "order-d", device=DEVICE2)
    assert intent.status == "OPENED"
    client.cancel_intent(intent.id, pos=POS2)
    assert client.get_intent(intent.id).status == "CANCELED"


def test_pos_or_device_but_not_both_nor_neither(client: mppoint.Client) -> None:
    with pytest.raises(mppoint.InvalidArgumentError, match="POS external id") as neither:
        client.create_intent("1.00", "d", "r")
    assert neither.value.field == "target"
    with pytest.raises(mppoint.InvalidArgumentError, match="not both") as both:
        client.create_intent("1.00", "d", "r", pos=POS, device=DEVICE)
    assert both.value.field == "target"


def test_intent_is_immutable_readable_and_a_dict(client: mppoint.Client) -> None:
    intent = client.create_intent("7.00", "Sale 7", "order-7", pos=POS)
    try:
        with pytest.raises(dataclasses.FrozenInstanceError):
            intent.status = "CLOSED"  # type: ignore[misc]
        r = repr(intent)
        assert r.startswith("Intent(id=") and "status='OPENED'" in r
        assert "is_final" not in r  # derived fields stay out of repr
        d = intent.to_dict()
        assert d["id"] == intent.id
        assert d["status"] == "OPENED"
        assert d["operations"][0]["amount"] == Decimal("7.00")
        assert d["operations"][0]["type"] == "PURCHASE"
        assert "is_final" not in d
        assert pickle.loads(pickle.dumps(intent)) == intent
    finally:
        client.cancel_intent(intent.id)


def test_wait_for_final_reports_each_status_once(client: mppoint.Client) -> None:
    intent = client.create_intent("10.00", "Sale", "order-w", pos=POS)
    seen: list[str] = []
    ended = client.wait_for_final(intent.id, on_status=lambda i: seen.append(i.status), **FAST)
    assert ended.status == "CLOSED"
    assert ended.is_final
    assert ended.payment_ids
    assert seen[0] == "OPENED" and seen[-1] == "CLOSED"
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("amount", "verdict", "paid"),
    [
        ("10.00", "APPROVED", True),
        ("10.13", "REJECTED", False),
        ("10.66", "ERROR", False),
        ("10.77", "CONFIRMATION_REQUIRED", False),
        ("10.88", "CANCELED", False),
    ],
)
def test_charge_gives_one_verdict(
    client: mppoint.Client, amount: str, verdict: str, paid: bool
) -> None:
    seen: list[str] = []
    sale = client.charge(
        amount, "Sale", "order-c", pos=POS, on_status=lambda i: seen.append(i.status), **FAST
    )
    assert sale.verdict == verdict
    assert sale.is_paid is paid
    assert sale.advice
    assert sale.reason
    assert sale.amount == Decimal(amount)
    assert sale.intent.is_final
    assert sale.intent.idempotency_key
    assert seen and seen[0] == "OPENED"
    if paid:
        assert sale.approved_payment is not None
        assert sale.approved_payment.status == "approved"
        assert sale.approved_payment.is_approved
        assert sale.approved_payment.transaction_amount == Decimal(amount)
    else:
        assert sale.approved_payment is None
    if verdict == "REJECTED":
        assert sale.payments and sale.payments[0].status == "rejected"
    d = sale.to_dict()
    assert d["verdict"] == verdict and d["intent"]["id"] == sale.intent.id


def test_charge_on_a_device_and_sale_for(client: mppoint.Client) -> None:
    sale = client.charge(mppoint.cents(2500), "Sale", "order-s", device=DEVICE, **FAST)
    assert sale.verdict == "APPROVED"
    again = client.sale_for(sale.intent.id)
    assert again.verdict == "APPROVED"
    assert again.payments == sale.payments


def test_payments_and_refunds(client: mppoint.Client) -> None:
    sale = client.charge("30.00", "Sale", "order-r", pos=POS, **FAST)
    assert sale.approved_payment is not None
    pid = sale.approved_payment.id
    p = client.get_payment(pid)
    assert p.id == pid and p.is_approved
    assert p.transaction_amount == Decimal("30.00")
    part = client.refund_payment(pid, "10.00")
    assert part.amount == Decimal("10.00")
    assert part.payment_id in (None, pid)
    full = client.refund_payment(pid, idempotency_key="refund-rest-1")
    assert full.id != part.id
    with pytest.raises(mppoint.InvalidAmountError):
        client.refund_payment(pid, 0.1 + 0.2)
    with pytest.raises(mppoint.NotFoundError):
        client.get_payment(pid + 1_000_000)
    for bad_id in (-1, 0, 2**70):
        with pytest.raises(mppoint.InvalidArgumentError, match="payment_id"):
            client.get_payment(bad_id)
    with pytest.raises(TypeError):
        client.get_payment("123")  # type: ignore[arg-type]


def test_devices(client: mppoint.Client) -> None:
    page = client.list_devices()
    ids = {d.id for d in page.devices}
    assert {DEVICE, DEVICE2, STANDALONE} <= ids
    assert page.total >= 3
    by_id = {d.id: d for d in page.devices}
    assert by_id[DEVICE].operating_mode == "PDV"
    assert by_id[DEVICE].external_pos_id == POS
    assert by_id[STANDALONE].operating_mode == "STANDALONE"
    one = client.list_devices(limit=1)
    assert len(one.devices) == 1 and one.limit == 1
    every = list(client.devices(limit=1))  # one page per device
    assert {d.id for d in every} == ids
    assert client.set_operating_mode(STANDALONE, "PDV") == "PDV"
    assert client.set_operating_mode(STANDALONE, "standalone") == "STANDALONE"
    with pytest.raises(mppoint.InvalidArgumentError):
        client.set_operating_mode(STANDALONE, "KIOSK")


def test_simulator_control_calls(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client(retries=0)
    # .99: the terminal never fetches it; hold_on_terminal puts it on the terminal.
    held = client.create_intent("20.99", "held", "order-h", pos=POS)
    fresh_sim.hold_on_terminal(held.id)
    with pytest.raises(mppoint.WaitTimeoutError) as exc:
        client.wait_for_final(held.id, poll_interval=0.02, timeout=0.5)
    assert exc.value.intent_id == held.id
    assert exc.value.last_status == "ON_TERMINAL"
    fresh_sim.present_card(held.id, "rejected")
    assert client.wait_for_final(held.id, **FAST).status == "CLOSED"
    assert client.sale_for(held.id).verdict == "REJECTED"
    seen = fresh_sim.intent(held.id)
    assert seen is not None and seen.status == "CLOSED"
    payment = fresh_sim.payment(seen.payment_ids[0])
    assert payment is not None and payment.status == "rejected"
    other = client.create_intent("20.44", "held", "order-h2", pos=POS)
    fresh_sim.cancel_on_terminal(other.id)
    assert client.wait_for_final(other.id, **FAST).status == "CANCELED"
    with pytest.raises(mppoint.InvalidArgumentError):
        fresh_sim.present_card(other.id, "maybe")
    counters = fresh_sim.counters()
    assert counters["intents_created"] == 2
    assert counters["requests"]["CreateIntent"] == 2
    assert fresh_sim.intent("no-such-intent") is None
    assert fresh_sim.running
    fresh_sim.stop()
    assert not fresh_sim.running
    assert "running=False" in repr(fresh_sim)
    with pytest.raises(mppoint.Error, match="stopped"):
        fresh_sim.counters()


def test_simulator_mode_change_waits_for_a_restart_and_the_documented_403s(
    fresh_sim: mppoint.Simulator,
) -> None:
    client = fresh_sim.client(retries=0)
    assert client.set_operating_mode(STANDALONE, "PDV") == "PDV"
    queued = client.create_intent("20.00", "after the mode change", "order-m", device=STANDALONE)
    # Not restarted yet: the terminal runs STANDALONE and does not fetch the intent.
    with pytest.raises(mppoint.WaitTimeoutError) as exc:
        client.wait_for_final(queued.id, poll_interval=0.02, timeout=0.5)
    assert exc.value.last_status == "OPENED"
    fresh_sim.restart_device(STANDALONE)
    assert client.wait_for_final(queued.id, **FAST).status == "CLOSED"
    with pytest.raises(mppoint.NotFoundError):
        fresh_sim.restart_device("NOPE")

    fresh_sim.set_forbidden(integrator_not_registered=True, user_not_logged_in=[DEVICE])
    with pytest.raises(mppoint.ForbiddenError) as forbidden:
        client.list_devices()
    assert forbidden.value.status == 403
    with pytest.raises(mppoint.ForbiddenError):
        client.set_operating_mode(DEVICE, "PDV")
    fresh_sim.set_forbidden()
    assert client.set_operating_mode(DEVICE, "PDV") == "PDV"
    assert len(client.list_devices().devices) == 3
