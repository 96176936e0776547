"""The README's Python examples, extracted and run as written (the repository's README.md and
python/README.md). Only where they reach Mercado Pago does the test step in: `mppoint.Client(...)`
returns a client of a simulator (same site), and the webhook endpoints get the simulator's secret.
A README edit that breaks an example breaks this test."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import pathlib
import re
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

import mppoint

REPO = pathlib.Path(__file__).resolve().parents[2]
READMES = [REPO / "README.md", REPO / "python" / "README.md"]


def blocks() -> list[tuple[str, str]]:
    found = []
    for path in READMES:
        text = path.read_text(encoding="utf-8")
        for n, m in enumerate(re.finditer(r"```python\n(.*?)```", text, re.S)):
            found.append((f"{path.relative_to(REPO)}#{n + 1}", m.group(1)))
    return found


BLOCKS = blocks()


def test_the_readmes_have_python_examples() -> None:
    names = [name for name, _ in BLOCKS]
    assert any(n.startswith("README.md") for n in names)
    assert len([n for n in names if n.startswith("python")]) >= 4, names


@contextlib.contextmanager
def simulated_clients(sim: mppoint.Simulator) -> Iterator[None]:
    real = mppoint.Client
    real_async = mppoint.AsyncClient

    def client(access_token: str, **kw: Any) -> mppoint.Client:
        return sim.client(site=kw.get("site"))

    def async_client(access_token: str, **kw: Any) -> mppoint.AsyncClient:
        return real_async.from_client(sim.client(site=kw.get("site")))

    mppoint.Client = client  # type: ignore[misc, assignment]
    mppoint.AsyncClient = async_client  # type: ignore[misc, assignment]
    try:
        yield
    finally:
        mppoint.Client = real  # type: ignore[misc]
        mppoint.AsyncClient = real_async  # type: ignore[misc]


def signed(sim: mppoint.Simulator, body: dict[str, Any] | bytes, data_id: str) -> tuple[dict[str, str], str, bytes]:
    sig = mppoint.webhook.sign(sim.webhook_secret, data_id, "req-1")
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return {"x-signature": sig, "x-request-id": "req-1"}, f"data.id={data_id}&type=topic_instore_integration_wh", raw


def run_block(name: str, code: str, sim: mppoint.Simulator) -> dict[str, Any]:
    ns: dict[str, Any] = {"__name__": f"readme_{abs(hash(name))}"}
    enqueued: list[tuple[str, str]] = []
    ns["enqueue"] = lambda key, intent_id: enqueued.append((key, intent_id))
    ns["SECRET"] = sim.webhook_secret
    out = io.StringIO()
    with simulated_clients(sim), contextlib.redirect_stdout(out):
        exec(compile(code, name, "exec"), ns)
    if "SECRET" in ns:
        ns["SECRET"] = sim.webhook_secret  # the example's placeholder, now the real secret
    ns["_stdout"] = out.getvalue()
    ns["_enqueued"] = enqueued
    return ns


@pytest.fixture(scope="module")
def readme_sim() -> Iterator[mppoint.Simulator]:
    with mppoint.Simulator(site="MLB", pickup_delay=0.05, step_delay=0.05) as s:
        yield s


@pytest.mark.parametrize("name, code", BLOCKS, ids=[n for n, _ in BLOCKS])
def test_each_example_runs(name: str, code: str, readme_sim: mppoint.Simulator) -> None:
    sim = readme_sim
    ns = run_block(name, code, sim)
    if "journal=" in code and "def start_up" in code:
        # The journal's recipe: a sale, rung again after a "crash", booked once at start-up.
        with tempfile.TemporaryDirectory() as folder:
            client = mppoint.Client(sim.access_token, base_url=sim.base_url, site="MLB",
                                    journal=pathlib.Path(folder) / "sales.journal")
            created = sim.counters()["intents_created"]
            sale = client.charge("10.00", "Sale r-1", "readme-journal-1", pos="SUC001POS001",
                                 poll_interval=0.02)
            assert sale.is_paid
            assert [p.reference for p in client.pending()] == ["readme-journal-1"]
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                ns["start_up"](client)
            assert out.getvalue().startswith("paid: readme-journal-1, payment "), out.getvalue()
            assert client.pending() == []
            assert ns["sell"](client, "readme-journal-1", "10.00") is True
            assert sim.counters()["intents_created"] == created + 1
            del client
        return
    if ".charge(" in code and "def " not in code:
        # A sale: it ran against the simulator and printed what the cashier needs.
        assert "APPROVED" in ns["_stdout"] or "paid" in ns["_stdout"], ns["_stdout"]
        return
    if "asyncio.run(main())" in code:
        # The async sale: it ran against the simulator and printed the payment.
        assert re.search(r"^paid \d+$", ns["_stdout"], re.M), ns["_stdout"]
        return
    if "def test_a_declined_card" in code:
        # The pytest plugin's fixture, as pytest would give it.
        ns["test_a_declined_card"](sim.client())
        return
    if "def test_checkout" in code:
        fixture = ns["sim"].__wrapped__ if hasattr(ns["sim"], "__wrapped__") else None
        assert fixture is not None, "the example's fixture is a pytest fixture"
        gen = fixture()
        s = next(gen)
        try:
            ns["test_checkout"](s)
        finally:
            with contextlib.suppress(StopIteration):
                next(gen)
        return
    if "Flask(" in code:
        app = ns["app"]
        tc = app.test_client()

        def post(headers: dict[str, str], query: str, body: bytes) -> int:
            return int(tc.post(f"/mp/webhook?{query}", headers=headers, data=body).status_code)

        check_endpoint(sim, post, ns)
        return
    if "FastAPI(" in code and "AsyncClient(" in code:
        from fastapi.testclient import TestClient

        with TestClient(ns["app"]) as tc3:
            r = tc3.post("/tills/SUC001POS001/sales", params={"amount": "10.00", "reference": "f-1"})
            assert r.status_code == 200, r.text
            assert r.json()["paid"] is True and r.json()["verdict"] == "APPROVED", r.json()
            r = tc3.post("/tills/SUC001POS001/sales", params={"amount": "10.13", "reference": "f-2"})
            assert r.json() == {"paid": False, "verdict": "REJECTED", "advice": r.json()["advice"]}
            assert tc3.get("/health").json() == {"status": "ok"}
        return
    if "FastAPI(" in code:
        from fastapi.testclient import TestClient

        tc2 = TestClient(ns["app"])

        def post2(headers: dict[str, str], query: str, body: bytes) -> int:
            return int(tc2.post(f"/mp/webhook?{query}", headers=headers, content=body).status_code)

        check_endpoint(sim, post2, ns)
        return
    pytest.fail(f"{name}: no check for this example; add one")


def check_endpoint(sim: mppoint.Simulator, post: Any, ns: dict[str, Any]) -> None:
    note = {
        "id": "n-1", "type": "topic_instore_integration_wh", "action": "x", "api_version": "v1",
        "data": {"id": "intent-1", "status": "CLOSED"},
    }
    headers, query, body = signed(sim, note, "intent-1")
    assert post(headers, query, body) == 200
    assert ns["_enqueued"] == [("intent-1:CLOSED", "intent-1")]
    # The last hex digit changed (to "1" when it is already "0": the signature ends in "0" one
    # time in sixteen, and a "forgery" equal to it was once accepted).
    sig = headers["x-signature"]
    forged = dict(headers, **{"x-signature": sig[:-1] + ("1" if sig.endswith("0") else "0")})
    assert post(forged, query, body) == 401
    # Garbage with a valid signature: a clean 400, never a 500.
    headers, query, body = signed(sim, b"\x00not json", "intent-1")
    assert post(headers, query, body) == 400


# What the examples use without defining it (the webhook endpoints' placeholders).
MYPY_PRELUDE = """\
SECRET: str = "..."
def enqueue(dedup_key: str, intent_id: str) -> None: ...
"""


def test_the_examples_pass_mypy_strict(tmp_path: pathlib.Path) -> None:
    """As the README says: the READMEs' Python examples (the repository's and python/'s)
    type-check under mypy --strict (a paid sale's approved_payment is a Payment once is_paid
    is checked)."""
    import subprocess
    import sys

    files = []
    for name, code in BLOCKS:
        f = tmp_path / (re.sub(r"\W", "_", name) + ".py")
        uses = "SECRET" in code or "enqueue(" in code
        f.write_text((MYPY_PRELUDE if uses else "") + code, encoding="utf-8")
        files.append(str(f))
    assert len(files) >= 5
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *files],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr
