"""Scans at gates and booths: check-ins and visits counted once however often a ticket is scanned, offline batches replayed safely.

Every scan is written once, keyed by its sender (the staff account, or a volunteer's scanner
access) and the device's nonce; the first scan of a registration at a gate makes its check-in and
the first scan of a seeker at a booth makes the visit (unique indexes decide, `INSERT … ON CONFLICT
DO NOTHING` tells first from repeat). A replayed nonce gets the answer its scan got the first time,
but only from its own sender and only for the same scan: a nonce is nobody else's business, and one
reused for another ticket, place or kind is refused (`nonce_reused`). Refusals are scans too: they
are kept, and answered, not raised.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from events import live, metrics, outbox, scanner_access, tickets, views
from events.accounts import Actor
from events.batching import Batcher
from events.bookings import bookings_at_booths
from events.db import insert_new, write_transaction
from events.errors import Conflict, DomainError, Refused
from events.registrations import refuse_unless_admissible
from events.scanner_access import gate_window
from events.tables import CheckIn, Job, Registration, Scan, Visit, VisitJob

#: How long after the scan an offline scan may still arrive and count.
OFFLINE_GRACE = timedelta(hours=24)
#: A device clock ahead of ours by more than this is not believed.
CLOCK_SKEW = timedelta(minutes=5)
SLOT_SECONDS = 15 * 60


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


def _masked_name(name: str | None) -> str | None:
    """李* for 李华: enough for a gate volunteer to greet, not to identify."""
    return None if not name else name[0] + "*" * max(1, len(name) - 1)


# ---------------------------------------------------------------- scanning
#
# Scans are written in batches: every scan that arrives while a batch is being committed
# joins the next one (group commit), and an offline sync is one batch. A batch costs a
# handful of statements whatever its size, and each scan is answered only after the
# transaction that holds it has committed. The unique indexes still decide what is first:
# `INSERT … ON CONFLICT DO NOTHING` on the nonce, the check-in and the visit, so two workers
# (or two batches) racing each other cannot count one scan twice.

#: Scans per transaction; a sync batch of 1,000 is split into chunks of this size.
BATCH_LIMIT = 500
#: Rows per INSERT statement: 13 columns each stays well under both engines' parameter limits.
_INSERT_ROWS = 250


@dataclass
class _Pending:
    """One scan on its way through a batch: what was asked, and what the batch learns about it."""

    actor: Actor
    request: ScanRequest
    now: datetime
    error: DomainError | None = None
    stop: dict[str, Any] | None = None
    booth: dict[str, Any] | None = None
    ticket: tickets.TicketContent | str | None = None  # verified content, a typed short code, or None once refused
    outcome: str | None = None
    registration: dict[str, Any] | None = None
    at: datetime | None = None
    scan_id: uuid.UUID | None = None
    replay: bool = False
    #: SHA-256 of the ticket as read (see _parse_ticket): a replay must carry the same one.
    digest: str = ""

    @property
    def counted(self) -> bool:
        return self.error is None and not self.replay

    @property
    def key(self) -> tuple[uuid.UUID | None, str]:
        """Sender and nonce: what the scan is stored under. A volunteer's phone speaks for its access, staff for their account."""
        return (self.actor.access_id or self.actor.id, self.request.nonce)

    @property
    def identity(self) -> tuple[str, uuid.UUID | None, str]:
        """What a replay of this nonce must repeat: the kind, the place (gate's stop or booth) and the ticket."""
        place = self.request.booth_id if self.request.kind == Scan.Kind.visit else self.request.stop_id
        return (self.request.kind, place, self.digest)


def _stored_identity(scan: dict[str, Any]) -> tuple[str, uuid.UUID | None, str | None]:
    return (scan["kind"], scan["booth"] if scan["kind"] == Scan.Kind.visit else scan["stop"], scan["ticket_digest"])


def _repeats(pending: _Pending, identity: tuple[str, uuid.UUID | None, str | None]) -> bool:
    """Whether the scan is the one first sent under its nonce; scans stored before tickets were digested compare kind and place only."""
    kind, place, digest = identity
    return kind == pending.request.kind and str(place) == str(pending.identity[1]) and digest in (None, pending.digest)


def _parse_ticket(pending: _Pending) -> None:
    """Verify the ticket's signature (and digest it) before the transaction, so the writer does no cryptography."""
    typed = tickets.short_code(pending.request.ticket)
    # A typed code is digested as read, so "k7q4-m2xa" resent as "K7Q4M2XA" is the same scan.
    pending.digest = hashlib.sha256((typed or pending.request.ticket.strip()).encode()).hexdigest()
    if typed is not None:
        pending.ticket = typed
        return
    try:
        pending.ticket = tickets.read(pending.request.ticket)
    except Refused as refusal:
        pending.outcome = refusal.code


def _effective_time(request: ScanRequest, stop: dict[str, Any], now: datetime) -> datetime:
    """When the scan counts as made; Refused(`stop_closed`) outside the gate's window (offline scans excepted, for a day)."""
    opens, closes = gate_window(stop)
    claimed = request.scanned_at if request.scanned_at is not None and request.scanned_at <= now + CLOCK_SKEW else None
    if opens <= now <= closes:
        return min(claimed, now) if claimed is not None and opens <= claimed else now
    if claimed is not None and opens <= claimed <= closes and now - claimed <= OFFLINE_GRACE:
        return claimed
    raise Refused("stop_closed", "The gate of this stop is not open now.")


async def _authorise(batch: list[_Pending]) -> None:
    """Each scan's stop (and booth), if its actor may scan there (events.scanner_access); a DomainError on the scan otherwise."""
    places = [(p.request.kind, p.request.stop_id, p.request.booth_id) for p in batch]
    loaded = await scanner_access.load_places(places)
    for pending, place in zip(batch, places, strict=True):
        try:
            pending.booth, pending.stop = scanner_access.authorise_scan(pending.actor, place, pending.request.nonce, loaded)
        except DomainError as error:
            pending.error = error


async def _stored_scans(keys: list[tuple[uuid.UUID | None, str]], *columns: Any) -> list[dict[str, Any]]:
    """The stored scans under these (sender, nonce) keys: looked up by nonce (the unique index leads with it), kept if the sender matches."""
    wanted = {(str(sender), nonce) for sender, nonce in keys}
    nonces = list({nonce for _sender, nonce in keys})
    scans = []
    for start in range(0, len(nonces), _INSERT_ROWS):
        rows = await Scan.select(Scan.sender, Scan.nonce, *columns).where(Scan.nonce.is_in(nonces[start : start + _INSERT_ROWS]))
        scans += [row for row in rows if (str(row["sender"]), row["nonce"]) in wanted]
    return scans


def _find_replays(batch: list[_Pending]) -> None:
    """A nonce its sender used twice in one batch is a replay the second time.

    A nonce stored before (by an earlier batch, or another worker's) is not looked up here: the scan's
    INSERT in _store meets it on the (nonce, sender) unique index and turns the scan into a replay, answered
    from what is stored. Looking first was one more statement a batch, for the rare retry (docs/benchmarks.md, "Writes").
    """
    seen: set[tuple[str, str]] = set()
    for pending in batch:
        if pending.error is None:
            key = (str(pending.key[0]), pending.key[1])
            pending.replay = key in seen
            seen.add(key)


async def _resolve_registrations(batch: list[_Pending]) -> None:
    """The registration each ticket names at its stop, or the refusal's code."""
    ids = [p.ticket.registration_id for p in batch if p.counted and isinstance(p.ticket, tickets.TicketContent)]
    codes = [p.ticket for p in batch if p.counted and isinstance(p.ticket, str)]
    columns = (Registration.id, Registration.stop, Registration.short_code, Registration.seeker, Registration.status, Registration.seeker.name)
    by_id, by_code = {}, {}
    for start in range(0, len(ids), _INSERT_ROWS):
        by_id.update((row["id"], row) for row in await Registration.select(*columns).where(Registration.id.is_in(ids[start : start + _INSERT_ROWS])))
    for start in range(0, len(codes), _INSERT_ROWS):
        rows = await Registration.select(*columns).where(Registration.short_code.is_in(codes[start : start + _INSERT_ROWS]))
        by_code.update(((row["stop"], row["short_code"]), row) for row in rows)
    for pending in batch:
        if not pending.counted or pending.outcome is not None:
            continue
        stop_id = pending.stop["id"]
        if isinstance(pending.ticket, str):
            pending.registration = by_code.get((stop_id, pending.ticket))
            # A short code is unique per stop: typed at the wrong gate it names another stop's registration.
            if pending.registration is None and any(code == pending.ticket for _stop, code in by_code):
                pending.outcome = "ticket_other_stop"
                continue
        elif pending.ticket.stop_id != stop_id:
            pending.outcome = "ticket_other_stop"
            continue
        else:
            row = by_id.get(pending.ticket.registration_id)
            pending.registration = row if row is not None and row["stop"] == stop_id else None
        if pending.registration is None:
            pending.outcome = "ticket_invalid"
            continue
        try:
            refuse_unless_admissible(registration_status=pending.registration["status"], stop_status=pending.stop["status"])
            pending.at = _effective_time(pending.request, pending.stop, pending.now)
        except Refused as refusal:
            pending.outcome = refusal.code


async def _count(batch: list[_Pending]) -> None:
    """First or repeat for every admitted scan, decided by the unique indexes as the rows go in."""
    admitted = [p for p in batch if p.counted and p.outcome is None]
    check_ins = [p for p in admitted if p.request.kind == "check_in"]
    visits = [p for p in admitted if p.request.kind == "visit"]
    for pending in admitted:
        pending.outcome = "first"
    firsts: set[str] = set()
    for start in range(0, len(check_ins), _INSERT_ROWS):
        rows = [
            {"id": uuid.uuid4(), "registration": p.registration["id"], "stop": p.stop["id"], "scan": p.scan_id, "checked_in_at": p.at, "slot": slot_of(p.at)}
            for p in check_ins[start : start + _INSERT_ROWS]
        ]
        firsts.update(await insert_new(CheckIn, rows, returning=CheckIn.scan))
    for start in range(0, len(visits), _INSERT_ROWS):
        rows = [
            {"id": uuid.uuid4(), "booth": p.booth["id"], "seeker": p.registration["seeker"], "registration": p.registration["id"], "stop": p.stop["id"],
             "scan": p.scan_id, "visited_at": p.at, "slot": slot_of(p.at)}
            for p in visits[start : start + _INSERT_ROWS]
        ]
        firsts.update(await insert_new(Visit, rows, returning=Visit.scan))
    # One INSERT per kind for the whole batch: the outbox adds a statement to a scan batch, not one per scan.
    first_check_ins = [p for p in check_ins if str(p.scan_id) in firsts]
    first_visits = [p for p in visits if str(p.scan_id) in firsts]
    if first_check_ins:
        await outbox.record_many(
            "check_in.created",
            [{"registration_id": p.registration["id"], "stop_id": p.stop["id"], "seeker_id": p.registration["seeker"], "scan_id": p.scan_id} for p in first_check_ins],
            now=first_check_ins[0].now,
        )
    if first_visits:
        await outbox.record_many(
            "visit.created",
            [{"registration_id": p.registration["id"], "stop_id": p.stop["id"], "booth_id": p.booth["id"], "employer_id": p.booth["employer"],
              "seeker_id": p.registration["seeker"], "scan_id": p.scan_id}
             for p in first_visits],
            now=first_visits[0].now,
        )
    repeats = [p for p in admitted if str(p.scan_id) not in firsts]
    for pending in repeats:
        pending.outcome = "repeat"
    for start in range(0, len(repeats), _INSERT_ROWS):
        ids = [p.scan_id for p in repeats[start : start + _INSERT_ROWS]]
        await Scan.update({Scan.outcome: "repeat"}).where(Scan.id.is_in(ids))
    await _note_jobs([p for p in visits if p.request.job_ids])


async def _note_jobs(visits: list[_Pending]) -> None:
    """The jobs HR ticked on a visit scan, kept against the seeker's (first) visit to the booth; only the booth's employer's live jobs at the event."""
    if not visits:
        return
    job_ids = list({job for p in visits for job in p.request.job_ids})
    jobs = await Job.select(Job.id, Job.employer, Job.event).where(Job.id.is_in(job_ids) & Job.deleted_at.is_null())
    jobs_by_id = {job["id"]: job for job in jobs}
    rows = await Visit.select(Visit.id, Visit.booth, Visit.seeker).where(
        Visit.booth.is_in(list({p.booth["id"] for p in visits})) & Visit.seeker.is_in(list({p.registration["seeker"] for p in visits}))
    )
    visit_ids = {(row["booth"], row["seeker"]): row["id"] for row in rows}
    notes = []
    for pending in visits:
        visit_id = visit_ids[(pending.booth["id"], pending.registration["seeker"])]
        for job_id in pending.request.job_ids:
            job = jobs_by_id.get(job_id)
            if job and job["employer"] == pending.booth["employer"] and job["event"] == pending.booth["stop.event"]:
                notes.append(VisitJob(visit=visit_id, job=job_id))
    if notes:
        await VisitJob.insert(*notes).on_conflict(action="DO NOTHING")


async def _store(batch: list[_Pending]) -> None:
    """Insert the new scans as pending; a nonce its sender stored before (an earlier batch, another worker's) turns the scan into a replay."""
    new = [p for p in batch if p.counted]
    inserted: set[str] = set()
    for start in range(0, len(new), _INSERT_ROWS):
        rows = []
        for pending in new[start : start + _INSERT_ROWS]:
            request = pending.request
            pending.scan_id = uuid.uuid4()
            rows.append({
                "id": pending.scan_id, "nonce": request.nonce, "kind": request.kind, "stop": pending.stop["id"],
                "booth": pending.booth["id"] if pending.booth else None,
                # Provisionally first: _count turns it into a repeat if the check-in or visit already exists.
                "outcome": pending.outcome or "first",
                "registration": pending.registration["id"] if pending.registration else None,
                "device": request.device[:100], "staff": pending.actor.id, "scanner_access": pending.actor.access_id,
                "sender": pending.key[0], "ticket_digest": pending.digest,
                "scanned_at": request.scanned_at, "received_at": pending.now, "job_ids": json.dumps([str(job) for job in request.job_ids]),
            })
        # The (nonce, sender) unique index settles two deliveries of one scan racing each other.
        inserted.update(await insert_new(Scan, rows, returning=Scan.id))
    for pending in new:
        pending.replay = str(pending.scan_id) not in inserted


#: An answer, and the scan it belongs to (see _Pending.identity), per (sender as text, nonce).
Answers = dict[tuple[str, str], tuple[tuple[str, uuid.UUID | None, str | None], views.ScanResult]]


async def _answers(batch: list[_Pending]) -> Answers:
    """The answer each (sender, nonce) in the batch stands for, with the scan that first carried it.

    A scan counted first, or refused, in this batch is answered from what the batch knows; a
    repeat (it needs the first time) and a replay (it gets the answer stored with its nonce)
    are answered from what is stored.
    """
    answers: Answers = {}
    for p in batch:
        key = (str(p.key[0]), p.key[1])
        if p.counted and p.outcome != "repeat" and key not in answers:
            first = p.outcome == "first"
            scan = {"nonce": p.request.nonce, "kind": p.request.kind, "outcome": p.outcome, "registration": p.registration["id"] if p.registration else None}
            # In UTC, as the database gives it back to a replay.
            answers[key] = (p.identity, _result_of(scan, p.at.astimezone(UTC) if first else None, p.registration["seeker.name"] if first else None))
    return answers | await _stored_answers([p.key for p in batch if p.error is None and (str(p.key[0]), p.key[1]) not in answers])


async def _stored_answers(keys: list[tuple[uuid.UUID | None, str]]) -> Answers:
    """The answers stored scans stand for: a replay gets the answer its nonce got the first time from its sender."""
    scans = await _stored_scans(keys, Scan.kind, Scan.outcome, Scan.registration, Scan.stop, Scan.booth, Scan.ticket_digest)
    registration_ids = list({scan["registration"] for scan in scans if scan["registration"] is not None and scan["outcome"] in ("first", "repeat")})
    seekers, check_ins, visits = {}, {}, {}
    any_check_in = any(scan["kind"] == Scan.Kind.check_in for scan in scans)
    for start in range(0, len(registration_ids), _INSERT_ROWS):
        ids = registration_ids[start : start + _INSERT_ROWS]
        rows = await Registration.select(Registration.id, Registration.seeker, Registration.seeker.name).where(Registration.id.is_in(ids))
        seekers.update((row["id"], row) for row in rows)
        if any_check_in:
            rows = await CheckIn.select(CheckIn.registration, CheckIn.checked_in_at).where(CheckIn.registration.is_in(ids))
            check_ins.update((row["registration"], row["checked_in_at"]) for row in rows)
    booth_ids = list({scan["booth"] for scan in scans if scan["booth"] is not None and scan["registration"] in seekers})
    if booth_ids:
        seeker_ids = list({seekers[scan["registration"]]["seeker"] for scan in scans if scan["booth"] is not None and scan["registration"] in seekers})
        rows = await Visit.select(Visit.booth, Visit.seeker, Visit.visited_at).where(Visit.seeker.is_in(seeker_ids) & Visit.booth.is_in(booth_ids))
        visits.update(((row["booth"], row["seeker"]), row["visited_at"]) for row in rows)
    answers = {}
    for scan in scans:
        seeker = seekers.get(scan["registration"])
        first_at = None
        if seeker is not None:
            if scan["kind"] == Scan.Kind.check_in:
                first_at = check_ins.get(scan["registration"])
            else:
                first_at = visits.get((scan["booth"], seeker["seeker"]))
        answers[(str(scan["sender"]), scan["nonce"])] = (_stored_identity(scan), _result_of(scan, first_at, seeker["seeker.name"] if seeker else None))
    return answers


def _result_of(scan: dict[str, Any], first_at: datetime | None, name: str | None) -> views.ScanResult:
    names = {"check_in": ("checked_in", "already_checked_in"), "visit": ("visited", "already_visited")}[scan["kind"]]
    result = {"first": names[0], "repeat": names[1]}.get(scan["outcome"], "refused")
    return views.ScanResult(
        nonce=scan["nonce"],
        kind=scan["kind"],
        result=result,
        code=None if result != "refused" else scan["outcome"],
        registration_id=scan["registration"],
        first_at=first_at,
        seeker_name=_masked_name(name),
    )


async def record_scans(batch: list[_Pending]) -> list[views.ScanResult | DomainError]:
    """Record scans in one transaction, each counted if it is the first; a result (or the error that refused the caller) per scan, in order."""
    for pending in batch:
        _parse_ticket(pending)
    async with write_transaction():
        await _authorise(batch)
        _find_replays(batch)
        await _resolve_registrations(batch)
        await _store(batch)
        await _count([p for p in batch if p.counted])
        answers = await _answers(batch)
    results: list[views.ScanResult | DomainError] = []
    for pending in batch:
        if pending.error is not None:
            results.append(pending.error)
            continue
        identity, result = answers[(str(pending.key[0]), pending.key[1])]
        if pending.replay and not _repeats(pending, identity):
            # Never someone else's answer, nor the answer to another scan: the nonce is taken, this scan is not made.
            results.append(Conflict("nonce_reused", "This device already sent another scan under this nonce; send each scan with a new nonce."))
            metrics.SCANS.labels(pending.request.kind, "nonce_reused").inc()
            continue
        results.append(result)
        metrics.SCANS.labels(pending.request.kind, result.code or result.result).inc()
        if pending.counted and result.result != "refused":
            booth_id = pending.booth["id"] if pending.booth else ""
            live.announce(pending.stop["event"], kind=pending.request.kind, stop_id=pending.stop["id"], booth_id=booth_id, result=result.result)
    return await _with_bookings(batch, results)


async def _with_bookings(batch: list[_Pending], results: list[views.ScanResult | DomainError]) -> list[views.ScanResult | DomainError]:
    """Visit scans of seekers who booked an interview slot at the booth carry that booking, so HR can mark them attended."""
    wanted = [
        (n, pending) for n, (pending, result) in enumerate(zip(batch, results, strict=True))
        if isinstance(result, views.ScanResult) and result.kind == Scan.Kind.visit and result.result != "refused" and result.registration_id and pending.booth
    ]
    if not wanted:
        return results
    seekers = {p.registration["id"]: p.registration["seeker"] for _, p in wanted if p.registration is not None}
    missing = list({results[n].registration_id for n, _ in wanted} - set(seekers))
    if missing:
        rows = await Registration.select(Registration.id, Registration.seeker).where(Registration.id.is_in(missing))
        seekers.update((row["id"], row["seeker"]) for row in rows)
    pairs = {n: (seekers[results[n].registration_id], p.booth["id"]) for n, p in wanted if results[n].registration_id in seekers}
    found = await bookings_at_booths(list(set(pairs.values())), batch[0].now)
    for n, pair in pairs.items():
        if pair in found:
            results[n] = msgspec.structs.replace(results[n], booking=found[pair])
    return results


#: Two writers: one batch is prepared while the other commits.
_scans = Batcher(record_scans, limit=BATCH_LIMIT, writers=2)


async def record_scan(*, actor: Actor, now: datetime, request: ScanRequest) -> views.ScanResult:
    """Record one scan and count it if it is the first; answer a replayed nonce as it was answered before."""
    return await _scans.submit(_Pending(actor=actor, request=request, now=now))


async def sync_scans(*, actor: Actor, now: datetime, requests: list[ScanRequest]) -> list[views.ScanResult | DomainError]:
    """An offline batch: written in chunks, a result (or the error that refused the caller) per scan, in order."""
    results: list[views.ScanResult | DomainError] = []
    for start in range(0, len(requests), BATCH_LIMIT):
        results += await record_scans([_Pending(actor=actor, request=request, now=now) for request in requests[start : start + BATCH_LIMIT]])
    return results


def http_status(result: views.ScanResult) -> int:
    return {"checked_in": 201, "visited": 201, "already_checked_in": 200, "already_visited": 200}.get(result.result, 409)
