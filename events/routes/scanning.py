"""Scanning at gates and booths, offline sync, and check-in-only scanner access."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Request, Response, Router, delete, get, post
from litestar.params import JSONBody
from msgspec import Meta

from events import scanner_access, scanning, views
from events.accounts import Actor
from events.errors import DomainError, Refused
from events.routes.common import Aware, Body, Caller, Id, allow, client_address, limiter_of, now, problems

Ticket = Annotated[str, Meta(min_length=1, max_length=400, examples=["T1.f5CD…", "K7Q4M2XA"], description="The QR payload, or the 8-character short code typed by hand.")]
Nonce = Annotated[str, Meta(min_length=8, max_length=64, examples=["6f1c2e0a-4b1d-4c55-9a8e-1f0f3c2d9b77"], description="The device's unique id for this scan.")]
Device = Annotated[str, Meta(max_length=100, examples=["HR phone 3"])]
JobIds = Annotated[list[uuid.UUID], Meta(max_length=20)]
MAX_BATCH = 1000


class CheckInRequest(Body):
    ticket: Ticket
    nonce: Nonce
    scanned_at: Aware | None = None
    device: Device = ""


class VisitRequest(CheckInRequest):
    job_ids: JobIds = []


class SyncedScan(Body):
    kind: Literal["check_in", "visit"]
    ticket: Ticket
    nonce: Nonce
    stop_id: uuid.UUID | None = None
    booth_id: uuid.UUID | None = None
    scanned_at: Aware | None = None
    job_ids: JobIds = []
    device: Device = ""


class SyncRequest(Body):
    scans: Annotated[list[SyncedScan], Meta(max_length=MAX_BATCH, description="At most 1,000 scans.")]


class ScannerAccessRequest(Body):
    label: Annotated[str, Meta(max_length=100, examples=["东门志愿者 East gate"])] = ""
    expires_at: Aware | None = None


async def _limit(actor: Actor, request: Request) -> None:
    """Scan requests per account (or per volunteer's access) and per address: a stuck retry loop on one phone cannot flood the gate."""
    await limiter_of(request).hit("scan_account", str(actor.access_id or actor.id))
    await limiter_of(request).hit("scan_address", client_address(request))


def _answer(result: views.ScanResult) -> Response[views.ScanResult]:
    if result.result == "refused":
        raise Refused(result.code, "This ticket is refused here.", nonce=result.nonce, first_at=None)
    return Response(result, status_code=scanning.http_status(result))


@post("/stops/{stop_id:uuid}/check-ins", summary="Check a ticket in at a stop's gate", guards=allow("organiser", "scanner"), responses=problems(403, 404, 409, 413, 429))
async def check_in(request: Request, stop_id: Id, data: JSONBody[CheckInRequest], actor: Caller) -> Response[views.ScanResult]:
    """201 the first check-in, 200 a repeat (with the first time), 409 refused with a code."""
    await _limit(actor, request)
    request = scanning.ScanRequest(kind="check_in", stop_id=stop_id, ticket=data.ticket, nonce=data.nonce, scanned_at=data.scanned_at, device=data.device)
    return _answer(await scanning.record_scan(actor=actor, now=now(), request=request))


@post("/booths/{booth_id:uuid}/visits", summary="Scan a visitor at a booth (HR of its employer)", guards=allow("organiser", "hr"), responses=problems(403, 404, 409, 413, 429))
async def visit(request: Request, booth_id: Id, data: JSONBody[VisitRequest], actor: Caller) -> Response[views.ScanResult]:
    """One visit per seeker and booth however often scanned; every scan is kept. 403 `not_your_booth`."""
    await _limit(actor, request)
    request = scanning.ScanRequest(
        kind="visit", booth_id=booth_id, ticket=data.ticket, nonce=data.nonce, scanned_at=data.scanned_at, job_ids=tuple(data.job_ids), device=data.device
    )
    return _answer(await scanning.record_scan(actor=actor, now=now(), request=request))


@post("/scans/sync", summary="Send scans queued while offline", status_code=200, guards=allow("organiser", "hr", "scanner"), responses=problems(403, 413, 429))
async def sync(request: Request, data: JSONBody[SyncRequest], actor: Caller) -> views.SyncResults:
    """A result per scan, in order; idempotent by nonce, so a batch sent twice (or half-acknowledged) never counts twice."""
    await _limit(actor, request)
    requests = [
        scanning.ScanRequest(
            kind=scan.kind, stop_id=scan.stop_id, booth_id=scan.booth_id, ticket=scan.ticket, nonce=scan.nonce,
            scanned_at=scan.scanned_at, job_ids=tuple(scan.job_ids), device=scan.device,
        )
        for scan in data.scans
    ]
    results = [
        # One scan the caller may not make does not spoil the batch: it is answered as refused, with the error's code.
        views.ScanResult(nonce=scan.nonce, kind=scan.kind, result="refused", code=result.code, registration_id=None, first_at=None, seeker_name=None)
        if isinstance(result, DomainError)
        else result
        for scan, result in zip(data.scans, await scanning.sync_scans(actor=actor, now=now(), requests=requests), strict=True)
    ]
    return views.SyncResults(results=results)


@post("/stops/{stop_id:uuid}/scanner-access", summary="Mint check-in-only access to a stop's gate (organiser)", guards=allow("organiser"), responses=problems(403, 404, 422))
async def mint_scanner_access(stop_id: Id, data: JSONBody[ScannerAccessRequest], actor: Caller) -> views.ScannerAccessCreated:
    """A code and a link for a volunteer's phone, no account needed; it expires (by default when the gate closes) and can be revoked."""
    return await scanner_access.mint_scanner_access(actor=actor, now=now(), stop_id=stop_id, label=data.label, expires_at=data.expires_at)


@get("/stops/{stop_id:uuid}/scanner-access", summary="A stop's scanner accesses, without their codes (organiser)", guards=allow("organiser"), responses=problems(403, 404))
async def list_scanner_accesses(stop_id: Id, actor: Caller) -> list[views.ScannerAccess]:
    return await scanner_access.list_scanner_accesses(actor=actor, now=now(), stop_id=stop_id)


@delete("/stops/{stop_id:uuid}/scanner-access/{access_id:uuid}", summary="Revoke scanner access (organiser)", guards=allow("organiser"), responses=problems(403, 404))
async def revoke_scanner_access(stop_id: Id, access_id: Id, actor: Caller) -> None:
    await scanner_access.revoke_scanner_access(actor=actor, now=now(), stop_id=stop_id, access_id=access_id)


router = Router(path="/api", route_handlers=[check_in, visit, sync, mint_scanner_access, list_scanner_accesses, revoke_scanner_access], tags=["scanning"])


