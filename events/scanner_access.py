"""Who may scan where: gate volunteers' check-in-only access codes, HR staff at their employer's booths, organisers anywhere.

An organiser mints a code for one stop's gate (shown once; only its hash is kept), which a
volunteer's phone sends as its bearer token; it opens that gate until it expires or is revoked.
HR staff scan visitors at their own employer's booths. The scan path (events.scanning) asks this
module, for a whole batch at once, which stop and booth each scan is for and whether its sender
may scan there.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from events import tickets, views
from events.accounts import Actor, require_organiser, require_role
from events.errors import Forbidden, Invalid, NotFound
from events.schedule import load_stop
from events.settings import settings
from events.tables import AuditEntry, Booth, ScannerAccess, Stop

ACCESS_ALPHABET = tickets.SHORT_CODE_ALPHABET


def gate_window(stop: dict[str, Any] | Stop) -> tuple[datetime, datetime]:
    """When the stop's gate is open: from a while before it starts to a while after it ends (settings)."""
    starts_at = stop["starts_at"] if isinstance(stop, dict) else stop.starts_at
    ends_at = stop["ends_at"] if isinstance(stop, dict) else stop.ends_at
    return starts_at - timedelta(minutes=settings.gate_opens_minutes), ends_at + timedelta(minutes=settings.gate_closes_minutes)


# ---------------------------------------------------------------- volunteers' access codes


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


async def list_scanner_accesses(*, actor: Actor, now: datetime, stop_id: uuid.UUID) -> list[views.ScannerAccess]:
    """A stop's scanner accesses, newest first, without their codes (only hashes are kept)."""
    require_organiser(actor)
    stop, _event = await load_stop(stop_id, actor)
    rows = await ScannerAccess.select().where(ScannerAccess.stop == stop.id).order_by(ScannerAccess.created_at, ascending=False)
    return [
        views.ScannerAccess(
            id=row["id"], stop_id=row["stop"], label=row["label"], created_at=row["created_at"], expires_at=row["expires_at"],
            revoked_at=row["revoked_at"], is_active=row["revoked_at"] is None and row["expires_at"] > now,
        )
        for row in rows
    ]


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


# ---------------------------------------------------------------- who may scan where


def require_booth_scanner(actor: Actor, employer_id: uuid.UUID) -> None:
    """HR staff scan visitors only at their own employer's booths; organisers at any booth."""
    require_role(actor, "hr", "organiser")
    if not (actor.is_organiser or actor.works_for(employer_id)):
        raise Forbidden("not_your_booth", "HR staff scan only at their own employer's booths.")


#: What a scan names: its kind ("check_in" or "visit"), the gate's stop (check-ins) or the booth (visits).
Place = tuple[str, uuid.UUID | None, uuid.UUID | None]
Places = tuple[dict[uuid.UUID, dict[str, Any]], dict[uuid.UUID, dict[str, Any]]]


async def load_places(places: list[Place]) -> Places:
    """The booths and stops a batch of scans names, two statements whatever the batch's size: (booths by id, stops by id)."""
    booth_ids = {booth for kind, _stop, booth in places if kind == "visit" and booth}
    booths = {}
    if booth_ids:
        rows = await Booth.select(Booth.id, Booth.stop, Booth.employer, Booth.stop.event).where(Booth.id.is_in(list(booth_ids)))
        booths = {row["id"]: row for row in rows}
    stop_ids = {stop for kind, stop, _booth in places if kind == "check_in" and stop} | {b["stop"] for b in booths.values()}
    stops = {}
    if stop_ids:
        rows = await Stop.select(Stop.id, Stop.starts_at, Stop.ends_at, Stop.status, Stop.event, Stop.event.published_at).where(Stop.id.is_in(list(stop_ids)))
        stops = {row["id"]: row for row in rows}
    return booths, stops


def authorise_scan(actor: Actor, place: Place, nonce: str, loaded: Places) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The booth (visits) and stop a scan counts at, if `actor` may scan there; a DomainError otherwise.

    Visits: HR of the booth's employer, or an organiser. Check-ins: an organiser, or a volunteer's
    access for that very stop. An unpublished event's stops exist for organisers only.
    """
    kind, stop_id, booth_id = place
    booths, stops = loaded
    if not nonce.strip():
        raise Invalid("nonce_required", "Every scan carries the device's nonce.")
    booth = None
    if kind == "visit":
        require_role(actor, "hr", "organiser")
        booth = booths.get(booth_id)
        if booth is None:
            raise NotFound("booth_not_found", "No such booth.")
        require_booth_scanner(actor, booth["employer"])
        stop_id = booth["stop"]
    else:
        require_role(actor, "organiser", "scanner")
        if actor.role == "scanner" and actor.stop_id != stop_id:
            raise Forbidden("not_your_stop", "This scanner access opens another stop's gate.")
    stop = stops.get(stop_id)
    if stop is None or (stop["event.published_at"] is None and not actor.is_organiser):
        raise NotFound("stop_not_found", "No such stop.")
    return booth, stop

