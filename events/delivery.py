"""The delivery worker: fans recorded domain events out into messages and sends the messages that are due.

Two loops. The fan-out claims unprocessed domain events (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
several workers share them; SQLite: inside write_transaction, which holds the one write lock), runs
their subscribers, inserts the planned messages (`ON CONFLICT DO NOTHING` on the idempotency key) and
marks the events processed, all in one transaction. The send loop claims due messages by setting
them `sending` with a lease (`claimed_until`), sends them concurrently, and records each attempt.
A worker killed mid-send leaves its lease to expire and another worker sends the message again:
delivery is at least once, and the idempotency key (e-mail Message-ID, webhook-id) lets the
receiver drop the repeat. Nothing here runs inside a user's request: a slow or failing channel
delays only its own messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from events import batching, db, invitations, notify, outbox, password_reset, views
from events.accounts import Actor
from events.batching import Batcher
from events.errors import Forbidden, NotFound
from events.notify import DomainEventView, Outcome, Outgoing
from events.settings import Settings, settings
from events.tables import Account, DeliveryAttempt, DomainEvent, EmployerApplication, Message

log = logging.getLogger(__name__)

#: Domain events fanned out per transaction.
FAN_OUT_BATCH = 100
#: A subscriber that failed on an event is asked again after this long (the other events go on).
FAN_OUT_RETRY = timedelta(minutes=1)
#: Backoff: min(2**attempts * BASE, CAP), ±20 % jitter so a provider's outage does not end in a stampede.
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 6 * 3600
TEXT_LIMIT = 500

Sender = Callable[..., Awaitable[Outcome]]
#: Channels set by tests (or DELIVERY_TEST_CHANNELS in APP_ENV=test): a local receiver instead of a provider.
_channel_overrides: dict[str, Sender] = {}
_unconfigured_logged: set[str] = set()


def use_channel(channel: str, sender: Sender | None) -> None:
    """Test hook: send this channel's messages with `sender` (None: back to the channel's own module)."""
    if sender is None:
        _channel_overrides.pop(channel, None)
    else:
        _channel_overrides[channel] = sender


def _sender(channel: str, config: Settings) -> Sender | None:
    if channel in _channel_overrides:
        return _channel_overrides[channel]
    for name, target in config.delivery_test_channels:
        if name == channel:
            module, _, function = target.partition(":")
            return getattr(__import__(module, fromlist=[function]), function)
    return notify.channel_sender(channel, config)


def _utc_now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------- masking


_EMAILS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONES = re.compile(r"\+?\d[\d -]{9,17}\d")


def masked(text: str) -> str:
    """At most 500 characters, with e-mail addresses and phone numbers masked: what the delivery log keeps."""
    text = _EMAILS.sub(lambda m: notify.mask_email(m.group()), text)
    text = _PHONES.sub(lambda m: notify.mask_phone(m.group()), text)
    return text[:TEXT_LIMIT]


def backoff(attempts: int) -> float:
    """Seconds before the next try after `attempts` tries."""
    delay = min(2**attempts * BACKOFF_BASE_SECONDS, BACKOFF_CAP_SECONDS)
    return delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not a secret


# ---------------------------------------------------------------- fan-out


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def fan_out(*, now: datetime, limit: int = FAN_OUT_BATCH) -> int:
    """Turn up to `limit` unprocessed domain events into messages; how many events were processed.

    PostgreSQL: claim (SKIP LOCKED), plan and store in one transaction, so concurrent workers take
    disjoint events. SQLite: the subscribers' reads run before the write transaction, which holds the
    database's one write lock that every scan and registration waits for; a second fan-out of the same
    events (another process) would only meet the idempotency keys.
    """
    if db.is_sqlite():
        due = await _due_events(now, limit)
        if not due:
            # Nothing to store: taking the one write lock anyway made every scan wait behind an empty turn, fifty times a second.
            return 0
        planned = await _plan(due, now)
        async with db.write_transaction():
            return await _store(planned, now)
    async with db.write_transaction():
        return await _store(await _plan(await _due_events(now, limit, lock=True), now), now)


async def _due_events(now: datetime, limit: int, *, lock: bool = False) -> list[dict[str, Any]]:
    due = DomainEvent.processed_at.is_null() & (DomainEvent.claimed_until.is_null() | (DomainEvent.claimed_until < now))
    query = DomainEvent.select(DomainEvent.id, DomainEvent.kind, DomainEvent.payload, DomainEvent.occurred_at).where(due).order_by(DomainEvent.occurred_at).limit(limit)
    if lock:
        # Several workers: each takes rows the others have not locked, none waits for another.
        query = query.lock_rows("UPDATE", skip_locked=True)
    return await query


@dataclass
class _Planned:
    done: list[uuid.UUID]
    failed: list[uuid.UUID]
    messages: list[dict[str, Any]]


async def _plan(rows: list[dict[str, Any]], now: datetime) -> _Planned:
    planned = _Planned([], [], [])
    with notify.one_batch():
        for row in rows:
            event = DomainEventView(id=db.as_uuid(row["id"]), kind=row["kind"], payload=json.loads(row["payload"]), occurred_at=_moment(row["occurred_at"]))
            try:
                plans = await notify.plan(event, now=now)
            except Exception:
                # One broken subscriber must not hold every other event back; this one is asked again later.
                log.exception("a subscriber failed on domain event %s (%s); retrying it later", event.id, event.kind)
                planned.failed.append(event.id)
                continue
            planned.done.append(event.id)
            planned.messages += [message_row(event.id, plan, now) for plan in plans]
    return planned


async def _store(planned: _Planned, now: datetime) -> int:
    """Insert the planned messages (a key already there is skipped) and mark their events processed."""
    for start in range(0, len(planned.messages), 200):
        await db.insert_new(Message, planned.messages[start : start + 200], returning=Message.id)
    if planned.done:
        await DomainEvent.update({DomainEvent.processed_at: now, DomainEvent.claimed_until: None}).where(DomainEvent.id.is_in(planned.done))
    if planned.failed:
        await DomainEvent.update({DomainEvent.claimed_until: now + FAN_OUT_RETRY}).where(DomainEvent.id.is_in(planned.failed))
    return len(planned.done)


def message_row(domain_event_id: uuid.UUID | None, plan: notify.Plan, now: datetime) -> dict[str, Any]:
    """A planned message as a row of `message` (None: a scheduled message of no domain event, a reminder or digest)."""
    return {
        "id": db.new_ordered_id(),
        "domain_event": domain_event_id,
        "kind": plan.kind,
        "channel": plan.channel,
        "account": plan.account_id,
        "webhook_id": plan.webhook_id,
        "address_masked": plan.address_masked[:254],
        "params": notify.params_json(plan.params),
        "idempotency_key": plan.idempotency_key[:200],
        "status": Message.Status.pending,
        "attempts": 0,
        "next_attempt_at": plan.not_before or now,
        "claimed_until": None,
        "created_at": now,
        "delivered_at": None,
        "last_response_code": None,
        "last_error": "",
    }


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class _Claimed:
    id: uuid.UUID
    kind: str
    channel: str
    account_id: uuid.UUID | None
    webhook_id: uuid.UUID | None
    params: dict[str, Any]
    idempotency_key: str
    created_at: datetime
    attempt: int


_CLAIM = """
UPDATE message SET status = 'sending', claimed_until = {{}}, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM message
    WHERE (status IN ('pending', 'failed') AND next_attempt_at <= {{}}) OR (status = 'sending' AND claimed_until < {{}})
    ORDER BY next_attempt_at LIMIT {{}} {lock}
)
RETURNING id, kind, channel, account, webhook_id, params, idempotency_key, created_at, attempts
"""


async def claim(*, now: datetime, limit: int, config: Settings = settings) -> list[_Claimed]:
    """Take up to `limit` due messages (and ones whose sender's lease ran out), each under a lease of DELIVERY_LEASE_SECONDS."""
    lease = now + timedelta(seconds=config.delivery_lease_seconds)
    if db.is_sqlite():
        async with db.write_transaction():
            rows = await Message.raw(_CLAIM.format(lock=""), lease, now, now, limit)
    else:
        # One statement, committed at once; SKIP LOCKED: concurrent workers take disjoint rows.
        rows = await Message.raw(_CLAIM.format(lock="FOR UPDATE SKIP LOCKED"), lease, now, now, limit)
    return [
        _Claimed(
            id=db.as_uuid(row["id"]),
            kind=row["kind"],
            channel=row["channel"],
            account_id=None if row["account"] is None else db.as_uuid(row["account"]),
            webhook_id=None if row["webhook_id"] is None else db.as_uuid(row["webhook_id"]),
            params=json.loads(row["params"]),
            idempotency_key=row["idempotency_key"],
            created_at=_moment(row["created_at"]),
            attempt=row["attempts"],
        )
        for row in rows
    ]


async def addresses(messages: list[_Claimed]) -> dict[uuid.UUID, tuple[str, str] | None]:
    """Where each message goes, and in which language: read at send time (a changed e-mail address is used) and never
    stored in the message. One query for the accounts of a whole claim."""
    found: dict[uuid.UUID, tuple[str, str] | None] = {}
    account_ids = list({message.account_id for message in messages if message.account_id is not None})
    accounts = {
        row["id"]: row
        for row in (await Account.select(Account.id, Account.email, Account.phone, Account.language).where(Account.id.is_in(account_ids)) if account_ids else [])
    }
    for message in messages:
        if message.account_id is not None:
            row = accounts.get(message.account_id)
            address = None if row is None else row["email"] if message.channel == "email" else row["phone"] if message.channel == "sms" else None
            found[message.id] = (address, row["language"]) if address else None
        elif message.params.get(notify.ADDRESS_OF, "").startswith("employer_application:"):
            row = await EmployerApplication.select(EmployerApplication.contact_email, EmployerApplication.contact_phone).where(
                EmployerApplication.id == message.params[notify.ADDRESS_OF].removeprefix("employer_application:")
            ).first()
            address = None if row is None else row["contact_email"] if message.channel == "email" else row["contact_phone"]
            found[message.id] = (address, "zh-CN") if address else None
        elif message.channel == "webhook":
            # The webhooks part resolves the endpoint's URL itself, from outgoing.webhook_id.
            found[message.id] = ("", "en")
        else:
            found[message.id] = None
    return found


async def _call(sender: Sender, outgoing: Outgoing, config: Settings, now: datetime) -> Outcome:
    kwargs: dict[str, Any] = {"config": config}
    if "now" in inspect.signature(sender).parameters:
        kwargs["now"] = now
    return await sender(outgoing, **kwargs)


async def send(message: _Claimed, *, config: Settings = settings, found: tuple[str, str] | None | bool = False) -> str:
    """Send one claimed message (to `found`, its address and language, when the caller looked it up) and record how it went; its new status."""
    now = _utc_now()
    sender = _sender(message.channel, config)
    if sender is None:
        if message.channel not in _unconfigured_logged:
            _unconfigured_logged.add(message.channel)
            log.warning("no %s channel is configured: its messages are skipped", message.channel)
        await _settle(_Result(message, status=Message.Status.skipped, now=now, error="channel not configured"))
        return Message.Status.skipped
    started = time.perf_counter()
    if found is False:
        found = (await addresses([message]))[message.id]
    if not found:
        outcome = Outcome("give_up", response="the recipient has no address on this channel")
    else:
        address, language = found
        # A password reset's link or code and an invitation's link exist only here, in memory: the stored params hold
        # the reset's or the invitation's id (events/password_reset.py, events/invitations.py).
        params = invitations.secret_params(message.kind, password_reset.secret_params(message.kind, message.params))
        outgoing = Outgoing(
            message_id=message.id, kind=message.kind, channel=message.channel, idempotency_key=message.idempotency_key, address=address,
            language=language, params=params, created_at=message.created_at, attempt=message.attempt, webhook_id=message.webhook_id,
        )
        try:
            outcome = await _call(sender, outgoing, config, now)
        except Exception as error:  # a channel that raised is a failed attempt, retried like any other
            log.warning("sending message %s by %s raised %s", message.id, message.channel, type(error).__name__)
            outcome = Outcome("retry", response=f"{type(error).__name__}: {error}")
    duration_ms = int((time.perf_counter() - started) * 1000)
    now = _utc_now()
    if outcome.status == "delivered":
        status = Message.Status.delivered
    elif outcome.status == "retry" and message.attempt < config.delivery_max_attempts and now - message.created_at < timedelta(hours=config.delivery_max_age_hours):
        status = Message.Status.failed
    else:
        status = Message.Status.dead
    next_at = now + timedelta(seconds=outcome.retry_after if outcome.retry_after is not None else backoff(message.attempt))
    await _settle(_Result(message, status=status, now=now, outcome=outcome, next_attempt_at=next_at, duration_ms=duration_ms))
    return status


@dataclass(frozen=True)
class _Result:
    message: _Claimed
    status: str
    now: datetime
    outcome: Outcome | None = None
    next_attempt_at: datetime | None = None
    duration_ms: int = 0
    error: str = ""


async def _settle(result: _Result) -> None:
    """Record the attempt and the message's new status, unless another worker has claimed it since (our lease ran out).

    Results that come in together are written together, in one transaction (events.batching): a busy worker
    records hundreds of deliveries with one COMMIT instead of one each.
    """
    if not await _settler.submit(result):
        log.warning("message %s was claimed again while it was being sent (its lease ran out): that worker's result stands", result.message.id)


def _attempt_row(result: _Result) -> dict[str, Any]:
    outcome = result.outcome
    assert outcome is not None
    kind = "give_up" if result.status == Message.Status.dead else {"delivered": "delivered", "retry": "retry"}.get(outcome.status, "give_up")
    return {
        "id": db.new_ordered_id(), "message": result.message.id, "attempted_at": result.now, "outcome": kind, "response_code": outcome.response_code,
        "response": masked(outcome.response), "duration_ms": result.duration_ms,
    }


async def _settle_many(results: list[_Result]) -> list[bool]:
    """Write a batch of results; for each, whether it was still this worker's to write."""
    mine: set[uuid.UUID] = set()
    async with db.write_transaction():
        # Deliveries, the common case, in one UPDATE per (attempt, response code); the rest one by one.
        delivered: dict[tuple[int, int | None], list[_Result]] = {}
        for result in results:
            if result.status == Message.Status.delivered:
                assert result.outcome is not None
                delivered.setdefault((result.message.attempt, result.outcome.response_code), []).append(result)
                continue
            changes: dict[Any, Any] = {Message.status: result.status, Message.claimed_until: None}
            if result.outcome is not None:
                changes[Message.last_response_code] = result.outcome.response_code
                changes[Message.last_error] = masked(result.outcome.response)
            else:
                changes[Message.last_error] = result.error
            if result.status == Message.Status.failed and result.next_attempt_at is not None:
                changes[Message.next_attempt_at] = result.next_attempt_at
            rows = await Message.update(changes).where(
                (Message.id == result.message.id) & (Message.status == Message.Status.sending) & (Message.attempts == result.message.attempt)
            ).returning(Message.id)
            mine.update(db.as_uuid(row["id"]) for row in rows)
        for (attempt, code), group in delivered.items():
            rows = await Message.update(
                {Message.status: Message.Status.delivered, Message.claimed_until: None, Message.delivered_at: max(r.now for r in group),
                 Message.last_response_code: code, Message.last_error: ""}
            ).where(
                Message.id.is_in([r.message.id for r in group]) & (Message.status == Message.Status.sending) & (Message.attempts == attempt)
            ).returning(Message.id)
            mine.update(db.as_uuid(row["id"]) for row in rows)
        attempts = [_attempt_row(result) for result in results if result.outcome is not None]
        for start in range(0, len(attempts), 200):
            await db.insert_new(DeliveryAttempt, attempts[start : start + 200], returning=DeliveryAttempt.id)
    return [result.message.id in mine for result in results]


_settler: Batcher[_Result, bool] = Batcher(_settle_many, limit=500)


# ---------------------------------------------------------------- running


@dataclass(frozen=True)
class RunSummary:
    fanned_out: int
    sent: int


async def run_once(*, now: datetime | None = None, config: Settings = settings) -> RunSummary:
    """Fan out every unprocessed domain event, then send every message due at `now` and wait for the answers (tests, `main.py worker --once`)."""
    moment = now or _utc_now()
    fanned = 0
    while (count := await fan_out(now=moment)) > 0:
        fanned += count
    sent = 0
    while claimed := await claim(now=moment, limit=config.delivery_concurrency, config=config):
        found = await addresses(claimed)
        await asyncio.gather(*(send(message, config=config, found=found[message.id]) for message in claimed))
        sent += len(claimed)
    return RunSummary(fanned_out=fanned, sent=sent)


async def _sleep(stop: asyncio.Event, wake: asyncio.Event, seconds: float, *others: asyncio.Future) -> None:
    """Until `stop`, `wake`, one of `others` ends, or `seconds` pass."""
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
    try:
        await asyncio.wait([*waiters, *others], timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


#: After a wake-up, how long the fan-out keeps looking every few milliseconds: the event is recorded before its
#: transaction commits (the recording cannot know when that will be), so the first look may not see it yet.
WAKE_WINDOW_SECONDS = 2.0
#: 0.1 s, not less: while scans keep coming, each look is a fan-out of its own under the write lock, and
#: fewer, fuller batches cost the scans less (measured with `make bench`'s outbox scenario).
WAKE_POLL_SECONDS = 0.1


#: The inline worker (SQLite, one process) shares the process and the one write lock with the hot writes: while
#: scans or registrations keep coming (a batcher took one in the last QUIET_SECONDS) it holds back, for at most
#: MAX_HOLD_SECONDS at a time, so a gate's rush is not slowed by telling people about it. Measured with `make bench`'s
#: outbox scenario (docs/benchmarks.md); a separate worker (`python main.py worker`) never holds back.
QUIET_SECONDS = 0.3
MAX_HOLD_SECONDS = 10.0


class _Yield:
    """When the inline worker should let the hot writes go first: while they keep coming, for at most MAX_HOLD_SECONDS;
    then it works through what is due (`drained()` says when nothing more is) before it may hold again, so a
    backlog built during a long rush is worked off, not taken a batch every ten seconds."""

    def __init__(self, inline: bool) -> None:
        self.inline = inline
        self.held_since: float | None = None
        self.draining = False

    def hold(self) -> bool:
        if not self.inline or self.draining or batching.seconds_since_last_item() >= QUIET_SECONDS:
            self.held_since = None
            return False
        now = time.monotonic()
        if self.held_since is None:
            self.held_since = now
        if now - self.held_since < MAX_HOLD_SECONDS:
            return True
        self.held_since, self.draining = None, True  # held long enough: work through what is due first
        return False

    def drained(self) -> None:
        self.draining = False


async def _fan_out_loop(stop: asyncio.Event, config: Settings, *, inline: bool = False) -> None:
    wake = outbox.waker()
    woken_at = -WAKE_WINDOW_SECONDS
    yielding = _Yield(inline)
    while not stop.is_set():
        if wake.is_set():
            wake.clear()
            woken_at = time.monotonic()
        if yielding.hold():
            await _sleep(stop, asyncio.Event(), QUIET_SECONDS)
            continue
        try:
            count = await fan_out(now=_utc_now())
        except Exception:
            log.exception("the fan-out failed; trying again")
            count = 0
        if count:
            _send_wake().set()
        if count < FAN_OUT_BATCH:
            yielding.drained()
            recently_woken = time.monotonic() - woken_at < WAKE_WINDOW_SECONDS
            await _sleep(stop, wake, WAKE_POLL_SECONDS if recently_woken else config.delivery_poll_seconds)


_send_wakers: dict[asyncio.AbstractEventLoop, asyncio.Event] = {}


def _send_wake() -> asyncio.Event:
    loop = asyncio.get_running_loop()
    return _send_wakers.setdefault(loop, asyncio.Event())


async def _send_loop(stop: asyncio.Event, config: Settings, *, inline: bool = False) -> None:
    wake = _send_wake()
    inflight: set[asyncio.Task] = set()
    yielding = _Yield(inline)
    try:
        while not stop.is_set():
            if yielding.hold():
                await _sleep(stop, asyncio.Event(), QUIET_SECONDS, *inflight)
                continue
            wake.clear()
            room = config.delivery_concurrency - len(inflight)
            claimed: list[_Claimed] = []
            found: dict[uuid.UUID, tuple[str, str] | None] = {}
            if room > 0:
                try:
                    claimed = await claim(now=_utc_now(), limit=room, config=config)
                    found = await addresses(claimed) if claimed else {}
                except Exception:
                    # What was claimed stays leased and is taken again when the lease runs out.
                    log.exception("claiming messages failed; trying again")
                    claimed = []
            for message in claimed:
                inflight.add(asyncio.create_task(send(message, config=config, found=found[message.id])))
            if len(claimed) < room:
                yielding.drained()
            if claimed and len(claimed) == room:
                # Every slot busy: go on as soon as one is free.
                done, inflight = await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                _reap(done)
                continue
            await _sleep(stop, wake, config.delivery_poll_seconds, *inflight)
            done = {task for task in inflight if task.done()}
            inflight -= done
            _reap(done)
    finally:
        # Stopping: let the sends in flight finish and record, so a clean stop leaves no lease to wait out.
        if inflight:
            _reap((await asyncio.wait(inflight))[0])


def _reap(done: set[asyncio.Task]) -> None:
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.error("a send failed to record its result", exc_info=task.exception())


async def run_worker(*, stop: asyncio.Event, config: Settings = settings, inline: bool = False) -> None:
    """Fan out and send until `stop` is set (`python main.py worker`, or inside the app on SQLite)."""
    log.info("delivery worker started (poll %.1f s, %d sends at once)", config.delivery_poll_seconds, config.delivery_concurrency)
    from events import reminders, webhooks  # subscriber modules, imported late: they import the worker's neighbours

    try:
        # Scheduled messages (reminders, HR's digest) come from a sweep a minute, beside the fan-out and the sends.
        await asyncio.gather(_fan_out_loop(stop, config, inline=inline), _send_loop(stop, config, inline=inline), reminders.run_sweeps(stop=stop))
    finally:
        # The webhook channel's kept-alive connections belong to this loop: closed with it, not left to the garbage collector.
        await webhooks.close_clients()
    log.info("delivery worker stopped")


@contextlib.asynccontextmanager
async def inline_worker(config: Settings = settings):
    """The worker as a task of this process for as long as the context lasts (the app's lifespan with DELIVERY_WORKER=inline)."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(stop=stop, config=config, inline=True))
    try:
        yield
    finally:
        stop.set()
        await task


# ---------------------------------------------------------------- people and organisers


def message_view(row: dict[str, Any]) -> views.Message:
    return views.Message(
        id=row["id"], kind=row["kind"], channel=row["channel"], status=row["status"], address_masked=row["address_masked"], attempts=row["attempts"],
        created_at=row["created_at"], delivered_at=row["delivered_at"], last_response_code=row["last_response_code"],
    )


_VIEW_COLUMNS = (Message.id, Message.kind, Message.channel, Message.status, Message.address_masked, Message.attempts, Message.created_at,
                 Message.delivered_at, Message.last_response_code)


async def my_messages(*, actor: Actor, limit: int, offset: int) -> views.MessagePage:
    """What the signed-in person was sent (or is about to be), newest first."""
    mine = Message.account == actor.id
    rows = await Message.select(*_VIEW_COLUMNS).where(mine).order_by(Message.created_at, ascending=False).order_by(Message.id).limit(limit).offset(offset)
    return views.MessagePage(items=[message_view(row) for row in rows], total=await Message.count().where(mine), limit=limit, offset=offset)


async def _webhook_owner(webhook_id: uuid.UUID) -> uuid.UUID | None:
    """The account that registered the endpoint (table of the webhooks part); None while it does not exist."""
    if db.is_sqlite():
        exists = await Message.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'webhook_endpoint'")
    else:
        exists = await Message.raw("SELECT to_regclass('webhook_endpoint') AS name")
    if not exists or exists[0]["name"] is None:
        return None
    rows = await Message.raw("SELECT owner FROM webhook_endpoint WHERE id = {}", webhook_id)
    return db.as_uuid(rows[0]["owner"]) if rows else None


async def redeliver(message_id: uuid.UUID, actor: Actor, now: datetime) -> views.Message:
    """Send a message again, soon, whatever became of it (organisers; a webhook's owner for its deliveries); its attempts count from zero."""
    row = await Message.select(Message.id, Message.webhook_id, Message.account).where(Message.id == message_id).first()
    if row is None:
        raise NotFound("message_not_found", "No such message.")
    if actor.role != "organiser":
        owner = await _webhook_owner(row["webhook_id"]) if row["webhook_id"] is not None else None
        if owner is None or owner != actor.id:
            raise Forbidden("not_your_message", "Only organisers, and a webhook's owner for its deliveries, may send a message again.")
    async with db.write_transaction():
        await Message.update(
            {Message.status: Message.Status.pending, Message.attempts: 0, Message.next_attempt_at: now, Message.claimed_until: None}
        ).where(Message.id == message_id)
    with contextlib.suppress(RuntimeError):  # no running loop worker to wake: the next poll finds it
        _send_wake().set()
    return message_view(await Message.select(*_VIEW_COLUMNS).where(Message.id == message_id).first())
