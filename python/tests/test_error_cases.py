"""The cross-language error table (tests/fixtures/error_cases.json): each mistake gives the same
error code, message fragment, field and signature failure in Python as in Rust, C and Node."""

from __future__ import annotations

import pathlib
import tempfile
from typing import Any

import pytest

import mppoint
from mppoint import _native
from conftest import fixture_json

CASES = fixture_json("error_cases.json")["cases"]


def run(op: str, given: dict[str, Any]) -> None:
    """One operation of the table, the way a Python user would call it."""
    if op == "client":
        options = {k: v for k, v in given.items() if k != "access_token"}
        mppoint.Client(given["access_token"], **options)
    elif op == "get_intent":
        client = mppoint.Client("t", base_url="http://127.0.0.1:9", retries=0)
        client.get_intent(given["intent_id"])
    elif op == "amount":
        mppoint.Amount(given["amount"])
    elif op == "webhook_verify":
        mppoint.webhook.verify(
            given["secret"], given["x_signature"], given["x_request_id"], given["data_id"]
        )
    elif op == "webhook_parse":
        mppoint.webhook.parse(given["body"])
    elif op == "handle_webhook":
        secret = {"webhook_secret": given["webhook_secret"]} if "webhook_secret" in given else {}
        client = mppoint.Client("t", base_url="http://127.0.0.1:9", retries=0, **secret)
        headers = {
            name: given[key]
            for name, key in (("x-signature", "x_signature"), ("x-request-id", "x_request_id"))
            if given.get(key) is not None
        }
        client.handle_webhook(headers, given["body"], given["query"])
    elif op == "journal":
        with tempfile.TemporaryDirectory() as folder:
            journal: dict[str, Any] = {}
            if given["file"] is not None:
                path = pathlib.Path(folder) / "sales.journal"
                if given["file"]:
                    path.write_text(given["file"], encoding="utf-8")
                journal["journal"] = path
            client = mppoint.Client("t", base_url="http://127.0.0.1:9", retries=0, **journal)
            if given["call"] == "pending":
                client.pending()
            elif given["call"] == "settle":
                client.settle(given["reference"])
            else:
                assert given["call"] == "open", given["call"]
            del client  # the journal is closed before its folder goes
    elif op == "print":
        client = mppoint.Client("t", base_url="http://127.0.0.1:9", retries=0)
        client.print_text(given["terminal_id"], given["external_reference"], tagged=given["tagged"])
    elif op == "sandbox":
        client = mppoint.Client(given["access_token"], base_url="http://127.0.0.1:9", retries=0)
        client.simulate_order_event(given["order_id"], given["status"])
    elif op == "status_callback":
        status_callback(given)
    elif op == "panic":
        _native._test_panic()
    else:
        raise AssertionError(f"unknown operation {op} in error_cases.json")


def status_callback(given: dict[str, Any]) -> None:
    """A charge or a wait whose on_status raises RuntimeError(given["failure"]) when told
    given["fail_on"]: the error names the created intent and chains the callback's exception."""
    sim = mppoint.Simulator()
    try:
        client = sim.client()

        def on_status(intent: mppoint.Intent) -> None:
            if intent.status == given["fail_on"]:
                raise RuntimeError(given["failure"])

        sale = dict(pos=given["pos"])
        try:
            if given["call"] == "charge":
                client.charge(given["amount"], "error table", given["reference"],
                              on_status=on_status, **sale)
            else:
                assert given["call"] == "wait", given["call"]
                created = client.create_intent(given["amount"], "error table",
                                               given["reference"], **sale)
                client.wait_for_final(created.id, on_status=on_status)
        except mppoint.Error as e:
            assert e.intent_id is not None and sim.intent(e.intent_id) is not None, str(e)
            assert isinstance(e.__cause__, RuntimeError), repr(e.__cause__)
            assert given["failure"] in e.message, e.message
            raise
    finally:
        sim.stop()


def test_the_table_has_cases() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    with pytest.raises(mppoint.Error) as raised:
        run(case["op"], case["input"])
    e = raised.value
    assert e.code == case["code"], str(e)
    assert type(e).code == case["code"]
    assert case["message"] in e.message, e.message
    if "field" in case:
        assert e.field == case["field"]
    assert e.signature_failure == case.get("signature_failure")
