"""mppoint's exceptions: one base class, :class:`Error`, and one subclass per error kind of the core.

Every exception carries the structured fields of the core error that apply (the others are
``None``): the HTTP ``status``, Mercado Pago's ``api_error`` code and ``api_message``, its
``causes``, the ``request_id`` to quote to Mercado Pago support, the ``retry_after`` (seconds) a
429 asked for, and the ``idempotency_key`` of a create or refund (retry with the same key). ``str(e)``
is the message plus those details; ``e.message`` is the message alone. ``e.code`` is the stable
code of the kind, the same in every language (Node's ``err.code``).

Exceptions pickle and unpickle with every field (for multiprocessing, task queues, Celery).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Optional, Tuple

from ._models import IntentStatus

__all__ = [
    "ErrorCode",
    "SignatureFailureReason",
    "Error",
    "InvalidArgumentError",
    "InvalidAmountError",
    "ConfigError",
    "UnauthorizedError",
    "ForbiddenError",
    "NotFoundError",
    "BadRequestError",
    "AlreadyQueuedError",
    "CannotCancelError",
    "ConflictError",
    "RateLimitedError",
    "ServerError",
    "ApiError",
    "OutcomeUnknownError",
    "NetworkError",
    "RequestTimeoutError",
    "DecodeError",
    "WaitTimeoutError",
    "CanceledError",
    "InvalidSignatureError",
    "IdempotencyKeyMismatchError",
    "AbortedError",
    "PanicError",
    "SaleInProgressError",
    "JournalError",
    "RefundNotAllowedError",
    "SandboxOnlyError",
]


#: The stable code of an error kind, the same in every language (``e.code``, Node's ``err.code``).
ErrorCode = Literal[
    "INVALID_ARGUMENT",
    "INVALID_AMOUNT",
    "CONFIG",
    "UNAUTHORIZED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_REQUEST",
    "ALREADY_QUEUED",
    "CANNOT_CANCEL",
    "CONFLICT",
    "RATE_LIMITED",
    "SERVER",
    "API",
    "OUTCOME_UNKNOWN",
    "NETWORK",
    "TIMEOUT",
    "DECODE",
    "WAIT_TIMEOUT",
    "CANCELED",
    "INVALID_SIGNATURE",
    "IDEMPOTENCY_KEY_MISMATCH",
    "ABORTED",
    "PANIC",
    "SALE_IN_PROGRESS",
    "JOURNAL",
    "REFUND_NOT_ALLOWED",
    "SANDBOX_ONLY",
]

#: Why a webhook signature was refused (:attr:`Error.signature_failure`).
SignatureFailureReason = Literal[
    "MISSING_HEADER",
    "MALFORMED_HEADER",
    "MISSING_TIMESTAMP",
    "MISSING_HASH",
    "SIGNATURE_MISMATCH",
    "TIMESTAMP_OUT_OF_TOLERANCE",
]


class Error(Exception):
    """Base class of every mppoint error."""

    #: The kind's code; ``"ERROR"`` only on this base class, which is never raised itself.
    code: ClassVar[ErrorCode | Literal["ERROR"]] = "ERROR"
    #: Whether trying the same call again later may succeed (network trouble, 429, 5xx, timeouts).
    transient: ClassVar[bool] = False

    message: str
    status: Optional[int]
    api_error: Optional[str]
    api_message: Optional[str]
    causes: Tuple[Tuple[Optional[str], Optional[str]], ...]
    request_id: Optional[str]
    retry_after: Optional[float]
    idempotency_key: Optional[str]
    intent_id: Optional[str]
    holding_sale: Optional[str]
    external_reference: Optional[str]
    last_status: Optional[IntentStatus]
    field: Optional[str]
    signature_failure: Optional[SignatureFailureReason]

    def __init__(
        self,
        text: str,
        *,
        message: Optional[str] = None,
        status: Optional[int] = None,
        api_error: Optional[str] = None,
        api_message: Optional[str] = None,
        causes: Tuple[Tuple[Optional[str], Optional[str]], ...] = (),
        request_id: Optional[str] = None,
        retry_after: Optional[float] = None,
        idempotency_key: Optional[str] = None,
        intent_id: Optional[str] = None,
        holding_sale: Optional[str] = None,
        external_reference: Optional[str] = None,
        last_status: Optional[str] = None,
        field: Optional[str] = None,
        signature_failure: Optional[str] = None,
    ) -> None:
        super().__init__(text)
        self.message = text if message is None else message
        self.status = status
        self.api_error = api_error
        self.api_message = api_message
        self.causes = tuple(causes)
        self.request_id = request_id
        self.retry_after = retry_after
        self.idempotency_key = idempotency_key
        self.intent_id = intent_id
        self.holding_sale = holding_sale
        self.external_reference = external_reference
        self.last_status = last_status  # type: ignore[assignment]  # as the core sent it
        self.field = field
        self.signature_failure = signature_failure  # type: ignore[assignment]  # a core reason

    @property
    def reason(self) -> Optional[SignatureFailureReason]:
        """Deprecated: the old name of :attr:`signature_failure`."""
        return self.signature_failure

    def __reduce__(self) -> Tuple[Any, ...]:
        # (class, positional args, state): unpickling calls cls(text) then restores every field.
        return (type(self), self.args, dict(self.__dict__))

    def __repr__(self) -> str:
        fields = [repr(self.message)]
        for name in ("status", "api_error", "request_id", "idempotency_key", "intent_id",
                     "holding_sale", "signature_failure"):
            value = getattr(self, name, None)
            if value is not None:
                fields.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(fields)})"


class InvalidArgumentError(Error, ValueError):
    """An argument failed validation before anything was sent (``field`` names it)."""

    code = "INVALID_ARGUMENT"


class InvalidAmountError(Error, ValueError):
    """An amount is malformed or outside the site's limits (nothing was sent)."""

    code = "INVALID_AMOUNT"


class ConfigError(Error, ValueError):
    """The client configuration is unusable (bad base URL, proxy, certificate, token)."""

    code = "CONFIG"


class UnauthorizedError(Error):
    """401: the access token was rejected."""

    code = "UNAUTHORIZED"


class ForbiddenError(Error):
    """403: the token may not do this (for example the device is not logged in)."""

    code = "FORBIDDEN"


class NotFoundError(Error):
    """404: the intent, POS, device or payment does not exist."""

    code = "NOT_FOUND"


class BadRequestError(Error):
    """400: the server rejected the request's content."""

    code = "BAD_REQUEST"


class AlreadyQueuedError(Error):
    """409 on create: the device already has a queued intent. ``holding_sale`` is the sale (intent
    or order id) holding the terminal when this client created it: it is another sale, never book
    or cancel it as this one. ``charge(..., when_busy=seconds)`` waits for the terminal instead."""

    code = "ALREADY_QUEUED"


class CannotCancelError(Error):
    """409 on cancel: the intent left OPENED; cancel it on the terminal (``last_status`` says where it is)."""

    code = "CANNOT_CANCEL"


class ConflictError(Error):
    """409 in any other situation."""

    code = "CONFLICT"


class RateLimitedError(Error):
    """429 after every retry (``retry_after`` says how long to wait, when the server said)."""

    code = "RATE_LIMITED"
    transient = True


class ServerError(Error):
    """5xx after every retry."""

    code = "SERVER"
    transient = True


class ApiError(Error):
    """Any other unexpected HTTP status."""

    code = "API"


class OutcomeUnknownError(Error):
    """A create or refund was sent but no usable answer came back: it may or may not have happened.

    Never charge again with a new key. For a create: check the terminal, then look the sale up
    with ``client.find_payments(e.external_reference)``; re-sending with
    ``idempotency_key=e.idempotency_key`` is your decision, safe only if your account's keys are
    honoured. For a refund: retry with ``idempotency_key=e.idempotency_key``.
    """

    code = "OUTCOME_UNKNOWN"


class NetworkError(Error):
    """The connection failed (refused, reset, DNS, TLS) and retries did not help."""

    code = "NETWORK"
    transient = True


class RequestTimeoutError(Error):
    """A request took longer than the configured timeout (the core's ``Timeout`` kind)."""

    code = "TIMEOUT"
    transient = True


class DecodeError(Error):
    """The server's answer was not the JSON expected (malformed, truncated, wrong shape)."""

    code = "DECODE"


class WaitTimeoutError(Error):
    """``wait_for_final`` reached its deadline first (``intent_id`` and ``last_status`` say where it stands)."""

    code = "WAIT_TIMEOUT"


class CanceledError(Error):
    """The wait was canceled by its :class:`mppoint.CancelToken`; the intent itself is untouched."""

    code = "CANCELED"


class InvalidSignatureError(Error):
    """A webhook's ``x-signature`` did not verify; ``signature_failure`` is one of
    ``MISSING_HEADER``, ``MALFORMED_HEADER``, ``MISSING_TIMESTAMP``, ``MISSING_HASH``,
    ``SIGNATURE_MISMATCH``, ``TIMESTAMP_OUT_OF_TOLERANCE``."""

    code = "INVALID_SIGNATURE"


class IdempotencyKeyMismatchError(Error, ValueError):
    """An idempotency key was reused with a different request (amount, external reference or
    target): the intent it names (``intent_id``, when known) is another sale's. Use a new key."""

    code = "IDEMPOTENCY_KEY_MISMATCH"


class AbortedError(Error):
    """Your own code stopped a sale after its intent was created: an ``on_status`` callback
    raised (its exception is this error's ``__cause__``). ``intent_id`` and ``idempotency_key``
    say which sale: cancel the intent or wait for it again."""

    code = "ABORTED"


class PanicError(Error):
    """A bug inside mppoint was caught before it reached Python (a Rust panic). Please report it
    with the message."""

    code = "PANIC"


class SaleInProgressError(Error):
    """With a sale journal: the sale's reference is being charged right now by another process
    (or thread), or it has no verdict yet to settle. Nothing was sent: wait for that charge to
    end, then ask again (``external_reference`` names the sale)."""

    code = "SALE_IN_PROGRESS"


class JournalError(Error):
    """The sale journal cannot be used: its path is a folder or in a folder that does not exist,
    the file is not a journal, was written by a newer version, or is damaged. The message names
    the path and what to do. Nothing was charged."""

    code = "JOURNAL"


class RefundNotAllowedError(Error):
    """Mercado Pago will not make this refund as asked (Orders API): the order takes no partial
    refunds, it has a tip (only a full refund), it is already refunded or past the refund period,
    or the amount is more than is left. The message says which refund is possible."""

    code = "REFUND_NOT_ALLOWED"


class SandboxOnlyError(Error):
    """A call that only works with test credentials (the sandbox's simulated order status) was
    made with a production access token: nothing was sent."""

    code = "SANDBOX_ONLY"


#: The class of each core error code.
BY_CODE: dict[str, type[Error]] = {
    cls.code: cls
    for cls in (
        InvalidArgumentError,
        InvalidAmountError,
        ConfigError,
        UnauthorizedError,
        ForbiddenError,
        NotFoundError,
        BadRequestError,
        AlreadyQueuedError,
        CannotCancelError,
        ConflictError,
        RateLimitedError,
        ServerError,
        ApiError,
        OutcomeUnknownError,
        NetworkError,
        RequestTimeoutError,
        DecodeError,
        WaitTimeoutError,
        CanceledError,
        InvalidSignatureError,
        IdempotencyKeyMismatchError,
        AbortedError,
        PanicError,
        SaleInProgressError,
        JournalError,
        RefundNotAllowedError,
        SandboxOnlyError,
    )
}


def _from_native(code: str, text: str, message: str, fields: dict[str, Any]) -> Error:
    """Called by the native module to build the exception of a core error."""
    cls = BY_CODE.get(code, Error)
    return cls(text, message=message, **fields)
