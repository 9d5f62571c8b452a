"""Calendar feeds: which stops a feed holds and how each audience sees them, versions, and documents kept and patched.

Version. A feed's ETag is a hash of per-table aggregates over the rows it is made of (count and
a checksum of the change stamps of its stops, events, open jobs, employers and, for a seeker,
registrations; count and latest stamp of its booths), read in two statements at once. It is the same in
every worker and answers a conditional request without building anything. Each worker remembers
a feed's version, and which feed a slug opens, for FRESH_FOR seconds, and forgets them
as soon as it commits a change itself (`changed()`, called by the domain modules that change
what feeds show): a poll then costs no query at all, a change made through this worker shows at
its next poll, one made through another worker within FRESH_FOR. Calendar apps poll hourly.
A private token is looked up on every request, so a rotated or revoked link is refused at once everywhere.

Document. Each worker keeps each feed's last document and every VEVENT's bytes (within
MAX_FEED_BYTES). When the version moves and only stops changed, it fetches the stops stamped
after the last render, renders those (events.ical) and splices them in; the count and checksum of
the result must then equal the new version's, else (a stop left the feed, a commit landed with an
older stamp than one already seen) it renders the whole feed again, as it does after any other
change (a booth, an employer, a seeker's registration, what an event shows).
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import hashlib
import hmac
import secrets
import time as clock
import uuid
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import anyio.to_thread
from piccolo.columns import Column
from piccolo.columns.combination import Where
from piccolo.query.methods.select import Select
from piccolo.querystring import QueryString

from events import ical, metrics, views
from events.accounts import Actor, require_role
from events.db import is_sqlite, write_transaction
from events.errors import NotFound
from events.ical import UID_DOMAIN, Shown
from events.settings import settings
from events.tables import Account, Booking, Booth, CalendarToken, Employer, Event, Job, Registration, Stop

#: How often calendar apps should poll: REFRESH-INTERVAL in the feed, max-age in HTTP.
REFRESH = ical.REFRESH
KIND_NAMES = {"talent_train": ("人才专列", "Talent train"), "night_market": ("人才夜市", "Night market"), "job_fair": ("双选会", "Job fair")}
SEEKER_STATUS = {"confirmed": "CONFIRMED", "waitlisted": "TENTATIVE", "cancelled": "CANCELLED"}
#: The reminder a seeker's feed carries: the evening before, at this hour in the stop's zone.
REMINDER_HOUR = 20
#: Seconds a worker trusts a feed version (or a slug's feed) it read, unless it changed something itself.
FRESH_FOR = 1.0
#: Versions and scopes remembered at most; each entry is small.
MAX_MEMO = 10_000
#: Bytes of rendered feeds a worker keeps (each feed counts its document and its VEVENTs); least recently served go first.
MAX_FEED_BYTES = 64 * 1024 * 1024
#: Patching a feed happens on the event loop when it renders fewer VEVENTs and splices into a smaller feed than these, else in a thread.
INLINE_RENDERS = 64
INLINE_SPLICES = 2_000


@dataclass(frozen=True)
class Scope:
    """Which stops a feed holds and how it shows them."""

    key: str
    #: The calendar's name; None: the title of the event `event_id`, read with the rows.
    name: str | None
    audience: str  # "public", "organiser", "seeker", "hr"
    account_id: uuid.UUID | None = None
    employer_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None
    #: Public feeds' filters.
    kind: str | None = None
    city: str | None = None

    @property
    def is_private(self) -> bool:
        return self.audience != "public"

    def stops(self, stop: Any = Stop) -> list[Where]:
        """The feed's condition on stops: on Stop itself, or through a foreign key to it (Booth.stop reads it with a join)."""
        own_id = Stop.id if stop is Stop else stop
        if self.event_id is not None:
            return [stop.event == self.event_id]
        if self.audience == "public":
            where = stop.event.published_at.is_not_null()
            if self.kind:
                where &= stop.event.kind == self.kind
            if self.city:
                where &= (stop.event.city == self.city) | (stop.city == self.city)
            return [where]
        if self.audience == "seeker":
            return [own_id.is_in(Registration.select(Registration.stop).where(Registration.seeker == self.account_id))]
        if self.audience == "hr":
            return [own_id.is_in(Booth.select(Booth.stop).where(Booth.employer == self.employer_id))]
        return []  # an organiser's: every stop


@dataclass(frozen=True)
class Version:
    etag: str
    last_modified: datetime
    #: Per table: (rows, checksum of their change stamps), what the ETag is a hash of.
    parts: tuple[tuple[str, int, int], ...] = ()

    @functools.cached_property
    def http_date(self) -> str:
        """Last-Modified as HTTP writes it, made once per version rather than once per poll."""
        return format_datetime(self.last_modified, usegmt=True)

    def part(self, name: str) -> tuple[int, int]:
        return next(((rows, total) for part, rows, total in self.parts if part == name), (0, 0))


# ---------------------------------------------------------------- memory of versions and scopes

_MEMO: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
_generation = 0
_FLIGHTS: dict[Hashable, list[Any]] = {}
T = TypeVar("T")


def changed() -> None:
    """Call after committing anything a feed shows: this worker forgets every feed version and scope it remembers."""
    global _generation
    _generation += 1
    _MEMO.clear()


@asynccontextmanager
async def _one_at_a_time(key: Hashable) -> AsyncIterator[None]:
    """Many polls wanting the same work wait for the first one instead of each doing it."""
    flight = _FLIGHTS.setdefault(key, [asyncio.Lock(), 0])
    flight[1] += 1
    try:
        async with flight[0]:
            yield
    finally:
        flight[1] -= 1
        if not flight[1]:
            del _FLIGHTS[key]


async def _remembered(key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
    """`compute()`'s result, reused for FRESH_FOR seconds or until `changed()`."""
    hit = _MEMO.get(key)
    if hit is not None and hit[0] > clock.monotonic():
        return hit[1]
    async with _one_at_a_time(("memo", key)):
        hit = _MEMO.get(key)
        if hit is not None and hit[0] > clock.monotonic():
            return hit[1]
        started, generation = clock.monotonic(), _generation
        value = await compute()
        # A change committed here while we read may be missing from what we read: then use it once, remember nothing.
        if generation == _generation:
            _MEMO[key] = (started + FRESH_FOR, value)
            _MEMO.move_to_end(key)
            while len(_MEMO) > MAX_MEMO:
                _MEMO.popitem(last=False)
        return value


# ---------------------------------------------------------------- scopes


def public_scope(*, kind: str | None = None, city: str | None = None) -> Scope:
    return Scope(key=f"public:{kind or ''}:{city or ''}", name="校园招聘活动 Recruitment events", audience="public", kind=kind, city=city)


async def event_scope(slug: str) -> Scope:
    async def lookup() -> Scope | None:
        event = await Event.select(Event.id).where((Event.slug == slug) & Event.published_at.is_not_null()).first()
        if event is None:
            return None
        return Scope(key=f"event:{slug}", name=None, audience="public", event_id=event["id"])

    scope = await _remembered(("event", slug), lookup)
    if scope is None:
        raise NotFound("event_not_found", "No such event.")
    return scope


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def private_scope(token: str) -> Scope:
    """The feed a private token opens; 404 for an unknown or revoked token, never 403."""
    digest = _hash(token)

    async def lookup() -> Scope | None:
        row = await CalendarToken.select(CalendarToken.token_hash, CalendarToken.account.id, CalendarToken.account.role,
                                         CalendarToken.account.employer, CalendarToken.account.is_active).where(
            CalendarToken.token_hash == digest
        ).first()
        # The lookup is by a hash of 256 random bits; compare once more in constant time all the same.
        if row is None or not hmac.compare_digest(row["token_hash"], digest) or not row["account.is_active"]:
            return None
        account_id, role = row["account.id"], row["account.role"]
        if role == Account.Role.seeker:
            return Scope(key=f"seeker:{account_id}", name="我的报名 My registrations", audience="seeker", account_id=account_id)
        if role == Account.Role.hr:
            return Scope(key=f"hr:{account_id}", name="我们的展位 Our booths", audience="hr", account_id=account_id, employer_id=row["account.employer"])
        return Scope(key=f"organiser:{account_id}", name="全部活动 All events", audience="organiser", account_id=account_id)

    # Read on every request, never remembered: a rotated or revoked link (or a deactivated account) must
    # answer 404 at once on every worker, not after FRESH_FOR. It is one lookup by a unique index; the
    # feed's version and document stay remembered by scope.
    scope = await lookup()
    if scope is None:
        raise NotFound("feed_not_found", "No such calendar feed.")
    return scope


def _events_where(scope: Scope, event: Column = Event.id) -> Where:
    """The events whose stops the feed holds, as a condition on an event id column."""
    if scope.event_id is not None:
        return event == scope.event_id
    return event.is_in(Stop.select(Stop.event).where(*scope.stops()))


# ---------------------------------------------------------------- versions


#: Stamps are summed modulo this prime, which keeps sums of millions of rows within SQLite's 64-bit SUM.
_MODULUS = 2_147_483_647


def _stamp(column: Column) -> str:
    """SQL for a timestamptz column as a whole number of its time modulo _MODULUS: a row's share of a checksum that any change of stamp moves."""
    name = column._meta.get_full_name(with_alias=False)
    if is_sqlite():
        # Milliseconds, which is as fine as SQLite's date functions go (text tricks for microseconds cost twice as much).
        return f"(CAST(ROUND(julianday({name}) * 86400000.0) AS INTEGER) % {_MODULUS})"
    # date_part works in floating point (exact to the microsecond for centuries); EXTRACT's numeric arithmetic costs three times as much.
    return f"MOD(CAST(date_part('epoch', {name}) * 1000000 AS BIGINT), {_MODULUS})"


def _aggregate(part: str, table: type, where: list[Where], *, latest: Column, stamped: Column | None, counted: str = "1=1") -> QueryString:
    """One row: the part's name, how many rows count, the latest change of any row, and the checksum of the counted rows' stamps."""
    return table.select(
        QueryString(f"'{part}' AS part"),
        QueryString(f"SUM(CASE WHEN {counted} THEN 1 ELSE 0 END) AS n"),
        QueryString(f"MAX({latest._meta.get_full_name(with_alias=False)}) AS latest"),
        QueryString(f"SUM(CASE WHEN {counted} THEN {_stamp(stamped) if stamped is not None else 0} ELSE 0 END) AS total"),
    ).where(*where).querystrings[0]


def _moment(value: Any) -> datetime | None:
    """An aggregate's MAX of a timestamptz: a datetime on PostgreSQL, text on SQLite."""
    if value is None or isinstance(value, datetime):
        return value
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def version(scope: Scope) -> Version:
    """The feed's version: cheap enough to answer If-None-Match without building anything, and remembered for FRESH_FOR."""
    return await _remembered(("version", scope.key), lambda: _read_version(scope))


#: Per large feed: the whole booth table's (count, latest stamp) and the feed's stop count when its own booths were last read, and that read.
_BOOTHS: OrderedDict[Scope, tuple[tuple[int, Any] | None, int, dict[str, Any]]] = OrderedDict()
#: A feed with this many booths or more, a quarter of all booths or more, learns whether any booth changed from the whole table.
BOOTHS_VIA_TABLE = 1_000


@functools.lru_cache(maxsize=1024)
def _version_queries(scope: Scope) -> tuple[list[QueryString], QueryString, QueryString]:
    """The aggregates a feed's version is read from (built once per scope: Piccolo takes half a millisecond a query)."""
    # A checksum of stamps, not only the latest stamp: a change committed after a later-stamped one still moves it.
    parts = [
        _aggregate("stop", Stop, scope.stops(), latest=Stop.updated_at, stamped=Stop.updated_at),
        _aggregate("event", Event, [_events_where(scope)], latest=Event.updated_at, stamped=Event.updated_at),
        # A feed shows how many jobs are open, nothing else of them: the set of open jobs is what counts.
        _aggregate("job", Job, [_events_where(scope, Job.event)], latest=Job.updated_at, stamped=Job.created_at,
                   counted=f"{Job.status._meta.get_full_name(with_alias=False)} = 'open' AND {Job.deleted_at._meta.get_full_name(with_alias=False)} IS NULL"),
        _aggregate("employer", Employer, [], latest=Employer.updated_at, stamped=Employer.updated_at),
    ]
    if scope.audience == "seeker":
        parts.append(_aggregate("registration", Registration, [Registration.seeker == scope.account_id], latest=Registration.updated_at,
                                stamped=Registration.updated_at))
        # issue 14, slots: a seeker's interview bookings are VEVENTs of their own.
        parts.append(_aggregate("booking", Booking, [Booking.seeker == scope.account_id], latest=Booking.updated_at, stamped=Booking.updated_at))
    booths = _aggregate("booth", Booth, scope.stops(Booth.stop), latest=Booth.updated_at, stamped=None)
    return parts, booths, _aggregate("booth table", Booth, [], latest=Booth.updated_at, stamped=None)


async def _read_version(scope: Scope) -> Version:
    parts, booths, booth_table = _version_queries(scope)
    # Booths are only ever added and removed, which their count and latest stamp show (a checksum would double the cost).
    # Reading them through the feed's stops costs about a microsecond a booth on SQLite, the most of a large feed's version;
    # scanning the whole table costs a fifth of that a booth. So a large feed whose stops stay the same (an event's, or an
    # organiser's) reads the table, and its own booths again only when a booth changed anywhere. If stops left and
    # entered it in equal numbers at once (never through the API) this worker's ETag for it may differ from another's
    # until a booth changes; the document stays right either way.
    known = _BOOTHS.get(scope) if scope.city is None and scope.audience in ("public", "organiser") else None
    # Two statements at once when the feed's booths are read: for a large feed they take as long as everything else together.
    groups = [[*parts, booth_table]] if known is not None else [parts, [booths]]
    results = await asyncio.gather(*(Stop._meta.db.run_querystring(QueryString(" UNION ALL ".join(["{}"] * len(group)), *group)) for group in groups))
    rows = {row["part"]: row for result in results for row in map(dict, result)}
    table = None
    if known is not None:
        table_row = rows.pop("booth table")
        table = (int(table_row["n"] or 0), table_row["latest"])
        if (table, int(rows["stop"]["n"] or 0)) == known[:2]:
            rows["booth"] = known[2]
        else:
            rows["booth"] = dict((await Stop._meta.db.run_querystring(booths))[0])
    booth_count = int(rows["booth"]["n"] or 0)
    if booth_count >= BOOTHS_VIA_TABLE and (table is None or 4 * booth_count >= table[0]):
        _BOOTHS[scope] = (table, int(rows["stop"]["n"] or 0), rows["booth"])
        _BOOTHS.move_to_end(scope)
        while len(_BOOTHS) > MAX_MEMO:
            _BOOTHS.popitem(last=False)
    else:
        _BOOTHS.pop(scope, None)
    counts = tuple((part, int(row["n"] or 0), int(row["total"] or 0)) for part, row in sorted(rows.items()))
    moments = [moment for row in rows.values() if (moment := _moment(row["latest"])) is not None]
    digest = hashlib.sha256(repr((scope.key, ical.PRODID, settings.public_url, counts)).encode())
    last_modified = max(moments, default=datetime(2000, 1, 1, tzinfo=UTC)).astimezone(UTC).replace(microsecond=0)
    return Version(etag=digest.hexdigest()[:32], last_modified=last_modified, parts=counts)


# ---------------------------------------------------------------- rows

STOP_COLUMNS = (Stop.id, Stop.event, Stop.name, Stop.school, Stop.campus, Stop.address, Stop.latitude, Stop.longitude, Stop.starts_at,
                Stop.ends_at, Stop.timezone, Stop.status, Stop.sequence, Stop.created_at, Stop.updated_at)
OPEN_JOBS = """(SELECT COUNT(*) FROM "job" WHERE "job"."event" = "event"."id" AND "job"."status" = 'open' AND "job"."deleted_at" IS NULL) AS open_jobs"""
#: What a feed shows of an event: (slug, title, kind, status, open jobs).
EventShown = tuple[str, str, str, str, int]


async def _events(scope: Scope) -> dict[uuid.UUID, EventShown]:
    open_jobs = QueryString(OPEN_JOBS)
    rows = await Event.select(Event.id, Event.slug, Event.title, Event.kind, Event.status, open_jobs).where(_events_where(scope))
    return {row["id"]: (row["slug"], row["title"], row["kind"], row["status"], int(row["open_jobs"])) for row in rows}


async def _stops(scope: Scope, *extra: Where) -> list[dict[str, Any]]:
    return await Stop.select(*STOP_COLUMNS, QueryString(f"{_stamp(Stop.updated_at)} AS stamp")).where(*scope.stops(), *extra)


#: A stop's booths as (label, employer name, employer id as text), in label order.
Booths = dict[str, list[tuple[str, ...]]]
BOOTHS_SQLITE = """SELECT CAST("booth"."stop" AS TEXT) AS stop,
    group_concat("booth"."label" || char(31) || "employer"."name" || char(31) || "booth"."employer", char(30)) AS booths
    FROM "booth" JOIN "employer" ON "employer"."id" = "booth"."employer" WHERE "booth"."stop" IN ({}) GROUP BY "booth"."stop"
"""
BOOTHS_POSTGRES = """SELECT CAST("booth"."stop" AS TEXT) AS stop,
    string_agg("booth"."label" || chr(31) || "employer"."name" || chr(31) || CAST("booth"."employer" AS TEXT), chr(30)) AS booths
    FROM "booth" JOIN "employer" ON "employer"."id" = "booth"."employer" WHERE "booth"."stop" IN ({}) GROUP BY "booth"."stop"
"""


async def _booths(stops: Select) -> Booths:
    """The booths of the stops `stops` selects, keyed by the stop's id as text.

    One row a stop with its booths packed into one text, not one row a booth: converting 30,000 rows
    (two UUIDs each) cost a third of a cold render of 10,000 stops. Texts are free of control
    characters (the API refuses them), so \\x1e and \\x1f separate booths and their fields.
    """
    query = QueryString(BOOTHS_SQLITE if is_sqlite() else BOOTHS_POSTGRES, stops.querystrings[0])
    rows = await Stop._meta.db.run_querystring(query)
    return {row["stop"]: sorted(tuple(booth.split("\x1f")) for booth in row["booths"].split("\x1e")) for row in rows}


async def _registrations(scope: Scope) -> dict[uuid.UUID, tuple[str, int]]:
    if scope.audience != "seeker":
        return {}
    rows = await Registration.select(Registration.stop, Registration.status, Registration.revision).where(Registration.seeker == scope.account_id)
    return {row["stop"]: (row["status"], row["revision"]) for row in rows}


# ---------------------------------------------------------------- issue 14, slots: a seeker's bookings

BOOKING_STATUS = {"booked": "CONFIRMED", "attended": "CONFIRMED", "no_show": "CONFIRMED", "cancelled": "CANCELLED"}


async def _bookings(scope: Scope) -> list[_Entry]:
    """A seeker's interview bookings as VEVENTs: moved and cancelled like stops (SEQUENCE from the slot and the booking, STATUS:CANCELLED)."""
    if scope.audience != "seeker":
        return []
    rows = await Booking.select(
        Booking.id, Booking.status, Booking.revision, Booking.starts_at, Booking.ends_at, Booking.created_at, Booking.updated_at,
        Booking.slot.sequence, Booking.slot.booth.label, Booking.employer.name, Booking.stop.name, Booking.stop.school, Booking.stop.campus,
        Booking.stop.address, Booking.stop.timezone, Booking.stop.event.slug, Booking.stop.event.title,
    ).where(Booking.seeker == scope.account_id)
    return [_booking_entry(row) for row in rows]


def _booking_entry(row: dict[str, Any]) -> _Entry:
    zone = ZoneInfo(row["stop.timezone"])
    start, end = row["starts_at"].astimezone(zone), row["ends_at"].astimezone(zone)
    place = " ".join(part for part in (row["stop.school"], row["stop.campus"]) if part)
    label, employer = row["slot.booth.label"], row["employer.name"]
    item = Shown(
        uid=f"booking-{row['id']}@{UID_DOMAIN}",
        start=start,
        end=end,
        summary=f"面试 Interview · {employer} · {label}",
        location=", ".join(part for part in (place, f"展位 {label}", row["stop.address"]) if part),
        description="\n".join([f"{row['stop.event.title']} · {row['stop.name']}", f"展位 Booth {label} {employer}", f"{settings.public_url}/me/tickets"]),
        # Both only ever grow: a moved slot or a changed booking raises SEQUENCE.
        sequence=row["slot.sequence"] + row["revision"],
        status=BOOKING_STATUS[row["status"]],
        created=row["created_at"].astimezone(UTC),
        modified=row["updated_at"].astimezone(UTC),
        url=f"{settings.public_url}/me/tickets#booking-{row['id']}",
        categories=("面试", "Interview"),
        geo=None,
        reminder=None,
    )
    return _Entry(order=(row["starts_at"], row["id"]), stamp=0, updated_at=row["updated_at"], zone=row["stop.timezone"], first=start.date(),
                  last=end.date(), body=ical.vevent(item))


# ---------------------------------------------------------------- what a stop shows


def shown(scope: Scope, stop: dict[str, Any], event: EventShown, booths: list[tuple[str, ...]],
          registration: tuple[str, int] | None) -> Shown:
    """What this audience sees of a stop: STATUS and SEQUENCE, texts, times in the stop's zone, a seeker's reminder."""
    slug, title, kind, event_status, open_jobs = event
    if stop["status"] == Stop.Status.cancelled or event_status == Event.Status.cancelled:
        status = "CANCELLED"
    elif event_status == Event.Status.draft:
        status = "TENTATIVE"
    else:
        status = "CONFIRMED"
    sequence = stop["sequence"]
    if scope.audience == "seeker":
        assert registration is not None
        if status != "CANCELLED":
            status = SEEKER_STATUS[registration[0]]
        # Both only ever grow, so their sum does too: a change of place raises SEQUENCE like a change of time.
        sequence += registration[1]
    zone = ZoneInfo(stop["timezone"])
    place = " ".join(part for part in (stop["school"], stop["campus"]) if part)
    summary = f"{title} · {stop['name']}"
    lines = []
    if scope.audience == "hr":
        mine = ", ".join(label for label, _name, employer in booths if employer == str(scope.employer_id))
        summary += f" · 展位 {mine}"
        lines.append(f"我们的展位 Our booth: {mine}")
    lines.append(f"用人单位 Employers ({len(booths)}):")
    lines.extend(f"{label} {name}" for label, name, _employer in booths)
    lines.append(f"岗位 Jobs: {open_jobs}")
    lines.append(f"{settings.public_url}/events/{slug}")
    start = stop["starts_at"].astimezone(zone)
    reminder = None
    if scope.audience == "seeker" and status != "CANCELLED":
        reminder = datetime.combine(start.date() - timedelta(days=1), time(REMINDER_HOUR), tzinfo=zone).astimezone(UTC)
    has_geo = stop["latitude"] is not None and stop["longitude"] is not None
    return Shown(
        uid=f"{stop['id']}@{UID_DOMAIN}",
        start=start,
        end=stop["ends_at"].astimezone(zone),
        summary=summary,
        location=", ".join(part for part in (place, stop["address"]) if part),
        description="\n".join(lines),
        sequence=sequence,
        status=status,
        created=stop["created_at"].astimezone(UTC),
        modified=stop["updated_at"].astimezone(UTC),
        url=f"{settings.public_url}/events/{slug}#stop-{stop['id']}",
        categories=KIND_NAMES[kind],
        geo=(stop["latitude"], stop["longitude"]) if has_geo else None,
        reminder=reminder,
    )


# ---------------------------------------------------------------- a feed, kept and patched


@dataclass(frozen=True, slots=True)
class _Entry:
    """One stop's VEVENT in a kept feed, with what patching and ordering need."""

    order: tuple[datetime, uuid.UUID]  # VEVENTs go in start order
    stamp: int  # the row's share of the version's checksum
    updated_at: datetime
    zone: str
    first: date
    last: date
    body: bytes


#: Per zone, how many VEVENTs start and end on each day: the span its VTIMEZONE covers, kept up to date in O(changes).
Dates = dict[str, tuple[Counter[date], Counter[date]]]


@dataclass(frozen=True)
class _Feed:
    version: Version
    events: dict[uuid.UUID, EventShown]
    registrations: dict[uuid.UUID, tuple[str, int]]
    entries: dict[uuid.UUID, _Entry]
    #: (start, stop id, VEVENT bytes), sorted.
    order: list[tuple[datetime, uuid.UUID, bytes]]
    dates: Dates
    total: int  # the entries' checksum, as the version counts it
    mark: datetime | None  # latest stamp rendered
    body: bytes

    @property
    def size(self) -> int:
        """Bytes it holds, roughly: the document, its VEVENTs again, and a few hundred bytes of bookkeeping per VEVENT."""
        return 2 * len(self.body) + 400 * len(self.order)


_FEEDS: OrderedDict[str, _Feed] = OrderedDict()
_CACHED, _PATCHED, _RENDERED = (metrics.FEED_REQUESTS.labels(result) for result in ("cached", "patched", "rendered"))


async def document(scope: Scope, current: Version) -> bytes:
    """The feed's bytes for this version: kept, patched from the kept one, or rendered anew off the event loop."""
    feed = _FEEDS.get(scope.key)
    if feed is None or feed.version.etag != current.etag:
        # Many calendar apps polling a changed feed at once wait for one render instead of each starting their own.
        async with _one_at_a_time(("feed", scope.key)):
            feed = _FEEDS.get(scope.key)
            if feed is None or feed.version.etag != current.etag:
                feed = await _patched(scope, current, feed) if feed is not None else None
                if feed is not None:
                    _PATCHED.inc()
                else:
                    _RENDERED.inc()
                    feed = await _rendered(scope, current)
                _keep(scope.key, feed)
                return feed.body
    _FEEDS.move_to_end(scope.key)
    _CACHED.inc()
    return feed.body


def _keep(key: str, feed: _Feed) -> None:
    _FEEDS.pop(key, None)
    _FEEDS[key] = feed
    kept = sum(each.size for each in _FEEDS.values())
    while kept > MAX_FEED_BYTES and len(_FEEDS) > 1:
        _key, oldest = _FEEDS.popitem(last=False)
        kept -= oldest.size


async def _rendered(scope: Scope, current: Version) -> _Feed:
    events = await _events(scope)
    stops = await _stops(scope)
    booths = await _booths(Stop.select(Stop.id).where(*scope.stops()))
    registrations = await _registrations(scope)
    bookings = await _bookings(scope)
    return await anyio.to_thread.run_sync(_render, scope, current, events, stops, booths, registrations, bookings)


def _render(scope: Scope, current: Version, events: dict[uuid.UUID, EventShown], stops: list[dict[str, Any]],
            booths: Booths, registrations: dict[uuid.UUID, tuple[str, int]], bookings: list[_Entry] = ()) -> _Feed:
    entries = {stop["id"]: _entry(scope, stop, events, booths, registrations) for stop in stops}
    dates: Dates = {}
    for entry in (*entries.values(), *bookings):
        _count(dates, entry, 1)
    # Bookings sit in the order (and the VTIMEZONE span) but not among the stops' entries: patching replaces stops only,
    # and a change to a booking moves the version's "booking" part, which renders the feed anew.
    order = sorted((*entry.order, entry.body) for entry in (*entries.values(), *bookings))
    mark = max((entry.updated_at for entry in entries.values()), default=None)
    return _assemble(scope, current, events, registrations, entries, order, dates, sum(entry.stamp for entry in entries.values()), mark)


def _entry(scope: Scope, stop: dict[str, Any], events: dict[uuid.UUID, EventShown], booths: Booths,
           registrations: dict[uuid.UUID, tuple[str, int]]) -> _Entry:
    item = shown(scope, stop, events[stop["event"]], booths.get(str(stop["id"]), []), registrations.get(stop["id"]))
    return _Entry(order=(stop["starts_at"], stop["id"]), stamp=int(stop["stamp"]), updated_at=stop["updated_at"], zone=stop["timezone"],
                  first=stop["starts_at"].date(), last=stop["ends_at"].date(), body=ical.vevent(item))


def _count(dates: Dates, entry: _Entry, step: int) -> None:
    starts, ends = dates.setdefault(entry.zone, (Counter(), Counter()))
    for days, day in ((starts, entry.first), (ends, entry.last)):
        days[day] += step
        if not days[day]:
            del days[day]
    if not starts:
        del dates[entry.zone]


def _assemble(scope: Scope, current: Version, events: dict[uuid.UUID, EventShown], registrations: dict[uuid.UUID, tuple[str, int]],
              entries: dict[uuid.UUID, _Entry], order: list[tuple[datetime, uuid.UUID, bytes]], dates: Dates, total: int,
              mark: datetime | None) -> _Feed:
    zones = {zone: (min(starts), max(ends)) for zone, (starts, ends) in dates.items()}
    name = scope.name if scope.name is not None else events[scope.event_id][1] if scope.event_id in events else ""
    head = ical.head(feed=scope.key, name=name, default_zone=settings.default_timezone, zones=zones)
    body = b"".join([head, *[vevent_bytes for _start, _id, vevent_bytes in order], ical.END])
    return _Feed(version=current, events=events, registrations=registrations, entries=entries, order=order, dates=dates, total=total, mark=mark,
                 body=body)


async def _patched(scope: Scope, current: Version, kept: _Feed) -> _Feed | None:
    """The kept feed with the stops changed since it was rendered re-rendered; None when the change is not only that."""
    before = kept.version
    if any(current.part(part) != before.part(part) for part in ("booth", "employer", "registration", "booking")):
        return None
    events = kept.events
    if current.part("event") != before.part("event") or current.part("job") != before.part("job"):
        # Events are also stamped when only their span moves (with a stop): compare what the feed shows of them.
        events = await _events(scope)
        if events != kept.events:
            return None
    stops = await _stops(scope, Stop.updated_at > kept.mark) if kept.mark is not None else await _stops(scope)
    # A stop of an event not read yet, or a seeker's stop whose registration came after the version: render the whole feed.
    if any(stop["event"] not in events or (scope.audience == "seeker" and stop["id"] not in kept.registrations) for stop in stops):
        return None
    # Whatever the stops fetched do not explain (a stop gone from the feed, a change stamped before the last render) shows here.
    replaced = [kept.entries[stop["id"]] for stop in stops if stop["id"] in kept.entries]
    rows = len(kept.entries) + len(stops) - len(replaced)
    total = kept.total - sum(entry.stamp for entry in replaced) + sum(int(stop["stamp"]) for stop in stops)
    if (rows, total) != current.part("stop"):
        return None
    if not stops:
        return replace(kept, version=current, events=events)
    booths = await _booths(Stop.select(Stop.id).where(Stop.id.is_in([stop["id"] for stop in stops])))
    if len(stops) < INLINE_RENDERS and len(kept.order) < INLINE_SPLICES:
        return _patch(scope, current, kept, events, stops, booths, total)
    return await anyio.to_thread.run_sync(_patch, scope, current, kept, events, stops, booths, total)


def _patch(scope: Scope, current: Version, kept: _Feed, events: dict[uuid.UUID, EventShown], stops: list[dict[str, Any]],
           booths: Booths, total: int) -> _Feed:
    entries = dict(kept.entries)
    order = list(kept.order)
    dates = dict(kept.dates)
    copied: set[str] = set()
    for stop in stops:
        new = _entry(scope, stop, events, booths, kept.registrations)
        for zone in {new.zone} | ({entries[stop["id"]].zone} if stop["id"] in entries else set()):
            if zone not in copied and zone in dates:
                dates[zone] = (Counter(dates[zone][0]), Counter(dates[zone][1]))
            copied.add(zone)
        old = entries.get(stop["id"])
        if old is not None:
            del order[bisect.bisect_left(order, old.order, key=lambda each: (each[0], each[1]))]
            _count(dates, old, -1)
        entries[stop["id"]] = new
        bisect.insort(order, (*new.order, new.body), key=lambda each: (each[0], each[1]))
        _count(dates, new, 1)
    mark = max([kept.mark, *(stop["updated_at"] for stop in stops)], key=lambda moment: moment or datetime.min.replace(tzinfo=UTC))
    return _assemble(scope, current, events, kept.registrations, entries, order, dates, total, mark)


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
    changed()
    return feed_urls(token)


async def revoke_token(*, actor: Actor) -> None:
    require_role(actor, "organiser", "hr", "seeker")
    await CalendarToken.delete().where(CalendarToken.account == actor.id)
    changed()


def clear_caches() -> None:
    """Forget every remembered version, scope and rendered feed of this worker."""
    changed()
    _FEEDS.clear()
    _BOOTHS.clear()
    _version_queries.cache_clear()
    ical.clear()
