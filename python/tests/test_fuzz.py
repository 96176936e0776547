"""A seeded fuzz of the public surface: 100,000+ calls with hostile arguments (lone surrogates,
huge and negative ints, NaN and infinities, wrong types, garbage bodies) raise nothing but
mppoint errors, or TypeError for an argument of the wrong type (the documented convention).

Network calls go to a closed loopback port (refused at once, so nothing waits); waits get a
canceled token. MPPOINT_FUZZ_CALLS and MPPOINT_FUZZ_SEED change the size and the seed."""

from __future__ import annotations

import datetime
import logging
import math
import os
import random
from collections import Counter
from decimal import Decimal
from typing import Any, Callable

import mppoint

CALLS = int(os.environ.get("MPPOINT_FUZZ_CALLS", "100000"))
SEED = int(os.environ.get("MPPOINT_FUZZ_SEED", "20261128"))

_TEXTS = [
    "", " ", "12.47", "12,47", "1e3", "-3", "0", "0.00", "70000.01", "NaN", "inf", "SUC001POS001",
    "PAX_A910__SMARTPOS0000000001", "ts=1704908010,v1=" + "a" * 64, "ts=,v1=", "v1=zz", "ts=1",
    "\ud800", "abc\udfff", "\x00", "é", "日本", "😀", "a" * 300, "{}", '{"id":"x"}', "[]", "null",
    '{"type":"topic_instore_integration_wh","data":{"id":"1","status":"CLOSED"}}',
    "http://127.0.0.1:9", "https://", "ftp://x", "APP_USR-1", "PDV", "STANDALONE", "pdv", "MLA", "MLB",
    "approved", "data.id=1&type=x", "?data.id=\ud800",
]


def _text(r: random.Random) -> str:
    if r.random() < 0.6:
        return r.choice(_TEXTS)
    n = r.randint(0, 12)
    return "".join(chr(r.choice([r.randint(32, 126), r.randint(0, 0x10FFFF)])) for _ in range(n))


def _int(r: random.Random) -> int:
    return r.choice([0, 1, -1, 42, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 2**62, 10**30, r.randint(-10**6, 10**6)])


def _float(r: random.Random) -> float:
    return r.choice([0.0, -0.0, 0.1, 12.47, 0.1 + 0.2, -1.5, 1e308, -1e308, math.inf, -math.inf, math.nan, 5e-324, r.uniform(-1e6, 1e6)])


def value(r: random.Random) -> Any:
    kind = r.random()
    if kind < 0.35:
        return _text(r)
    if kind < 0.5:
        return _int(r)
    if kind < 0.6:
        return _float(r)
    if kind < 0.65:
        return None
    if kind < 0.7:
        return r.choice([True, False])
    if kind < 0.75:
        return _text(r).encode("utf-8", "surrogatepass")
    if kind < 0.8:
        return Decimal(r.choice(["12.47", "11.550", "-1", "NaN", "sNaN", "Infinity", "1E+3", "0.001", "1E-400"]))
    if kind < 0.85:
        return r.choice([[], [_text(r)], [(_text(r), _text(r))], {"k": _text(r)}, (1, 2)])
    if kind < 0.9:
        return r.choice([datetime.datetime.now(), datetime.datetime.now(datetime.timezone.utc),
                         datetime.timedelta(seconds=r.choice([-1, 0, 1e12]))])
    return r.choice([object(), mppoint.cents(1247), b"\xff\xfe", bytearray(b"{}")])


def test_hostile_calls_raise_only_mppoint_errors_or_type_errors() -> None:
    r = random.Random(SEED)
    # Tens of thousands of refused connections are logged as warnings: keep them out.
    logger = logging.getLogger("mppoint")
    level = logger.level
    logger.setLevel(logging.ERROR)
    mppoint.reset_logging_cache()
    try:
        _fuzz(r)
    finally:
        logger.setLevel(level)
        mppoint.reset_logging_cache()


def _fuzz(r: random.Random) -> None:
    # Nothing listens on port 9 (discard) on loopback: a request is refused at once.
    offline = mppoint.Client("APP_USR-fuzz", base_url="http://127.0.0.1:9", retries=0, timeout=2, site="MLB")
    canceled = mppoint.CancelToken()
    canceled.cancel()

    # Mostly a value of the expected type (hostile within it), sometimes anything at all.
    def s() -> Any:
        return _text(r) if r.random() < 0.85 else value(r)

    def opt_s() -> Any:
        return None if r.random() < 0.2 else s()

    def i() -> Any:
        return _int(r) if r.random() < 0.85 else value(r)

    def sec() -> Any:
        return r.choice([_int(r), _float(r)]) if r.random() < 0.85 else value(r)

    def amt() -> Any:
        if r.random() < 0.15:
            return value(r)
        return r.choice([_text(r), r.choice(_TEXTS), _float(r), Decimal(r.choice(["12.47", "11.550", "-1", "NaN", "1E+3", "0.001"])), mppoint.cents(r.randint(1, 10**6))])

    typed = {"tolerance": sec, "now": sec, "timeout": sec, "connect_timeout": sec, "poll_interval": sec,
             "retries": i, "limit": i, "offset": i, "amount_limits": lambda: (amt(), amt()),
             "extra_root_certs": s, "print_seller_ticket": lambda: r.choice([True, False, value(r)])}

    def kw(*names: str) -> dict[str, Any]:
        return {n: typed.get(n, opt_s)() for n in names if r.random() < 0.4}

    calls: list[tuple[str, Callable[[], object]]] = [
        ("Amount", lambda: mppoint.Amount(amt())),
        ("cents", lambda: mppoint.cents(i())),
        ("Amount.from_cents", lambda: mppoint.Amount.from_cents(i())),
        ("webhook.verify", lambda: mppoint.webhook.verify(s(), opt_s(), opt_s(), opt_s(), **kw("tolerance", "now"))),
        ("webhook.sign", lambda: mppoint.webhook.sign(s(), opt_s(), opt_s(), i())),
        ("webhook.parse", lambda: mppoint.webhook.parse(r.choice([s(), _text(r).encode("utf-8", "surrogatepass")]))),
        ("webhook.verify_request", lambda: mppoint.webhook.verify_request(
            s(), r.choice([{s(): s()}, [(s(), s())], value(r)]), s(), s(), **kw("tolerance", "now"))),
        ("Client", lambda: mppoint.Client(s(), **kw(
            "base_url", "site", "timeout", "connect_timeout", "retries", "integrator_id", "platform_id",
            "corporation_id", "user_agent", "proxy", "extra_root_certs", "amount_limits", "api",
            "resend_ambiguous_creates", "allow_insecure_http"))),
        ("get_intent", lambda: offline.get_intent(s())),
        ("cancel_intent", lambda: offline.cancel_intent(s(), **kw("pos"))),
        ("get_payment", lambda: offline.get_payment(i())),
        ("sale_for", lambda: offline.sale_for(s())),
        ("find_payments", lambda: offline.find_payments(s())),
        ("refund_payment", lambda: offline.refund_payment(i(), r.choice([None, amt()]), **kw("idempotency_key"))),
        ("list_devices", lambda: offline.list_devices(**kw("store_id", "pos_id", "limit", "offset"))),
        ("set_operating_mode", lambda: offline.set_operating_mode(s(), s())),
        ("create_intent", lambda: offline.create_intent(amt(), s(), s(), **{
            **kw("ticket_number", "print_seller_ticket", "idempotency_key"),
            r.choice(["pos", "device"]): s()})),
        ("wait_for_final", lambda: offline.wait_for_final(s(), cancel=canceled, **kw("timeout", "poll_interval"))),
        ("charge", lambda: offline.charge(amt(), s(), s(), cancel=canceled, **{
            **kw("ticket_number", "timeout", "poll_interval", "idempotency_key"),
            r.choice(["pos", "device"]): s()})),
    ]
    weights = [8, 3, 3, 14, 8, 10, 8, 6, 6, 4, 4, 3, 3, 3, 3, 3, 6, 4, 4]
    outcomes: Counter[str] = Counter()
    escaped: list[str] = []
    for _ in range(CALLS):
        name, call = r.choices(calls, weights)[0]
        try:
            call()
            outcomes["ok"] += 1
        except mppoint.Error as e:
            outcomes[e.code] += 1
        except TypeError:
            outcomes["TypeError"] += 1
        except Exception as e:  # noqa: BLE001 — what the test is looking for
            escaped.append(f"{name}: {type(e).__name__}: {e}")
    print(f"{CALLS} calls, seed {SEED}: {dict(outcomes.most_common())}")
    assert not escaped, f"{len(escaped)} calls raised something else, e.g.:\n" + "\n".join(escaped[:20])
    # The fuzz reached past argument checking: the core refused values and the network was tried.
    assert outcomes["INVALID_ARGUMENT"] and outcomes["INVALID_AMOUNT"] and outcomes["NETWORK"]
    assert outcomes["INVALID_SIGNATURE"] and outcomes["DECODE"] and outcomes["ok"]
