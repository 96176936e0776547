"""Webhook notifications: verify the ``x-signature`` Mercado Pago sends, read the notification.

A Flask endpoint::

    import mppoint
    from flask import Flask, request

    app = Flask(__name__)
    SECRET = "..."  # the application's webhook secret (Mercado Pago panel)

    @app.post("/mp/webhook")
    def mp_webhook():
        try:
            mppoint.webhook.verify(
                SECRET,
                request.headers.get("x-signature"),
                request.headers.get("x-request-id"),
                request.args.get("data.id"),
                tolerance=300,
            )
        except mppoint.InvalidSignatureError as e:
            app.logger.warning("refused webhook: %s", e.signature_failure)
            return "", 401
        note = mppoint.webhook.parse(request.get_data())
        queue_for_processing(note.intent.id)  # answer within 22 s; work elsewhere
        return "", 200

The same notification can arrive more than once (Mercado Pago retries): process it idempotently.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Any, Optional, Protocol, Union

from . import _native
from ._models import Notification
from .exceptions import InvalidArgumentError

__all__ = ["verify", "verify_request", "parse", "sign", "FAILURE_REASONS"]

#: Every reason an :class:`mppoint.InvalidSignatureError` can carry in ``.signature_failure``.
FAILURE_REASONS: tuple[str, ...] = tuple(_native.signature_failure_reasons())

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def _bad(field: str, rule: str, value: object) -> InvalidArgumentError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:60] + "…"
    return InvalidArgumentError(f"{field} {rule} (got {shown})", field=field)


def _seconds(value: Union[float, _dt.timedelta, None]) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"tolerance must be seconds (int or float) or a timedelta, not {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise _bad("tolerance", "is out of range", value) from None


def _micros(now: Union[_dt.datetime, float, None]) -> Optional[int]:
    if now is None:
        return None
    if isinstance(now, _dt.datetime):
        if now.tzinfo is None:
            raise _bad("now", "must be an aware datetime (with tzinfo), or Unix seconds", now)
        return (now - _EPOCH) // _dt.timedelta(microseconds=1)
    if isinstance(now, bool) or not isinstance(now, (int, float)):
        raise TypeError("now must be an aware datetime or Unix seconds (int or float)")
    try:
        return round(now * 1_000_000)
    except (OverflowError, ValueError):  # inf, nan
        raise _bad("now", "must be a finite number of Unix seconds", now) from None


def verify(
    secret: str,
    x_signature: Optional[str],
    x_request_id: Optional[str],
    data_id: Optional[str],
    *,
    tolerance: Union[float, _dt.timedelta, None] = None,
    now: Union[_dt.datetime, float, None] = None,
) -> None:
    """Verifies a notification's signature; returns None, or raises
    :class:`mppoint.InvalidSignatureError` whose ``signature_failure`` says why.

    ``x_signature`` and ``x_request_id`` are the request headers, ``data_id`` the ``data.id``
    query parameter of the notification URL (pass None for what is missing). With ``tolerance``
    (seconds or a timedelta) a ``ts`` farther than that from ``now`` is refused; a 10-digit ``ts`` is
    read as seconds and a 13-digit one as milliseconds. ``now`` (an aware datetime or Unix seconds)
    defaults to the system clock.
    """
    _native.webhook_verify(
        secret,
        x_signature,
        x_request_id,
        data_id,
        tolerance=_seconds(tolerance),
        now_us=_micros(now),
    )


def sign(
    secret: str,
    data_id: Optional[str],
    x_request_id: Optional[str],
    ts: Optional[int] = None,
) -> str:
    """An ``x-signature`` value (``ts=…,v1=…``) that :func:`verify` accepts, for tests. ``ts``
    (Unix seconds, or milliseconds) defaults to now in seconds."""
    return _native.webhook_sign(secret, data_id, x_request_id, ts)


def parse(body: Union[bytes, str]) -> Notification:
    """Reads a notification's JSON body; raises :class:`mppoint.DecodeError` when it is not one."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        body = bytes(body)
    elif not isinstance(body, str):
        raise TypeError(f"body must be bytes or str, not {type(body).__name__}")
    return _native.webhook_parse(body)


class HeaderItems(Protocol):
    """Anything with ``items()`` giving header names and values: a dict, Flask's and Django's
    ``request.headers``, Starlette's ``Headers``, ``http.server``'s ``self.headers``."""

    def items(self) -> Iterable[tuple[str, Any]]: ...


def verify_request(
    secret: str,
    headers: Union[HeaderItems, Iterable[tuple[str, str]]],
    query: str,
    body: Union[bytes, str],
    *,
    tolerance: Union[float, _dt.timedelta, None] = None,
    now: Union[_dt.datetime, float, None] = None,
) -> Notification:
    """Verifies and reads a whole webhook request as the web framework received it: its
    ``headers`` (anything with ``items()``, such as Flask's, Django's or Starlette's
    ``request.headers``, or ``(name, value)`` pairs; names matched case-insensitively), its URL ``query`` string (``data.id=…&type=…``; a
    leading path and ``?`` are skipped) and its raw ``body``.

    Raises :class:`mppoint.InvalidSignatureError` (answer 401), including when the body's
    ``data.id`` is not the signed one, or :class:`mppoint.DecodeError` (answer 400).
    """
    items = headers.items() if hasattr(headers, "items") else headers
    pairs = []
    for item in items:
        try:
            name, value = item
        except (TypeError, ValueError):
            raise TypeError(
                "headers must be a mapping (request.headers) or (name, value) pairs, "
                f"not an iterable of {type(item).__name__}"
            ) from None
        pairs.append((str(name), str(value)))
    if isinstance(body, (bytearray, memoryview)):
        body = bytes(body)
    return _native.webhook_verify_request(
        secret, pairs, query, body, tolerance=_seconds(tolerance), now_us=_micros(now)
    )
