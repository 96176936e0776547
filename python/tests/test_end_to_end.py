"""End to end, as a shop runs it: a sale over TLS, the signed webhook the simulator delivers to a
real HTTP endpoint verified with mppoint.webhook.verify_request, and a simulator that is simply
dropped."""

from __future__ import annotations

import gc
import http.server
import queue
import threading
from collections.abc import Iterator

import pytest

import mppoint
from conftest import POS


class Receiver:
    """A webhook endpoint on loopback, verifying each delivery as a shop's server would."""

    def __init__(self, secret: str) -> None:
        self.notes: queue.Queue[mppoint.Notification] = queue.Queue()
        self.refused: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                query = self.path.partition("?")[2]
                try:
                    note = mppoint.webhook.verify_request(
                        secret, self.headers, query, body, tolerance=300
                    )
                except mppoint.InvalidSignatureError as e:
                    outer.refused.append(str(e.signature_failure))
                    self.send_response(401)
                else:
                    outer.notes.put(note)
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mp/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def receiver(fresh_sim: mppoint.Simulator) -> Iterator[Receiver]:
    r = Receiver(fresh_sim.webhook_secret)
    yield r
    r.close()


def test_the_webhook_of_a_sale_verifies_and_names_its_intent(
    fresh_sim: mppoint.Simulator, receiver: Receiver
) -> None:
    fresh_sim.set_webhook_urls([receiver.url])
    client = fresh_sim.client(retries=0)
    sale = client.charge("15.00", "Sale", "order-wh", pos=POS, poll_interval=0.02, timeout=20)
    note = receiver.notes.get(timeout=10)
    assert note.intent.id == sale.intent.id
    assert note.intent.status == "CLOSED" and note.is_final
    assert note.intent.payment_ids == sale.intent.payment_ids
    assert note.dedup_key == f"{sale.intent.id}:CLOSED"
    assert note.created_at is not None
    assert receiver.refused == []
    # What the handler then does: look the sale up.
    assert client.sale_for(note.intent.id).is_paid


def test_a_receiver_with_the_wrong_secret_refuses_it(fresh_sim: mppoint.Simulator) -> None:
    wrong = Receiver("not-the-secret")
    try:
        fresh_sim.set_webhook_urls([wrong.url])
        client = fresh_sim.client(retries=0)
        client.charge("16.00", "Sale", "order-wh2", pos=POS, poll_interval=0.02, timeout=20)
        for _ in range(100):
            if wrong.refused:
                break
            threading.Event().wait(0.05)
        assert wrong.refused and set(wrong.refused) == {"SIGNATURE_MISMATCH"}
        assert wrong.notes.empty()
    finally:
        wrong.close()


def test_a_sale_over_tls() -> None:
    with mppoint.Simulator(tls=True, pickup_delay=0.02, step_delay=0.02) as sim:
        assert sim.base_url.startswith("https://")
        assert sim.ca_cert_pem and "BEGIN CERTIFICATE" in sim.ca_cert_pem
        sale = sim.client(retries=0).charge("9.00", "tls", "order-tls", pos=POS,
                                            poll_interval=0.02, timeout=20)
        assert sale.is_paid
        # Without the simulator's CA the connection is refused.
        untrusting = mppoint.Client(sim.access_token, base_url=sim.base_url, retries=0,
                                    no_proxy=True)
        with pytest.raises(mppoint.NetworkError):
            untrusting.list_devices()


def test_a_dropped_simulator_stops() -> None:
    sim = mppoint.Simulator()
    client = sim.client(retries=0, timeout=2)
    assert client.list_devices().total == 3
    del sim
    gc.collect()
    with pytest.raises((mppoint.NetworkError, mppoint.RequestTimeoutError)):
        mppoint.Client("t", base_url=client.base_url, retries=0, timeout=2,
                       no_proxy=True).list_devices()


@pytest.mark.parametrize("unit", ["seconds", "milliseconds"])
def test_the_webhook_verifies_in_either_ts_unit(unit: str) -> None:
    # The webhooks guide calls ts milliseconds but its example is in seconds: both verify.
    with mppoint.Simulator(
        pickup_delay=0.02, step_delay=0.02, webhook_ts_unit=unit, webhook_retry_schedule=[0.05]
    ) as sim:
        receiver = Receiver(sim.webhook_secret)
        try:
            sim.set_webhook_urls([receiver.url])
            sale = sim.client(retries=0).charge(
                "15.00", "Sale", "order-ts", pos=POS, poll_interval=0.02, timeout=20
            )
            note = receiver.notes.get(timeout=10)
            assert note.intent.id == sale.intent.id
            assert receiver.refused == []
        finally:
            receiver.close()


def test_simulator_options_are_checked() -> None:
    with pytest.raises(mppoint.InvalidArgumentError) as e:
        mppoint.Simulator(webhook_ts_unit="ms")
    assert e.value.field == "webhook_ts_unit"
    with pytest.raises(mppoint.ConfigError):
        mppoint.Simulator(webhook_retry_schedule=[])
    with mppoint.Simulator(expire_on_terminal=False, mode_change_restart=0.0) as sim:
        assert sim.running
