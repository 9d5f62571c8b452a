"""Calendar feeds' scopes and versions: which stops a feed holds, and the version that answers a conditional request.

Version. A feed's ETag is a hash of per-table aggregates over the rows it is made of (count and
a checksum of the change stamps of its stops, events, open jobs, employers and, for a seeker,
registrations; count and latest stamp of its booths), read in two statements at once. It is the same in
every worker and answers a conditional request without building anything. Each worker remembers
a feed's version, and which feed a slug opens, for FRESH_FOR seconds, and forgets them
as soon as it commits a change itself (`changed()`, called by the domain modules that change
what feeds show): a poll then costs no query at all, a change made through this worker shows at
its next poll, one made through another worker within FRESH_FOR. Calendar apps poll hourly.
A private token is looked up on every request, so a rotated or revoked link is refused at once everywhere.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import uuid
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, TypeVar

from piccolo.columns import Column
from piccolo.columns.combination import Where
from piccolo.querystring import QueryString

from events import ical
from events.cache import MISSING, Cache
from events.db import is_sqlite
from events.errors import NotFound
from events.settings import settings
from events.tables import Account, Booking, Booth, CalendarToken, Employer, Event, Job, Registration, Stop

#: Seconds a worker trusts a feed version (or a slug's feed) it read, unless it changed something itself.
FRESH_FOR = 1.0
#: Versions and scopes remembered at most; each entry is small.
MAX_MEMO = 10_000


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

#: Entries are valid for the generation they were read in (`changed()` moves it) and for FRESH_FOR seconds from when the read began.
MEMO: Cache[Any] = Cache("feed versions and scopes", max_entries=MAX_MEMO)
_generation = 0
T = TypeVar("T")


def changed() -> None:
    """Call after committing anything a feed shows: this worker forgets every feed version and scope it remembers."""
    global _generation
    _generation += 1
    MEMO.clear()


def generation() -> int:
    """How many times this worker has committed a change feeds show (`changed()`)."""
    return _generation


def forget() -> None:
    """Forget every version, scope and booth count this worker remembers, and the version queries it built."""
    changed()
    BOOTHS.clear()
    _version_queries.cache_clear()


async def _remembered(key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
    """`compute()`'s result, reused for FRESH_FOR seconds or until `changed()`; many polls wanting it at once wait for one compute.

    A change committed here while we read may be missing from what we read: it is kept for the generation the read began in,
    which no later request asks for.
    """
    return await MEMO.get_or_make(key, compute, version=_generation, ttl=FRESH_FOR)


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


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def private_scope(token: str) -> Scope:
    """The feed a private token opens; 404 for an unknown or revoked token, never 403."""
    digest = token_hash(token)

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


def events_where(scope: Scope, event: Column = Event.id) -> Where:
    """The events whose stops the feed holds, as a condition on an event id column."""
    if scope.event_id is not None:
        return event == scope.event_id
    return event.is_in(Stop.select(Stop.event).where(*scope.stops()))


# ---------------------------------------------------------------- versions


#: Stamps are summed modulo this prime, which keeps sums of millions of rows within SQLite's 64-bit SUM.
_MODULUS = 2_147_483_647


def stamp_sql(column: Column) -> str:
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
        QueryString(f"SUM(CASE WHEN {counted} THEN {stamp_sql(stamped) if stamped is not None else 0} ELSE 0 END) AS total"),
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
BOOTHS: Cache[tuple[tuple[int, Any] | None, int, dict[str, Any]]] = Cache("feed booth counts", max_entries=MAX_MEMO)
#: A feed with this many booths or more, a quarter of all booths or more, learns whether any booth changed from the whole table.
BOOTHS_VIA_TABLE = 1_000


@functools.lru_cache(maxsize=1024)
def _version_queries(scope: Scope) -> tuple[list[QueryString], QueryString, QueryString]:
    """The aggregates a feed's version is read from (built once per scope: Piccolo takes half a millisecond a query)."""
    # A checksum of stamps, not only the latest stamp: a change committed after a later-stamped one still moves it.
    parts = [
        _aggregate("stop", Stop, scope.stops(), latest=Stop.updated_at, stamped=Stop.updated_at),
        _aggregate("event", Event, [events_where(scope)], latest=Event.updated_at, stamped=Event.updated_at),
        # A feed shows how many jobs are open, nothing else of them: the set of open jobs is what counts.
        _aggregate("job", Job, [events_where(scope, Job.event)], latest=Job.updated_at, stamped=Job.created_at,
                   counted=f"{Job.status._meta.get_full_name(with_alias=False)} = 'open' AND {Job.deleted_at._meta.get_full_name(with_alias=False)} IS NULL"),
        _aggregate("employer", Employer, [], latest=Employer.updated_at, stamped=Employer.updated_at),
    ]
    if scope.audience == "seeker":
        parts.append(_aggregate("registration", Registration, [Registration.seeker == scope.account_id], latest=Registration.updated_at,
                                stamped=Registration.updated_at))
        # issue 14, slots: a seeker's interview bookings are VEVENTs of their own.
        parts.append(_aggregate("booking", Booking, [Booking.seeker == scope.account_id], latest=Booking.updated_at, stamped=Booking.updated_at))
    booths = _aggregate("booth", Booth, scope.stops(Booth.stop), latest=Booth.updated_at, stamped=None)
    # Two subqueries, not one pass: COUNT(*) reads the smallest index, MAX the last entry of booth_updated_at.
    booth_table = QueryString("SELECT 'booth table' AS part, (SELECT COUNT(*) FROM booth) AS n, (SELECT MAX(updated_at) FROM booth) AS latest, "
                              "0 AS total")
    return parts, booths, booth_table


async def _read_version(scope: Scope) -> Version:
    parts, booths, booth_table = _version_queries(scope)
    # Booths are only ever added and removed, which their count and latest stamp show (a checksum would double the cost).
    # Reading them through the feed's stops costs about a microsecond a booth on SQLite, the most of a large feed's version;
    # scanning the whole table costs a fifth of that a booth. So a large feed whose stops stay the same (an event's, or an
    # organiser's) reads the table, and its own booths again only when a booth changed anywhere. If stops left and
    # entered it in equal numbers at once (never through the API) this worker's ETag for it may differ from another's
    # until a booth changes; the document stays right either way.
    known = BOOTHS.get(scope) if scope.city is None and scope.audience in ("public", "organiser") else None
    known = None if known is MISSING else known
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
        BOOTHS.put(scope, (table, int(rows["stop"]["n"] or 0), rows["booth"]))
    else:
        BOOTHS.discard(scope)
    counts = tuple((part, int(row["n"] or 0), int(row["total"] or 0)) for part, row in sorted(rows.items()))
    moments = [moment for row in rows.values() if (moment := _moment(row["latest"])) is not None]
    digest = hashlib.sha256(repr((scope.key, ical.PRODID, settings.public_url, counts)).encode())
    last_modified = max(moments, default=datetime(2000, 1, 1, tzinfo=UTC)).astimezone(UTC).replace(microsecond=0)
    return Version(etag=digest.hexdigest()[:32], last_modified=last_modified, parts=counts)
