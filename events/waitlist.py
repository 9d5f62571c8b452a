"""Seats and the waitlist: filling free seats of a stop in waitlist order.

Callers hold the stop locked (write transaction plus `db.for_update` on the stop), so two
promotions can never pick the same seeker or count one seat twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from events import outbox
from events.tables import Registration, Stop


async def confirm_waitlisted(registration_ids: list[uuid.UUID], *, now: datetime) -> None:
    """Give these waitlisted registrations their seats (the caller has counted the seats on the stop)."""
    await Registration.update(
        {
            Registration.status: Registration.Status.confirmed,
            Registration.waitlist_seq: None,
            Registration.confirmed_at: now,
            Registration.updated_at: now,
            Registration.revision: Registration.revision + 1,
        }
    ).where(Registration.id.is_in(registration_ids))


async def record_promotions(registration_ids: list[uuid.UUID], *, now: datetime) -> None:
    """One `registration.promoted` domain event per registration given a seat, in the caller's transaction."""
    rows = await Registration.select(Registration.id, Registration.stop, Registration.seeker).where(Registration.id.is_in(registration_ids))
    await outbox.record_many(
        "registration.promoted", [{"registration_id": row["id"], "stop_id": row["stop"], "seeker_id": row["seeker"]} for row in rows], now=now
    )


async def fill_free_seats(*, stop_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
    """Confirm waitlisted registrations, first in line first, while the stop has free seats; returns who was promoted (each recorded as `registration.promoted`)."""
    stop = await Stop.select(Stop.capacity, Stop.confirmed_count, Stop.status).where(Stop.id == stop_id).first()
    seats = stop["capacity"] - stop["confirmed_count"]
    if stop["status"] != Stop.Status.scheduled or seats <= 0:
        return []
    waiting = (
        await Registration.select(Registration.id)
        .where((Registration.stop == stop_id) & (Registration.status == Registration.Status.waitlisted))
        .order_by(Registration.waitlist_seq)
        .limit(seats)
    )
    ids = [row["id"] for row in waiting]
    if not ids:
        return []
    await confirm_waitlisted(ids, now=now)
    await Stop.update({Stop.confirmed_count: Stop.confirmed_count + len(ids)}).where(Stop.id == stop_id)
    await record_promotions(ids, now=now)
    return ids


#: Each waitlisted registration's place in its stop's line, numbered in one pass by a window function (both engines
#: have ROW_NUMBER); the outer WHERE picks whose places are wanted without changing anyone's number.
_LINE = """
SELECT id, position FROM (
    SELECT id, seeker, waitlist_seq,
           ROW_NUMBER() OVER (PARTITION BY stop ORDER BY waitlist_seq, id) AS position
    FROM registration WHERE status = 'waitlisted' AND stop IN ({stops})
) AS line WHERE {which}
"""


async def _line(stop_ids: list[uuid.UUID], which: str, *args: object) -> dict[uuid.UUID, int]:
    sql = _LINE.format(stops=", ".join("{}" for _ in stop_ids), which=which)
    rows = await Registration.raw(sql, *stop_ids, *args)
    # SQLite hands the id back as text from inside a subquery.
    return {row["id"] if isinstance(row["id"], uuid.UUID) else uuid.UUID(row["id"]): row["position"] for row in rows}


async def waitlist_positions_between(*, stop_id: uuid.UUID, first_seq: int, last_seq: int) -> dict[uuid.UUID, int]:
    """Registration id → place in line (1 is next), for the stop's waitlisted registrations numbered first_seq..last_seq: one query for a page."""
    return await _line([stop_id], "waitlist_seq BETWEEN {} AND {}", first_seq, last_seq)


async def seekers_waitlist_positions(*, seeker_id: uuid.UUID, stop_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Registration id → place in line, for the seeker's waitlisted registrations at these stops: one query."""
    return await _line(stop_ids, "seeker = {}", seeker_id) if stop_ids else {}


async def waitlist_position(*, stop_id: uuid.UUID, waitlist_seq: int) -> int:
    """1 for the next in line."""
    return await Registration.count().where(
        (Registration.stop == stop_id)
        & (Registration.status == Registration.Status.waitlisted)
        & (Registration.waitlist_seq <= waitlist_seq)
    )
