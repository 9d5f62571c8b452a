"""Registrations: a seeker's place at a stop, confirmed or waitlisted without ever overbooking, and its ticket."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns.combination import WhereRaw
from piccolo.query.functions.aggregate import Count

from events import calendar, i18n, metrics, notify, outbox, tickets, views
from events.accounts import Actor, require_organiser, require_role
from events.batching import Batcher
from events.db import contains, for_update, insert_new, write_transaction
from events.errors import Conflict, DomainError, NotFound, Refused
from events.exports import Sheet, csv_document, workbook
from events.schedule import load_stop, registration_window
from events.tables import AuditEntry, CheckIn, Event, Registration, SeekerProfile, Stop
from events.waitlist import (
    confirm_waitlisted,
    fill_free_seats,
    record_promotions,
    seekers_waitlist_positions,
    waitlist_position,
    waitlist_positions_between,
)

ACTIVE = (Registration.Status.confirmed, Registration.Status.waitlisted)
#: Rows per INSERT of new registrations: 11 columns each stays well under both engines' parameter limits.
_INSERT_ROWS = 250
#: Seeker profiles read per statement when listing a stop's registrations.
PROFILE_SLICE = 1000
SUMMARY_COLUMNS = (
    Registration.all_columns(),
    Registration.stop.event.slug,
    Registration.stop.event.title,
    Registration.stop.name,
    Registration.stop.address,
    Registration.stop.starts_at,
    Registration.stop.ends_at,
    Registration.stop.timezone,
    Registration.stop.status,
)


# ---------------------------------------------------------------- views


def _in_zone(moment: datetime | None, zone: str) -> datetime | None:
    return None if moment is None else moment.astimezone(ZoneInfo(zone))


def ticket_view(registration_id: uuid.UUID, stop_id: uuid.UUID, short_code: str) -> views.Ticket:
    base = f"/api/registrations/{registration_id}/ticket"
    return views.Ticket(
        code=tickets.issue(registration_id=registration_id, stop_id=stop_id),
        short_code=short_code,
        qr_url=f"{base}.svg",
        png_url=f"{base}.png",
    )


async def registration_view(row: dict[str, Any], *, position: int | None = None) -> views.Registration:
    """The registration as its seeker sees it; `position` in the waitlist when the caller already knows it."""
    zone = row["stop.timezone"]
    if position is None and row["status"] == Registration.Status.waitlisted:
        position = await waitlist_position(stop_id=row["stop"], waitlist_seq=row["waitlist_seq"])
    return views.Registration(
        id=row["id"],
        status=row["status"],
        waitlist_position=position,
        stop=views.StopSummary(
            id=row["stop"],
            event_slug=row["stop.event.slug"],
            event_title=row["stop.event.title"],
            name=row["stop.name"],
            address=row["stop.address"],
            starts_at=_in_zone(row["stop.starts_at"], zone),
            ends_at=_in_zone(row["stop.ends_at"], zone),
            timezone=zone,
            status=row["stop.status"],
        ),
        ticket=None if row["status"] == Registration.Status.cancelled else ticket_view(row["id"], row["stop"], row["short_code"]),
        created_at=_in_zone(row["created_at"], zone),
        confirmed_at=_in_zone(row["confirmed_at"], zone),
        cancelled_at=_in_zone(row["cancelled_at"], zone),
    )


async def _row(registration_id: uuid.UUID) -> dict[str, Any]:
    row = await Registration.select(*SUMMARY_COLUMNS).where(Registration.id == registration_id).first()
    if row is None:
        raise NotFound("registration_not_found", "No such registration.")
    return row


async def _owned_row(actor: Actor, registration_id: uuid.UUID) -> dict[str, Any]:
    """The registration, if the actor is its seeker or an organiser; others learn nothing (404)."""
    require_role(actor, "seeker", "organiser")
    row = await _row(registration_id)
    if not actor.is_organiser and row["seeker"] != actor.id:
        raise NotFound("registration_not_found", "No such registration.")
    return row


# ---------------------------------------------------------------- the window


def _check_open(stop: Stop, event: Event, now: datetime) -> None:
    if stop.status == Stop.Status.cancelled or event.status == Event.Status.cancelled:
        raise Refused("stop_cancelled", "This stop has been cancelled.")
    if event.status != Event.Status.published:
        raise NotFound("stop_not_found", "No such stop.")
    if now >= stop.ends_at:
        raise Refused("stop_ended", "This stop is over.")
    opens, closes = registration_window(stop, event)
    if opens is None or now < opens:
        raise Refused("registration_not_open", "Registration for this stop has not opened yet.")
    if now >= closes:
        raise Refused("registration_closed", "Registration for this stop is closed.")


# ---------------------------------------------------------------- seekers


@dataclass
class _Claim:
    """One seeker asking for a place, on its way through a batch."""

    actor: Actor
    now: datetime


async def _claim_places(stop_id: uuid.UUID, claims: list[_Claim]) -> list[tuple[dict[str, Any], int | None] | DomainError]:
    """Seats, then waitlist places, in the order asked, for a batch of seekers at one stop, in one transaction.

    The stop is held (row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite) while its counts are
    read and moved on by the whole batch in one conditional UPDATE: a count-then-insert without
    the lock would overbook under a burst.
    """
    results: list[tuple[dict[str, Any], int | None] | DomainError | None] = [None] * len(claims)
    async with write_transaction():
        # Hold the stop first, then read it: every change to its seats queues behind this lock.
        await for_update(Stop.select(Stop.id).where(Stop.id == stop_id))
        try:
            stop, event = await load_stop(stop_id, claims[0].actor)
        except DomainError as error:
            return [error] * len(claims)
        seekers = list({claim.actor.id for claim in claims})
        existing = {
            row["seeker"]: row
            for row in await Registration.select(Registration.id, Registration.status, Registration.seeker, Registration.short_code).where(
                (Registration.stop == stop.id) & Registration.seeker.is_in(seekers)
            )
        }
        free, waitlist_seq, seated = stop.capacity - stop.confirmed_count, stop.waitlist_seq, 0
        new, revived = [], []
        told: dict[str, list[dict[str, object]]] = {}
        # Everyone waiting now has a lower number than anyone this batch adds: positions follow from one count.
        waiting = None
        for n, claim in enumerate(claims):
            try:
                _check_open(stop, event, claim.now)
            except DomainError as error:
                results[n] = error
                continue
            prior = existing.get(claim.actor.id)
            if prior is not None and prior["status"] != Registration.Status.cancelled:
                results[n] = Conflict("already_registered", "You are already registered for this stop.", registration_id=str(prior["id"]))
                continue
            if free > seated:
                seated += 1
                fields = {"status": Registration.Status.confirmed, "waitlist_seq": None, "confirmed_at": claim.now}
            else:
                waitlist_seq += 1
                fields = {"status": Registration.Status.waitlisted, "waitlist_seq": waitlist_seq, "confirmed_at": None}
            if prior is not None:
                # Coming back after a cancellation: the same row (and ticket) comes back to life.
                revived.append((prior["id"], claim.now, fields))
                registration_id, short_code = prior["id"], prior["short_code"]
            else:
                registration_id, short_code = uuid.uuid4(), tickets.new_short_code()
                new.append({
                    "id": registration_id, "stop": stop.id, "seeker": claim.actor.id, "status": str(fields["status"]), "waitlist_seq": fields["waitlist_seq"],
                    "short_code": short_code, "revision": 0, "confirmed_at": fields["confirmed_at"], "cancelled_at": None,
                    "created_at": claim.now, "updated_at": claim.now,
                })
            # A seeker asking twice in one batch finds the place the first ask took.
            existing[claim.actor.id] = {"id": registration_id, "status": fields["status"], "seeker": claim.actor.id, "short_code": short_code}
            position = None
            if fields["status"] == Registration.Status.waitlisted:
                if waiting is None:
                    waiting = await Registration.count().where((Registration.stop == stop.id) & (Registration.status == Registration.Status.waitlisted))
                waiting += 1
                position = waiting
            results[n] = (_summary_row(stop, event, registration_id, short_code, claim.now, fields), position)
            told.setdefault(fields["status"], []).append(
                {"registration_id": registration_id, "stop_id": stop.id, "seeker_id": claim.actor.id, "event_id": event.id, "position": position}
            )
        if seated or waitlist_seq != stop.waitlist_seq:
            within_capacity = WhereRaw('"confirmed_count" + {} <= "capacity"', seated) if seated else (Stop.id == stop.id)
            moved = await Stop.update({Stop.confirmed_count: Stop.confirmed_count + seated, Stop.waitlist_seq: waitlist_seq}).where(
                (Stop.id == stop.id) & within_capacity
            ).returning(Stop.id)
            if not moved:
                raise RuntimeError("the stop's seats changed while it was held")  # cannot happen under the lock; never overbook if it does
        for registration_id, now, fields in revived:
            await Registration.update(
                {**fields, "cancelled_at": None, "created_at": now, "updated_at": now, "revision": Registration.revision + 1}
            ).where(Registration.id == registration_id)
        # Plain rows, not Registration objects: Piccolo building a 500-row INSERT cost more than the rest of the batch (docs/benchmarks.md).
        for start in range(0, len(new), _INSERT_ROWS):
            rows = new[start : start + _INSERT_ROWS]
            if len(await insert_new(Registration, rows, returning=Registration.id)) != len(rows):
                # Nobody else adds registrations at this stop while it is held, and `existing` saw this batch's seekers:
                # a row left out would be a seeker told of a place they do not have. Roll the batch back instead.
                raise RuntimeError("a registration of this batch collided with one already stored")
        for status, payloads in told.items():
            await outbox.record_many(f"registration.{status}", payloads, now=claims[0].now)
    return results


def _claims_for(stop_id: uuid.UUID) -> Batcher[_Claim, tuple[dict[str, Any], int | None]]:
    batcher = _claim_batches.get(stop_id)
    if batcher is None:
        if len(_claim_batches) > 1_000:  # keep the quiet stops' batchers from piling up
            for quiet in [key for key, known in _claim_batches.items() if known.idle]:
                del _claim_batches[quiet]
        batcher = _claim_batches[stop_id] = Batcher(partial(_claim_places, stop_id), limit=500)
    return batcher


#: One batcher per stop: a burst of registrations all queue on that stop's seats.
_claim_batches: dict[uuid.UUID, Batcher[_Claim, tuple[dict[str, Any], int | None]]] = {}


async def register(*, actor: Actor, now: datetime, stop_id: uuid.UUID) -> views.Registration:
    """Take a seat if one is free, else a place in the waitlist. One registration per seeker and stop.

    Seekers asking at once for places at one stop are served together, in order, in one
    transaction (see `_claim_places`), and each hears back after it committed.
    """
    require_role(actor, "seeker")
    row, position = await _claims_for(stop_id).submit(_Claim(actor=actor, now=now))
    metrics.REGISTRATIONS.labels(row["status"]).inc()
    return await registration_view(row, position=position)


def _summary_row(stop: Stop, event: Event, registration_id: uuid.UUID, short_code: str, now: datetime, fields: dict[str, Any]) -> dict[str, Any]:
    """What `_row` would read back for a place just claimed, from what the batch holds."""
    return {
        "id": registration_id, "stop": stop.id, "status": fields["status"], "waitlist_seq": fields["waitlist_seq"], "short_code": short_code,
        "created_at": now, "confirmed_at": fields["confirmed_at"], "cancelled_at": None,
        "stop.event.slug": event.slug, "stop.event.title": event.title, "stop.name": stop.name, "stop.address": stop.address,
        "stop.starts_at": stop.starts_at, "stop.ends_at": stop.ends_at, "stop.timezone": stop.timezone, "stop.status": stop.status,
    }


async def my_registrations(*, actor: Actor) -> list[views.Registration]:
    require_role(actor, "seeker")
    rows = await Registration.select(*SUMMARY_COLUMNS).where(Registration.seeker == actor.id).order_by(Registration.stop.starts_at)
    waiting = [row["stop"] for row in rows if row["status"] == Registration.Status.waitlisted]
    positions = await seekers_waitlist_positions(seeker_id=actor.id, stop_ids=waiting)
    return [await registration_view(row, position=positions.get(row["id"])) for row in rows]


async def get_registration(*, actor: Actor, registration_id: uuid.UUID) -> views.Registration:
    return await registration_view(await _owned_row(actor, registration_id))


async def cancel(*, actor: Actor, now: datetime, registration_id: uuid.UUID) -> views.Registration:
    """Give the place up; a freed seat goes to the first in the waitlist in the same transaction. Twice changes nothing."""
    row = await _owned_row(actor, registration_id)
    # Who gave the place up: the seeker is told only when an organiser cancelled it for them.
    by = "seeker" if row["seeker"] == actor.id else "organiser"
    async with write_transaction():
        await for_update(Stop.select(Stop.id).where(Stop.id == row["stop"]))
        await _cancel_locked(registration_id=registration_id, stop_id=row["stop"], now=now, by=by)
    return await registration_view(await _row(registration_id))


async def _cancel_locked(*, registration_id: uuid.UUID, stop_id: uuid.UUID, now: datetime, by: str = "seeker") -> None:
    """Cancel one registration of a stop the caller holds locked."""
    was = await Registration.update(
        {
            Registration.status: Registration.Status.cancelled,
            Registration.cancelled_at: now,
            Registration.updated_at: now,
            Registration.waitlist_seq: None,
            Registration.revision: Registration.revision + 1,
        }
    ).where((Registration.id == registration_id) & Registration.status.is_in(list(ACTIVE))).returning(Registration.confirmed_at, Registration.seeker)
    if not was:
        return
    await outbox.record(
        "registration.cancelled", {"registration_id": registration_id, "stop_id": stop_id, "seeker_id": was[0]["seeker"], "by": by}, now=now
    )
    if was[0]["confirmed_at"] is not None:
        await Stop.update({Stop.confirmed_count: Stop.confirmed_count - 1}).where(Stop.id == stop_id)
        await fill_free_seats(stop_id=stop_id, now=now)


async def cancel_all_upcoming(*, seeker_id: uuid.UUID, now: datetime) -> int:
    """Cancel a seeker's registrations for stops that have not ended (account deletion); returns how many."""
    rows = await Registration.select(Registration.id, Registration.stop).where(
        (Registration.seeker == seeker_id) & Registration.status.is_in(list(ACTIVE)) & (Registration.stop.ends_at > now)
    )
    for row in rows:
        async with write_transaction():
            await for_update(Stop.select(Stop.id).where(Stop.id == row["stop"]))
            await _cancel_locked(registration_id=row["id"], stop_id=row["stop"], now=now)
    return len(rows)


async def ticket_code(*, actor: Actor, registration_id: uuid.UUID) -> str:
    row = await _owned_row(actor, registration_id)
    if row["status"] == Registration.Status.cancelled:
        raise Refused("registration_cancelled", "A cancelled registration has no ticket.")
    return tickets.issue(registration_id=row["id"], stop_id=row["stop"])


async def admit(*, code: str, stop_id: uuid.UUID) -> dict[str, Any]:
    """The registration a ticket admits to this stop, or a refusal a scanner can switch on.

    `ticket_invalid` (forged, altered, garbled), `ticket_other_stop` (a genuine ticket for another stop),
    `registration_cancelled`, `waitlisted` (not yet off the waitlist), `stop_cancelled`.
    """
    content = tickets.read(code)
    if content.stop_id != stop_id:
        raise Refused("ticket_other_stop", "This ticket is for another stop.")
    row = await Registration.select(Registration.id, Registration.seeker, Registration.status, Registration.stop.status).where(
        (Registration.id == content.registration_id) & (Registration.stop == stop_id)
    ).first()
    if row is None:
        raise Refused("ticket_invalid", "No registration matches this ticket.")
    refuse_unless_admissible(registration_status=row["status"], stop_status=row["stop.status"])
    return row


def refuse_unless_admissible(*, registration_status: str, stop_status: str) -> None:
    """The gate's rule: only a confirmed place at a stop that still takes place gets in."""
    if stop_status == Stop.Status.cancelled:
        raise Refused("stop_cancelled", "This stop has been cancelled.")
    if registration_status == Registration.Status.cancelled:
        raise Refused("registration_cancelled", "This registration was cancelled.")
    if registration_status == Registration.Status.waitlisted:
        raise Refused("waitlisted", "This seeker is still on the waitlist.")


# ---------------------------------------------------------------- organisers


def mask_phone(phone: str | None) -> str | None:
    """138****5678 for +8613812345678: enough to tell two people apart at a desk, not enough to call."""
    return notify.mask_phone(phone) if phone else phone


async def stop_registrations(
    *,
    actor: Actor,
    now: datetime,
    stop_id: uuid.UUID,
    status: str | None,
    limit: int,
    offset: int,
    unmasked: bool = False,
    q: str | None = None,
    checked_in: bool | None = None,
    registration_id: uuid.UUID | None = None,
) -> views.StopRegistrationPage:
    """Registrations of a stop for organisers; phones masked unless an export is asked for, which is logged.

    `q` finds a name or a phone number (any part of it); `checked_in` keeps those who did (or did not) pass the gate.
    """
    require_organiser(actor)
    stop, _event = await load_stop(stop_id, actor)
    where = [Registration.stop == stop.id]
    if status:
        where.append(Registration.status == status)
    if registration_id is not None:
        where.append(Registration.id == registration_id)
    if q and q.strip():
        text = q.strip()
        digits = text.replace(" ", "").replace("-", "")
        match = contains(Registration.seeker.name, text)
        if digits.lstrip("+").isdigit():
            match = match | contains(Registration.seeker.phone, digits)
        where.append(match)
    if checked_in is not None:
        passed = 'EXISTS (SELECT 1 FROM check_in WHERE check_in.registration = "registration"."id")'
        where.append(WhereRaw(passed if checked_in else f"NOT {passed}"))
    filtered = bool(q and q.strip()) or checked_in is not None or registration_id is not None
    rows = (
        await Registration.select(
            Registration.all_columns(),
            Registration.seeker.name,
            Registration.seeker.phone,
            Registration.seeker.email,
        )
        .where(*where)
        .order_by(Registration.status)
        .order_by(Registration.waitlist_seq)
        .order_by(Registration.created_at)
        .limit(limit)
        .offset(offset)
    )
    seeker_ids = [row["seeker"] for row in rows]
    profiles = {}
    # In slices: an export of 50,000 rows would bind more parameters than either engine takes in one statement.
    for start in range(0, len(seeker_ids), PROFILE_SLICE):
        profiles.update((row["account"], row) for row in await SeekerProfile.select().where(SeekerProfile.account.is_in(seeker_ids[start : start + PROFILE_SLICE])))
    arrivals = {}
    for start in range(0, len(rows), PROFILE_SLICE):
        page_ids = [row["id"] for row in rows[start : start + PROFILE_SLICE]]
        arrivals.update((row["registration"], row["checked_in_at"]) for row in await CheckIn.select(CheckIn.registration, CheckIn.checked_in_at).where(CheckIn.registration.is_in(page_ids)))
    counts = dict.fromkeys(Registration.Status, 0)
    for row in await Registration.select(Registration.status, Count(Registration.id, alias="count")).where(Registration.stop == stop.id).group_by(Registration.status):
        counts[row["status"]] = row["count"]
    # The page's waitlisted rows are one run of the line (rows are ordered by status, then waitlist_seq): one query numbers them.
    waiting = [row["waitlist_seq"] for row in rows if row["status"] == Registration.Status.waitlisted]
    positions = await waitlist_positions_between(stop_id=stop.id, first_seq=min(waiting), last_seq=max(waiting)) if waiting else {}
    if unmasked:
        await AuditEntry.insert(
            AuditEntry(actor=actor.id, action="export_registrations", target=f"stop:{stop.id}", detail=f"status={status or 'all'} rows={len(rows)}", at=now)
        )
    zone = ZoneInfo(stop.timezone)
    items = []
    for row in rows:
        profile = profiles.get(row["seeker"], {})
        position = positions.get(row["id"]) if row["status"] == Registration.Status.waitlisted else None
        items.append(
            views.StopRegistration(
                id=row["id"],
                status=row["status"],
                waitlist_position=position,
                short_code=row["short_code"],
                seeker=views.RegisteredSeeker(
                    id=row["seeker"],
                    name=row["seeker.name"],
                    phone=row["seeker.phone"] if unmasked else mask_phone(row["seeker.phone"]),
                    email=row["seeker.email"] if unmasked else None,
                    school=profile.get("school", ""),
                    major=profile.get("major", ""),
                    degree=profile.get("degree", ""),
                    graduation_year=profile.get("graduation_year"),
                ),
                created_at=row["created_at"].astimezone(zone),
                cancelled_at=_in_zone(row["cancelled_at"], stop.timezone),
                checked_in_at=_in_zone(arrivals.get(row["id"]), stop.timezone),
            )
        )
    return views.StopRegistrationPage(
        items=items,
        # A name search joins the seeker, which a COUNT query would not; a stop's matches are few enough to count as rows.
        total=len(await Registration.select(Registration.id, Registration.seeker.name, Registration.seeker.phone).where(*where))
        if filtered
        else sum(counts.values())
        if not status
        else counts[status],
        limit=limit,
        offset=offset,
        confirmed=counts[Registration.Status.confirmed],
        waitlisted=counts[Registration.Status.waitlisted],
        cancelled=counts[Registration.Status.cancelled],
    )


CSV_HEADER = ["报名编号 ID", "状态 Status", "候补序号 Waitlist", "核验码 Code", "姓名 Name", "手机 Phone", "学校 School", "专业 Major", "学历 Degree", "毕业年份 Graduation", "报名时间 Registered at"]


def registrations_csv(page: views.StopRegistrationPage, language: str = "zh") -> str:
    """The page as CSV (through events.exports: no seeker-typed cell runs as a formula), statuses and degrees in words."""
    return csv_document((CSV_HEADER, _export_rows(page, language)))


def _export_rows(page: views.StopRegistrationPage, language: str) -> list[list[Any]]:
    word = partial(i18n.translate, language=language)
    return [
        [item.id, word(f"status.{item.status}"), item.waitlist_position, item.short_code, item.seeker.name, item.seeker.phone, item.seeker.school,
         item.seeker.major, word(f"degree.{item.seeker.degree}") if item.seeker.degree else "", item.seeker.graduation_year, item.created_at]
        for item in page.items
    ]


def registrations_xlsx(page: views.StopRegistrationPage, language: str = "zh") -> bytes:
    """The same rows as the CSV, as a workbook; phones and codes stay text."""
    return workbook(Sheet("报名 Registrations", CSV_HEADER, [[str(row[0]), *row[1:]] for row in _export_rows(page, language)], text_columns={3, 5}))


async def close_registration(*, actor: Actor, now: datetime, stop_id: uuid.UUID) -> None:
    """Close registration for a stop from now on."""
    require_organiser(actor)
    async with write_transaction():
        stop, _event = await load_stop(stop_id, actor, lock=True)
        await Stop.update({Stop.registration_closes_at: now, Stop.updated_at: now}).where(Stop.id == stop.id)
    calendar.changed()



async def promote(*, actor: Actor, now: datetime, registration_id: uuid.UUID) -> views.StopRegistration:
    """An organiser moves one waitlisted seeker into a free seat out of turn; never past the stop's capacity.

    Under the stop's lock, like every other change of its seats; the conditional UPDATE is the
    guarantee: two organisers promoting into the last seat at once get one seat and one 409 `stop_full`.
    """
    require_organiser(actor)
    row = await Registration.select(Registration.stop, Registration.status).where(Registration.id == registration_id).first()
    if row is None:
        raise NotFound("registration_not_found", "No such registration.")
    async with write_transaction():
        await for_update(Stop.select(Stop.id).where(Stop.id == row["stop"]))
        stop, _event = await load_stop(row["stop"], actor)
        status = (await Registration.select(Registration.status).where(Registration.id == registration_id).first())["status"]
        if status != Registration.Status.waitlisted:
            raise Conflict("not_waitlisted", "Only a waitlisted registration can be moved into a seat.")
        if stop.status == Stop.Status.cancelled:
            raise Conflict("stop_cancelled", "This stop has been cancelled.")
        seated = await Stop.update({Stop.confirmed_count: Stop.confirmed_count + 1}).where(
            (Stop.id == stop.id) & WhereRaw('"confirmed_count" < "capacity"')
        ).returning(Stop.id)
        if not seated:
            raise Conflict("stop_full", "Every seat is taken: raise the capacity first, or wait for a cancellation.")
        await confirm_waitlisted([registration_id], now=now)
        await record_promotions([registration_id], now=now)
        await AuditEntry.insert(
            AuditEntry(actor=actor.id, action="promote_registration", target=f"registration:{registration_id}", detail=f"stop:{stop.id}", at=now)
        )
    page = await stop_registrations(actor=actor, now=now, stop_id=stop.id, status=None, limit=1, offset=0, registration_id=registration_id)
    return page.items[0]
