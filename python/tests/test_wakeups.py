"""Webhook wake-ups: a delivery handed to ``client.handle_webhook`` wakes the sale that waits for
it at once; a forged, unsigned or replayed one wakes nothing and raises the typed signature
error. The same promises as the Rust suite (core/tests/wakeups.rs), through the Python client."""

from __future__ import annotations

import http.server
import queue
import threading
import time

import pytest

import mppoint
from conftest import POS

APIS = pytest.mark.parametrize("api", ["intents", "orders"])


def woken_client(sim: mppoint.Simulator, api: str) -> mppoint.Client:
    pem = sim.ca_cert_pem
    return mppoint.Client(
        sim.access_token,
        base_url=sim.base_url,
        no_proxy=True,
        api=api,  # type: ignore[arg-type]
        webhook_secret=sim.webhook_secret,
        extra_root_certs=pem if pem is not None else None,
    )


class Endpoint:
    """A POS back-end's webhook endpoint that hands every delivery to the client."""

    def __init__(self, client: mppoint.Client) -> None:
        self.handled: queue.Queue[object] = queue.Queue()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    note = client.handle_webhook(self.headers, body, self.path.partition("?")[2])
                except mppoint.Error as e:
                    outer.handled.put(e)
                    self.send_response(401)
                else:
                    outer.handled.put(note)
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@APIS
def test_a_delivery_wakes_the_sale(api: str) -> None:
    with mppoint.Simulator(pickup_delay=0.04, step_delay=0.03) as sim:
        client = woken_client(sim, api)
        endpoint = Endpoint(client)
        try:
            sim.set_webhook_urls([endpoint.url])
            # With a webhook secret the default schedule polls only every 15 s: a sale that
            # ends in a tenth of a second and returns long before that was woken.
            sale = client.charge("10.00", "Sale", f"wake-{api}", pos=POS, timeout=120)
            assert sale.is_paid
            note = endpoint.handled.get(timeout=60)
            assert isinstance(note, mppoint.Notification), note
            assert note.intent.id.lower() == sale.intent.id.lower()
        finally:
            endpoint.close()


def test_forged_unsigned_and_replayed_deliveries_raise_the_signature_error() -> None:
    with mppoint.Simulator(pickup_delay=0.04, step_delay=0.03) as sim:
        client = woken_client(sim, "intents")
        intent_id = "7f25f9aa-eea6-4f9c-bf16-a341f71ba2f1"
        body = f'{{"data": {{"id": "{intent_id}", "status": "CLOSED"}}}}'
        query = f"data.id={intent_id}"
        now = int(time.time())
        rid = "2066ca19-c6f1-498a-be75-1923005edd06"
        forged = mppoint.webhook.sign("not the secret", intent_id, rid, now)
        old = mppoint.webhook.sign(sim.webhook_secret, intent_id, rid, 1_704_908_010)
        for headers, failure in [
            ({"x-signature": forged, "x-request-id": rid}, "SIGNATURE_MISMATCH"),
            ({"x-request-id": rid}, "MISSING_HEADER"),
            ({"x-signature": old, "x-request-id": rid}, "TIMESTAMP_OUT_OF_TOLERANCE"),
        ]:
            with pytest.raises(mppoint.InvalidSignatureError) as raised:
                client.handle_webhook(headers, body, query)
            assert str(raised.value.signature_failure) == failure
        good = mppoint.webhook.sign(sim.webhook_secret, intent_id, rid, now)
        note = client.handle_webhook({"X-Signature": good, "X-Request-Id": rid}, body, query)
        assert note.intent.id == intent_id
        with pytest.raises(mppoint.ConfigError):
            sim.client().handle_webhook({"x-signature": good}, body, query)
