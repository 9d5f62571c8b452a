"""The outbox: domain events recorded in the same transaction as the change they describe.

A domain function calls `record` (or `record_many` for a batch of scans) inside its
`write_transaction()`: the event commits with the change or rolls back with it, so a change
that failed tells nobody and a committed one is never forgotten. The delivery worker
(events.delivery) fans recorded events out into messages after the commit; an event of a kind no
subscriber listens to (`notify.anyone_listens`) is recorded already processed, and the worker never
touches it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

from events import db, notify
from events.settings import settings
from events.tables import DomainEvent

_wakers: dict[asyncio.AbstractEventLoop, asyncio.Event] = {}


def waker() -> asyncio.Event:
    """This event loop's "something was recorded" flag; an in-process worker waits on it instead of sleeping a full poll."""
    loop = asyncio.get_running_loop()
    event = _wakers.get(loop)
    if event is None:
        for stale in [known for known in _wakers if known.is_closed()]:
            del _wakers[stale]
        event = _wakers[loop] = asyncio.Event()
    return event


def _json_default(value: Any) -> str:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot go into a domain event's payload")


def _row(kind: str, payload: dict[str, object], now: datetime) -> dict[str, Any]:
    return {
        "id": db.new_ordered_id(),
        "kind": kind,
        "payload": json.dumps(payload, default=_json_default, ensure_ascii=False, sort_keys=True),
        "occurred_at": now,
        "processed_at": None,
        "claimed_until": None,
    }


async def record(kind: str, payload: dict[str, object], *, now: datetime) -> uuid.UUID:
    """Insert one DomainEvent in the CURRENT write transaction (raises RuntimeError outside one)."""
    row = _row(kind, payload, now)
    await _insert([row])
    return row["id"]


async def record_many(kind: str, payloads: list[dict[str, object]], *, now: datetime) -> None:
    """Insert one DomainEvent per payload, in one multi-row INSERT, in the current write transaction (the scan path's batches)."""
    if payloads:
        await _insert([_row(kind, payload, now) for payload in payloads])


#: Kinds of change a calendar feed shows: recording one forgets the feeds this process remembers, once the change
#: has committed (a feed rendered in between would otherwise be remembered with the old data).
FEED_KINDS = frozenset({
    "registration.confirmed", "registration.waitlisted", "registration.promoted", "registration.cancelled",
    "stop.changed", "stop.cancelled", "event.published", "job.published", "employer_application.decided",
    # issue 14, slots: a seeker's bookings are VEVENTs of their private feed
    "booking.created", "booking.cancelled", "slot.changed",
})


def _feeds_changed() -> None:
    from events import calendar  # calendar's feeds read the tables these events describe; imported late to keep the outbox at the bottom

    calendar.changed()


#: Rows per INSERT: six columns each stays far below both engines' parameter limits.
_INSERT_ROWS = 250


async def _insert(rows: list[dict[str, Any]]) -> None:
    if db.engine().current_transaction.get() is None:
        # Outside a transaction the event would commit even when the change it describes does not.
        raise RuntimeError("outbox.record runs inside write_transaction(), with the change it describes")
    if rows[0]["kind"] in FEED_KINDS:
        db.after_commit(_feeds_changed)
    if not settings.outbox:  # the benchmark's baseline only (BENCH=1 BENCH_OUTBOX=off)
        return
    listened = await notify.anyone_listens(rows[0]["kind"])
    if not listened:
        # Recorded all the same, but processed as it is recorded: no subscriber would plan anything for it (a check-in
        # while no webhook endpoint asks for check-ins), so the fan-out never reads, plans or updates it. Decided in this
        # transaction: an endpoint created after it commits hears the events recorded after that.
        for row in rows:
            row["processed_at"] = row["occurred_at"]
    for start in range(0, len(rows), _INSERT_ROWS):
        await db.insert_new(DomainEvent, rows[start : start + _INSERT_ROWS], returning=DomainEvent.id)
    if listened:
        # Early, before the commit: the worker then finds nothing yet and looks again at its next poll.
        waker().set()
