"""Exceptions: one class per core error kind under mppoint.Error, each raised by the situation it
names, with its fields, and picklable."""

from __future__ import annotations

import pickle
import socket
import time
from typing import Any

import pytest

import mppoint
from mppoint import _native, exceptions
from conftest import DEVICE, POS, POS2

ALL_CLASSES = [
    mppoint.InvalidArgumentError,
    mppoint.InvalidAmountError,
    mppoint.ConfigError,
    mppoint.UnauthorizedError,
    mppoint.ForbiddenError,
    mppoint.NotFoundError,
    mppoint.BadRequestError,
    mppoint.AlreadyQueuedError,
    mppoint.CannotCancelError,
    mppoint.ConflictError,
    mppoint.RateLimitedError,
    mppoint.ServerError,
    mppoint.ApiError,
    mppoint.OutcomeUnknownError,
    mppoint.NetworkError,
    mppoint.RequestTimeoutError,
    mppoint.DecodeError,
    mppoint.WaitTimeoutError,
    mppoint.CanceledError,
    mppoint.InvalidSignatureError,
    mppoint.IdempotencyKeyMismatchError,
    mppoint.AbortedError,
    mppoint.PanicError,
    mppoint.SaleInProgressError,
    mppoint.JournalError,
    mppoint.RefundNotAllowedError,
    mppoint.SandboxOnlyError,
]


def test_one_class_per_core_error_kind() -> None:
    codes = _native.error_codes()
    assert [c.code for c in ALL_CLASSES] == codes
    assert sorted(exceptions.BY_CODE) == sorted(codes)
    transient = set(_native.transient_error_codes())
    assert transient, "the core calls some kinds transient"
    for cls in ALL_CLASSES:
        assert issubclass(cls, mppoint.Error)
        assert cls is not mppoint.Error
        assert cls.transient == (cls.code in transient), cls.code
    assert len(set(ALL_CLASSES)) == len(codes)


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_every_class_pickles_with_its_fields(cls: type[mppoint.Error]) -> None:
    e = cls(
        "intent x: boom [HTTP 409, request id r-1]",
        message="intent x: boom",
        status=409,
        api_error="conflict",
        api_message="nope",
        causes=(("4020", "bad"),),
        request_id="r-1",
        retry_after=2.5,
        idempotency_key="k-1",
        intent_id="x",
        holding_sale="ORD01HOLDING",
        last_status="ON_TERMINAL",
        field="amount",
        signature_failure="SIGNATURE_MISMATCH",
    )
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is cls
    assert str(back) == str(e)
    assert vars(back) == vars(e)
    assert back.message == "intent x: boom"
    assert back.status == 409 and back.request_id == "r-1" and back.retry_after == 2.5
    assert back.holding_sale == "ORD01HOLDING"
    assert repr(back).startswith(cls.__name__ + "(")


def fault(sim: mppoint.Simulator, endpoint: str | None, kind: dict[str, Any], times: int | None = 1) -> None:
    """Arms one fault rule, in the simulator's JSON form."""
    rule: dict[str, Any] = {"kind": kind}
    if endpoint is not None:
        rule["endpoint"] = endpoint
    if times is not None:
        rule["times"] = times
    sim.add_fault(rule)


def raised(fn: Any, *args: Any, **kwargs: Any) -> mppoint.Error:
    with pytest.raises(mppoint.Error) as exc:
        fn(*args, **kwargs)
    return exc.value


def test_invalid_argument(client: mppoint.Client) -> None:
    e = raised(client.get_intent, "   ")
    assert type(e) is mppoint.InvalidArgumentError
    assert isinstance(e, ValueError)
    assert e.field == "intent_id"
    e = raised(client.create_intent, "1.00", "", "r", pos=POS)
    assert type(e) is mppoint.InvalidArgumentError and e.field == "description"
    e = raised(client.create_intent, "1.00", "d", "bad/ref", pos=POS)
    assert type(e) is mppoint.InvalidArgumentError and e.field == "external_reference"


def test_invalid_amount(client: mppoint.Client) -> None:
    e = raised(client.create_intent, "12,47", "d", "r", pos=POS)
    assert type(e) is mppoint.InvalidAmountError and e.field == "amount"


def test_config() -> None:
    for kwargs in ({"base_url": "ftp://x"}, {"site": "MLX"}, {"timeout": -1.0}, {"proxy": "::::"},
                   {"extra_root_certs": "not pem"}):
        e = raised(mppoint.Client, "t", **kwargs)
        assert type(e) in (mppoint.ConfigError, mppoint.InvalidArgumentError), kwargs
    e = raised(mppoint.Client, "")
    assert type(e) is mppoint.ConfigError
    e = raised(mppoint.Client, "APP_USR secret with space")
    assert type(e) is mppoint.ConfigError
    assert "secret" not in str(e)
    with pytest.raises(TypeError):
        mppoint.Client(123)  # type: ignore[arg-type]


def test_unauthorized(sim: mppoint.Simulator) -> None:
    c = mppoint.Client("APP_USR-wrong-token", base_url=sim.base_url, retries=0)
    e = raised(c.get_intent, "whatever")
    assert type(e) is mppoint.UnauthorizedError
    assert e.status == 401
    assert "APP_USR-wrong-token" not in str(e) and "APP_USR-wrong-token" not in repr(e)


def test_forbidden(client: mppoint.Client, sim: mppoint.Simulator) -> None:
    fault(sim, "SetOperatingMode", {"type": "Status", "status": 403})
    e = raised(client.set_operating_mode, DEVICE, "PDV")
    assert type(e) is mppoint.ForbiddenError and e.status == 403


def test_not_found(client: mppoint.Client) -> None:
    e = raised(client.get_intent, "no-such-intent")
    assert type(e) is mppoint.NotFoundError
    assert e.status == 404 and e.intent_id == "no-such-intent"
    e = raised(client.create_intent, "1.00", "d", "r", pos="NO_SUCH_POS")
    assert type(e) is mppoint.NotFoundError


def test_bad_request(client: mppoint.Client, sim: mppoint.Simulator) -> None:
    fault(sim, "CreateIntent", {"type": "Status", "status": 400})
    e = raised(client.create_intent, "1.00", "d", "r", pos=POS)
    assert type(e) is mppoint.BadRequestError and e.status == 400


def test_already_queued(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client(retries=0)
    first = client.create_intent("1.99", "first", "r1", pos=POS)
    e = raised(client.create_intent, "2.99", "second", "r2", pos=POS)
    assert type(e) is mppoint.AlreadyQueuedError and e.status == 409
    assert e.idempotency_key
    client.cancel_intent(first.id)


def test_cannot_cancel(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client(retries=0)
    intent = client.create_intent("4.44", "held", "r", pos=POS)  # .44: held on the terminal
    deadline = time.monotonic() + 5
    while client.get_intent(intent.id).status != "ON_TERMINAL":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    e = raised(client.cancel_intent, intent.id)
    assert type(e) is mppoint.CannotCancelError
    assert e.last_status == "ON_TERMINAL" and e.intent_id == intent.id
    fresh_sim.cancel_on_terminal(intent.id)


def test_conflict(client: mppoint.Client, sim: mppoint.Simulator) -> None:
    fault(sim, "SetOperatingMode", {"type": "Status", "status": 409})
    e = raised(client.set_operating_mode, DEVICE, "PDV")
    assert type(e) is mppoint.ConflictError and e.status == 409


def test_rate_limited(client: mppoint.Client, sim: mppoint.Simulator) -> None:
    fault(sim, "ListDevices", {"type": "RateLimited", "retry_after_secs": 7})
    e = raised(client.list_devices)
    assert type(e) is mppoint.RateLimitedError
    assert e.status == 429 and e.retry_after == 7.0
    assert e.transient


def test_server(client: mppoint.Client, sim: mppoint.Simulator) -> None:
    fault(sim, "ListDevices", {"type": "Status", "status": 503})
    e = raised(client.list_devices)
    assert type(e) is mppoint.ServerError and e.status == 503


def test_api(client: mppoint.Client, sim: mppoint.Simulator) -> None:
    fault(sim, "ListDevices", {"type": "Status", "status": 418})
    e = raised(client.list_devices)
    assert type(e) is mppoint.ApiError and e.status == 418


def test_outcome_unknown(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client(retries=0)
    fault(fresh_sim, "CreateIntent", {"type": "DropAfterProcessing"})
    e = raised(client.create_intent, "6.00", "d", "r", pos=POS2)
    assert type(e) is mppoint.OutcomeUnknownError
    assert e.idempotency_key
    assert e.external_reference == "r"
    # Not re-sent: the simulator, like Mercado Pago may, ignores create keys by default.
    assert fresh_sim.counters()["requests"]["CreateIntent"] == 1


def test_network() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = mppoint.Client("t", base_url=f"http://127.0.0.1:{port}", retries=0, no_proxy=True)
    e = raised(c.get_intent, "x")
    assert type(e) is mppoint.NetworkError
    assert e.status is None


def test_timeout(client: mppoint.Client, sim: mppoint.Simulator) -> None:
    c = sim.client(retries=0, timeout=0.2)
    fault(sim, "ListDevices", {"type": "Latency", "ms": 1500})
    e = raised(c.list_devices)
    assert type(e) is mppoint.RequestTimeoutError


def test_decode(client: mppoint.Client, sim: mppoint.Simulator) -> None:
    fault(sim, "ListDevices", {"type": "MalformedJson"})
    e = raised(client.list_devices)
    assert type(e) is mppoint.DecodeError


def test_wait_timeout(fresh_sim: mppoint.Simulator) -> None:
    client = fresh_sim.client(retries=0)
    intent = client.create_intent("7.99", "never", "r", pos=POS)
    e = raised(client.wait_for_final, intent.id, poll_interval=0.02, timeout=0.3)
    assert type(e) is mppoint.WaitTimeoutError
    assert e.intent_id == intent.id and e.last_status == "OPENED"
    client.cancel_intent(intent.id)


def test_canceled(client: mppoint.Client) -> None:
    token = mppoint.CancelToken()
    token.cancel()
    e = raised(client.wait_for_final, "any-id", cancel=token)
    assert type(e) is mppoint.CanceledError


def test_invalid_signature() -> None:
    e = raised(mppoint.webhook.verify, "secret", "ts=1,v1=00", "req", "data")
    assert type(e) is mppoint.InvalidSignatureError
    assert e.signature_failure == "SIGNATURE_MISMATCH"
    assert e.reason == e.signature_failure  # the deprecated alias


def test_panic() -> None:
    # A bug inside a core call is PanicError (code PANIC) as in every language, never pyo3's
    # PanicException (a BaseException that `except Exception` would not catch).
    e = raised(_native._test_panic)
    assert type(e) is mppoint.PanicError
    assert e.code == "PANIC"
    assert "deliberate panic" in e.message
