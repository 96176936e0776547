"""mppoint: drive Mercado Pago Point card terminals from Python.

>>> import mppoint
>>> client = mppoint.Client("APP_USR-...", site="MLB")          # doctest: +SKIP
>>> sale = client.charge("12.47", "Sale 123", "order-123", pos="SUC001POS001")  # doctest: +SKIP
>>> sale.is_paid, sale.verdict, sale.advice                      # doctest: +SKIP

Every network call releases the GIL; :class:`AsyncClient` is the same client for ``asyncio``
code (each method a coroutine, run off the event loop). Amounts are exact: pass a ``str`` (``"12.47"``), a
``decimal.Decimal``, a ``float`` whose shortest form has one or two decimals (``12.47``, never
``0.1 + 0.2`` or a whole ``12.0``), or integer cents through :func:`cents`; amounts come back as ``Decimal``.
Every failure of a call is a :class:`mppoint.Error` subclass (see :mod:`mppoint.exceptions`),
including values Python can hold but no request can carry (an int out of range, a string with a
lone surrogate): they are :class:`InvalidArgumentError`. The one exception to that rule is an
argument of the wrong *type* (an ``int`` where a ``str`` is expected), which raises Python's own
``TypeError``, as the standard library does. Log records go to the ``logging`` logger
``"mppoint"`` (with a ``NullHandler``, so nothing is printed unless your application configures
logging); the access token never appears in them.
"""

from __future__ import annotations

import logging as _logging
from decimal import Decimal
from typing import Union

from . import webhook
from ._models import (
    ApprovedPolicy,
    CardOutcome,
    IntentStatus,
    SettableMode,
    Site,
    Verdict,
    Device,
    DevicePage,
    EnablerConfiguration,
    Intent,
    Notification,
    Operation,
    OperationResult,
    Payment,
    PaidSale,
    PendingSale,
    PrintAction,
    PrintStatus,
    Refund,
    Sale,
    SandboxStatus,
    UnpaidSale,
)
from ._async import AsyncClient
from ._native import (
    Amount,
    CancelToken,
    Client,
    DeviceIterator,
    PrintText,
    SANDBOX_TERMINAL,
    Simulator,
    core_version,
    reset_logging_cache,
)
from .exceptions import (
    AbortedError,
    ErrorCode,
    SignatureFailureReason,
    AlreadyQueuedError,
    ApiError,
    BadRequestError,
    CanceledError,
    CannotCancelError,
    ConfigError,
    ConflictError,
    DecodeError,
    Error,
    ForbiddenError,
    IdempotencyKeyMismatchError,
    InvalidAmountError,
    InvalidArgumentError,
    InvalidSignatureError,
    JournalError,
    PanicError,
    NetworkError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    RequestTimeoutError,
    SaleInProgressError,
    RefundNotAllowedError,
    SandboxOnlyError,
    ServerError,
    UnauthorizedError,
    WaitTimeoutError,
)

__version__ = core_version()

# A library adds a NullHandler to its logger and nothing else: retry warnings reach the
# application's handlers when it configures logging, and are silent when it does not.
_logging.getLogger("mppoint").addHandler(_logging.NullHandler())

#: What methods accept as an amount, for a type checker. A ``float`` whose shortest form has one
#: or two decimals is also accepted at run time, but it is not in this type: a checker lets an
#: ``int`` pass for a ``float``, and a bare ``int`` is refused (units or cents?), so typed code
#: passes a ``Decimal``, a ``str`` or :func:`cents`.
AmountLike = Union[Amount, Decimal, str]


def cents(n: int) -> Amount:
    """An amount of ``n`` integer cents: ``mppoint.cents(1247)`` is 12.47."""
    return Amount.from_cents(n)


__all__ = [
    "Amount",
    "AsyncClient",
    "AmountLike",
    "ApprovedPolicy",
    "CardOutcome",
    "ErrorCode",
    "IntentStatus",
    "SettableMode",
    "SignatureFailureReason",
    "Site",
    "Verdict",
    "CancelToken",
    "Client",
    "Device",
    "DeviceIterator",
    "DevicePage",
    "EnablerConfiguration",
    "Intent",
    "Notification",
    "Operation",
    "OperationResult",
    "Payment",
    "Refund",
    "Sale",
    "PaidSale",
    "UnpaidSale",
    "PendingSale",
    "PrintAction",
    "PrintStatus",
    "PrintText",
    "SANDBOX_TERMINAL",
    "SandboxStatus",
    "Simulator",
    "cents",
    "reset_logging_cache",
    "webhook",
    "Error",
    "AbortedError",
    "AlreadyQueuedError",
    "ApiError",
    "BadRequestError",
    "CanceledError",
    "CannotCancelError",
    "ConfigError",
    "ConflictError",
    "DecodeError",
    "ForbiddenError",
    "IdempotencyKeyMismatchError",
    "InvalidAmountError",
    "InvalidArgumentError",
    "InvalidSignatureError",
    "JournalError",
    "NetworkError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PanicError",
    "RateLimitedError",
    "RequestTimeoutError",
    "SaleInProgressError",
    "RefundNotAllowedError",
    "SandboxOnlyError",
    "ServerError",
    "UnauthorizedError",
    "WaitTimeoutError",
]
