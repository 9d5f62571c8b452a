"""Bookings (预约): a seeker's place in an interview slot, never past its size nor overlapping another of theirs at the stop.

Race-freedom, on both engines, inside one `write_transaction()` per batch of seekers asking for places (one Batcher for
every slot in the process, like registrations at a stop: a burst is written in a few transactions, not one each):
- a slot's places: the batch's slot rows are locked in id order (`SELECT ... FOR NO KEY UPDATE` through `db.for_update`)
  and their counts read under the lock, places go in the order asked, and per slot one `UPDATE slot SET booked_count = booked_count + n WHERE id = ?
  AND booked_count + n <= size` moves the count (the same conditional update as a stop's seats, which would refuse
  rather than overfill even if the lock were gone); of two seekers racing for the last place one gets it and the
  other hears 409 `slot_full`;
- one seeker's overlapping bookings: the seekers' account rows are locked, in id order, before their bookings at the
  stop are read, so two bookings by one seeker (two slots' batches, or an invitation accepted) run one after the
  other and the second sees the first. On PostgreSQL an exclusion constraint (`EXCLUDE USING gist (seeker WITH =,
  stop WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status <> 'cancelled')`) would say the same in the
  schema, but it needs the btree_gist extension (a superuser's CREATE EXTENSION on managed databases) and SQLite
  has nothing like it; the row lock is one short wait on a row only that seeker contends for, and SQLite's
  BEGIN IMMEDIATE already serialises the same code. Every writer takes slots (in id order) before accounts, so two
  batches (two workers' on PostgreSQL) never wait on each other in a circle. The partial unique index booking_slot_seeker_active_unique backs up the
  slot's half.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count

from events import outbox, views
from events.accounts import Actor, require_role
from events.batching import Batcher
from events.db import for_update, is_sqlite, write_transaction
from events.errors import Conflict, DomainError, NotFound, Refused
from events.schedule import load_event
from events.slots import SLOT_COLUMNS, check_bookable, check_eligible, require_manager, slot_row, slot_rows, slot_view
from events.tables import Account, Booking, Consent, Registration, SeekerProfile, Slot, SlotInvitation

#: Statuses that hold a place (or held it: attended and no-show keep the slot's count, the time was given).
HOLDING = (Booking.Status.booked, Booking.Status.attended, Booking.Status.no_show)


def booking_view(row: dict[str, Any], slot: dict[str, Any]) -> views.Booking:
    zone = ZoneInfo(slot["stop.timezone"])
    return views.Booking(
        id=row["id"],
        status=row["status"],
        slot=slot_view(slot),
        invited=row["invited_by"] is not None,
        cancel_until=(slot["starts_at"] - timedelta(minutes=slot["cancel_cutoff_minutes"])).astimezone(zone),
        created_at=row["created_at"].astimezone(zone),
        cancelled_at=None if row["cancelled_at"] is None else row["cancelled_at"].astimezone(zone),
    )


async def _booking_row(booking_id: uuid.UUID) -> dict[str, Any]:
    row = await Booking.select().where(Booking.id == booking_id).first()
    if row is None:
        raise NotFound("booking_not_found", "No such booking.")
    return row


@dataclass
class _Ask:
    """One seeker asking for a place in a slot, on its way through a batch."""

    slot_id: uuid.UUID
    seeker_id: uuid.UUID
    now: datetime
    invited_by: uuid.UUID | None = None


async def _held(seekers: list[uuid.UUID], stops: set[uuid.UUID]) -> dict[tuple[uuid.UUID, uuid.UUID], list[dict[str, Any]]]:
    """The places each seeker holds at each of the stops, by (seeker, stop): to refuse a second place in a slot, or an overlapping one."""
    held: dict[tuple[uuid.UUID, uuid.UUID], list[dict[str, Any]]] = {}
    for row in await Booking.select(Booking.id, Booking.seeker, Booking.stop, Booking.slot, Booking.starts_at, Booking.ends_at).where(
        Booking.seeker.is_in(seekers) & Booking.stop.is_in(list(stops)) & Booking.status.is_in(list(HOLDING))
    ):
        held.setdefault((row["seeker"], row["stop"]), []).append(row)
    return held


async def _profiles(slots: list[dict[str, Any]], seekers: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """The profiles the slots' conditions are checked against (none read when no slot has conditions)."""
    if all(slot["eligibility"] == "{}" for slot in slots):
        return {}
    columns = (SeekerProfile.account, SeekerProfile.degree, SeekerProfile.major, SeekerProfile.graduation_year)
    return {row["account"]: row for row in await SeekerProfile.select(*columns).where(SeekerProfile.account.is_in(seekers))}


def _refusal(slot: dict[str, Any], now: datetime, profile: dict[str, Any] | None, mine: list[dict[str, Any]], *, full: bool) -> DomainError | None:
    """Why this seeker may not take a place in the slot, in the order a seeker is told (None: they may).

    One rule for the batch under the locks and for the read-only refusal of a full slot in `_take_places`, so both answer alike.
    """
    try:
        check_bookable(slot, now)
        check_eligible(slot, profile)
    except DomainError as error:
        return error
    same = next((other for other in mine if other["slot"] == slot["id"]), None)
    if same is not None:
        return Conflict("already_booked", "You already hold a place in this slot.", booking_id=str(same["id"]))
    overlapping = next((other for other in mine if other["starts_at"] < slot["ends_at"] and slot["starts_at"] < other["ends_at"]), None)
    if overlapping is not None:
        return Conflict("booking_overlaps", "You already hold a booking at this time at this stop.", booking_id=str(overlapping["id"]))
    if full:
        return Conflict("slot_full", "Every place in this slot is taken.")
    return None


def _has_room(slot: dict[str, Any]) -> bool:
    return slot["status"] == Slot.Status.open and slot["booked_count"] < slot["size"]


async def _take_places(asks: list[_Ask]) -> list[dict[str, Any] | DomainError]:
    """Places for a batch of asks, in the order asked, whatever their slots: a booking, or the refusal (404 `slot_not_found`,
    409 `already_booked`, `booking_overlaps`, `slot_full`, ...) per ask.

    The slots are read once for the batch. Asks for a slot that has no place left as committed now are refused from
    reads alone, without a turn at the write lock: under a burst for a few places nearly every ask ends there, and a
    place freed after this read is the next asker's, as it would be had the ask come a moment earlier. The rest are
    served in one transaction, under the locks the module docstring names (slots in id order, then the seekers'
    accounts in id order); SQLite's BEGIN IMMEDIATE already holds everything.
    """
    results: list[dict[str, Any] | DomainError | None] = [None] * len(asks)
    slots = await slot_rows(list({ask.slot_id for ask in asks}))
    full: list[int] = []
    served: list[int] = []
    for n, ask in enumerate(asks):
        slot = slots.get(ask.slot_id)
        if slot is None:
            results[n] = NotFound("slot_not_found", "No such slot.")
        else:
            (served if _has_room(slot) else full).append(n)
    if full:
        await _refuse_full(asks, full, slots, results)
    if served:
        await _book_served(asks, served, results)
    assert all(result is not None for result in results), "every ask is answered"
    return results  # type: ignore[return-value]


async def _refuse_full(asks: list[_Ask], full: list[int], slots: dict[uuid.UUID, dict[str, Any]], results: list[Any]) -> None:
    """The refusals of asks for slots with no place left, from committed reads; the locked path's own rule (`_refusal`), so a
    seeker who already holds the place still hears `already_booked`."""
    seekers = sorted({asks[n].seeker_id for n in full})
    asked = [slots[asks[n].slot_id] for n in full]
    profiles, held = await _profiles(asked, seekers), await _held(seekers, {slot["stop"] for slot in asked})
    for n in full:
        ask, slot = asks[n], slots[asks[n].slot_id]
        results[n] = _refusal(slot, ask.now, profiles.get(ask.seeker_id), held.get((ask.seeker_id, slot["stop"]), []), full=True)
        assert results[n] is not None, "a slot with no place left refuses every ask"


async def _book_served(asks: list[_Ask], served: list[int], results: list[Any]) -> None:
    """Places for the asks whose slots had room when read, in one transaction (see `_take_places`)."""
    slot_ids = sorted({asks[n].slot_id for n in served})
    seekers = sorted({asks[n].seeker_id for n in served})
    async with write_transaction():
        if not is_sqlite():
            await for_update(Slot.select(Slot.id).where(Slot.id.is_in(slot_ids)).order_by(Slot.id))
        # Under the locks the slots are read again, once for the batch.
        slots = await slot_rows(slot_ids)
        profiles = await _profiles(list(slots.values()), seekers)
        if not is_sqlite():
            await for_update(Account.select(Account.id).where(Account.id.is_in(seekers)).order_by(Account.id))
        held = await _held(seekers, {slot["stop"] for slot in slots.values()})
        made: dict[uuid.UUID, list[dict[str, Any]]] = {}
        for n in served:
            ask = asks[n]
            slot = slots.get(ask.slot_id)
            if slot is None:
                results[n] = NotFound("slot_not_found", "No such slot.")
                continue
            free = slot["size"] - slot["booked_count"] if slot["status"] == Slot.Status.open else 0
            mine = held.setdefault((ask.seeker_id, slot["stop"]), [])
            refusal = _refusal(slot, ask.now, profiles.get(ask.seeker_id), mine, full=len(made.get(slot["id"], ())) >= free)
            if refusal is not None:
                results[n] = refusal
                continue
            booking = {
                "id": uuid.uuid4(), "slot": slot["id"], "seeker": ask.seeker_id, "registration": None, "stop": slot["stop"],
                "employer": slot["booth.employer"], "starts_at": slot["starts_at"], "ends_at": slot["ends_at"], "status": Booking.Status.booked,
                "invited_by": ask.invited_by, "revision": 0, "created_at": ask.now, "cancelled_at": None, "marked_at": None, "updated_at": ask.now,
            }
            made.setdefault(slot["id"], []).append(booking)
            mine.append(booking)
            results[n] = booking
        bookings = [booking for taken in made.values() for booking in taken]
        if not bookings:
            return
        booked_counts: dict[uuid.UUID, int] = {}
        for slot_id, taken in made.items():
            # Never past the size, even if the count moved under us (it cannot, under the locks): the UPDATE says so itself.
            moved = await Slot.update({Slot.booked_count: Slot.booked_count + len(taken)}).where(
                (Slot.id == slot_id) & (Slot.status == Slot.Status.open) & WhereRaw('"booked_count" + {} <= "size"', len(taken))
            ).returning(Slot.booked_count)
            if not moved:
                raise RuntimeError("the slot's places changed while it was held")
            booked_counts[slot_id] = moved[0]["booked_count"]
        registrations = {
            (row["seeker"], row["stop"]): row["id"]
            for row in await Registration.select(Registration.id, Registration.seeker, Registration.stop).where(
                Registration.stop.is_in(list({b["stop"] for b in bookings})) & Registration.seeker.is_in(list({b["seeker"] for b in bookings}))
                & (Registration.status != Registration.Status.cancelled)
            )
        }
        for booking in bookings:
            booking["registration"] = registrations.get((booking["seeker"], booking["stop"]))
        await Booking.insert(*(Booking(**booking) for booking in bookings))
        for booking in bookings:
            booking["slot_row"] = {**slots[booking["slot"]], "booked_count": booked_counts[booking["slot"]]}
        await outbox.record_many(
            "booking.created",
            [{"booking_id": b["id"], "slot_id": b["slot"], "seeker_id": b["seeker"], "employer_id": b["employer"], "stop_id": b["stop"]} for b in bookings],
            now=asks[served[0]].now,
        )


#: One batcher for every slot's bookings: a burst's asks, whatever slot each wants, are read and written together, in a few
#: batches (per slot, twelve slots' bursts each paid their own batches' reads and write turns).
_asks = Batcher(_take_places, limit=500)


async def _take_place(*, seeker_id: uuid.UUID, now: datetime, slot: dict[str, Any], invited_by: uuid.UUID | None) -> dict[str, Any]:
    """Inside the caller's write transaction (an invitation accepted): one place, or the Conflict that refuses it."""
    (result,) = await _take_places([_Ask(slot_id=slot["id"], seeker_id=seeker_id, now=now, invited_by=invited_by)])
    if isinstance(result, DomainError):
        raise result
    return result


async def book(*, actor: Actor, now: datetime, slot_id: uuid.UUID) -> views.Booking:
    """Take a place in a slot for oneself. 409 `slot_full`, `booking_overlaps`, `already_booked`, `slot_started`, `slot_cancelled`, `not_eligible`."""
    require_role(actor, "seeker")
    # Seekers asking for places at once are served together, in order, in one transaction (_take_places).
    booking = await _asks.submit(_Ask(slot_id=slot_id, seeker_id=actor.id, now=now))
    return booking_view(booking, booking["slot_row"])


async def cancel_booking(*, actor: Actor, now: datetime, booking_id: uuid.UUID) -> views.Booking:
    """Give a place back: the seeker until the slot's cut-off, the employer's HR and organisers at any time. Cancelling twice changes nothing."""
    require_role(actor, "seeker", "hr", "organiser")
    row = await _booking_row(booking_id)
    if actor.role == "seeker" and row["seeker"] != actor.id:
        raise NotFound("booking_not_found", "No such booking.")
    if actor.role == "hr" and not actor.works_for(row["employer"]):
        raise NotFound("booking_not_found", "No such booking.")
    slot = await slot_row(row["slot"])
    if row["status"] in (Booking.Status.attended, Booking.Status.no_show):
        raise Refused("booking_marked", "This booking is already marked attended or no-show.")
    if actor.role == "seeker" and row["status"] == Booking.Status.booked and now > slot["starts_at"] - timedelta(minutes=slot["cancel_cutoff_minutes"]):
        raise Refused("cancel_cutoff_passed", "It is too late to cancel this booking; tell the employer instead.")
    async with write_transaction():
        # The slot first, as every writer of a slot and its bookings does (a booking, a move, a slot called off): taking
        # the booking's row first and the slot's second deadlocked against a move holding the slot and updating bookings.
        if not is_sqlite():
            await for_update(Slot.select(Slot.id).where(Slot.id == row["slot"]))
        moved = await Booking.update(
            {Booking.status: Booking.Status.cancelled, Booking.cancelled_at: now, Booking.updated_at: now, Booking.revision: Booking.revision + 1}
        ).where((Booking.id == booking_id) & (Booking.status == Booking.Status.booked)).returning(Booking.id)
        if moved:
            # The place comes free for the next seeker in the same transaction; the guard keeps the count from going below zero.
            await Slot.update({Slot.booked_count: Slot.booked_count - 1}).where((Slot.id == row["slot"]) & (Slot.booked_count > 0))
            await outbox.record(
                "booking.cancelled",
                {"booking_id": booking_id, "slot_id": row["slot"], "seeker_id": row["seeker"], "employer_id": row["employer"], "by": actor.role},
                now=now,
            )
    return booking_view(await _booking_row(booking_id), await slot_row(row["slot"]))


async def cancel_slot_bookings(*, slot_id: uuid.UUID, now: datetime) -> list[uuid.UUID]:
    """Inside the slot's cancellation: every booked place in it cancelled; the ids."""
    rows = await Booking.update(
        {Booking.status: Booking.Status.cancelled, Booking.cancelled_at: now, Booking.updated_at: now, Booking.revision: Booking.revision + 1}
    ).where((Booking.slot == slot_id) & (Booking.status == Booking.Status.booked)).returning(Booking.id)
    await Slot.update({Slot.booked_count: 0}).where(Slot.id == slot_id)
    return [row["id"] for row in rows]


async def mark_attendance(*, actor: Actor, now: datetime, booking_id: uuid.UUID, attended: bool) -> views.Booking:
    """HR mark a booked seeker attended or no-show (and may correct it). 409 `booking_cancelled`, `slot_not_started` (no-show before the start)."""
    require_role(actor, "hr", "organiser")
    row = await _booking_row(booking_id)
    if not actor.is_organiser and not actor.works_for(row["employer"]):
        raise NotFound("booking_not_found", "No such booking.")
    if row["status"] == Booking.Status.cancelled:
        raise Refused("booking_cancelled", "This booking was cancelled.")
    if not attended and now < row["starts_at"]:
        raise Refused("slot_not_started", "A seeker can be marked absent only once the slot has started.")
    status = Booking.Status.attended if attended else Booking.Status.no_show
    async with write_transaction():
        await Booking.update({Booking.status: status, Booking.marked_at: now, Booking.updated_at: now, Booking.revision: Booking.revision + 1}).where(
            (Booking.id == booking_id) & (Booking.status != Booking.Status.cancelled)
        )
    return booking_view(await _booking_row(booking_id), await slot_row(row["slot"]))


async def my_bookings(*, actor: Actor) -> list[views.Booking]:
    require_role(actor, "seeker")
    rows = await Booking.select().where(Booking.seeker == actor.id).order_by(Booking.starts_at)
    slots = {row["id"]: row for row in await Slot.select(*SLOT_COLUMNS).where(Slot.id.is_in([row["slot"] for row in rows]))} if rows else {}
    return [booking_view(row, slots[row["slot"]]) for row in rows]


async def _no_show_counts(seeker_ids: list[uuid.UUID], employer_id: uuid.UUID | None) -> dict[uuid.UUID, int]:
    if not seeker_ids:
        return {}
    where = Booking.seeker.is_in(seeker_ids) & (Booking.status == Booking.Status.no_show)
    if employer_id is not None:
        where &= Booking.employer == employer_id
    rows = await Booking.select(Booking.seeker, Count(Booking.id, alias="n")).where(where).group_by(Booking.seeker)
    return {row["seeker"]: row["n"] for row in rows}


async def booth_slots(*, actor: Actor, booth_id: uuid.UUID) -> list[views.ManagedSlot]:
    """A booth's slots with their bookings, for its employer's HR and organisers; each seeker's no-show count beside them."""
    from events.tables import Booth

    require_role(actor, "hr", "organiser")
    booth = await Booth.select(Booth.employer).where(Booth.id == booth_id).first()
    if booth is None or not (actor.is_organiser or actor.works_for(booth["employer"])):
        raise NotFound("booth_not_found", "No such booth.")
    slots = await Slot.select(*SLOT_COLUMNS).where(Slot.booth == booth_id).order_by(Slot.starts_at)
    bookings = await Booking.select(Booking.all_columns(), Booking.seeker.name).where(
        Booking.slot.is_in([slot["id"] for slot in slots]) & (Booking.status != Booking.Status.cancelled)
    ).order_by(Booking.created_at) if slots else []
    no_shows = await _no_show_counts(list({row["seeker"] for row in bookings}), None if actor.is_organiser else booth["employer"])
    by_slot: dict[uuid.UUID, list[views.SlotBooking]] = {}
    for row in bookings:
        zone = ZoneInfo("Asia/Shanghai")
        by_slot.setdefault(row["slot"], []).append(
            views.SlotBooking(
                id=row["id"], seeker_id=row["seeker"], seeker_name=row["seeker.name"], status=row["status"], invited=row["invited_by"] is not None,
                seeker_no_shows=no_shows.get(row["seeker"], 0), created_at=row["created_at"].astimezone(zone),
            )
        )
    return [views.ManagedSlot(slot=slot_view(slot), bookings=by_slot.get(slot["id"], [])) for slot in slots]


async def no_show_report(*, actor: Actor, slug: str) -> views.NoShowReport:
    """No-shows at an event's slots per employer and per seeker: organisers see all, HR their own employer's."""
    require_role(actor, "hr", "organiser")
    event = await load_event(slug, actor)
    where = (Booking.stop.event == event.id) & (Booking.status != Booking.Status.cancelled)
    if not actor.is_organiser:
        where &= Booking.employer == actor.employer_id
    rows = await Booking.select(Booking.employer, Booking.employer.name, Booking.status, Count(Booking.id, alias="n")).where(where).group_by(
        Booking.employer, Booking.employer.name, Booking.status
    )
    employers: dict[uuid.UUID, dict[str, Any]] = {}
    for row in rows:
        entry = employers.setdefault(row["employer"], {"name": row["employer.name"], "bookings": 0, "attended": 0, "no_show": 0})
        entry["bookings"] += row["n"]
        if row["status"] in ("attended", "no_show"):
            entry[row["status"]] += row["n"]
    seekers = await Booking.select(Booking.seeker, Booking.seeker.name, Count(Booking.id, alias="n")).where(
        where & (Booking.status == Booking.Status.no_show)
    ).group_by(Booking.seeker, Booking.seeker.name)
    return views.NoShowReport(
        employers=sorted(
            (views.EmployerNoShows(employer=views.EmployerSummary(id=key, name=e["name"]), bookings=e["bookings"], attended=e["attended"], no_shows=e["no_show"])
             for key, e in employers.items()),
            key=lambda item: (-item.no_shows, item.employer.name),
        ),
        seekers=sorted((views.SeekerNoShows(seeker_id=r["seeker"], name=r["seeker.name"], no_shows=r["n"]) for r in seekers), key=lambda s: (-s.no_shows, s.name)),
    )


async def bookings_at_booths(pairs: list[tuple[uuid.UUID, uuid.UUID]], now: datetime) -> dict[tuple[uuid.UUID, uuid.UUID], views.BoothBooking]:
    """For scanned (seeker, booth) pairs: each seeker's booking at that booth nearest to now, if any (the scan shows it)."""
    if not pairs:
        return {}
    seekers, booths = list({seeker for seeker, _ in pairs}), list({booth for _, booth in pairs})
    rows = await Booking.select(Booking.id, Booking.seeker, Booking.slot, Booking.slot.booth, Booking.starts_at, Booking.ends_at, Booking.status).where(
        Booking.seeker.is_in(seekers) & Booking.slot.booth.is_in(booths) & (Booking.status != Booking.Status.cancelled)
    )
    found: dict[tuple[uuid.UUID, uuid.UUID], dict[str, Any]] = {}
    for row in rows:
        key = (row["seeker"], row["slot.booth"])
        best = found.get(key)
        if best is None or abs(row["starts_at"] - now) < abs(best["starts_at"] - now):
            found[key] = row
    return {
        key: views.BoothBooking(id=row["id"], slot_id=row["slot"], starts_at=row["starts_at"], ends_at=row["ends_at"], status=row["status"])
        for key, row in found.items()
    }


# ---------------------------------------------------------------- invitations


async def _invitation_view(row: dict[str, Any]) -> views.SlotInvitation:
    return views.SlotInvitation(
        id=row["id"], slot=slot_view(await slot_row(row["slot"])), seeker_id=row["seeker"], state=row["state"], booking_id=row["booking"],
        created_at=row["created_at"], decided_at=row["decided_at"],
    )


async def invite(*, actor: Actor, now: datetime, slot_id: uuid.UUID, seeker_id: uuid.UUID) -> views.SlotInvitation:
    """Invite a seeker who shares their profile with this employer to a slot (HR). 404 `seeker_not_found` for anyone else; 409 `already_invited`."""
    slot = await slot_row(slot_id)
    require_manager(actor, slot["booth.employer"])
    check_bookable(slot, now)
    # Only someone who agreed to share their profile with this employer (and has not withdrawn) may be reached this way.
    shares = await Consent.exists().where(
        (Consent.seeker == seeker_id) & (Consent.purpose == Consent.Purpose.share_profile) & (Consent.employer == slot["booth.employer"])
        & Consent.withdrawn_at.is_null()
    )
    if not shares:
        raise NotFound("seeker_not_found", "No seeker who shares their profile with this employer has this id.")
    async with write_transaction():
        created = await SlotInvitation.insert(
            SlotInvitation(slot=slot_id, seeker=seeker_id, invited_by=actor.id, state=SlotInvitation.State.invited, created_at=now)
        ).on_conflict(action="DO NOTHING").returning(SlotInvitation.id)
        if not created:
            raise Conflict("already_invited", "This seeker was already invited to this slot.")
        await outbox.record(
            "slot.invitation_created",
            {"invitation_id": created[0]["id"], "slot_id": slot_id, "seeker_id": seeker_id, "employer_id": slot["booth.employer"]},
            now=now,
        )
    return await _invitation_view(await SlotInvitation.select().where(SlotInvitation.id == created[0]["id"]).first())


async def invitable_seekers(*, actor: Actor) -> list[views.SeekerNoShows]:
    """Seekers an HR account may invite: those who share their profile with its employer now; with their no-shows there."""
    require_role(actor, "hr")
    rows = await Consent.select(Consent.seeker, Consent.seeker.name).where(
        (Consent.purpose == Consent.Purpose.share_profile) & (Consent.employer == actor.employer_id) & Consent.withdrawn_at.is_null()
    )
    names = {row["seeker"]: row["seeker.name"] for row in rows}
    no_shows = await _no_show_counts(list(names), actor.employer_id)
    return sorted((views.SeekerNoShows(seeker_id=seeker, name=name, no_shows=no_shows.get(seeker, 0)) for seeker, name in names.items()), key=lambda s: s.name)


async def _own_invitation(actor: Actor, invitation_id: uuid.UUID) -> dict[str, Any]:
    require_role(actor, "seeker")
    row = await SlotInvitation.select().where(SlotInvitation.id == invitation_id).first()
    if row is None or row["seeker"] != actor.id:
        raise NotFound("slot_invitation_not_found", "No such invitation to an interview slot.")
    return row


async def answer_invitation(*, actor: Actor, now: datetime, invitation_id: uuid.UUID, accept: bool) -> views.SlotInvitation:
    """The seeker accepts (which books the place, as booking would: 409 `slot_full`, `booking_overlaps`) or declines. 409 `invitation_answered`."""
    row = await _own_invitation(actor, invitation_id)
    if row["state"] != SlotInvitation.State.invited:
        raise Refused("invitation_answered", "This invitation was already answered.")
    slot = await slot_row(row["slot"])
    if accept:
        check_bookable(slot, now)
    async with write_transaction():
        booking_id = None
        if accept:
            booking_id = (await _take_place(seeker_id=actor.id, now=now, slot=slot, invited_by=row["invited_by"]))["id"]
        moved = await SlotInvitation.update(
            {SlotInvitation.state: SlotInvitation.State.accepted if accept else SlotInvitation.State.declined, SlotInvitation.decided_at: now,
             SlotInvitation.booking: booking_id}
        ).where((SlotInvitation.id == invitation_id) & (SlotInvitation.state == SlotInvitation.State.invited)).returning(SlotInvitation.id)
        if not moved:
            raise Refused("invitation_answered", "This invitation was already answered.")
    return await _invitation_view(await SlotInvitation.select().where(SlotInvitation.id == invitation_id).first())


async def my_invitations(*, actor: Actor) -> list[views.SlotInvitation]:
    require_role(actor, "seeker")
    rows = await SlotInvitation.select().where(SlotInvitation.seeker == actor.id).order_by(SlotInvitation.created_at, ascending=False)
    return [await _invitation_view(row) for row in rows]


async def cancel_upcoming_bookings(*, seeker_id: uuid.UUID, now: datetime) -> None:
    """A seeker leaving (account deletion): every booking not yet started is cancelled and its place freed."""
    async with write_transaction():
        upcoming = (Booking.seeker == seeker_id) & (Booking.status == Booking.Status.booked) & (Booking.starts_at > now)
        slot_ids = sorted({row["slot"] for row in await Booking.select(Booking.slot).where(upcoming)})
        if slot_ids:
            # Slots first, in id order, like every other writer of slots and bookings: a move racing this would deadlock otherwise.
            await for_update(Slot.select(Slot.id).where(Slot.id.is_in(slot_ids)).order_by(Slot.id))
        rows = await Booking.update(
            {Booking.status: Booking.Status.cancelled, Booking.cancelled_at: now, Booking.updated_at: now, Booking.revision: Booking.revision + 1}
        ).where(upcoming).returning(
            Booking.id, Booking.slot, Booking.employer
        )
        for row in rows:
            await Slot.update({Slot.booked_count: Slot.booked_count - 1}).where((Slot.id == row["slot"]) & (Slot.booked_count > 0))
        await outbox.record_many(
            "booking.cancelled",
            [{"booking_id": row["id"], "slot_id": row["slot"], "seeker_id": seeker_id, "employer_id": row["employer"], "by": "account_deleted"} for row in rows],
            now=now,
        )
