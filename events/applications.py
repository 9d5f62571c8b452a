"""Employer applications (企业入驻 / 展位申请): applying, the organiser's decision, the employer waitlist.

An approval's HR accounts get invitation links (events.invitations), shown once to the organiser who approves.

States (the database refuses any other, employer_application_status_check):
submitted → approved | waitlisted | rejected | withdrawn; waitlisted → approved | rejected | withdrawn; approved → cancelled.
Every decision is a conditional UPDATE on the status read, so two organisers deciding at once cannot both win.

The employer waitlist: a stop holds as many booths as events.booths.booth_room says (its `booth_limit`, else its
laid-out places, else no limit). An approval whose stops lack a free booth leaves the application `waitlisted`,
keeping the organiser's chosen stops and labels. An approval without a label takes the stop's first free laid-out
place (E01, E02, ... where none is free). Order of application holds: an approval takes a booth at a stop only when the stop has more free booths than
applications waiting there that applied earlier. Nothing is promoted by itself (the invitation links are shown
once, to the organiser who approves): when a booth frees, the organiser approves the first waiting application
again, and that approval goes through.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from events import booths, calendar, identifiers, invitations, outbox, views
from events.accounts import Actor, require_organiser
from events.booths import normalise_label
from events.db import for_update, write_transaction
from events.errors import Conflict, Invalid, NotFound
from events.tables import Account, AuditEntry, Booth, Employer, EmployerApplication, Event, Job, Scan, Stop

Status = EmployerApplication.Status
LICENCE_MAX_BYTES = 5 * 1024 * 1024
MAX_HR = 20
MAX_JOBS = 20
#: Booth labels an approval picks when the organiser gives none and no laid-out place is free: E01, E02, ... (E for employer application).
AUTO_LABEL = "E{n:02d}"

#: By the bytes themselves, never by the client's Content-Type.
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"%PDF-", "application/pdf"))


def licence_type(content: bytes) -> str:
    """The licence's media type read from its first bytes; PNG, JPEG or PDF up to 5 MB."""
    if len(content) > LICENCE_MAX_BYTES:
        raise Invalid("licence_too_large", "The business licence may be at most 5 MB.")
    for magic, media_type in _MAGIC:
        if content.startswith(magic):
            return media_type
    raise Invalid("licence_type_not_allowed", "The business licence must be a PNG, JPEG or PDF file.")


# ---------------------------------------------------------------- applying


async def _open_event(slug: str) -> Event:
    event = await Event.objects().where(Event.slug == slug).first()
    if event is None or event.status != Event.Status.published:
        raise NotFound("event_not_found", "No such event open to applications.")
    return event


async def _event_stops(event_id: uuid.UUID, stop_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """The stops, all of this event and scheduled; Invalid otherwise."""
    if not stop_ids:
        raise Invalid("stops_required", "Choose at least one stop.")
    wanted = list(dict.fromkeys(stop_ids))
    rows = await Stop.select(Stop.id, Stop.status).where(Stop.id.is_in(wanted) & (Stop.event == event_id))
    if len(rows) != len(wanted) or any(row["status"] != Stop.Status.scheduled for row in rows):
        raise Invalid("stop_not_in_event", "Every stop must be a scheduled stop of this event.")
    return rows


async def submit_application(
    *,
    now: datetime,
    event: str,
    company: str,
    credit_code: str,
    contact_name: str,
    contact_phone: str,
    contact_email: str,
    stop_ids: list[uuid.UUID],
    hr_count: int = 1,
    jobs: list[str] | None = None,
    licence: bytes | None = None,
) -> views.EmployerApplication:
    """An employer applies to a published event (anonymous); everything is checked before anything is written."""
    if not company.strip():
        raise Invalid("company_required", "Give the company's registered name.")
    if not contact_name.strip():
        raise Invalid("contact_name_required", "Give the contact person's name.")
    code = identifiers.credit_code(credit_code)
    phone = identifiers.phone(contact_phone)
    email = identifiers.email(contact_email)
    if not 1 <= hr_count <= MAX_HR:
        raise Invalid("invalid_hr_count", f"Between 1 and {MAX_HR} HR staff.")
    titles = [title.strip() for title in jobs or [] if title.strip()]
    if len(titles) > MAX_JOBS or any(len(title) > 100 for title in titles):
        raise Invalid("invalid_jobs", f"At most {MAX_JOBS} job titles of up to 100 characters.")
    media_type = licence_type(licence) if licence else None
    found = await _open_event(event)
    await _event_stops(found.id, stop_ids)
    row = EmployerApplication(
        event=found.id,
        company=company.strip()[:200],
        credit_code=code,
        contact_name=contact_name.strip()[:100],
        contact_phone=phone,
        contact_email=email,
        stop_ids=json.dumps([str(stop) for stop in dict.fromkeys(stop_ids)]),
        hr_count=hr_count,
        jobs=json.dumps(titles, ensure_ascii=False),
        licence=licence or None,
        licence_type=media_type,
        created_at=now,
        updated_at=now,
    )
    # employer_application_open_unique: one open application per company and event, however many clicks.
    if not await EmployerApplication.insert(row).on_conflict(action="DO NOTHING").returning(EmployerApplication.id):
        raise Conflict("application_pending", "This company already has an application for this event waiting for a decision.")
    return await _view(row.id)


# ---------------------------------------------------------------- reading

_COLUMNS = [column for column in EmployerApplication._meta.columns if column._meta.name != "licence"]


async def _rows(*where: Any, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    query = (
        EmployerApplication.select(*_COLUMNS, EmployerApplication.event.slug, EmployerApplication.event.title)
        .where(*where)
        .order_by(EmployerApplication.created_at)
        .order_by(EmployerApplication.id)
    )
    return await (query.limit(limit).offset(offset) if limit else query)


async def _views(rows: list[dict[str, Any]]) -> list[views.EmployerApplication]:
    stop_ids = {uuid.UUID(stop) for row in rows for stop in json.loads(row["stop_ids"])}
    stops = {row["id"]: row for row in await Stop.select(Stop.id, Stop.name, Stop.starts_at, Stop.timezone, Stop.booth_limit).where(Stop.id.is_in(list(stop_ids)))} if stop_ids else {}
    rooms = await booths.booth_room(list(stops))
    waiting = [
        (row["event"], row["created_at"], row["id"])
        for row in await EmployerApplication.select(EmployerApplication.event, EmployerApplication.created_at, EmployerApplication.id).where(
            EmployerApplication.status == Status.waitlisted
        )
    ] if any(row["status"] == Status.waitlisted for row in rows) else []
    result = []
    for row in rows:
        position = None
        if row["status"] == Status.waitlisted:
            position = 1 + sum(1 for event, created, other in waiting if event == row["event"] and (created, str(other)) < (row["created_at"], str(row["id"])))
        result.append(
            views.EmployerApplication(
                id=row["id"],
                event_slug=row["event.slug"],
                event_title=row["event.title"],
                status=row["status"],
                company=row["company"],
                credit_code=row["credit_code"],
                contact_name=row["contact_name"],
                contact_phone=row["contact_phone"],
                contact_email=row["contact_email"],
                stops=[
                    views.ApplicationStop(
                        id=stop["id"], name=stop["name"], starts_at=stop["starts_at"], booth_limit=stop["booth_limit"],
                        booths_taken=rooms[stop["id"]].taken, booth_capacity=rooms[stop["id"]].capacity, booths_free=rooms[stop["id"]].free,
                    )
                    for stop in (stops.get(uuid.UUID(stop_id)) for stop_id in json.loads(row["stop_ids"]))
                    if stop is not None
                ],
                hr_count=row["hr_count"],
                jobs=json.loads(row["jobs"]),
                licence_type=row["licence_type"],
                approved_stop_ids=[uuid.UUID(stop) for stop in json.loads(row["approved_stop_ids"])],
                booth_labels=json.loads(row["booth_labels"]),
                reason=row["reason"],
                employer_id=row["employer"],
                waitlist_position=position,
                decided_at=row["decided_at"],
                created_at=row["created_at"],
            )
        )
    return result


async def _view(application_id: uuid.UUID) -> views.EmployerApplication:
    rows = await _rows(EmployerApplication.id == application_id)
    if not rows:
        raise NotFound("application_not_found", "No such application.")
    return (await _views(rows))[0]


async def get_application(*, actor: Actor, application_id: uuid.UUID) -> views.EmployerApplication:
    require_organiser(actor)
    return await _view(application_id)


async def list_applications(*, actor: Actor, event: str | None, status: str | None, limit: int, offset: int) -> views.ApplicationPage:
    """Oldest first: the order of application, which is also the waitlist's."""
    require_organiser(actor)
    where = []
    if event:
        where.append(EmployerApplication.event.slug == event)
    if status:
        where.append(EmployerApplication.status == status)
    rows = await _rows(*where, limit=limit, offset=offset)
    total = await EmployerApplication.count().where(*where)
    return views.ApplicationPage(items=await _views(rows), total=total, limit=limit, offset=offset)


async def get_licence(*, actor: Actor, now: datetime, application_id: uuid.UUID) -> tuple[bytes, str]:
    """The business licence's bytes and media type; reading it is audited (it is a company's document)."""
    require_organiser(actor)
    row = await EmployerApplication.select(EmployerApplication.licence, EmployerApplication.licence_type).where(EmployerApplication.id == application_id).first()
    if row is None:
        raise NotFound("application_not_found", "No such application.")
    if not row["licence"]:
        raise NotFound("licence_not_found", "This application came without a business licence.")
    await AuditEntry.insert(AuditEntry(actor=actor.id, action="read_application_licence", target=f"employer_application:{application_id}", at=now))
    return bytes(row["licence"]), row["licence_type"]


# ---------------------------------------------------------------- deciding


async def _decide(application_id: uuid.UUID, *, allowed: tuple[str, ...], changes: dict[Any, Any]) -> dict[str, Any]:
    """The conditional UPDATE every decision is: it happens only from an allowed status; Conflict if another decision came first."""
    current = await EmployerApplication.select(EmployerApplication.status).where(EmployerApplication.id == application_id).first()
    if current is None:
        raise NotFound("application_not_found", "No such application.")
    if current["status"] not in allowed:
        raise Conflict("application_already_decided", f"This application is {current['status']}; it cannot be decided that way now.", current_status=current["status"])
    rows = await EmployerApplication.update(changes).where(
        (EmployerApplication.id == application_id) & (EmployerApplication.status == current["status"])
    ).returning(EmployerApplication.id)
    if not rows:
        raise Conflict("application_already_decided", "Another organiser decided this application at the same moment.")
    return current


def _audit(actor: Actor, now: datetime, action: str, application_id: uuid.UUID, detail: str = "") -> AuditEntry:
    return AuditEntry(actor=actor.id, action=action, target=f"employer_application:{application_id}", detail=detail[:2000], at=now)


async def reject_application(*, actor: Actor, now: datetime, application_id: uuid.UUID, reason: str) -> views.EmployerApplication:
    require_organiser(actor)
    reason = reason.strip()
    if not reason:
        raise Invalid("reason_required", "Say why the application is rejected; the employer reads it.")
    async with write_transaction():
        await _decide(
            application_id,
            allowed=(Status.submitted, Status.waitlisted),
            changes={EmployerApplication.status: Status.rejected, EmployerApplication.reason: reason[:1000], EmployerApplication.decided_by: actor.id,
                     EmployerApplication.decided_at: now, EmployerApplication.updated_at: now},
        )
        await AuditEntry.insert(_audit(actor, now, "reject_employer_application", application_id, reason))
        await outbox.record("employer_application.decided", {"application_id": application_id, "decision": "rejected", "reason": reason[:1000]}, now=now)
    return await _view(application_id)


async def withdraw_application(*, actor: Actor, now: datetime, application_id: uuid.UUID) -> views.EmployerApplication:
    """The employer changed its mind (it told the organiser, who records it)."""
    require_organiser(actor)
    async with write_transaction():
        await _decide(
            application_id,
            allowed=(Status.submitted, Status.waitlisted),
            changes={EmployerApplication.status: Status.withdrawn, EmployerApplication.decided_by: actor.id, EmployerApplication.decided_at: now,
                     EmployerApplication.updated_at: now},
        )
        await AuditEntry.insert(_audit(actor, now, "withdraw_employer_application", application_id))
    return await _view(application_id)


async def cancel_application(*, actor: Actor, now: datetime, application_id: uuid.UUID, reason: str) -> views.EmployerApplication:
    """Undo an approval: the employer's booths from it go where nobody was scanned yet; its accounts and records stay."""
    require_organiser(actor)
    async with write_transaction():
        await _decide(
            application_id,
            allowed=(Status.approved,),
            changes={EmployerApplication.status: Status.cancelled, EmployerApplication.reason: reason.strip()[:1000], EmployerApplication.decided_by: actor.id,
                     EmployerApplication.decided_at: now, EmployerApplication.updated_at: now},
        )
        row = await EmployerApplication.select(EmployerApplication.employer, EmployerApplication.event, EmployerApplication.approved_stop_ids).where(
            EmployerApplication.id == application_id
        ).first()
        stop_ids = [uuid.UUID(stop) for stop in json.loads(row["approved_stop_ids"])]
        granted = await Booth.select(Booth.id).where((Booth.employer == row["employer"]) & Booth.stop.is_in(stop_ids)) if stop_ids else []
        for booth in granted:
            # Scans point at the booth (history of who visited): such a booth stays.
            if not await Scan.exists().where(Scan.booth == booth["id"]):
                await Booth.delete().where(Booth.id == booth["id"])
        if not await Booth.exists().where((Booth.employer == row["employer"]) & (Booth.stop.event == row["event"])):
            # Jobs are posted on the strength of a booth at the event (see booths.remove_booth): without one they close.
            await Job.update({Job.status: Job.Status.closed, Job.updated_at: now}).where(
                (Job.employer == row["employer"]) & (Job.event == row["event"]) & (Job.status == Job.Status.open)
            )
        await AuditEntry.insert(_audit(actor, now, "cancel_employer_application", application_id, reason))
    calendar.changed()
    return await _view(application_id)


async def _has_room(event_id: uuid.UUID, application: dict[str, Any], stop_ids: list[uuid.UUID], employer_id: uuid.UUID | None) -> bool:
    """Every chosen stop has a free booth for this application, after the applications waiting there that applied earlier."""
    rooms = await booths.booth_room(stop_ids)
    earlier = await EmployerApplication.select(EmployerApplication.approved_stop_ids).where(
        (EmployerApplication.event == event_id)
        & (EmployerApplication.status == Status.waitlisted)
        & (EmployerApplication.id != application["id"])
        & (EmployerApplication.created_at <= application["created_at"])
    )
    ahead = [set(json.loads(row["approved_stop_ids"])) for row in earlier]
    for stop_id in stop_ids:
        free = rooms[stop_id].free
        if free is None:
            continue
        if employer_id is not None and await Booth.exists().where((Booth.stop == stop_id) & (Booth.employer == employer_id)):
            continue  # the employer already stands there: nothing new is taken
        waiting = sum(1 for wanted in ahead if str(stop_id) in wanted)
        if free <= waiting:
            return False
    return True


async def _free_label(stop_id: uuid.UUID) -> str:
    """The first free laid-out place in floor-plan order; without one, the first unused E01, E02, ..."""
    room = (await booths.booth_room([stop_id]))[stop_id]
    if room.free_places:
        return room.free_places[0]
    used = {row["label"] for row in await Booth.select(Booth.label).where(Booth.stop == stop_id)}
    return next(AUTO_LABEL.format(n=n) for n in range(1, 10_000) if AUTO_LABEL.format(n=n) not in used)


async def approve_application(
    *, actor: Actor, now: datetime, application_id: uuid.UUID, stop_ids: list[uuid.UUID], booth_labels: dict[Any, str] | None = None
) -> views.ApplicationDecision:
    """Approve: the employer (found by credit code, else created), its HR accounts with invitation links, its booths.

    When a chosen stop has no free booth, the application is waitlisted instead (status `waitlisted`, no links).
    """
    require_organiser(actor)
    stop_ids = list(dict.fromkeys(stop_ids))
    chosen = {str(stop) for stop in stop_ids}
    labels = {str(stop).lower(): normalise_label(label) for stop, label in (booth_labels or {}).items() if label.strip()}
    if set(labels) - chosen:
        raise Invalid("label_for_unchosen_stop", "A booth label was given for a stop that is not chosen.")
    links: list[views.InvitationLink] = []
    async with write_transaction():
        application = await EmployerApplication.select(*_COLUMNS).where(EmployerApplication.id == application_id).first()
        if application is None:
            raise NotFound("application_not_found", "No such application.")
        # Booths at an event's stops change under the event's lock (as booths.assign_booth takes it): two approvals
        # for the last free booth queue here, and the second counts the first one's booth.
        await for_update(Event.select(Event.id).where(Event.id == application["event"]))
        await _event_stops(application["event"], stop_ids)
        existing = await Employer.select(Employer.id).where(Employer.credit_code == application["credit_code"]).first()
        employer_id = existing["id"] if existing else None
        decision = {
            EmployerApplication.approved_stop_ids: json.dumps([str(stop) for stop in stop_ids]),
            EmployerApplication.booth_labels: json.dumps(labels),
            EmployerApplication.decided_by: actor.id,
            EmployerApplication.decided_at: now,
            EmployerApplication.updated_at: now,
        }
        if not await _has_room(application["event"], application, stop_ids, employer_id):
            before = await _decide(application_id, allowed=(Status.submitted, Status.waitlisted), changes={**decision, EmployerApplication.status: Status.waitlisted})
            if before["status"] == Status.submitted:
                await AuditEntry.insert(_audit(actor, now, "waitlist_employer_application", application_id, "no free booth"))
        else:
            await _decide(application_id, allowed=(Status.submitted, Status.waitlisted), changes={**decision, EmployerApplication.status: Status.approved})
            employer_id = await _employer(application, now)
            await EmployerApplication.update({EmployerApplication.employer: employer_id}).where(EmployerApplication.id == application_id)
            for stop_id in stop_ids:
                await _booth(stop_id, employer_id, labels.get(str(stop_id)), now)
            links = await _hr_accounts(application, employer_id, now)
            await outbox.record(
                "employer_application.decided",
                {"application_id": application_id, "decision": "approved", "reason": "", "employer_id": employer_id, "event_id": application["event"]},
                now=now,
            )
            await AuditEntry.insert(
                _audit(actor, now, "approve_employer_application", application_id, f"employer:{employer_id} stops:{','.join(map(str, stop_ids))} hr:{len(links)}")
            )
    return views.ApplicationDecision(application=await _view(application_id), invitations=links)


async def _employer(application: dict[str, Any], now: datetime) -> uuid.UUID:
    row = Employer(name=application["company"], credit_code=application["credit_code"], created_at=now, updated_at=now)
    await Employer.insert(row).on_conflict(action="DO NOTHING")
    found = await Employer.select(Employer.id).where(Employer.credit_code == application["credit_code"]).first()
    return found["id"]


async def _booth(stop_id: uuid.UUID, employer_id: uuid.UUID, label: str | None, now: datetime) -> None:
    if await Booth.exists().where((Booth.stop == stop_id) & (Booth.employer == employer_id)):
        return
    label = label or await _free_label(stop_id)
    booth = Booth(stop=stop_id, employer=employer_id, label=label, created_at=now, updated_at=now)
    if not await Booth.insert(booth).on_conflict(action="DO NOTHING").returning(Booth.id):
        raise Conflict("booth_label_taken", f"Booth {label} is already assigned at this stop.", label=label, stop_id=str(stop_id))


async def _hr_accounts(application: dict[str, Any], employer_id: uuid.UUID, now: datetime) -> list[views.InvitationLink]:
    """`hr_count` HR accounts, the first with the contact's e-mail and phone where no account has them yet; each gets an invitation."""
    links = []
    for n in range(application["hr_count"]):
        email = phone = None
        if n == 0:
            email = None if await Account.exists().where(Account.email == application["contact_email"]) else application["contact_email"]
            phone = None if await Account.exists().where(Account.phone == application["contact_phone"]) else application["contact_phone"]
        name = application["contact_name"] if n == 0 else f"{application['company'][:80]} HR {n + 1}"
        # Inactive, with no usable password, until the invitation is accepted; an account without e-mail or phone gets one then.
        account = Account(role=Account.Role.hr, name=name, email=email, phone=phone, password_hash=invitations.NO_PASSWORD, employer=employer_id, is_active=False,
                          created_at=now, updated_at=now)
        await Account.insert(account)
        links.append(
            await invitations.invite(account_id=account.id, name=account.name, email=account.email, phone=account.phone, now=now, application_id=application["id"])
        )
    return links
