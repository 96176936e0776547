"""mppoint.webhook: the shared conformance fixtures of tests/fixtures, sign/verify, parse and
verify_request as a web endpoint would use them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

import mppoint
from conftest import FIXTURES, fixture_json

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def vectors() -> list[dict[str, Any]]:
    data = fixture_json("signature_vectors.json")
    cases = data["cases"] if isinstance(data, dict) else data
    assert len(cases) > 0
    return list(cases)


@pytest.mark.parametrize("case", vectors(), ids=lambda c: str(c["name"]))
def test_shared_signature_vectors(case: dict[str, Any]) -> None:
    now = case.get("now_unix_ms")
    kwargs: dict[str, Any] = {
        "tolerance": case.get("tolerance_secs"),
        "now": None if now is None else EPOCH + dt.timedelta(milliseconds=now),
    }
    args = (case["secret"], case.get("x_signature"), case.get("x_request_id"), case.get("data_id"))
    if case["expect"] == "OK":
        assert mppoint.webhook.verify(*args, **kwargs) is None
    else:
        with pytest.raises(mppoint.InvalidSignatureError) as exc:
            mppoint.webhook.verify(*args, **kwargs)
        assert exc.value.signature_failure == case["expect"]
        assert exc.value.code == "INVALID_SIGNATURE"


def test_every_failure_reason_is_known() -> None:
    assert mppoint.webhook.FAILURE_REASONS == (
        "MISSING_HEADER",
        "MALFORMED_HEADER",
        "MISSING_TIMESTAMP",
        "MISSING_HASH",
        "SIGNATURE_MISMATCH",
        "TIMESTAMP_OUT_OF_TOLERANCE",
    )
    assert {c["expect"] for c in vectors()} >= {"OK", *mppoint.webhook.FAILURE_REASONS}


@pytest.mark.parametrize("name", ["notification_mla.json", "notification_mlb.json"])
def test_shared_notifications_parse(name: str) -> None:
    raw = (FIXTURES / name).read_bytes()
    doc = json.loads(raw)
    body = doc.get("body", doc) if isinstance(doc, dict) and "data" not in doc else doc
    text = json.dumps(body).encode() if body is not doc else raw
    note = mppoint.webhook.parse(text)
    assert isinstance(note, mppoint.Notification)
    assert note.intent.id == body["data"]["id"]
    assert note.intent.status == body["data"]["status"]
    assert note.type == body["type"]
    assert note.dedup_key == f"{body['data']['id']}:{body['data']['status']}"
    ops = body["data"].get("operations") or []
    if ops and "amount" in ops[0]:
        assert note.intent.amount == Decimal(str(ops[0]["amount"]))
    if body.get("date_created"):
        assert note.date_created == body["date_created"]
        assert note.created_at is not None and note.created_at.tzinfo is not None
    assert note.to_dict()["intent"]["id"] == note.intent.id
    # str and bytes are the same body.
    assert mppoint.webhook.parse(text.decode()) == note


def test_parse_reads_the_documented_example() -> None:
    body = {
        "id": "1234567-12345-12345678-1234567890",
        "action": "topic_instore_integration_wh.application.authorized",
        "api_version": "v1",
        "type": "topic_instore_integration_wh",
        "date_created": "2023-07-27 20:24:21.776642198-0400",
        "live_mode": True,
        "user_id": 12345667,
        "data": {
            "id": "7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1",
            "status": "CLOSED",
            "operations": [{"amount": "10.14", "type": "PURCHASE",
                            "results": [{"id": 123456, "source": "PAYMENT"}]}],
            "url": "https://api.mercadopago.com/instore-api/integrations/v1/intents/x/point",
        },
    }
    note = mppoint.webhook.parse(json.dumps(body).encode())
    assert note.is_final
    assert note.intent.payment_ids == (123456,)
    assert note.intent.amount == Decimal("10.14")
    assert note.user_id == 12345667 and note.live_mode is True
    assert note.url is not None and note.url.endswith("/point")
    assert note.created_at == dt.datetime(
        2023, 7, 28, 0, 24, 21, 776642, tzinfo=dt.timezone.utc
    )
    assert note.created_at.utcoffset() == dt.timedelta(hours=-4)


def test_a_result_id_that_is_not_a_number_is_kept_as_text() -> None:
    # The core keeps what Mercado Pago sends; only payment ids (numbers, PAYMENT) can be looked up.
    body = {
        "id": "1", "type": "topic_instore_integration_wh",
        "data": {"id": "i", "status": "CLOSED", "operations": [{"type": "PURCHASE", "results": [
            {"id": "123456", "source": "PAYMENT"},
            {"id": "PAY01J9", "source": "PAYMENT"},
            {"id": 7, "source": "PAYOUT"},
        ]}]},
    }
    note = mppoint.webhook.parse(json.dumps(body).encode())
    results = note.intent.operations[0].results
    assert [r.id for r in results] == [123456, "PAY01J9", 7]
    assert results[2].source == "PAYOUT"
    assert note.intent.payment_ids == (123456,)


@pytest.mark.parametrize("body", [b"", b"{", b"not json", b"\xff\xfe", b'{"data": {"id": "x"}}'])
def test_parse_refuses_what_is_not_a_notification(body: bytes) -> None:
    with pytest.raises(mppoint.DecodeError):
        mppoint.webhook.parse(body)
    with pytest.raises(TypeError):
        mppoint.webhook.parse(123)  # type: ignore[arg-type]


def test_sign_then_verify() -> None:
    sig = mppoint.webhook.sign("secret", "abc", "req-1", 1704908010)
    assert sig.startswith("ts=1704908010,v1=")
    mppoint.webhook.verify("secret", sig, "req-1", "abc")
    mppoint.webhook.verify("secret", sig, " req-1 ", "abc")  # values are trimmed
    with pytest.raises(mppoint.InvalidSignatureError) as exc:
        mppoint.webhook.verify("secret", sig, "req-1", "ABC")  # data.id is taken exactly
    assert exc.value.signature_failure == "SIGNATURE_MISMATCH"
    assert exc.value.request_id == "req-1"
    # Tolerance: seconds or a timedelta; now as an aware datetime or Unix seconds.
    mppoint.webhook.verify("secret", sig, "req-1", "abc", tolerance=10, now=1704908015)
    mppoint.webhook.verify("secret", sig, "req-1", "abc", tolerance=dt.timedelta(seconds=10),
                           now=EPOCH + dt.timedelta(seconds=1704908000))
    with pytest.raises(mppoint.InvalidSignatureError) as exc:
        mppoint.webhook.verify("secret", sig, "req-1", "abc", tolerance=10, now=1704908030)
    assert exc.value.signature_failure == "TIMESTAMP_OUT_OF_TOLERANCE"
    with pytest.raises(ValueError):
        mppoint.webhook.verify("secret", sig, "req-1", "abc", tolerance=10,
                               now=dt.datetime(2024, 1, 1))
    fresh = mppoint.webhook.sign("secret", "abc", None)  # ts defaults to now
    mppoint.webhook.verify("secret", fresh, None, "abc", tolerance=60)


def test_verify_request_as_an_endpoint_would() -> None:
    intent_id = "7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1"
    body = json.dumps({"id": "n-1", "type": "topic_instore_integration_wh",
                       "data": {"id": intent_id, "status": "CANCELED"}}).encode()
    sig = mppoint.webhook.sign("s3cret", intent_id, "req-9")
    headers = {"X-Signature": sig, "X-Request-Id": "req-9", "Content-Type": "application/json"}
    note = mppoint.webhook.verify_request("s3cret", headers, f"data.id={intent_id}&type=x", body,
                                          tolerance=300)
    assert note.intent.id == intent_id and note.intent.status == "CANCELED"
    note2 = mppoint.webhook.verify_request("s3cret", list(headers.items()),
                                           f"/mp/webhook?data.id={intent_id}", body)
    assert note2 == note
    forged = body.replace(intent_id.encode(), b"another-intent")
    with pytest.raises(mppoint.InvalidSignatureError) as exc:
        mppoint.webhook.verify_request("s3cret", headers, f"data.id={intent_id}", forged)
    assert exc.value.signature_failure == "SIGNATURE_MISMATCH"
    with pytest.raises(mppoint.InvalidSignatureError) as exc:
        mppoint.webhook.verify_request("s3cret", {}, f"data.id={intent_id}", body)
    assert exc.value.signature_failure == "MISSING_HEADER"
    with pytest.raises(mppoint.DecodeError):
        mppoint.webhook.verify_request("s3cret", headers, f"data.id={intent_id}", b"{")
