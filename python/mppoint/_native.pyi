# Hand-written stubs of the native module (python/src/*.rs). Keep them in step with the Rust code:
# tests/test_typing.py runs mypy --strict on them and on a typed usage example.

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, final

from ._models import (
    ApprovedPolicy,
    CardOutcome,
    Device,
    DevicePage,
    Intent,
    Notification,
    PaidSale,
    Payment,
    PendingSale,
    PrintAction,
    Refund,
    SandboxStatus,
    UnpaidSale,
    SettableMode,
    Site,
)
from .exceptions import AlreadyQueuedError

# No `float` here, although a float with one or two decimals is accepted at run time: a type
# checker takes an `int` wherever a `float` is allowed, and a bare int is refused (units or
# cents?). Typed code passes a Decimal, a str, or mppoint.cents(n).
_AmountLike = Amount | Decimal | str

@final
class Amount:
    """An exact, positive amount of money (integer cents)."""

    def __new__(cls, value: _AmountLike) -> Amount: ...
    @staticmethod
    def from_cents(cents: int) -> Amount: ...
    @property
    def cents(self) -> int: ...
    def to_decimal(self) -> Decimal: ...
    def __eq__(self, other: object) -> bool: ...
    def __ne__(self, other: object) -> bool: ...
    def __lt__(self, other: Amount) -> bool: ...
    def __le__(self, other: Amount) -> bool: ...
    def __gt__(self, other: Amount) -> bool: ...
    def __ge__(self, other: Amount) -> bool: ...
    def __hash__(self) -> int: ...

@final
class CancelToken:
    """Stops a wait from another thread."""

    def __new__(cls) -> CancelToken: ...
    def cancel(self) -> None: ...
    @property
    def is_canceled(self) -> bool: ...

#: Mercado Pago's sandbox virtual terminal (``NEWLAND_N950__SBX0000001``).
SANDBOX_TERMINAL: str

@final
class PrintText:
    """A receipt in tagged text built from the POS's own strings, every one escaped (braces print
    as parentheses), so a customer's text cannot add a tag. Each method returns the builder."""

    def __new__(cls, *lines: str) -> PrintText: ...
    def line(self, text: str) -> PrintText: ...
    def text(self, text: str) -> PrintText: ...
    def bold(self, text: str) -> PrintText: ...
    def wide(self, text: str) -> PrintText: ...
    def small(self, text: str) -> PrintText: ...
    def center(self, text: str) -> PrintText: ...
    def center_wide(self, text: str) -> PrintText: ...
    def left(self, text: str) -> PrintText: ...
    def qr(self, text: str) -> PrintText: ...
    def pdf417(self, text: str) -> PrintText: ...
    def blank(self) -> PrintText: ...
    def to_tagged(self) -> str: ...
    def __eq__(self, other: object) -> bool: ...

@final
class DeviceIterator(Iterator[Device]):
    def __iter__(self) -> DeviceIterator: ...
    def __next__(self) -> Device: ...

@final
class Client:
    """A Mercado Pago Point client; every network call releases the GIL."""

    def __new__(
        cls,
        access_token: str,
        *,
        base_url: str | None = None,
        site: Site | None = None,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        retries: int | None = None,
        integrator_id: str | None = None,
        platform_id: str | None = None,
        corporation_id: str | None = None,
        user_agent: str | None = None,
        proxy: str | None = None,
        no_proxy: bool = False,
        extra_root_certs: str | bytes | Sequence[str | bytes] | None = None,
        amount_limits: tuple[_AmountLike, _AmountLike] | None = None,
        resend_ambiguous_creates: bool = False,
        allow_insecure_http: bool = False,
        api: Literal["intents", "orders"] | None = None,
        webhook_secret: str | None = None,
        journal: str | os.PathLike[str] | None = None,
        journal_retention: float | None = None,
        test_account: bool = False,
    ) -> Client: ...
    def handle_webhook(
        self,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: bytes | str,
        query: str | None = None,
    ) -> Notification: ...
    @property
    def api(self) -> Literal["intents", "orders"]: ...
    @property
    def has_test_credentials(self) -> bool: ...
    @property
    def base_url(self) -> str: ...
    @property
    def site(self) -> Site | None: ...
    @property
    def amount_limits(self) -> tuple[Decimal, Decimal] | None: ...
    def create_intent(
        self,
        amount: _AmountLike,
        description: str,
        external_reference: str,
        *,
        pos: str | None = None,
        device: str | None = None,
        ticket_number: str | None = None,
        print_seller_ticket: bool = False,
        idempotency_key: str | None = None,
    ) -> Intent: ...
    def get_intent(self, intent_id: str) -> Intent: ...
    def cancel_intent(self, intent_id: str, *, pos: str | None = None) -> None: ...
    def wait_for_final(
        self,
        intent_id: str,
        *,
        timeout: float | None = None,
        poll_interval: float | None = None,
        on_status: Callable[[Intent], object] | None = None,
        cancel: CancelToken | None = None,
    ) -> Intent: ...
    def charge(
        self,
        amount: _AmountLike,
        description: str,
        external_reference: str,
        *,
        pos: str | None = None,
        device: str | None = None,
        ticket_number: str | None = None,
        print_seller_ticket: bool = False,
        idempotency_key: str | None = None,
        timeout: float | None = None,
        poll_interval: float | None = None,
        on_status: Callable[[Intent], object] | None = None,
        cancel: CancelToken | None = None,
        when_busy: float | None = None,
        on_busy: Callable[[AlreadyQueuedError], object] | None = None,
    ) -> PaidSale | UnpaidSale: ...
    def sale_for(self, intent_id: str) -> PaidSale | UnpaidSale: ...
    def pending(self) -> list[PendingSale]: ...
    def settle(self, reference: str) -> bool: ...
    def resolve_pending(
        self,
        policy: ApprovedPolicy = "report",
        *,
        timeout: float | None = None,
        poll_interval: float | None = None,
        on_status: Callable[[Intent], object] | None = None,
        cancel: CancelToken | None = None,
    ) -> list[PendingSale]: ...
    def find_payments(self, external_reference: str) -> list[Payment]: ...
    def list_devices(
        self,
        *,
        store_id: str | None = None,
        pos_id: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> DevicePage: ...
    def devices(
        self,
        *,
        store_id: str | None = None,
        pos_id: str | None = None,
        limit: int | None = None,
    ) -> DeviceIterator: ...
    def set_operating_mode(self, device_id: str, mode: SettableMode) -> str: ...
    def get_payment(self, payment_id: int) -> Payment: ...
    def refund_payment(
        self,
        payment_id: int,
        amount: _AmountLike | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Refund: ...
    def refund_order(
        self,
        order_id: str,
        amount: _AmountLike | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Intent: ...
    def print_text(
        self,
        terminal_id: str,
        external_reference: str,
        text: PrintText | str | Sequence[str] | None = None,
        *,
        tagged: str | None = None,
        idempotency_key: str | None = None,
    ) -> PrintAction: ...
    def print_image(
        self,
        terminal_id: str,
        external_reference: str,
        data: bytes | bytearray | memoryview,
        *,
        idempotency_key: str | None = None,
    ) -> PrintAction: ...
    def print_action(self, action_id: str) -> PrintAction: ...
    def cancel_print_action(self, action_id: str) -> None: ...
    def simulate_order_event(
        self,
        order_id: str,
        status: SandboxStatus,
        *,
        status_detail: str | None = None,
        card: tuple[str, str] | None = None,
        installments: int | None = None,
    ) -> None: ...

@final
class Simulator:
    """A local Mercado Pago Point API with simulated terminals, for tests."""

    def __new__(
        cls,
        *,
        access_token: str | None = None,
        site: Site | None = None,
        bind: str | None = None,
        amount_limits: tuple[_AmountLike, _AmountLike] | None = None,
        pickup_delay: float | None = None,
        step_delay: float | None = None,
        time_factor: int | None = None,
        webhook_urls: Sequence[str] | None = None,
        webhook_secret: str | None = None,
        max_webhook_attempts: int | None = None,
        honor_idempotency_keys: bool | None = None,
        tls: bool = False,
        faults: Sequence[Mapping[str, Any]] | None = None,
        expire_on_terminal: bool | None = None,
        mode_change_restart: float | None = None,
        webhook_retry_schedule: Sequence[float] | None = None,
        webhook_ts_unit: Literal["seconds", "milliseconds"] | None = None,
        stores: Sequence[Mapping[str, Any]] | None = None,
        pos: Sequence[Mapping[str, Any]] | None = None,
        devices: Sequence[Mapping[str, Any]] | None = None,
        sandbox_terminal: bool = False,
        test_account: bool | None = None,
        partial_refunds: bool | None = None,
    ) -> Simulator: ...
    @property
    def base_url(self) -> str: ...
    @property
    def access_token(self) -> str: ...
    @property
    def webhook_secret(self) -> str: ...
    @property
    def ca_cert_pem(self) -> str | None: ...
    @property
    def running(self) -> bool: ...
    def client(
        self,
        *,
        site: Site | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        api: Literal["intents", "orders"] | None = None,
    ) -> Client: ...
    def present_card(self, intent_id: str, outcome: CardOutcome = "approved") -> None: ...
    def cancel_on_terminal(self, intent_id: str) -> None: ...
    def hold_on_terminal(self, intent_id: str) -> None: ...
    def restart_device(self, device_id: str) -> None: ...
    def set_forbidden(
        self, *, integrator_not_registered: bool = False, user_not_logged_in: Sequence[str] = ()
    ) -> None: ...
    def set_faults(self, faults: Sequence[Mapping[str, Any]]) -> None: ...
    def add_fault(self, fault: Mapping[str, Any]) -> None: ...
    def clear_faults(self) -> None: ...
    def counters(self) -> dict[str, Any]: ...
    def intent(self, intent_id: str) -> Intent | None: ...
    def payment(self, payment_id: int) -> Payment | None: ...
    def add_tip(self, order_id: str, tip: _AmountLike) -> None: ...
    def finish_print(
        self, action_id: str, outcome: Literal["processed", "failed", "canceled"] = "processed"
    ) -> None: ...
    def hold_print(self, action_id: str) -> None: ...
    def print_actions(self) -> list[dict[str, Any]]: ...
    def set_webhook_urls(self, urls: Sequence[str]) -> None: ...
    def stop(self) -> None: ...
    def __enter__(self) -> Simulator: ...
    def __exit__(self, *exc: object) -> None: ...

def error_codes() -> list[str]: ...
def transient_error_codes() -> list[str]: ...
def signature_failure_reasons() -> list[str]: ...
def _test_panic() -> None: ...
def reset_logging_cache() -> None: ...
def core_version() -> str: ...
def webhook_verify(
    secret: str,
    x_signature: str | None,
    x_request_id: str | None,
    data_id: str | None,
    *,
    tolerance: float | None = None,
    now_us: int | None = None,
) -> None: ...
def webhook_sign(
    secret: str, data_id: str | None, x_request_id: str | None, ts: int | None = None
) -> str: ...
def webhook_parse(body: bytes | str) -> Notification: ...
def webhook_verify_request(
    secret: str,
    headers: Sequence[tuple[str, str]],
    query: str,
    body: bytes | str,
    *,
    tolerance: float | None = None,
    now_us: int | None = None,
) -> Notification: ...
