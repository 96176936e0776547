"""What a Python user meets first: failures are mppoint errors (or TypeError for a wrong argument
type), the logger is quiet by default, the simulator takes a shop of your own and its client
checks the simulator's site limits, and closed value sets are Literal types mypy checks."""

from __future__ import annotations

import logging
import pathlib
import subprocess
import sys
from decimal import Decimal
from typing import get_args

import pytest

import mppoint
from mppoint import _native

HERE = pathlib.Path(__file__).resolve().parent


def test_the_mppoint_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("mppoint").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)


def test_retry_warnings_print_nothing_in_an_application_without_logging(tmp_path: pathlib.Path) -> None:
    # A fresh interpreter that never configures logging: a retried request must not print
    # "No handlers could be found" or the record itself on stderr (logging.lastResort).
    script = tmp_path / "app.py"
    script.write_text(
        "import mppoint\n"
        "with mppoint.Simulator(pickup_delay=0.05, step_delay=0.05) as sim:\n"
        "    sim.add_fault({'endpoint': 'GetIntent', 'kind': {'type': 'Status', 'status': 503}, 'times': 1})\n"
        "    c = sim.client(retries=2)\n"
        "    try:\n"
        "        c.get_intent('nope')\n"
        "    except mppoint.NotFoundError:\n"
        "        print('ok')\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr
    assert out.stderr == ""


@pytest.mark.parametrize(
    "call",
    [
        lambda: mppoint.webhook.verify("s", "ts=1,v1=aa", "r", "d", now=2**62),
        lambda: mppoint.webhook.verify("s", "ts=1,v1=aa", "r", "d", now=float("inf")),
        lambda: mppoint.webhook.verify("s", "ts=1,v1=aa", "r", "d", now=float("nan")),
        lambda: mppoint.webhook.verify("s", "ts=1,v1=aa", "r", "d", tolerance=10**400),
        lambda: mppoint.webhook.sign("s", "d", "r", ts=-1),
        lambda: mppoint.webhook.sign("s", "d", "r", ts=2**64),
        lambda: mppoint.webhook.sign("s\ud800", "d", "r"),
        lambda: mppoint.webhook.verify("s", "ts=1,v1=aa\udfff", "r", "d"),
        lambda: mppoint.webhook.verify_request("s", {"x-signature": "\ud800"}, "", b"{}"),
        lambda: mppoint.webhook.parse("\ud800"),
    ],
)
def test_values_python_can_hold_but_no_request_can_carry_are_invalid_arguments(call: object) -> None:
    with pytest.raises(mppoint.InvalidArgumentError):
        call()  # type: ignore[operator]


def test_client_arguments_out_of_range_or_not_unicode(client: mppoint.Client) -> None:
    with pytest.raises(mppoint.InvalidArgumentError, match="lone surrogate"):
        client.get_intent("abc\ud800")
    with pytest.raises(mppoint.InvalidArgumentError, match="out of range"):
        client.list_devices(limit=2**40)
    with pytest.raises(mppoint.InvalidArgumentError, match="out of range"):
        client.wait_for_final("x", timeout=10**400)
    with pytest.raises(mppoint.InvalidAmountError):
        client.charge("1\ud800", "d", "r", pos="SUC001POS001")
    with pytest.raises(mppoint.InvalidArgumentError):
        client.charge("1.00", "d\udc80", "r", pos="SUC001POS001")
    with pytest.raises(mppoint.Error):
        mppoint.Client("t", base_url="http://127.0.0.1:1/\ud800")
    # A wrong type is Python's TypeError, naming the argument.
    with pytest.raises(TypeError, match="intent_id"):
        client.get_intent(123)  # type: ignore[arg-type]


def test_an_int_amount_is_refused_at_run_time_and_by_mypy(client: mppoint.Client, tmp_path: pathlib.Path) -> None:
    with pytest.raises(mppoint.InvalidAmountError, match="cents"):
        client.charge(12, "d", "r", pos="SUC001POS001")  # type: ignore[arg-type]
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import mppoint\n"
        "c = mppoint.Client('t')\n"
        "sale = c.charge(12, 'd', 'r', pos='P')\n"
        "if sale.verdict == 'APROVED':\n"
        "    pass\n"
        "if sale.intent.status == 'OPEN':\n"
        "    pass\n"
        "c.set_operating_mode('D', 'KIOSK')\n"
        "ok = c.charge(mppoint.cents(1200), 'd', 'r', pos='P').verdict == 'APPROVED'\n"
    )
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(bad)],
        capture_output=True, text=True, cwd=HERE,
    )
    assert out.returncode == 1, out.stdout
    lines = out.stdout.splitlines()
    assert any(":3:" in l and 'Argument 1 to "charge"' in l for l in lines), out.stdout
    assert any(":4:" in l and "Non-overlapping equality check" in l for l in lines), out.stdout
    assert any(":6:" in l and "Non-overlapping equality check" in l for l in lines), out.stdout
    assert any(":8:" in l and "set_operating_mode" in l for l in lines), out.stdout
    assert not any(":9:" in l for l in lines), out.stdout


def test_the_literal_types_match_the_core() -> None:
    assert set(get_args(mppoint.ErrorCode)) == set(_native.error_codes())
    assert set(get_args(mppoint.SignatureFailureReason)) == set(_native.signature_failure_reasons())
    codes = {cls.code for cls in mppoint.exceptions.BY_CODE.values()}
    assert codes == set(get_args(mppoint.ErrorCode))


def test_a_simulator_with_a_shop_of_your_own() -> None:
    with mppoint.Simulator(
        pickup_delay=0.05,
        step_delay=0.05,
        stores=[{"id": "9", "name": "Kiosk"}],
        pos=[{"id": 77, "external_id": "KIOSK01", "store_id": "9"}],
        devices=[
            {"id": "PAX_A910__SMARTPOS0000000077", "pos_external_id": "KIOSK01", "operating_mode": "PDV"},
            {"id": "PAX_A910__SMARTPOS0000000078", "pos_external_id": None, "operating_mode": "STANDALONE"},
        ],
    ) as sim:
        client = sim.client()
        devices = list(client.devices())
        assert [d.id for d in devices] == ["PAX_A910__SMARTPOS0000000077", "PAX_A910__SMARTPOS0000000078"]
        assert client.charge("3.00", "d", "r", pos="KIOSK01").is_paid
        with pytest.raises(mppoint.NotFoundError):
            client.charge("3.00", "d", "r", pos="SUC001POS001")
    with pytest.raises(mppoint.InvalidArgumentError, match="pos"):
        mppoint.Simulator(pos=[{"external_id": "NO_NUMERIC_ID"}])
    with pytest.raises(TypeError):
        mppoint.Simulator(devices=["PAX_A910__SMARTPOS0000000077"])


@pytest.mark.parametrize("site, over", [("MLB", "70000.01"), ("MLA", "4000000.01")])
def test_the_simulators_client_checks_the_simulators_site(site: mppoint.Site, over: str) -> None:
    with mppoint.Simulator(site=site, pickup_delay=0.05, step_delay=0.05) as sim:
        client = sim.client()
        assert client.site == site
        with pytest.raises(mppoint.InvalidAmountError, match=f"{site} maximum"):
            client.charge(over, "d", "r", pos="SUC001POS001")
        assert sim.counters()["requests"].get("CreateIntent", 0) == 0
        assert client.charge(Decimal("10.00"), "d", "r", pos="SUC001POS001").is_paid


def test_the_simulators_client_checks_the_simulators_own_limits() -> None:
    with mppoint.Simulator(amount_limits=("2.00", "50.00"), pickup_delay=0.05, step_delay=0.05) as sim:
        client = sim.client()
        with pytest.raises(mppoint.InvalidAmountError, match="50.00"):
            client.charge("50.01", "d", "r", pos="SUC001POS001")
        assert sim.counters()["requests"].get("CreateIntent", 0) == 0
