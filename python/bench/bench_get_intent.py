"""Calls per second of get_intent against the simulator on loopback, in one run, three ways:

1. mppoint.Client.get_intent (typed Intent out, Decimal amounts, errors mapped);
2. a requests.Session doing the same GET with keep-alive, json() on the body;
3. the official mercadopago SDK doing the same GET through its generic ``_get`` (its Point
   resource targets another API; its base URL is pointed at the simulator).

Prints each rate and the ratios (targets: mppoint >= 2x the Session, >= 5x the SDK). The ratios are
printed, never asserted: timings depend on the machine.

    python bench/bench_get_intent.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import mercadopago
import requests
from mercadopago.config.config import Config

import mppoint


def rate(name: str, call: Callable[[], object], seconds: float) -> float:
    for _ in range(20):  # warm-up: connections, caches
        call()
    n = 0
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        for _ in range(10):
            call()
        n += 10
        now = time.perf_counter()
        if now >= deadline:
            break
    per_s = n / (now - started)
    print(f"{name:<34} {per_s:>9.0f} calls/s  ({1e6 / per_s:>7.1f} us/call, {n} calls)")
    return per_s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=3.0, help="measuring time per contender")
    args = ap.parse_args()

    with mppoint.Simulator(pickup_delay=0.05, step_delay=0.05) as sim:
        client = sim.client(retries=0)
        # An intent the terminal never fetches (.99): its state does not change during the run.
        intent = client.create_intent("10.99", "bench", "bench-1", pos="SUC001POS001")
        path = f"/instore-api/integrations/v1/intents/{intent.id}/point"

        def via_mppoint() -> object:
            return client.get_intent(intent.id)

        session = requests.Session()
        session.headers.update(
            {"Authorization": f"Bearer {sim.access_token}", "Accept": "application/json"}
        )
        url = sim.base_url + path

        def via_session() -> object:
            r = session.get(url, timeout=10)
            r.raise_for_status()
            return r.json()

        Config._Config__api_base_url = sim.base_url  # type: ignore[attr-defined]
        sdk = mercadopago.SDK(sim.access_token)
        point = sdk.point()

        def via_sdk() -> object:
            answer = point._get(uri=path)
            assert answer["status"] == 200, answer
            return answer["response"]

        # Same answer from all three before timing anything.
        assert via_mppoint().id == intent.id  # type: ignore[attr-defined]
        assert via_session()["id"] == intent.id  # type: ignore[index]
        assert via_sdk()["id"] == intent.id  # type: ignore[index]

        print(f"get_intent against the simulator at {sim.base_url} ({args.seconds:g} s each)")
        ours = rate("mppoint.Client.get_intent", via_mppoint, args.seconds)
        sess = rate("requests.Session GET + json()", via_session, args.seconds)
        official = rate("mercadopago SDK _get", via_sdk, args.seconds)
        client.cancel_intent(intent.id)

    print(f"mppoint / requests.Session = {ours / sess:.2f}x (target >= 2x)")
    print(f"mppoint / mercadopago SDK  = {ours / official:.2f}x (target >= 5x)")


if __name__ == "__main__":
    main()
