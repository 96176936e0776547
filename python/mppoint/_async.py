"""``mppoint.AsyncClient``: the :class:`mppoint.Client` for ``asyncio`` code.

Every method is a coroutine that runs the client's call on a worker thread (the native calls
release the GIL), so the event loop keeps serving other requests while a sale waits for the
customer. Nothing is decided here: the calls, the waits and their errors are the core's.

Cancelling the task that awaits a call:

- a call not yet started is dropped (nothing was sent);
- a wait (``wait_for_final``, ``charge``) is stopped through the core's cancel token, within
  about 100 ms, and the task's ``CancelledError`` says what is left on the terminal, as Ctrl-C
  does for the blocking client: ``intent_id``, ``idempotency_key`` and ``last_status``
  attributes, a note with the core's message, and the core's :class:`CanceledError` as its
  ``__cause__``;
- a call that changes something (``create_intent``, ``cancel_intent``, ``set_operating_mode``,
  ``refund_payment``, ``refund_order``, ``print_text``, ``print_image``, ``cancel_print_action``,
  ``simulate_order_event``) is let finish, so its outcome is known, and the
  ``CancelledError`` carries it the same way (``intent_id`` of a created intent);
- a read is abandoned at once (its thread finishes the request and drops the answer).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import os
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, TypeVar, Union

from ._models import (
    ApprovedPolicy,
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
    SettableMode,
    Site,
    UnpaidSale,
)
from ._native import Amount, CancelToken, Client, PrintText
from .exceptions import AlreadyQueuedError, Error

__all__ = ["AsyncClient"]

_T = TypeVar("_T")
_A = TypeVar("_A")
_AmountLike = Union[Amount, Decimal, str]

#: What ``on_status`` may be for an async call: a function, or a coroutine function, of the
#: new :class:`Intent`. It runs on the event loop; if it raises, the wait stops and the exception
#: propagates (the intent is untouched), as with the blocking client.
StatusCallback = Callable[[Intent], Union[object, Awaitable[object]]]

#: What ``on_busy`` may be for an async charge: a function, or a coroutine function, of the
#: :class:`AlreadyQueuedError` met while ``when_busy`` waits for the terminal. It runs on the event
#: loop; if it raises, the wait stops (nothing was created) and the exception propagates.
BusyCallback = Callable[[AlreadyQueuedError], Union[object, Awaitable[object]]]

# The worker threads of every AsyncClient: a wait holds one for its whole length, so the pool is
# larger than asyncio's default one (min(32, CPUs + 4)), which would queue concurrent sales and
# starve `asyncio.to_thread` users. Threads start only when needed and are reused.
_MAX_WORKERS = 256
_executor: concurrent.futures.ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    global _executor, _dispatcher
    with _executor_lock:
        if _executor is None:
            _executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=_MAX_WORKERS, thread_name_prefix="mppoint-async"
            )
        if _dispatcher is None:
            _dispatcher = threading.Thread(target=_dispatch, name="mppoint-async-dispatch", daemon=True)
            _dispatcher.start()
        return _executor


# Jobs reach the pool through one dispatcher thread: a submit that starts a new worker thread
# waits until that thread runs (about half a millisecond), and 50 sales started at once would
# stall the event loop for that long each. The loop only puts a job on this queue.
_jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
_dispatcher: threading.Thread | None = None


def _dispatch() -> None:
    while True:
        job = _jobs.get()
        pool = _executor
        assert pool is not None
        pool.submit(job)


def _submit(fn: Callable[..., _T], *args: Any) -> concurrent.futures.Future[_T]:
    """Runs ``fn(*args)`` on a worker thread; the future can be cancelled until it starts."""
    fut: concurrent.futures.Future[_T] = concurrent.futures.Future()

    def job() -> None:
        if not fut.set_running_or_notify_cancel():
            return  # cancelled before it started: nothing was sent
        try:
            result = fn(*args)
        except BaseException as e:  # handed to the awaiting task, as run_in_executor does
            fut.set_exception(e)
        else:
            fut.set_result(result)

    _pool()
    _jobs.put(job)
    return fut


def _report(cancelled: asyncio.CancelledError, what: str, error: BaseException | None,
            intent_id: str | None, idempotency_key: str | None, last_status: str | None) -> None:
    """Puts on the task's CancelledError what the stopped call left behind."""
    setattr(cancelled, "intent_id", intent_id)
    setattr(cancelled, "idempotency_key", idempotency_key)
    setattr(cancelled, "last_status", last_status)
    if error is not None:
        cancelled.__cause__ = error
    note = f"mppoint: {what}"
    if hasattr(cancelled, "add_note"):  # PEP 678, Python 3.11+; on 3.10 the attributes carry it
        cancelled.add_note(note)


def _on_loop(cb: Callable[[_A], Union[object, Awaitable[object]]],
             loop: asyncio.AbstractEventLoop) -> Callable[[_A], None]:
    """``on_status`` (or ``on_busy``) as the native wait calls it (on its worker thread): runs
    ``cb`` on the event loop, awaits it if it is a coroutine, and raises what it raised (which
    stops the wait)."""

    async def call(intent: _A) -> None:
        r = cb(intent)
        if inspect.isawaitable(r):
            await r

    def on_status(intent: _A) -> None:
        if loop.is_closed():
            raise RuntimeError("mppoint: the event loop of this wait is closed")
        fut = asyncio.run_coroutine_threadsafe(call(intent), loop)
        while True:
            try:
                fut.result(timeout=0.5)
                return
            except concurrent.futures.TimeoutError:
                if loop.is_closed():
                    fut.cancel()
                    raise RuntimeError("mppoint: the event loop of this wait is closed") from None

    return on_status


class AsyncClient:
    """A Mercado Pago Point client for ``asyncio``: the same constructor and methods as
    :class:`mppoint.Client`, each a coroutine. ``AsyncClient.from_client(sim.client())`` wraps an
    existing client (one of a simulator, in tests). Share one per access token."""

    __slots__ = ("_client",)

    def __init__(
        self,
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
    ) -> None:
        # Building reads no network: done here, so a bad option raises at once, as with Client.
        self._client = Client(
            access_token,
            base_url=base_url,
            site=site,
            timeout=timeout,
            connect_timeout=connect_timeout,
            retries=retries,
            integrator_id=integrator_id,
            platform_id=platform_id,
            corporation_id=corporation_id,
            user_agent=user_agent,
            proxy=proxy,
            no_proxy=no_proxy,
            extra_root_certs=extra_root_certs,
            amount_limits=amount_limits,
            resend_ambiguous_creates=resend_ambiguous_creates,
            allow_insecure_http=allow_insecure_http,
            api=api,
            webhook_secret=webhook_secret,
            journal=journal,
            journal_retention=journal_retention,
            test_account=test_account,
        )

    @classmethod
    def from_client(cls, client: Client) -> AsyncClient:
        """An async client over an existing :class:`Client` (they share its connections)."""
        if not isinstance(client, Client):
            raise TypeError(f"from_client takes an mppoint.Client, not {type(client).__name__}")
        self = cls.__new__(cls)
        self._client = client
        return self

    @property
    def sync(self) -> Client:
        """The blocking :class:`Client` underneath (for code that runs on its own thread)."""
        return self._client

    @property
    def api(self) -> Literal["intents", "orders"]:
        return self._client.api

    @property
    def has_test_credentials(self) -> bool:
        return self._client.has_test_credentials

    @property
    def base_url(self) -> str:
        return self._client.base_url

    @property
    def site(self) -> Site | None:
        return self._client.site

    @property
    def amount_limits(self) -> tuple[Decimal, Decimal] | None:
        return self._client.amount_limits

    def __repr__(self) -> str:
        return f"Async{self._client!r}"

    # -- the three ways a call is run ------------------------------------------------------

    async def _read(self, fn: Callable[[], _T]) -> _T:
        """A read: abandoned at once when the task is cancelled."""
        return await asyncio.wrap_future(_submit(fn))

    async def _change(self, fn: Callable[[], _T], what: str) -> _T:
        """A call that changes something: once started it is let finish, so that its outcome is
        known, and a cancelled task's CancelledError carries it."""
        cfut = _submit(fn)
        fut = asyncio.wrap_future(cfut)
        try:
            return await asyncio.shield(fut)
        except asyncio.CancelledError as cancelled:
            if cfut.cancel():
                raise  # not started: nothing was sent
            result, error = await _settle(fut)
            intent_id = getattr(result, "id", None) if isinstance(result, Intent) else None
            if isinstance(error, Error):
                intent_id = error.intent_id
            key = getattr(result, "idempotency_key", None) or getattr(error, "idempotency_key", None)
            if error is None:
                done = f"the task was cancelled, but {what} had been sent and was done ({result!r})"
            else:
                done = f"the task was cancelled while {what} was under way; it failed: {error}"
            _report(cancelled, done, error, intent_id, key, None)
            raise

    async def _wait(self, fn: Callable[[CancelToken, Callable[[Intent], None] | None], _T],
                    cancel: CancelToken | None, on_status: StatusCallback | None) -> _T:
        """A wait: the core's cancel token stops it when the task is cancelled."""
        loop = asyncio.get_running_loop()
        token = cancel if cancel is not None else CancelToken()
        cb = _on_loop(on_status, loop) if on_status is not None else None
        cfut = _submit(fn, token, cb)
        fut = asyncio.wrap_future(cfut)
        try:
            return await asyncio.shield(fut)
        except asyncio.CancelledError as cancelled:
            if cfut.cancel():
                raise  # not started: nothing was sent
            token.cancel()
            result, error = await _settle(fut)
            if error is None:
                # It ended before the token was seen: the sale is done, and reported.
                intent = getattr(result, "intent", result)
                _report(cancelled, f"the task was cancelled, but the wait had already ended: {result!r}",
                        None, getattr(intent, "id", None), getattr(intent, "idempotency_key", None),
                        getattr(intent, "status", None))
            else:
                e = error if isinstance(error, Error) else None
                _report(
                    cancelled,
                    str(error) if e is not None else f"the wait ended with {error!r}",
                    error,
                    e.intent_id if e is not None else getattr(error, "intent_id", None),
                    e.idempotency_key if e is not None else getattr(error, "idempotency_key", None),
                    e.last_status if e is not None else None,
                )
            raise

    # -- the methods of Client ---------------------------------------------------------------

    async def create_intent(
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
    ) -> Intent:
        return await self._change(
            functools.partial(
                self._client.create_intent, amount, description, external_reference, pos=pos,
                device=device, ticket_number=ticket_number,
                print_seller_ticket=print_seller_ticket, idempotency_key=idempotency_key,
            ),
            "the create of the intent",
        )

    async def get_intent(self, intent_id: str) -> Intent:
        return await self._read(functools.partial(self._client.get_intent, intent_id))

    async def cancel_intent(self, intent_id: str, *, pos: str | None = None) -> None:
        return await self._change(
            functools.partial(self._client.cancel_intent, intent_id, pos=pos),
            f"the cancel of intent {intent_id}",
        )

    async def wait_for_final(
        self,
        intent_id: str,
        *,
        timeout: float | None = None,
        poll_interval: float | None = None,
        on_status: StatusCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> Intent:
        """Polls the intent until it reaches a final status (see :meth:`Client.wait_for_final`);
        ``on_status`` runs on the event loop and may be a coroutine function. Cancelling the
        task stops the wait through ``cancel`` (or a token of its own)."""

        def run(token: CancelToken, cb: Callable[[Intent], None] | None) -> Intent:
            return self._client.wait_for_final(
                intent_id, timeout=timeout, poll_interval=poll_interval, on_status=cb, cancel=token
            )

        return await self._wait(run, cancel, on_status)

    async def charge(
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
        on_status: StatusCallback | None = None,
        cancel: CancelToken | None = None,
        when_busy: float | None = None,
        on_busy: BusyCallback | None = None,
    ) -> PaidSale | UnpaidSale:
        """The whole sale (see :meth:`Client.charge`), off the event loop. ``on_status`` and
        ``on_busy`` run on the event loop and may be coroutine functions. Cancelling the task
        stops the wait (for a busy terminal too) through ``cancel`` (or a token of its own); its
        ``CancelledError`` names the intent left on the terminal (``intent_id``,
        ``idempotency_key``, ``last_status``), none while the terminal was still busy."""
        busy = _on_loop(on_busy, asyncio.get_running_loop()) if on_busy is not None else None

        def run(token: CancelToken, cb: Callable[[Intent], None] | None) -> PaidSale | UnpaidSale:
            return self._client.charge(
                amount, description, external_reference, pos=pos, device=device,
                ticket_number=ticket_number, print_seller_ticket=print_seller_ticket,
                idempotency_key=idempotency_key, timeout=timeout, poll_interval=poll_interval,
                on_status=cb, cancel=token, when_busy=when_busy, on_busy=busy,
            )

        return await self._wait(run, cancel, on_status)

    async def handle_webhook(
        self,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        body: bytes | str,
        query: str | None = None,
    ) -> Notification:
        # Verifying and ringing the waiting sales reads no network: done on the loop.
        return self._client.handle_webhook(headers, body, query)

    async def pending(self) -> list[PendingSale]:
        """The sales of the journal not settled yet (see :meth:`Client.pending`)."""
        return await self._read(self._client.pending)

    async def settle(self, reference: str) -> bool:
        """Records that the POS has booked the sale (see :meth:`Client.settle`); once started it
        is let finish, so a cancelled task's ``CancelledError`` says whether it was settled."""
        return await self._change(
            functools.partial(self._client.settle, reference), f"the settle of sale {reference}"
        )

    async def resolve_pending(
        self,
        policy: ApprovedPolicy = "report",
        *,
        timeout: float | None = None,
        poll_interval: float | None = None,
        on_status: StatusCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> list[PendingSale]:
        """The start-up resolution (see :meth:`Client.resolve_pending`), off the event loop.
        Cancelling the task stops its waits through ``cancel`` (or a token of its own)."""

        def run(token: CancelToken, cb: Callable[[Intent], None] | None) -> list[PendingSale]:
            return self._client.resolve_pending(
                policy, timeout=timeout, poll_interval=poll_interval, on_status=cb, cancel=token
            )

        return await self._wait(run, cancel, on_status)

    async def sale_for(self, intent_id: str) -> PaidSale | UnpaidSale:
        return await self._read(functools.partial(self._client.sale_for, intent_id))

    async def find_payments(self, external_reference: str) -> list[Payment]:
        return await self._read(functools.partial(self._client.find_payments, external_reference))

    async def list_devices(
        self,
        *,
        store_id: str | None = None,
        pos_id: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> DevicePage:
        return await self._read(
            functools.partial(
                self._client.list_devices, store_id=store_id, pos_id=pos_id, limit=limit, offset=offset
            )
        )

    async def devices(
        self,
        *,
        store_id: str | None = None,
        pos_id: str | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[Device]:
        """Every device, page after page (``async for device in client.devices()``)."""
        it = await self._read(
            functools.partial(self._client.devices, store_id=store_id, pos_id=pos_id, limit=limit)
        )
        done = object()
        while True:
            d = await self._read(functools.partial(next, it, done))
            if d is done:
                return
            assert isinstance(d, Device)
            yield d

    async def set_operating_mode(self, device_id: str, mode: SettableMode) -> str:
        return await self._change(
            functools.partial(self._client.set_operating_mode, device_id, mode),
            f"the operating mode change of device {device_id}",
        )

    async def get_payment(self, payment_id: int) -> Payment:
        return await self._read(functools.partial(self._client.get_payment, payment_id))

    async def refund_payment(
        self,
        payment_id: int,
        amount: _AmountLike | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Refund:
        return await self._change(
            functools.partial(
                self._client.refund_payment, payment_id, amount, idempotency_key=idempotency_key
            ),
            f"the refund of payment {payment_id}",
        )

    async def refund_order(
        self,
        order_id: str,
        amount: _AmountLike | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Intent:
        return await self._change(
            functools.partial(
                self._client.refund_order, order_id, amount, idempotency_key=idempotency_key
            ),
            f"the refund of order {order_id}",
        )

    async def print_text(
        self,
        terminal_id: str,
        external_reference: str,
        text: PrintText | str | Sequence[str] | None = None,
        *,
        tagged: str | None = None,
        idempotency_key: str | None = None,
    ) -> PrintAction:
        """Prints a receipt on the terminal (see :meth:`Client.print_text`); once sent it is let
        finish, so a cancelled task's ``CancelledError`` carries the action's key."""
        return await self._change(
            functools.partial(
                self._client.print_text, terminal_id, external_reference, text, tagged=tagged,
                idempotency_key=idempotency_key,
            ),
            f"the print on terminal {terminal_id}",
        )

    async def print_image(
        self,
        terminal_id: str,
        external_reference: str,
        data: bytes | bytearray | memoryview,
        *,
        idempotency_key: str | None = None,
    ) -> PrintAction:
        """Prints a PNG or JPEG image on the terminal (see :meth:`Client.print_image`)."""
        return await self._change(
            functools.partial(
                self._client.print_image, terminal_id, external_reference, data,
                idempotency_key=idempotency_key,
            ),
            f"the print on terminal {terminal_id}",
        )

    async def print_action(self, action_id: str) -> PrintAction:
        return await self._read(functools.partial(self._client.print_action, action_id))

    async def cancel_print_action(self, action_id: str) -> None:
        return await self._change(
            functools.partial(self._client.cancel_print_action, action_id),
            f"the cancel of print action {action_id}",
        )

    async def simulate_order_event(
        self,
        order_id: str,
        status: SandboxStatus,
        *,
        status_detail: str | None = None,
        card: tuple[str, str] | None = None,
        installments: int | None = None,
    ) -> None:
        """The sandbox's simulated event (see :meth:`Client.simulate_order_event`)."""
        return await self._change(
            functools.partial(
                self._client.simulate_order_event, order_id, status,
                status_detail=status_detail, card=card, installments=installments,
            ),
            f"the sandbox event for order {order_id}",
        )


async def _settle(fut: asyncio.Future[Any]) -> tuple[Any, BaseException | None]:
    """Waits for a started call to end (even if the task is cancelled again meanwhile: the call
    ends within its own timeouts) and gives its result or its exception."""
    while not fut.done():
        try:
            await asyncio.shield(fut)
        except asyncio.CancelledError:
            if fut.done():
                break
            continue
        except BaseException:
            break
    if fut.cancelled():
        return None, None
    e = fut.exception()
    return (None, e) if e is not None else (fut.result(), None)
