"""Calls per second of get_intent against the simulator on loopback, in one run, three ways:

1. mppoint.Client.get_intent (typed Intent out, Decimal amounts, errors mapped);
2. a requests.Session doing the same GET with keep-alive, json() on the body;
3. the official mercadopago SDK doing the same GET through its generic ``_get`` (its Point
   resource targets another API; its base URL is pointed at the simulator).

The contenders are timed in interleaved rounds (a batch of calls each, the order rotating), and each
ratio is the median of the per-round ratios, printed with its spread, so that it reads the same from
run to run (targets: mppoint >= 2x the Session, >= 5x the SDK). Printed, never asserted.

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


def batch_us(call: Callable[[], object], n: int) -> float:
    """Microseconds per call over ``n`` calls."""
    started = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - started) * 1e6 / n


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[round((len(sorted_values) - 1) * p)]


def pairs(
    contenders: list[tuple[str, Callable[[], object]]], seconds: float, n: int = 20
) -> dict[str, list[float]]:
    """Interleaved rounds: in each, every contender runs a batch of ``n`` calls, the order rotating
    from round to round, so a load that comes and goes falls on all of them alike."""
    for _, call in contenders:  # warm-up: connections, caches
        batch_us(call, 20)
    times: dict[str, list[float]] = {name: [] for name, _ in contenders}
    deadline = time.perf_counter() + seconds * len(contenders)
    r = 0
    while time.perf_counter() < deadline or r < 11:
        order = contenders[r % len(contenders) :] + contenders[: r % len(contenders)]
        for name, call in order:
            times[name].append(batch_us(call, n))
        r += 1
    return times


def report(times: dict[str, list[float]], ours: str, other: str, target: float) -> None:
    """The median of the per-round ratios other/ours (how many times faster mppoint is), with its
    spread (10th and 90th percentiles)."""
    ratios = sorted(o / m for m, o in zip(times[ours], times[other]))
    med = percentile(ratios, 0.5)
    print(
        f"mppoint / {other:<30} = {med:.2f}x faster, median of {len(ratios)} interleaved rounds "
        f"(p10 {percentile(ratios, 0.1):.2f}, p90 {percentile(ratios, 0.9):.2f}; "
        f"target >= {target:g}x: {'met' if med >= target else 'NOT met'})"
    )


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
        ours = "mppoint.Client.get_intent"
        contenders = [
            (ours, via_mppoint),
            ("requests.Session GET + json()", via_session),
            ("mercadopago SDK _get", via_sdk),
        ]
        times = pairs(contenders, args.seconds)
        client.cancel_intent(intent.id)

    for name, us in times.items():
        print(f"{name:<34} {percentile(sorted(us), 0.5):>7.1f} us/call (median of {len(us)} batches)")
    report(times, ours, "requests.Session GET + json()", 2)
    report(times, ours, "mercadopago SDK _get", 5)


if __name__ == "__main__":
    main()
