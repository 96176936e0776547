"""The results mppoint returns: frozen dataclasses with a readable ``repr`` and ``to_dict()``.

They are built by the native module from the core's models. Fields marked *derived* are
computed by the core (``Intent.is_final``, ``Payment.is_approved``, ``Sale.is_paid``…): they are
attributes like the others but stay out of ``repr``, comparisons and ``to_dict()``, which holds the
API's own fields. Amounts are :class:`decimal.Decimal`.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Optional, Tuple, Union

__all__ = [
    "Verdict",
    "IntentStatus",
    "Site",
    "SettableMode",
    "CardOutcome",
    "OperationResult",
    "Operation",
    "EnablerConfiguration",
    "Intent",
    "Payment",
    "Refund",
    "Device",
    "DevicePage",
    "Sale",
    "PaidSale",
    "UnpaidSale",
    "Notification",
    "PendingSale",
    "ApprovedPolicy",
    "PrintStatus",
    "PrintAction",
    "SandboxStatus",
]


#: A sale's verdict. Only ``"APPROVED"`` is a paid sale.
Verdict = Literal["APPROVED", "REJECTED", "CANCELED", "EXPIRED", "ERROR", "CONFIRMATION_REQUIRED"]

#: An intent's status, as the API spells it. A status this version does not know is kept as sent
#: at run time; the type lists the documented ones so that a checker catches a typo such as
#: ``intent.status == "OPEN"``.
IntentStatus = Literal[
    "OPENED",
    "ON_TERMINAL",
    "PROCESSING",
    "PROCESSED",
    "CLOSED",
    "CONFIRMATION_REQUIRED",
    "CANCELED",
    "ERROR",
    "EXPIRED",
    "CANCEL_REQUESTED",
]

#: A Mercado Pago site, for the amount limits.
Site = Literal["MLA", "MLB"]

#: The operating modes a device can be switched to.
SettableMode = Literal["PDV", "STANDALONE"]

#: What the simulated terminal does with a presented card.
CardOutcome = Literal["approved", "rejected", "error", "confirmation_required"]


def _derived() -> Any:
    return field(repr=False, compare=False, metadata={"derived": True})


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _Model.to_dict(value)  # type: ignore[arg-type]
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


class _Model:
    """What every result has: ``to_dict()``."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The API's fields as a plain dict (nested results as dicts, tuples as lists, amounts as
        ``Decimal``); derived fields are left out."""
        return {
            f.name: _plain(getattr(self, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if not f.metadata.get("derived")
        }


@dataclass(frozen=True, slots=True)
class OperationResult(_Model):
    """A transaction an operation produced: ``id`` is a payment id when ``source`` is ``PAYMENT``.

    ``id`` is documented as a number; any other value is kept as text (a ``str``) and cannot be
    looked up as a payment (it is not in ``Intent.payment_ids``)."""

    id: Union[int, str]
    source: Optional[str]


@dataclass(frozen=True, slots=True)
class Operation(_Model):
    """One operation of an intent (one ``PURCHASE`` for Point)."""

    type: str
    amount: Optional[Decimal]
    results: Tuple[OperationResult, ...]


@dataclass(frozen=True, slots=True)
class EnablerConfiguration(_Model):
    """Terminal options of an intent."""

    device_payment_mode: Optional[str]
    ticket_number: Optional[str]
    print_on_terminal: Tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Intent(_Model):
    """An intent as the API returns it. ``status`` is the API's spelling (``OPENED``,
    ``ON_TERMINAL``, ``PROCESSING``, ``PROCESSED``, ``CLOSED``, ``CONFIRMATION_REQUIRED``,
    ``CANCELED``, ``ERROR``, ``EXPIRED``, or an unknown value kept as sent)."""

    id: str
    status: IntentStatus
    description: Optional[str]
    external_reference: Optional[str]
    operations: Tuple[Operation, ...]
    enabler_configuration: Optional[EnablerConfiguration]
    #: The ``X-Idempotency-Key`` the create was sent with (on intents returned by a create).
    idempotency_key: Optional[str]
    #: Derived: the amount of the first operation.
    amount: Optional[Decimal] = _derived()
    #: Derived: the payment ids of the operations' results (once ``CLOSED``).
    payment_ids: Tuple[int, ...] = _derived()
    #: Derived: whether the intent will not change any more.
    is_final: bool = _derived()
    #: Derived: whether ``cancel_intent`` can still cancel it, by the rule of the API it is on: an
    #: intent only while ``OPENED``; an order also while ``ON_TERMINAL`` (the terminal is asked).
    can_cancel_via_api: bool = _derived()


@dataclass(frozen=True, slots=True)
class Payment(_Model):
    """A payment (``GET /v1/payments/{id}``). Only ``status == "approved"`` is money received."""

    id: int
    status: str
    status_detail: Optional[str]
    transaction_amount: Optional[Decimal]
    transaction_amount_refunded: Optional[Decimal]
    currency_id: Optional[str]
    payment_method_id: Optional[str]
    payment_type_id: Optional[str]
    external_reference: Optional[str]
    description: Optional[str]
    date_created: Optional[str]
    date_approved: Optional[str]
    #: Orders API: the tip the customer added on the terminal, paid on top of
    #: ``transaction_amount`` (``None`` without one). A payment with a tip is refunded only in full.
    tip_amount: Optional[Decimal]
    #: Derived: whether the money was received.
    is_approved: bool = _derived()


@dataclass(frozen=True, slots=True)
class Refund(_Model):
    """A refund (``POST /v1/payments/{id}/refunds``)."""

    id: int
    payment_id: Optional[int]
    amount: Optional[Decimal]
    status: Optional[str]
    date_created: Optional[str]


@dataclass(frozen=True, slots=True)
class Device(_Model):
    """A Point device. ``operating_mode`` is ``PDV`` (receives intents) or ``STANDALONE``."""

    id: str
    operating_mode: str
    pos_id: Optional[int]
    store_id: Optional[str]
    external_pos_id: Optional[str]


@dataclass(frozen=True, slots=True)
class DevicePage(_Model):
    """One page of devices, with the paging the API reported."""

    devices: Tuple[Device, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True, slots=True)
class Sale(_Model):
    """A finished sale: the verdict, why, the intent as it ended and its payments. Every sale is
    a :class:`PaidSale` or an :class:`UnpaidSale` (both subclasses of this one).

    ``verdict`` is one of ``APPROVED``, ``REJECTED``, ``CANCELED``, ``EXPIRED``, ``ERROR``,
    ``CONFIRMATION_REQUIRED``. Only ``APPROVED`` (``is_paid``) is a paid sale; on
    ``CONFIRMATION_REQUIRED`` the operator must check the payment on the terminal.
    """

    verdict: Verdict
    reason: str
    intent: Intent
    payments: Tuple[Payment, ...]
    #: Derived: whether the money was received.
    is_paid: bool = _derived()
    #: Derived: what to tell the cashier.
    advice: str = _derived()
    #: Derived: the approved payment, if any.
    approved_payment: Optional[Payment] = _derived()
    #: Derived: the amount the intent asked for.
    amount: Optional[Decimal] = _derived()
    #: Derived: the tip the customer added to the approved payment (Orders API), paid on top of
    #: ``amount``: extra money to book (the verdict is about the amount asked). ``None`` without.
    tip: Optional[Decimal] = _derived()


#: The verdicts of a sale that is not paid.
UnpaidVerdict = Literal["REJECTED", "CANCELED", "EXPIRED", "ERROR", "CONFIRMATION_REQUIRED"]


@dataclass(frozen=True, slots=True)
class PaidSale(Sale):
    """A paid sale (``is_paid`` is ``True``): ``approved_payment`` is the :class:`Payment`.

    The methods that end a sale return ``PaidSale | UnpaidSale``, so once ``sale.is_paid`` is
    checked a type checker knows ``sale.approved_payment`` is a ``Payment`` (no ``None`` check).
    """

    verdict: Literal["APPROVED"]
    #: Derived: always ``True``.
    is_paid: Literal[True] = _derived()
    #: Derived: the approved payment.
    approved_payment: Payment = _derived()


@dataclass(frozen=True, slots=True)
class UnpaidSale(Sale):
    """A sale that is not paid (``is_paid`` is ``False``, no ``approved_payment``): the verdict
    and ``advice`` say why and what to tell the cashier."""

    verdict: UnpaidVerdict
    #: Derived: always ``False``.
    is_paid: Literal[False] = _derived()
    #: Derived: always ``None``.
    approved_payment: None = _derived()


@dataclass(frozen=True, slots=True)
class Notification(_Model):
    """A webhook notification (``mppoint.webhook.parse``): ``intent`` is its ``data``, the intent
    as it ended. The body is not signed: treat it as a prompt to look the intent up
    (``client.sale_for(note.intent.id)``) before handing over goods."""

    id: str
    type: str
    action: Optional[str]
    api_version: Optional[str]
    #: As sent (Mercado Pago's ``2023-07-27 20:24:21.776642198-0400``).
    date_created: Optional[str]
    live_mode: Optional[bool]
    user_id: Optional[int]
    intent: Intent
    url: Optional[str]
    #: Derived: ``date_created`` as an aware datetime (to the microsecond), when it could be read.
    created_at: Optional[datetime.datetime] = _derived()
    #: Derived: whether the intent's status is final.
    is_final: bool = _derived()
    #: Derived: the same for every delivery of the same event (``{intent id}:{STATUS}``): drop
    #: notifications whose key was already handled.
    dedup_key: str = _derived()


#: What ``resolve_pending`` does with an approved sale the POS never booked: leave it pending
#: (``"report"``, the default), settle it (``"settle"``), or refund it in full, then settle it
#: (``"refund"``).
ApprovedPolicy = Literal["report", "settle", "refund"]


@dataclass(frozen=True, slots=True)
class PendingSale(_Model):
    """A sale of the journal not yet settled (``client.pending()``): in flight, of unknown
    outcome, or ended but not booked. Book each ``paid`` one, then ``client.settle(reference)``.

    ``state`` is ``PLANNED``, ``SENT``, ``ON_API`` or ``FINAL``; ``verdict`` is set once final;
    ``note`` says what the POS must know (an unknown outcome and what to do, a refund).
    ``created_at`` and ``updated_at`` are Unix milliseconds."""

    reference: str
    api: Literal["intents", "orders"]
    target: str
    amount: Decimal
    description: str
    state: str
    attempt: int
    idempotency_key: str
    intent_id: Optional[str]
    verdict: Optional[Verdict]
    payment_id: Optional[int]
    paid: bool
    note: Optional[str]
    created_at: int
    updated_at: int


#: Where a print action stands. A status this version does not know is kept as sent at run time.
PrintStatus = Literal["created", "on_terminal", "processed", "canceled", "failed"]

#: The final status a sandbox event gives a test order (``simulate_order_event``).
SandboxStatus = Literal["processed", "failed", "canceled", "expired", "refunded", "action_required"]


@dataclass(frozen=True, slots=True)
class PrintAction(_Model):
    """A print action on a Point terminal's own printer (``client.print_text``,
    ``client.print_image``, ``client.print_action``). ``created`` until the terminal fetches it
    (``on_terminal``), then ``processed`` (printed) or ``failed``; ``canceled`` through
    ``cancel_print_action`` (only while ``created``) or on the terminal."""

    id: str
    status: PrintStatus
    terminal_id: Optional[str]
    external_reference: Optional[str]
    #: ``custom`` (tagged text) or ``image``.
    subtype: Optional[str]
    #: As sent.
    created_date: Optional[str]
    #: The ``X-Idempotency-Key`` the create was sent with (on actions returned by a create).
    idempotency_key: Optional[str]
    #: Derived: whether it will not change any more (``processed``, ``canceled``, ``failed``).
    is_final: bool = _derived()


def _instant(unix_seconds: int, microseconds: int, offset_seconds: int) -> datetime.datetime:
    """Builds ``Notification.created_at`` from the instant the core read."""
    tz = datetime.timezone(datetime.timedelta(seconds=offset_seconds))
    at = _EPOCH + datetime.timedelta(seconds=unix_seconds, microseconds=microseconds)
    return at.astimezone(tz)


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
