"""Reminders 24 hours and 2 hours before a stop, for every confirmed place: a sweep the delivery worker runs.

`schedule_reminders(now=...)` finds the confirmed registrations whose stop (scheduled, of a published
event) starts within the next 24 hours, and inserts the reminder that is due now: `reminder.24h` from
24 h before the start until 2 h before, `reminder.2h` in the last 2 hours. A message is keyed
`{kind}:{registration_id}:{stop starts_at in UTC}`, so
- sweeping again finds the key there and inserts nothing (never twice for the same time);
- a stop moved to another time has new keys: its reminders come again, for the new time;
- a cancelled registration or stop, or an unpublished event, is not found, and gets none.
Reminders are made when they are due rather than days ahead, so a move or a cancellation never
has a stale scheduled reminder to withdraw. Someone who registered inside a window (an hour before
the start) was just sent their confirmation and gets no reminder for it.

Reminders are transactional (the person registered for this stop): no opt-in, sent on the channel
the person gave (e-mail if any, else SMS).

`sweep(now=...)` runs this and HR's daily digest (events.digests); the delivery worker runs it once a
minute (`run_sweeps`, beside its fan-out and send loops).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from events import db, notices, notify
from events.tables import Event, Message, Registration, Stop

log = logging.getLogger(__name__)
#: Seconds between sweeps: reminders and digests need minutes' precision, not the fan-out's half second.
SWEEP_SECONDS = 60.0
#: Message kind → how long before the start it is sent.
LEADS = {"reminder.24h": timedelta(hours=24), "reminder.2h": timedelta(hours=2)}
_KEY_BATCH = 500


async def stop_params(stop_id: object) -> dict[str, Any]:
    """What a message about a stop says of it: the outbox's stop parameters, with the names the message templates use."""
    params = await notices._stop_params(stop_id)
    if params:
        params["stop_title"] = params["stop_name"]
        params["venue"] = " ".join(part for part in (params["campus"], params["address"]) if part)
    return params


def reminder_key(kind: str, registration_id: object, starts_at: datetime) -> str:
    return f"{kind}:{registration_id}:{starts_at.astimezone(UTC).isoformat()}"


def _due_kind(starts_at: datetime, now: datetime) -> str | None:
    """The reminder whose window `now` is in: the 24-hour one until 2 hours before, then the 2-hour one."""
    if not now < starts_at <= now + LEADS["reminder.24h"]:
        return None
    return "reminder.2h" if starts_at <= now + LEADS["reminder.2h"] else "reminder.24h"


async def due_reminders(*, now: datetime) -> list[notify.Plan]:
    """The reminders due at `now`, whether or not they were made already (their keys tell)."""
    rows = await Registration.select(
        Registration.id, Registration.seeker, Registration.confirmed_at, Registration.stop, Registration.stop.starts_at,
        Registration.seeker.email, Registration.seeker.phone,
    ).where(
        (Registration.status == Registration.Status.confirmed)
        & (Registration.stop.status == Stop.Status.scheduled)
        & (Registration.stop.event.status == Event.Status.published)
        & (Registration.stop.starts_at > now)
        & (Registration.stop.starts_at <= now + LEADS["reminder.24h"])
        & (Registration.seeker.is_active == True)  # noqa: E712 - SQL
    )
    stops: dict[Any, dict[str, Any]] = {}
    plans = []
    for row in rows:
        starts_at = row["stop.starts_at"]
        kind = _due_kind(starts_at, now)
        found = notify.channel_for(row["seeker.email"], row["seeker.phone"])
        if kind is None or found is None:
            continue
        if row["confirmed_at"] is not None and row["confirmed_at"] >= starts_at - LEADS[kind]:
            continue  # registered inside this window: the confirmation just told them
        if row["stop"] not in stops:
            stops[row["stop"]] = await stop_params(row["stop"])
        channel, address = found
        plans.append(
            notify.Plan(
                kind=kind,
                channel=channel,
                idempotency_key=reminder_key(kind, row["id"], starts_at),
                account_id=row["seeker"],
                params={**stops[row["stop"]], "registration_id": str(row["id"]), "ticket_url": notices.ticket_url(row["id"])},
                address_masked=notify.mask_address(channel, address),
            )
        )
    return plans


async def insert_plans(plans: list[notify.Plan], *, now: datetime) -> int:
    """Store the plans not stored yet as messages of no domain event; how many were new."""
    if not plans:
        return 0
    from events.delivery import _message_row  # the worker's row shape; imported late: the worker imports the subscriber modules

    inserted = 0
    for start in range(0, len(plans), _KEY_BATCH):
        batch = plans[start : start + _KEY_BATCH]
        # Most sweeps find every reminder made already: look the keys up before writing anything.
        known = {row["idempotency_key"] for row in await Message.select(Message.idempotency_key).where(Message.idempotency_key.is_in([plan.idempotency_key for plan in batch]))}
        fresh = [_message_row(None, plan, now) for plan in batch if plan.idempotency_key not in known]  # type: ignore[arg-type]
        if fresh:
            async with db.write_transaction():
                # ON CONFLICT DO NOTHING: a second worker sweeping at the same moment inserts nothing twice.
                inserted += len(await db.insert_new(Message, fresh, returning=Message.id))
    return inserted


async def schedule_reminders(*, now: datetime) -> int:
    """Insert the reminders due at `now` that are not there yet; how many."""
    return await insert_plans(await due_reminders(now=now), now=now)


async def sweep(*, now: datetime) -> int:
    """Everything scheduled rather than triggered: reminders and HR's daily digest. Messages made."""
    from events import digests

    return await schedule_reminders(now=now) + await digests.schedule_digests(now=now)


async def run_sweeps(*, stop: asyncio.Event, every: float = SWEEP_SECONDS) -> None:
    """Sweep now and then every `every` seconds until `stop` is set (a loop of the delivery worker)."""
    while not stop.is_set():
        try:
            made = await sweep(now=datetime.now(UTC))
        except Exception:
            # The next sweep tries again; what was missed is still due then (windows are hours long).
            log.exception("the reminder and digest sweep failed; trying again at the next one")
        else:
            if made:
                log.info("scheduled %d reminders and digests", made)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
