"""50 concurrent sales through mppoint.AsyncClient against the simulator, and how long the event
loop was ever kept from running meanwhile (its worst stall; target: at most 10 ms).

A ticker coroutine sleeps 1 ms at a time and records how late each wake-up is: a sale that ran
on the event loop (instead of a worker thread) would show as a stall of the sale's length. Every
sale's verdict is checked; the timings are printed, never asserted (they depend on the machine).

    python bench/bench_async_sales.py [--sales 50] [--step 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import mppoint


def shop(n: int) -> dict[str, list[dict[str, object]]]:
    """A store with n tills, each with its PDV device."""
    return {
        "stores": [{"id": "1", "name": "Store"}],
        "pos": [{"id": 4000 + i, "external_id": f"TILL{i:03}", "store_id": "1"} for i in range(n)],
        "devices": [
            {"id": f"PAX_A910__TILL{i:09}", "pos_external_id": f"TILL{i:03}", "operating_mode": "PDV"}
            for i in range(n)
        ],
    }


async def main(sales: int, step: float) -> None:
    with mppoint.Simulator(pickup_delay=step, step_delay=step, **shop(sales)) as sim:  # type: ignore[arg-type]
        client = mppoint.AsyncClient.from_client(sim.client())
        stalls: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            while not done.is_set():
                t = time.perf_counter()
                await asyncio.sleep(0.001)
                stalls.append(time.perf_counter() - t - 0.001)

        statuses = 0

        def seen(_: mppoint.Intent) -> None:
            nonlocal statuses
            statuses += 1

        tick = asyncio.create_task(ticker())
        started = time.perf_counter()
        results = await asyncio.gather(*(
            client.charge("10.00", f"Sale {i}", f"bench-{i}", pos=f"TILL{i:03}", on_status=seen)
            for i in range(sales)
        ))
        elapsed = time.perf_counter() - started
        done.set()
        await tick
        paid = sum(1 for s in results if s.is_paid)
        if paid != sales:
            raise SystemExit(f"bench_async_sales: {sales - paid} of {sales} sales were not paid")
        worst = max(stalls) * 1000
        print(f"{sales} concurrent async sales (simulator steps {step * 1000:.0f} ms): all paid, "
              f"{elapsed:.2f} s in all, {statuses} status changes seen on the loop")
        print(f"event loop: {len(stalls)} ticks, median lateness {statistics.median(stalls) * 1000:.2f} ms, "
              f"worst stall {worst:.2f} ms (target <= 10 ms)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sales", type=int, default=50)
    ap.add_argument("--step", type=float, default=0.05, help="the simulator's step, in seconds")
    args = ap.parse_args()
    asyncio.run(main(args.sales, args.step))
