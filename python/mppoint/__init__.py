"""mppoint: drive Mercado Pago Point card terminals from Python.

>>> import mppoint
>>> client = mppoint.Client("APP_USR-...", site="MLB")          # doctest: +SKIP
>>> sale = client.charge("12.47", "Sale 123", "order-123", pos="SUC001POS001")  # doctest: +SKIP
>>> sale.is_paid, sale.verdict, sale.advice                      # doctest: +SKIP

Every network call releases the GIL. Amounts are exact: pass a ``str`` (``"12.47"``), a
``decimal.Decimal``, a ``float`` whose shortest form has at most two decimals (``12.47``, never
``0.1 + 0.2``), or integer cents through :func:`cents`; amounts come back as ``Decimal``.
Errors are subclasses of :class:`mppoint.Error` (see :mod:`mppoint.exceptions`). Log records go
to the ``logging`` logger ``"mppoint"``; the access token never appears in them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Union

from . import webhook
from ._models import (
    Device,
    DevicePage,
    EnablerConfiguration,
    Intent,
    Notification,
    Operation,
    OperationResult,
    Payment,
    Refund,
    Sale,
)
from ._native import (
    Amount,
    CancelToken,
    Client,
    DeviceIterator,
    Simulator,
    core_version,
    reset_logging_cache,
)
from .exceptions import (
    AbortedError,
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
    PanicError,
    NetworkError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    UnauthorizedError,
    WaitTimeoutError,
)

__version__ = core_version()

#: What methods accept as an amount (a bare ``int`` is refused: use :func:`cents`).
AmountLike = Union[Amount, Decimal, str, float]



def cents(n: int) -> Amount:
    """An amount of ``n`` integer cents: ``mppoint.cents(1247)`` is 12.47."""
    return Amount.from_cents(n)


__all__ = [
    "Amount",
    "AmountLike",
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
    "NetworkError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PanicError",
    "RateLimitedError",
    "RequestTimeoutError",
    "ServerError",
    "UnauthorizedError",
    "WaitTimeoutError",
]
