"""What students are told about their interview slots (subscribers, see events.notify): an invitation, a booking made, one cancelled by the employer or with its slot."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from events.notify import DomainEventView, Plan, subscriber, to_accounts
from events.settings import settings
from events.tables import Booking, Slot, SlotInvitation


async def _slot_params(slot_id: object) -> dict[str, Any]:
    row = await Slot.select(
        Slot.id, Slot.starts_at, Slot.ends_at, Slot.booth.label, Slot.booth.employer.name, Slot.stop.name, Slot.stop.school, Slot.stop.address,
        Slot.stop.timezone, Slot.stop.event.title,
    ).where(Slot.id == slot_id).first()
    if row is None:
        return {}
    return {
        "slot_id": str(row["id"]),
        "employer_name": row["booth.employer.name"],
        "booth_label": row["booth.label"],
        "event_title": row["stop.event.title"],
        "stop_name": row["stop.name"] or row["stop.school"],
        "address": row["stop.address"],
        "starts_at": row["starts_at"].isoformat(),
        "ends_at": row["ends_at"].isoformat(),
        "timezone": row["stop.timezone"],
        "bookings_url": f"{settings.public_url}/me/tickets",
    }


@subscriber("booking.created")
async def booking_created(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """The student gets the time and the booth of the interview they booked."""
    params = {**await _slot_params(event.payload["slot_id"]), "booking_id": event.payload["booking_id"]}
    return await to_accounts(event, [uuid.UUID(event.payload["seeker_id"])], params)


@subscriber("booking.cancelled")
async def booking_cancelled(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """A booking the employer (or an organiser) cancelled is news to the student; their own cancellation is not."""
    if event.payload.get("by") in ("seeker", "account_deleted"):
        return []
    params = {**await _slot_params(event.payload["slot_id"]), "booking_id": event.payload["booking_id"]}
    return await to_accounts(event, [uuid.UUID(event.payload["seeker_id"])], params)


@subscriber("slot.changed")
async def slot_called_off(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """Everyone whose booking went with a called-off slot hears it is off."""
    booking_ids = event.payload.get("booking_ids") or []
    if event.payload.get("change") != "cancelled" or not booking_ids:
        return []
    seekers = [row["seeker"] for row in await Booking.select(Booking.seeker).where(Booking.id.is_in(booking_ids))]
    (slot_id,) = event.payload["slot_ids"]
    return await to_accounts(event, seekers, await _slot_params(slot_id), kind="slot.cancelled")


@subscriber("slot.changed")
async def slot_moved(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """Everyone booked in a moved slot hears the new time, and the old one beside it."""
    booking_ids = event.payload.get("booking_ids") or []
    if event.payload.get("change") != "moved" or not booking_ids:
        return []
    seekers = [row["seeker"] for row in await Booking.select(Booking.seeker).where(Booking.id.is_in(booking_ids) & (Booking.status != Booking.Status.cancelled))]
    (slot_id,) = event.payload["slot_ids"]
    params = {**await _slot_params(slot_id), "old_starts_at": event.payload["old_starts_at"], "old_ends_at": event.payload["old_ends_at"]}
    return await to_accounts(event, seekers, params, kind="slot.moved")


@subscriber("slot.invitation_created")
async def invitation_created(event: DomainEventView, *, now: datetime) -> list[Plan]:
    """The invited student hears who invites them, when, and where to answer."""
    invitation = await SlotInvitation.select(SlotInvitation.state).where(SlotInvitation.id == event.payload["invitation_id"]).first()
    if invitation is None or invitation.get("state") != SlotInvitation.State.invited:
        return []
    params = {**await _slot_params(event.payload["slot_id"]), "invitation_id": event.payload["invitation_id"]}
    return await to_accounts(event, [uuid.UUID(event.payload["seeker_id"])], params)
