"""Seats and the waitlist: filling free seats of a stop in waitlist order.

Callers hold the stop locked (write transaction plus `db.for_update` on the stop), so two
promotions can never pick the same seeker or count one seat twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from events.tables import Registration, Stop


async def fill_free_seats(*, stop_id: uuid.UUID, now: datetime) -> int:
    """Confirm waitlisted registrations, first in line first, while the stop has free seats; returns how many."""
    stop = await Stop.select(Stop.capacity, Stop.confirmed_count, Stop.status).where(Stop.id == stop_id).first()
    seats = stop["capacity"] - stop["confirmed_count"]
    if stop["status"] != Stop.Status.scheduled or seats <= 0:
        return 0
    waiting = (
        await Registration.select(Registration.id)
        .where((Registration.stop == stop_id) & (Registration.status == Registration.Status.waitlisted))
        .order_by(Registration.waitlist_seq)
        .limit(seats)
    )
    ids = [row["id"] for row in waiting]
    if not ids:
        return 0
    await Registration.update(
        {
            Registration.status: Registration.Status.confirmed,
            Registration.waitlist_seq: None,
            Registration.confirmed_at: now,
            Registration.updated_at: now,
            Registration.revision: Registration.revision + 1,
        }
    ).where(Registration.id.is_in(ids))
    await Stop.update({Stop.confirmed_count: Stop.confirmed_count + len(ids)}).where(Stop.id == stop_id)
    return len(ids)


async def waitlist_position(*, stop_id: uuid.UUID, waitlist_seq: int) -> int:
    """1 for the next in line."""
    return await Registration.count().where(
        (Registration.stop == stop_id)
        & (Registration.status == Registration.Status.waitlisted)
        & (Registration.waitlist_seq <= waitlist_seq)
    )
