"""Who is told what: the subscriber registry that turns a domain event into planned messages, and the shapes channels speak.

A subscriber is `async def fn(event: DomainEventView, *, now: datetime) -> list[Plan]`, registered with
`@subscriber("registration.promoted", ...)` ("*" hears every kind). The delivery worker runs the
subscribers of each recorded event inside its own transaction and inserts their plans as messages,
skipping any whose idempotency key is already there: fanning one event out twice tells nobody twice.
Channels (`events.mail.send_email`, `events.sms.send_sms`, `events.webhooks.deliver`) get an
`Outgoing` and answer an `Outcome`.
"""

from __future__ import annotations

import importlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from events.tables import Account

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEventView:
    """A recorded domain event, as subscribers see it."""

    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    occurred_at: datetime


@dataclass(frozen=True)
class Plan:
    """One message to create."""

    kind: str
    channel: str
    idempotency_key: str
    account_id: uuid.UUID | None = None
    webhook_id: uuid.UUID | None = None
    params: dict = field(default_factory=dict)
    #: Not before: when a scheduled message (a reminder) is due; None: now.
    not_before: datetime | None = None
    address_masked: str = ""


@dataclass(frozen=True)
class Outgoing:
    """A message on its way out, with its address resolved at send time (never logged)."""

    message_id: uuid.UUID
    kind: str
    channel: str
    idempotency_key: str
    #: e-mail, phone (E.164) or webhook URL.
    address: str
    #: 'zh-CN' | 'en'
    language: str
    params: dict
    created_at: datetime
    attempt: int
    webhook_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Outcome:
    """What a channel says about one attempt."""

    status: Literal["delivered", "retry", "give_up"]
    response_code: int | None = None
    response: str = ""
    #: Seconds, when the provider says when to come back.
    retry_after: float | None = None


Subscriber = Callable[..., Awaitable[list[Plan]]]

_SUBSCRIBERS: dict[str, list[Subscriber]] = {}

#: Modules holding subscribers, imported once before the first fan-out (a worker process imports no routes).
#: A part that adds subscribers in its own module lists it here; a module not written yet is passed over.
SUBSCRIBER_MODULES = ("events.notices", "events.webhooks", "events.reminders", "events.password_reset", "events.broadcasts", "events.digests",
                      "events.slot_notices")
_loaded = False


#: For "*" subscribers: whether, as configured now, they could plan anything for a kind (None: always).
_LISTENS: dict[Subscriber, Callable[[str], Awaitable[bool]] | None] = {}


def subscriber(*kinds: str, listens: Callable[[str], Awaitable[bool]] | None = None) -> Callable[[Subscriber], Subscriber]:
    """Register a function to plan messages for these domain event kinds ("*": every kind).

    A "*" subscriber that plans only for what people configured (webhook endpoints) says so with `listens(kind)`:
    an event of a kind no subscriber listens to is recorded already processed (`anyone_listens`).
    """

    def register(function: Subscriber) -> Subscriber:
        for kind in kinds:
            if function not in _SUBSCRIBERS.setdefault(kind, []):
                _SUBSCRIBERS[kind].append(function)
        if "*" in kinds:
            _LISTENS[function] = listens
        return function

    return register


async def anyone_listens(kind: str) -> bool:
    """Whether a subscriber could plan a message for an event of this kind, as configured now (read in the recording
    transaction: the answer commits with the event). A kind with subscribers of its own always has listeners."""
    load_subscribers()
    if _SUBSCRIBERS.get(kind):
        return True
    for function in _SUBSCRIBERS.get("*", []):
        listens = _LISTENS.get(function)
        if listens is None or await listens(kind):
            return True
    return False


def load_subscribers() -> None:
    global _loaded
    if _loaded:
        return
    for name in SUBSCRIBER_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # the module is there but something it imports is not: a real error
                raise
    _loaded = True


_batch: ContextVar[dict[Any, Any] | None] = ContextVar("fan_out_batch", default=None)


@contextmanager
def one_batch() -> Iterator[None]:
    """The events planned inside share what `batch_memo` reads: one snapshot per fan-out batch."""
    token = _batch.set({})
    try:
        yield
    finally:
        _batch.reset(token)


async def batch_memo(key: Any, load: Callable[[], Awaitable[Any]]) -> Any:
    """`await load()`, read once per fan-out batch rather than once per event (outside a batch: every time).

    Scans record an event each; a subscriber that read its configuration per event (webhooks: the
    endpoints for the kind) cost the embedded database one read per scan, in the process serving them.
    """
    memo = _batch.get()
    if memo is None:
        return await load()
    if key not in memo:
        memo[key] = await load()
    return memo[key]


async def plan(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """Every message the subscribers want for this event."""
    load_subscribers()
    plans: list[Plan] = []
    for function in [*_SUBSCRIBERS.get(event.kind, []), *_SUBSCRIBERS.get("*", [])]:
        plans += await function(event, now=now)
    return plans


# ---------------------------------------------------------------- people as recipients


def mask_email(email: str) -> str:
    """z***@example.com"""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_phone(phone: str) -> str:
    """138****5678 for +8613812345678 (without the +86), else the first three and last four digits: enough to tell two people apart, not enough to call."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else "****"


def mask_address(channel: str, address: str) -> str:
    return mask_email(address) if channel == "email" else mask_phone(address) if channel == "sms" else address


def channel_for(email: str | None, phone: str | None) -> tuple[str, str] | None:
    """Transactional messages go where the person gave us: e-mail if there is one, else SMS; (channel, address) or None."""
    if email:
        return "email", email
    if phone:
        return "sms", phone
    return None


async def to_accounts(event: DomainEventView, account_ids: list[uuid.UUID], params: dict[str, Any], *, kind: str | None = None) -> list[Plan]:
    """One transactional message per account, on its own channel; accounts with neither e-mail nor phone are passed over."""
    if not account_ids:
        return []
    rows = await Account.select(Account.id, Account.email, Account.phone).where(Account.id.is_in(list(dict.fromkeys(account_ids))))
    plans = []
    for row in rows:
        found = channel_for(row["email"], row["phone"])
        if found is None:
            continue
        channel, address = found
        plans.append(
            Plan(
                kind=kind or event.kind,
                channel=channel,
                idempotency_key=f"{event.id}:{channel}:{row['id']}",
                account_id=row["id"],
                params=params,
                address_masked=mask_address(channel, address),
            )
        )
    return plans


#: A message to someone without an account (an employer's contact on its application) names where its address is kept.
ADDRESS_OF = "address_of"


def params_json(params: dict[str, Any]) -> str:
    return json.dumps(params, ensure_ascii=False, sort_keys=True, default=str)


#: Where each channel's send function lives (written by the channels and webhooks parts).
CHANNEL_MODULES = {"email": ("events.mail", "send_email"), "sms": ("events.sms", "send_sms"), "webhook": ("events.webhooks", "deliver")}


def channel_sender(channel: str, config: Any) -> Callable[..., Awaitable[Outcome]] | None:
    """The send function of a channel, or None when the channel is not configured: its module is not there, or its
    `configured(config)` says no (no SMTP_URL, no SMS_PROVIDER). Its messages are then `skipped`."""
    module_name, function_name = CHANNEL_MODULES[channel]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        return None
    configured = getattr(module, "configured", None)
    if configured is not None and not configured(config):
        return None
    return getattr(module, function_name, None)
