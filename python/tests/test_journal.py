"""The sale journal through Python: one charge per sale reference across clients (restarts),
the pending sales, settling them exactly once, and what a bad journal path gives."""

from __future__ import annotations

import asyncio
import decimal
import pathlib

import pytest

import mppoint
from conftest import POS


def journal_client(sim: mppoint.Simulator, path: pathlib.Path | str, **options: object) -> mppoint.Client:
    return mppoint.Client(
        sim.access_token, base_url=sim.base_url, site="MLB", retries=0, journal=path, **options  # type: ignore[arg-type]
    )


def ring(client: mppoint.Client, reference: str) -> mppoint.PaidSale | mppoint.UnpaidSale:
    return client.charge("10.00", "journal sale", reference, pos=POS, poll_interval=0.02, timeout=60)


def test_a_reference_is_charged_once_across_restarts(sim: mppoint.Simulator, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "sales.journal"
    client = journal_client(sim, path, journal_retention=30 * 24 * 3600)
    created = sim.counters()["intents_created"]

    first = ring(client, "order-py-journal-1")
    assert first.is_paid
    assert first.approved_payment is not None
    second = ring(client, "order-py-journal-1")
    assert second.is_paid and second.approved_payment is not None
    assert second.approved_payment.id == first.approved_payment.id
    assert second.intent.id == first.intent.id
    assert sim.counters()["intents_created"] == created + 1

    # Another client of the same file (a restarted POS): the same sale, nothing charged.
    restarted = journal_client(sim, str(path))
    third = ring(restarted, "order-py-journal-1")
    assert third.approved_payment is not None and third.approved_payment.id == first.approved_payment.id
    assert sim.counters()["intents_created"] == created + 1

    pending = client.pending()
    assert len(pending) == 1
    p = pending[0]
    assert isinstance(p, mppoint.PendingSale)
    assert p.reference == "order-py-journal-1"
    assert p.paid is True
    assert p.payment_id == first.approved_payment.id
    assert p.intent_id == first.intent.id
    assert p.state == "FINAL" and p.verdict == "APPROVED"
    assert p.amount == decimal.Decimal("10.00") and isinstance(p.amount, decimal.Decimal)
    assert p.api == "intents" and p.target == f"pos:{POS}"
    assert p.description == "journal sale" and p.attempt == 1 and p.note is None
    assert p.updated_at >= p.created_at > 0
    assert p.to_dict()["reference"] == "order-py-journal-1"
    assert "order-py-journal-1" in repr(p)

    # Booked once: True, then False; then nothing is pending.
    assert client.settle("order-py-journal-1") is True
    assert restarted.settle("order-py-journal-1") is False
    assert client.pending() == []
    assert client.resolve_pending() == []
    assert client.resolve_pending("settle", poll_interval=0.02) == []


def test_settle_of_an_unknown_reference(sim: mppoint.Simulator, tmp_path: pathlib.Path) -> None:
    client = journal_client(sim, tmp_path / "sales.journal")
    with pytest.raises(mppoint.NotFoundError) as raised:
        client.settle("order-py-unknown")
    assert "is not in the journal" in raised.value.message
    assert raised.value.external_reference == "order-py-unknown"


def test_a_bad_policy(sim: mppoint.Simulator, tmp_path: pathlib.Path) -> None:
    client = journal_client(sim, tmp_path / "sales.journal")
    with pytest.raises(mppoint.InvalidArgumentError) as raised:
        client.resolve_pending("ignore")  # type: ignore[arg-type]
    assert raised.value.field == "approved_policy"


def test_without_a_journal(client: mppoint.Client) -> None:
    for call in (client.pending, lambda: client.settle("order-1"), client.resolve_pending):
        with pytest.raises(mppoint.ConfigError) as raised:
            call()
        assert "no sale journal" in raised.value.message


def test_a_journal_path_that_is_a_folder(tmp_path: pathlib.Path) -> None:
    with pytest.raises(mppoint.JournalError) as raised:
        mppoint.Client("t", journal=tmp_path)
    assert raised.value.code == "JOURNAL"
    assert str(tmp_path) in raised.value.message
    assert "this is a folder" in raised.value.message


def test_a_file_that_is_not_a_journal(tmp_path: pathlib.Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("These are the shop's notes, not a sale journal.\n")
    with pytest.raises(mppoint.JournalError) as raised:
        mppoint.Client("t", journal=notes)
    assert str(notes) in raised.value.message
    assert "not a sale journal" in raised.value.message
    # Nothing was written over it.
    assert notes.read_text() == "These are the shop's notes, not a sale journal.\n"


def test_a_bad_retention(tmp_path: pathlib.Path) -> None:
    with pytest.raises(mppoint.InvalidArgumentError) as raised:
        mppoint.Client("t", journal=tmp_path / "sales.journal", journal_retention=-1)
    assert raised.value.field == "journal_retention"


def test_the_error_classes() -> None:
    assert mppoint.SaleInProgressError.code == "SALE_IN_PROGRESS"
    assert mppoint.JournalError.code == "JOURNAL"
    assert issubclass(mppoint.SaleInProgressError, mppoint.Error)
    assert issubclass(mppoint.JournalError, mppoint.Error)


def test_the_async_client(sim: mppoint.Simulator, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "sales.journal"

    async def main() -> None:
        client = mppoint.AsyncClient(
            sim.access_token, base_url=sim.base_url, site="MLB", retries=0, journal=path
        )
        created = sim.counters()["intents_created"]
        first = await client.charge("10.00", "async journal sale", "order-py-async-1", pos=POS,
                                    poll_interval=0.02, timeout=60)
        again = await client.charge("10.00", "async journal sale", "order-py-async-1", pos=POS,
                                    poll_interval=0.02, timeout=60)
        assert first.is_paid and again.intent.id == first.intent.id
        assert sim.counters()["intents_created"] == created + 1
        pending = await client.pending()
        assert [p.reference for p in pending] == ["order-py-async-1"]
        assert await client.settle("order-py-async-1") is True
        assert await client.settle("order-py-async-1") is False
        assert await client.resolve_pending() == []

    asyncio.run(main())
