"""Calendar feeds: RFC 5545 documents of stops, public and private, built with icalendar and cached by content version.

A feed's version is a hash of a few aggregates over the rows it is made of (latest change and
count of its stops, events, booths, jobs, employers, and for a seeker their registrations). Any
change to any of them changes the version, in every worker at once, because it is read from the
database; so a cached document keyed by version can never be stale, and a conditional request is
answered from the aggregates alone. Each VEVENT's bytes are cached by a hash of everything it
shows, so after one stop changes a 10,000-stop feed is re-assembled, not rebuilt.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import uuid
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from icalendar import Alarm, Calendar, Timezone, vDuration, vText
from icalendar import Event as VEvent
from piccolo.columns.combination import Where
from piccolo.query.functions.aggregate import Count, Max

from events import metrics, views
from events.accounts import Actor, require_role
from events.db import write_transaction
from events.errors import NotFound
from events.settings import settings
from events.tables import Account, Booth, CalendarToken, Employer, Event, Job, Registration, Stop

REFRESH = timedelta(hours=1)
PRODID = "-//Recruitment Events//events feed 1.0//ZH"
UID_DOMAIN = "recruitment-events"
KIND_NAMES = {"talent_train": ("人才专列", "Talent train"), "night_market": ("人才夜市", "Night market"), "job_fair": ("双选会", "Job fair")}
SEEKER_STATUS = {"confirmed": "CONFIRMED", "waitlisted": "TENTATIVE", "cancelled": "CANCELLED"}
#: The reminder a seeker's feed carries: the evening before, at this hour in the stop's zone.
REMINDER_HOUR = 20

_DOCUMENTS: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_VEVENTS: OrderedDict[str, bytes] = OrderedDict()
_RENDER_LOCKS: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)
MAX_DOCUMENTS = 64
MAX_VEVENTS = 50_000


@dataclass(frozen=True)
class Scope:
    """Which stops a feed holds and how it shows them."""

    key: str
    name: str
    stops: Where | None
    audience: str  # "public", "organiser", "seeker", "hr"
    account_id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None

    @property
    def is_private(self) -> bool:
        return self.audience != "public"


@dataclass(frozen=True)
class Version:
    etag: str
    last_modified: datetime


# ---------------------------------------------------------------- scopes


def public_scope(*, kind: str | None = None, city: str | None = None) -> Scope:
    where = Stop.event.published_at.is_not_null()
    if kind:
        where &= Stop.event.kind == kind
    if city:
        where &= (Stop.event.city == city) | (Stop.city == city)
    return Scope(key=f"public:{kind or ''}:{city or ''}", name="校园招聘活动 Recruitment events", stops=where, audience="public")


async def event_scope(slug: str) -> Scope:
    event = await Event.select(Event.title).where((Event.slug == slug) & Event.published_at.is_not_null()).first()
    if event is None:
        raise NotFound("event_not_found", "No such event.")
    return Scope(key=f"event:{slug}", name=event["title"], stops=Stop.event.slug == slug, audience="public")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def private_scope(token: str) -> Scope:
    """The feed a private token opens; 404 for an unknown or revoked token, never 403."""
    digest = _hash(token)
    row = await CalendarToken.select(CalendarToken.token_hash, CalendarToken.account.id, CalendarToken.account.role,
                                     CalendarToken.account.employer, CalendarToken.account.is_active, CalendarToken.account.name).where(
        CalendarToken.token_hash == digest
    ).first()
    # The lookup is by a hash of 256 random bits; compare once more in constant time all the same.
    if row is None or not hmac.compare_digest(row["token_hash"], digest) or not row["account.is_active"]:
        raise NotFound("feed_not_found", "No such calendar feed.")
    account_id, role = row["account.id"], row["account.role"]
    if role == Account.Role.seeker:
        stops = Stop.id.is_in(Registration.select(Registration.stop).where(Registration.seeker == account_id))
        return Scope(key=f"seeker:{account_id}", name="我的报名 My registrations", stops=stops, audience="seeker", account_id=account_id)
    if role == Account.Role.hr:
        stops = Stop.id.is_in(Booth.select(Booth.stop).where(Booth.employer == row["account.employer"]))
        return Scope(key=f"hr:{account_id}", name="我们的展位 Our booths", stops=stops, audience="hr", account_id=account_id,
                     employer_id=row["account.employer"])
    return Scope(key=f"organiser:{account_id}", name="全部活动 All events", stops=None, audience="organiser", account_id=account_id)


def _where(scope: Scope) -> list[Where]:
    return [] if scope.stops is None else [scope.stops]


# ---------------------------------------------------------------- versions


def _moment(value: Any) -> datetime | None:
    """An aggregate's MAX of a timestamptz: a datetime on PostgreSQL, text on SQLite."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


async def version(scope: Scope) -> Version:
    """The feed's version from aggregates alone: cheap enough to answer If-None-Match without building anything."""
    where = _where(scope)
    stop_ids = Stop.select(Stop.id).where(*where)
    event_ids = Stop.select(Stop.event).where(*where)
    parts = [
        await Stop.select(Max(Stop.updated_at), Count()).where(*where).first(),
        await Event.select(Max(Event.updated_at)).where(Event.id.is_in(event_ids)).first(),
        await Booth.select(Max(Booth.updated_at), Count()).where(Booth.stop.is_in(stop_ids)).first(),
        await Job.select(Max(Job.updated_at), Count()).where(Job.event.is_in(event_ids)).first(),
        await Employer.select(Max(Employer.updated_at)).first(),
    ]
    if scope.audience == "seeker":
        parts.append(await Registration.select(Max(Registration.updated_at), Count()).where(Registration.seeker == scope.account_id).first())
    moments = [_moment(part["max"]) for part in parts if part["max"] is not None]
    digest = hashlib.sha256(repr((scope.key, PRODID, settings.public_url, [sorted(part.items()) for part in parts])).encode())
    last_modified = max(moments, default=datetime(2000, 1, 1, tzinfo=UTC)).astimezone(UTC).replace(microsecond=0)
    return Version(etag=digest.hexdigest()[:32], last_modified=last_modified)


# ---------------------------------------------------------------- documents


async def document(scope: Scope, current: Version) -> bytes:
    """The feed's bytes for this version: from the cache, or rendered off the event loop."""
    key = (scope.key, current.etag)
    # Many calendar apps polling a changed feed at once wait for one render instead of each starting their own.
    async with _RENDER_LOCKS[key]:
        if key in _DOCUMENTS:
            _DOCUMENTS.move_to_end(key)
            metrics.FEED_REQUESTS.labels("cached").inc()
            return _DOCUMENTS[key]
        metrics.FEED_REQUESTS.labels("rendered").inc()
        items = await _items(scope)
        body = await anyio.to_thread.run_sync(_render, scope, items)
        _DOCUMENTS[key] = body
        while len(_DOCUMENTS) > MAX_DOCUMENTS:
            _DOCUMENTS.popitem(last=False)
    _RENDER_LOCKS.pop(key, None)
    return body


async def _items(scope: Scope) -> list[dict[str, Any]]:
    """Everything the feed shows, one dict per stop, in start order."""
    stops = await Stop.select(
        Stop.all_columns(),
        Stop.event.slug,
        Stop.event.title,
        Stop.event.kind,
        Stop.event.status,
        Stop.event.timezone,
    ).where(*_where(scope)).order_by(Stop.starts_at)
    if not stops:
        return []
    stop_ids = [stop["id"] for stop in stops]
    booths: dict[uuid.UUID, list[tuple[str, str, uuid.UUID]]] = defaultdict(list)
    for row in await Booth.select(Booth.stop, Booth.label, Booth.employer, Booth.employer.name).where(Booth.stop.is_in(stop_ids)).order_by(Booth.label):
        booths[row["stop"]].append((row["label"], row["employer.name"], row["employer"]))
    event_ids = list({stop["event"] for stop in stops})
    open_jobs: dict[uuid.UUID, int] = defaultdict(int)
    for row in await Job.select(Job.event).where(Job.event.is_in(event_ids) & (Job.status == Job.Status.open) & Job.deleted_at.is_null()):
        open_jobs[row["event"]] += 1
    registrations: dict[uuid.UUID, dict[str, Any]] = {}
    if scope.audience == "seeker":
        for row in await Registration.select(Registration.stop, Registration.status, Registration.revision).where(Registration.seeker == scope.account_id):
            registrations[row["stop"]] = row
    items = []
    for stop in stops:
        item = {**stop, "booths": booths[stop["id"]], "open_jobs": open_jobs[stop["event"]]}
        if scope.audience == "seeker":
            item["registration"] = registrations[stop["id"]]
        items.append(item)
    return items


def _status(scope: Scope, item: dict[str, Any]) -> tuple[str, int]:
    """STATUS and SEQUENCE as this audience should see them."""
    if item["status"] == Stop.Status.cancelled or item["event.status"] == Event.Status.cancelled:
        status = "CANCELLED"
    elif item["event.status"] == Event.Status.draft:
        status = "TENTATIVE"
    else:
        status = "CONFIRMED"
    sequence = item["sequence"]
    if scope.audience == "seeker":
        registration = item["registration"]
        if status != "CANCELLED":
            status = SEEKER_STATUS[registration["status"]]
        # Both only ever grow, so their sum does too: a change of place raises SEQUENCE like a change of time.
        sequence += registration["revision"]
    return status, sequence


def _description(scope: Scope, item: dict[str, Any]) -> str:
    lines = []
    if scope.audience == "hr":
        mine = [label for label, _name, employer in item["booths"] if employer == scope.employer_id]
        lines.append(f"我们的展位 Our booth: {', '.join(mine)}")
    lines.append(f"用人单位 Employers ({len(item['booths'])}):")
    lines.extend(f"{label} {name}" for label, name, _employer in item["booths"])
    lines.append(f"岗位 Jobs: {item['open_jobs']}")
    lines.append(f"{settings.public_url}/events/{item['event.slug']}")
    return "\n".join(lines)


def _vevent(scope: Scope, item: dict[str, Any]) -> bytes:
    status, sequence = _status(scope, item)
    zone = ZoneInfo(item["timezone"])
    place = " ".join(part for part in (item["school"], item["campus"]) if part)
    summary = f"{item['event.title']} · {item['name']}"
    if scope.audience == "hr":
        labels = [label for label, _name, employer in item["booths"] if employer == scope.employer_id]
        summary += f" · 展位 {', '.join(labels)}"
    description = _description(scope, item)
    # Everything the VEVENT shows goes into its cache key; the bytes are reused while it stays the same.
    key = hashlib.sha256(repr((scope.audience, status, sequence, summary, place, description, item["address"], item["starts_at"],
                                item["ends_at"], item["timezone"], item["latitude"], item["longitude"], item["updated_at"],
                                item["created_at"], item["event.kind"], settings.public_url)).encode()).hexdigest()
    cached = _VEVENTS.get(key)
    if cached is not None:
        return cached
    vevent = VEvent.new(
        uid=f"{item['id']}@{UID_DOMAIN}",
        start=item["starts_at"].astimezone(zone),
        end=item["ends_at"].astimezone(zone),
        summary=summary,
        location=", ".join(part for part in (place, item["address"]) if part),
        description=description,
        sequence=sequence,
        status=status,
        created=item["created_at"],
        last_modified=item["updated_at"],
        stamp=item["updated_at"],
        url=f"{settings.public_url}/events/{item['event.slug']}#stop-{item['id']}",
        categories=list(KIND_NAMES[item["event.kind"]]),
    )
    if item["latitude"] is not None and item["longitude"] is not None:
        vevent.add("geo", (item["latitude"], item["longitude"]))
    if scope.audience == "seeker" and status != "CANCELLED":
        local_start = item["starts_at"].astimezone(zone)
        evening_before = datetime.combine(local_start.date() - timedelta(days=1), time(REMINDER_HOUR), tzinfo=zone)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"明天 Tomorrow: {summary}")
        # RFC 5545 needs VALUE=DATE-TIME on an absolute TRIGGER; icalendar leaves it out and ical.js then reads a duration.
        alarm.add("trigger", evening_before.astimezone(UTC), parameters={"VALUE": "DATE-TIME"})
        vevent.add_component(alarm)
    body = vevent.to_ical()
    _VEVENTS[key] = body
    while len(_VEVENTS) > MAX_VEVENTS:
        _VEVENTS.popitem(last=False)
    return body


def _vtimezone(name: str, first: date, last: date) -> Timezone:
    """A VTIMEZONE with one STANDARD/DAYLIGHT block per change of offset.

    icalendar writes repeated changes as DTSTART plus RDATEs, which RFC 5545 allows, but Mozilla's
    ical.js (and so Thunderbird) then ignores the DTSTART onset and computes the winter months of
    a DST zone an hour off; the feed tests caught it. One block per onset reads right everywhere.
    """
    zone = Timezone.from_tzid(name, first_date=first, last_date=last)
    plain = Timezone()
    for key, value in zone.items():
        plain[key] = value
    for component in zone.subcomponents:
        rdates = component.get("RDATE", [])
        onsets = [component.decoded("DTSTART")] + [period.dt for rdate in (rdates if isinstance(rdates, list) else [rdates]) for period in rdate.dts]
        for onset in onsets:
            block = type(component)()
            for key, value in component.items():
                if key not in {"DTSTART", "RDATE"}:
                    block[key] = value
            block.add("DTSTART", onset)
            plain.add_component(block)
    return plain


def _render(scope: Scope, items: list[dict[str, Any]]) -> bytes:
    # Calendar.new writes NAME and X-WR-CALNAME; a UID derived from the feed keeps re-renders identical.
    calendar = Calendar.new(prodid=PRODID, method="PUBLISH", name=scope.name, uid=uuid.uuid5(uuid.NAMESPACE_URL, f"{UID_DOMAIN}/{scope.key}"))
    calendar.add("x-wr-timezone", settings.default_timezone)
    # icalendar writes REFRESH-INTERVAL without the VALUE=DURATION that RFC 7986 requires.
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vText("PT1H"))
    zones: dict[str, tuple[date, date]] = {}
    for item in items:
        first, last = zones.get(item["timezone"], (item["starts_at"].date(), item["ends_at"].date()))
        zones[item["timezone"]] = (min(first, item["starts_at"].date()), max(last, item["ends_at"].date()))
    for name, (first, last) in sorted(zones.items()):
        calendar.add_component(_vtimezone(name, first - timedelta(days=366), last + timedelta(days=366)))
    head = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    return head[: -len(end)] + b"".join(_vevent(scope, item) for item in items) + end


# ---------------------------------------------------------------- private tokens


def feed_urls(token: str) -> views.CalendarLink:
    https = f"{settings.public_url}/calendar/private/{token}.ics"
    return views.CalendarLink(url=https, webcal_url="webcal://" + https.split("://", 1)[1])


async def rotate_token(*, actor: Actor, now: datetime) -> views.CalendarLink:
    """Create the account's private feed token, or replace it: the old link stops working at once."""
    require_role(actor, "organiser", "hr", "seeker")
    token = secrets.token_urlsafe(32)
    async with write_transaction():
        await CalendarToken.delete().where(CalendarToken.account == actor.id)
        await CalendarToken.insert(CalendarToken(account=actor.id, token_hash=_hash(token), created_at=now))
    return feed_urls(token)


async def revoke_token(*, actor: Actor) -> None:
    require_role(actor, "organiser", "hr", "seeker")
    await CalendarToken.delete().where(CalendarToken.account == actor.id)


def clear_caches() -> None:
    _DOCUMENTS.clear()
    _VEVENTS.clear()
