"""Scans at gates and booths: check-ins and visits counted once however often a ticket is scanned, offline batches replayed safely.

Every scan is written once, keyed by the device's nonce; the first scan of a registration at a
gate makes its check-in and the first scan of a seeker at a booth makes the visit (unique indexes
decide, `INSERT … ON CONFLICT DO NOTHING` tells first from repeat). A replayed nonce gets the
answer its scan got the first time. Refusals are scans too: they are kept, and answered, not raised.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from events import live, metrics, tickets, views
from events.accounts import Actor, require_organiser, require_role
from events.db import write_transaction
from events.errors import Forbidden, Invalid, NotFound, Refused
from events.registrations import refuse_unless_admissible
from events.schedule import load_stop
from events.settings import settings
from events.tables import AuditEntry, Booth, CheckIn, Job, Registration, Scan, ScannerAccess, Stop, Visit, VisitJob

#: How long after the scan an offline scan may still arrive and count.
OFFLINE_GRACE = timedelta(hours=24)
#: A device clock ahead of ours by more than this is not believed.
CLOCK_SKEW = timedelta(minutes=5)
SLOT_SECONDS = 15 * 60
_SHORT_CODE = re.compile(r"^[0-9A-Z]{8}$")
ACCESS_ALPHABET = tickets.SHORT_CODE_ALPHABET


@dataclass(frozen=True)
class ScanRequest:
    kind: str  # "check_in" or "visit"
    ticket: str
    nonce: str
    stop_id: uuid.UUID | None = None
    booth_id: uuid.UUID | None = None
    scanned_at: datetime | None = None
    job_ids: tuple[uuid.UUID, ...] = ()
    device: str = ""


def slot_of(moment: datetime) -> int:
    return int(moment.timestamp()) // SLOT_SECONDS


def gate_window(stop: dict[str, Any] | Stop) -> tuple[datetime, datetime]:
    starts_at = stop["starts_at"] if isinstance(stop, dict) else stop.starts_at
    ends_at = stop["ends_at"] if isinstance(stop, dict) else stop.ends_at
    return starts_at - timedelta(minutes=settings.gate_opens_minutes), ends_at + timedelta(minutes=settings.gate_closes_minutes)


def _masked_name(name: str | None) -> str | None:
    """李* for 李华: enough for a gate volunteer to greet, not to identify."""
    return None if not name else name[0] + "*" * max(1, len(name) - 1)


# ---------------------------------------------------------------- scanner access


def _access_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().upper().encode()).hexdigest()


async def mint_scanner_access(*, actor: Actor, now: datetime, stop_id: uuid.UUID, label: str = "", expires_at: datetime | None = None) -> views.ScannerAccessCreated:
    """Check-in-only access to one stop, as a link and a code a volunteer can type; shown once."""
    require_organiser(actor)
    stop, _event = await load_stop(stop_id, actor)
    _opens, closes = gate_window(stop)
    expires_at = expires_at or closes
    if expires_at <= now:
        raise Invalid("access_already_expired", "Scanner access must expire in the future.")
    raw = "".join(secrets.choice(ACCESS_ALPHABET) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    access = ScannerAccess(stop=stop.id, label=label.strip(), token_hash=_access_hash(code), created_by=actor.id, created_at=now, expires_at=expires_at)
    await ScannerAccess.insert(access)
    await AuditEntry.insert(AuditEntry(actor=actor.id, action="mint_scanner_access", target=f"stop:{stop.id}", detail=f"access:{access.id} {access.label}", at=now))
    return views.ScannerAccessCreated(
        id=access.id, stop_id=stop.id, label=access.label, code=code, link=f"{settings.public_url}/scan/stops/{stop.id}#access={code}", expires_at=expires_at
    )


async def revoke_scanner_access(*, actor: Actor, now: datetime, stop_id: uuid.UUID, access_id: uuid.UUID) -> None:
    require_organiser(actor)
    revoked = await ScannerAccess.update({ScannerAccess.revoked_at: now}).where(
        (ScannerAccess.id == access_id) & (ScannerAccess.stop == stop_id)
    ).returning(ScannerAccess.id)
    if not revoked:
        raise NotFound("scanner_access_not_found", "No such scanner access for this stop.")
    await AuditEntry.insert(AuditEntry(actor=actor.id, action="revoke_scanner_access", target=f"stop:{stop_id}", detail=f"access:{access_id}", at=now))


def looks_like_access_code(token: str) -> bool:
    return "." not in token and len(token.replace("-", "")) == 12


async def actor_from_access_code(code: str, now: datetime) -> Actor | None:
    """The scanner a valid, unrevoked, unexpired access code speaks for; None otherwise."""
    row = await ScannerAccess.select(ScannerAccess.id, ScannerAccess.stop, ScannerAccess.expires_at, ScannerAccess.revoked_at).where(
        ScannerAccess.token_hash == _access_hash(code)
    ).first()
    if row is None or row["revoked_at"] is not None or row["expires_at"] <= now:
        return None
    return Actor(role="scanner", stop_id=row["stop"], access_id=row["id"])


# ---------------------------------------------------------------- scanning


async def _authorise(actor: Actor, request: ScanRequest) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The stop (and booth) the scan is for, if this actor may scan there."""
    booth = None
    if request.kind == "visit":
        require_role(actor, "hr", "organiser")
        booth = await Booth.select(Booth.id, Booth.stop, Booth.employer, Booth.stop.event).where(Booth.id == request.booth_id).first()
        if booth is None:
            raise NotFound("booth_not_found", "No such booth.")
        if not (actor.is_organiser or actor.works_for(booth["employer"])):
            raise Forbidden("not_your_booth", "HR staff scan only at their own employer's booths.")
        stop_id = booth["stop"]
    else:
        require_role(actor, "organiser", "scanner")
        if actor.role == "scanner" and actor.stop_id != request.stop_id:
            raise Forbidden("not_your_stop", "This scanner access opens another stop's gate.")
        stop_id = request.stop_id
    stop = await Stop.select(Stop.id, Stop.starts_at, Stop.ends_at, Stop.status, Stop.event, Stop.event.published_at).where(Stop.id == stop_id).first()
    if stop is None or (stop["event.published_at"] is None and not actor.is_organiser):
        raise NotFound("stop_not_found", "No such stop.")
    return stop, booth


async def _registration_for(ticket: str, stop_id: uuid.UUID) -> dict[str, Any]:
    """The registration a QR payload or a typed short code names at this stop; Refused otherwise."""
    typed = ticket.strip().replace("-", "").replace(" ", "").upper()
    if _SHORT_CODE.fullmatch(typed):
        where = (Registration.stop == stop_id) & (Registration.short_code == typed)
    else:
        content = tickets.read(ticket)
        if content.stop_id != stop_id:
            raise Refused("wrong_stop", "This ticket is for another stop.")
        where = (Registration.id == content.registration_id) & (Registration.stop == stop_id)
    row = await Registration.select(Registration.id, Registration.seeker, Registration.status, Registration.seeker.name).where(where).first()
    if row is None:
        raise Refused("ticket_invalid", "No registration matches this ticket.")
    return row


def _effective_time(request: ScanRequest, stop: dict[str, Any], now: datetime) -> datetime:
    """When the scan counts as made; Refused(`stop_closed`) outside the gate's window (offline scans excepted, for a day)."""
    opens, closes = gate_window(stop)
    claimed = request.scanned_at if request.scanned_at is not None and request.scanned_at <= now + CLOCK_SKEW else None
    if opens <= now <= closes:
        return min(claimed, now) if claimed is not None and opens <= claimed else now
    if claimed is not None and opens <= claimed <= closes and now - claimed <= OFFLINE_GRACE:
        return claimed
    raise Refused("stop_closed", "The gate of this stop is not open now.")


async def _replayed(nonce: str) -> views.ScanResult | None:
    scan = await Scan.select().where(Scan.nonce == nonce).first()
    return None if scan is None else await _result_of(scan)


async def _result_of(scan: dict[str, Any]) -> views.ScanResult:
    """The answer a stored scan got, rebuilt from what it recorded."""
    outcome = scan["outcome"]
    first_at, name = None, None
    if outcome in ("first", "repeat") and scan["registration"] is not None:
        registration = await Registration.select(Registration.seeker, Registration.seeker.name).where(Registration.id == scan["registration"]).first()
        name = registration["seeker.name"]
        if scan["kind"] == Scan.Kind.check_in:
            row = await CheckIn.select(CheckIn.checked_in_at).where(CheckIn.registration == scan["registration"]).first()
            first_at = row["checked_in_at"] if row else None
        else:
            row = await Visit.select(Visit.visited_at).where((Visit.booth == scan["booth"]) & (Visit.seeker == registration["seeker"])).first()
            first_at = row["visited_at"] if row else None
    names = {"check_in": ("checked_in", "already_checked_in"), "visit": ("visited", "already_visited")}[scan["kind"]]
    result = {"first": names[0], "repeat": names[1]}.get(outcome, "refused")
    return views.ScanResult(
        nonce=scan["nonce"],
        kind=scan["kind"],
        result=result,
        code=None if result != "refused" else outcome,
        registration_id=scan["registration"],
        first_at=first_at,
        seeker_name=_masked_name(name),
    )


async def record_scan(*, actor: Actor, now: datetime, request: ScanRequest) -> views.ScanResult:
    """Record one scan and count it if it is the first; answer a replayed nonce as it was answered before."""
    if not request.nonce.strip():
        raise Invalid("nonce_required", "Every scan carries the device's nonce.")
    stop, booth = await _authorise(actor, request)
    if (replay := await _replayed(request.nonce)) is not None:
        return replay
    async with write_transaction():
        scan = Scan(
            nonce=request.nonce,
            kind=request.kind,
            stop=stop["id"],
            booth=booth["id"] if booth else None,
            outcome="pending",
            device=request.device[:100],
            staff=actor.id,
            scanner_access=actor.access_id,
            scanned_at=request.scanned_at,
            received_at=now,
            job_ids=json.dumps([str(job) for job in request.job_ids]),
        )
        # The nonce's unique index settles two deliveries of one scan racing each other.
        if not await Scan.insert(scan).on_conflict(action="DO NOTHING").returning(Scan.id):
            replayed = True
        else:
            replayed = False
            outcome, registration_id = await _count(request, stop, booth, scan, now)
            await Scan.update({Scan.outcome: outcome, Scan.registration: registration_id}).where(Scan.id == scan.id)
    if replayed:
        result = await _replayed(request.nonce)
    else:
        # Answer from what was just written rather than reading the row back.
        written = {"nonce": scan.nonce, "kind": scan.kind, "outcome": outcome, "registration": registration_id, "booth": scan.booth}
        result = await _result_of(written)
    metrics.SCANS.labels(request.kind, result.code or result.result).inc()
    if not replayed and result.result != "refused":
        live.announce(stop["event"], kind=request.kind, stop_id=stop["id"], booth_id=booth["id"] if booth else "", result=result.result)
    return result


async def _count(request: ScanRequest, stop: dict[str, Any], booth: dict[str, Any] | None, scan: Scan, now: datetime) -> tuple[str, uuid.UUID | None]:
    """The scan's outcome: first, repeat, or a refusal's code; and the registration it named."""
    registration_id = None
    try:
        registration = await _registration_for(request.ticket, stop["id"])
        registration_id = registration["id"]
        refuse_unless_admissible(registration_status=registration["status"], stop_status=stop["status"])
        at = _effective_time(request, stop, now)
    except Refused as refusal:
        return refusal.code, registration_id
    if request.kind == Scan.Kind.check_in:
        first = await CheckIn.insert(
            CheckIn(registration=registration_id, stop=stop["id"], scan=scan.id, checked_in_at=at, slot=slot_of(at))
        ).on_conflict(action="DO NOTHING").returning(CheckIn.id)
        return ("first" if first else "repeat"), registration_id
    visit = Visit(booth=booth["id"], seeker=registration["seeker"], registration=registration_id, stop=stop["id"], scan=scan.id, visited_at=at, slot=slot_of(at))
    first = await Visit.insert(visit).on_conflict(action="DO NOTHING").returning(Visit.id)
    if request.job_ids:
        visit_id = visit.id if first else (await Visit.select(Visit.id).where((Visit.booth == booth["id"]) & (Visit.seeker == registration["seeker"])).first())["id"]
        jobs = await Job.select(Job.id).where(
            Job.id.is_in(list(request.job_ids)) & (Job.employer == booth["employer"]) & (Job.event == booth["stop.event"]) & Job.deleted_at.is_null()
        )
        if jobs:
            await VisitJob.insert(*(VisitJob(visit=visit_id, job=job["id"]) for job in jobs)).on_conflict(action="DO NOTHING")
    return ("first" if first else "repeat"), registration_id


def http_status(result: views.ScanResult) -> int:
    return {"checked_in": 201, "visited": 201, "already_checked_in": 200, "already_visited": 200}.get(result.result, 409)
