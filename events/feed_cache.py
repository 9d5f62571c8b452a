"""Calendar feed documents a worker keeps: rendered once, patched when only stops changed, kept and served gzip-compressed.

Kept compressed. A feed's VEVENTs, in start order, are compressed in runs of about RUN VEVENTs,
each a raw deflate segment ended by a full flush: byte-aligned and referring to nothing before it,
so segments compressed apart are one valid deflate stream when laid end to end. The document a
client that accepts gzip gets is a gzip header, the calendar head's segment, the runs' segments,
the END segment and the trailer (a CRC-32 combined from the runs' own, and the length). It is
made once per version and served as it is; the cache counts these compressed bytes (MAX_FEED_BYTES),
and keeps no plain copy of the VEVENTs. A client that does not accept gzip gets the document
inflated, from a smaller cache of plain documents (MAX_PLAIN_BYTES).

Patched. When the version moves and only stops changed, the worker fetches the stops stamped
after the last render, renders those (events.ical), inflates the one or two runs each leaves and
enters, and compresses those runs again: one changed stop costs a few tens of kilobytes of
compression, not the whole feed. The count and checksum of the result must then equal the new
version's, else (a stop left the feed, a commit landed with an older stamp than one already seen)
it renders the whole feed again, as it does after any other change (a booth, an employer, a
seeker's registration, what an event shows).
"""

from __future__ import annotations

import bisect
import ctypes
import ctypes.util
import struct
import sys
import uuid
import zlib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import anyio.to_thread

from events import calendar, ical, metrics
from events.cache import Cache
from events.calendar import Booths, Entry, EventShown
from events.feed_scopes import Scope, Version, forget
from events.settings import settings
from events.tables import Stop

#: Compressed bytes of feeds a worker keeps (each counts its document and its runs); least recently served go first.
MAX_FEED_BYTES = 64 * 1024 * 1024
#: Plain documents a worker keeps for clients that do not accept gzip (few do: calendar apps all do).
MAX_PLAIN_BYTES = 16 * 1024 * 1024
#: VEVENTs per compressed run (about 40 kB of text at 10,000 stops): what one changed stop costs to compress again.
RUN = 64
LEVEL = 6
#: Patching a feed happens on the event loop when it renders fewer VEVENTs and its document is shorter than these, else in a thread.
INLINE_RENDERS = 64
INLINE_BYTES = 1024 * 1024
#: Inflating a plain document of more bytes than this happens in a thread.
INLINE_INFLATE = 256 * 1024

#: Per zone, how many VEVENTs start and end on each day: the span its VTIMEZONE covers, kept up to date in O(changes).
Dates = dict[str, tuple[Counter[date], Counter[date]]]
Key = tuple[datetime, uuid.UUID]


@dataclass(frozen=True, slots=True)
class _Run:
    """Consecutive VEVENTs of a feed, compressed as one flushed deflate segment."""

    keys: tuple[Key, ...]  # their places in the feed's order, ascending
    lengths: tuple[int, ...]  # their bytes, to split the run when it is inflated
    deflated: bytes
    crc: int  # CRC-32 of the plain bytes
    zeros_crc: int  # CRC-32 of as many zero bytes: what combining it with the CRC before it needs
    length: int  # plain bytes


@dataclass(frozen=True)
class Feed:
    version: Version
    events: dict[uuid.UUID, EventShown]
    registrations: dict[uuid.UUID, tuple[str, int]]
    entries: dict[uuid.UUID, Entry]
    runs: tuple[_Run, ...]
    dates: Dates
    total: int  # the entries' checksum, as the version counts it
    mark: datetime | None  # latest stamp rendered
    #: The whole document, gzip-compressed, and its plain length.
    gzip: bytes
    length: int

    @property
    def size(self) -> int:
        """Bytes it holds, roughly: the compressed document, its runs again, and about 550 bytes of bookkeeping per VEVENT (measured)."""
        return len(self.gzip) + sum(len(run.deflated) for run in self.runs) + 550 * len(self.entries)


FEEDS: Cache[Feed] = Cache("feeds", max_bytes=MAX_FEED_BYTES, size=lambda feed: feed.size)
PLAIN: Cache[bytes] = Cache("feeds, plain", max_bytes=MAX_PLAIN_BYTES, size=len)
_CACHED, _PATCHED, _RENDERED = (metrics.FEED_REQUESTS.labels(result) for result in ("cached", "patched", "rendered"))


async def document(scope: Scope, current: Version) -> Feed:
    """The feed for this version: kept, patched from the kept one, or rendered anew off the event loop.

    Many calendar apps polling a changed feed at once wait for one render instead of each starting their own.
    """
    made = []

    async def make() -> Feed:
        made.append(1)
        kept = FEEDS.peek(scope.key)
        feed = await _patched(scope, current, kept[1]) if kept is not None else None
        if feed is not None:
            _PATCHED.inc()
            return feed
        _RENDERED.inc()
        feed = await _rendered(scope, current)
        if feed.length >= TRIM_AFTER:
            await anyio.to_thread.run_sync(_trim)
        return feed

    feed = await FEEDS.get_or_make(scope.key, make, version=current.etag)
    if not made:
        _CACHED.inc()
    return feed


#: After a whole render of a document this long, the C heap's free pages go back to the system (see `_trim`).
TRIM_AFTER = 1024 * 1024
_LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if sys.platform == "linux" else None


def _trim() -> None:
    """Give the C heap's free pages back to the system (glibc's malloc_trim).

    A whole render of 10,000 stops reads, builds and drops some 40 MB of rows, texts and VEVENTs
    (the worker's peak resident size rose by 39 MB), most of them small objects whose freed pages
    glibc keeps in its heap: measured after cold renders of 100 to 10,000 stops, a worker stayed at
    182 MB without this and 173 MB with it.
    """
    if _LIBC is not None and hasattr(_LIBC, "malloc_trim"):
        _LIBC.malloc_trim(0)


async def plain(scope: Scope, feed: Feed) -> bytes:
    """The feed's document uncompressed, for a client that does not accept gzip."""

    async def inflate() -> bytes:
        if feed.length <= INLINE_INFLATE:
            return zlib.decompress(feed.gzip, wbits=31)
        return await anyio.to_thread.run_sync(zlib.decompress, feed.gzip, 31)

    return await PLAIN.get_or_make(scope.key, inflate, version=feed.version.etag)


async def _rendered(scope: Scope, current: Version) -> Feed:
    events = await calendar.event_rows(scope)
    stops = await calendar.stop_rows(scope)
    booths = await calendar.booth_rows(Stop.select(Stop.id).where(*scope.stops()))
    registrations = await calendar.registration_rows(scope)
    bookings = await calendar.booking_entries(scope)
    return await anyio.to_thread.run_sync(_render, scope, current, events, stops, booths, registrations, bookings)


def _render(scope: Scope, current: Version, events: dict[uuid.UUID, EventShown], stops: list[dict[str, Any]],
            booths: Booths, registrations: dict[uuid.UUID, tuple[str, int]], bookings: list[tuple[Entry, bytes]] = ()) -> Feed:
    made = {stop["id"]: calendar.entry(scope, stop, events, booths, registrations) for stop in stops}
    entries = {stop_id: entry for stop_id, (entry, _body) in made.items()}
    dates: Dates = {}
    for entry, _body in (*made.values(), *bookings):
        _count(dates, entry, 1)
    # Bookings sit in the order (and the VTIMEZONE span) but not among the stops' entries: patching replaces stops only,
    # and a change to a booking moves the version's "booking" part, which renders the feed anew.
    order = sorted((entry.order, body) for entry, body in (*made.values(), *bookings))
    runs = tuple(_run(order[start : start + RUN]) for start in range(0, len(order), RUN))
    mark = max((entry.updated_at for entry in entries.values()), default=None)
    return _assemble(scope, current, events, registrations, entries, runs, dates, sum(entry.stamp for entry in entries.values()), mark)


def _count(dates: Dates, entry: Entry, step: int) -> None:
    starts, ends = dates.setdefault(entry.zone, (Counter(), Counter()))
    for days, day in ((starts, entry.first), (ends, entry.last)):
        days[day] += step
        if not days[day]:
            del days[day]
    if not starts:
        del dates[entry.zone]


# ---------------------------------------------------------------- compressed runs

_ZEROS = bytes(1 << 20)


def _zeros_crc(length: int, crc: int = 0) -> int:
    """CRC-32 of `length` zero bytes continuing from `crc`."""
    while length > len(_ZEROS):
        crc = zlib.crc32(_ZEROS, crc)
        length -= len(_ZEROS)
    return zlib.crc32(memoryview(_ZEROS)[:length], crc)


def _segment(plain: bytes, *, last: bool = False) -> bytes:
    """`plain` as raw deflate that refers to nothing before it and ends byte-aligned (the last one ends the stream)."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(plain) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)


def _run(items: list[tuple[Key, bytes]]) -> _Run:
    plain = b"".join(body for _key, body in items)
    return _Run(keys=tuple(key for key, _body in items), lengths=tuple(len(body) for _key, body in items), deflated=_segment(plain),
                crc=zlib.crc32(plain), zeros_crc=_zeros_crc(len(plain)), length=len(plain))


def _inflated(run: _Run) -> list[tuple[Key, bytes]]:
    plain = zlib.decompressobj(-zlib.MAX_WBITS).decompress(run.deflated)
    items, start = [], 0
    for key, length in zip(run.keys, run.lengths, strict=True):
        items.append((key, plain[start : start + length]))
        start += length
    return items


_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time (the same bytes on every worker), unknown OS
_END_SEGMENT = _segment(ical.END, last=True)
_END_CRC = zlib.crc32(ical.END)


def _gzip(head: bytes, runs: tuple[_Run, ...]) -> tuple[bytes, int]:
    """The gzip document of the head, the runs and END, and its plain length."""
    crc = zlib.crc32(head)
    length = len(head)
    for run in runs:
        # crc32(A + B) = crc32(B) ^ crc32(zeros(len B), crc32(A)) ^ crc32(zeros(len B)): CRC-32 is affine.
        crc = run.crc ^ _zeros_crc(run.length, crc) ^ run.zeros_crc
        length += run.length
    crc = zlib.crc32(ical.END, crc)
    length += len(ical.END)
    trailer = struct.pack("<II", crc, length & 0xFFFFFFFF)
    return b"".join([_GZIP_HEADER, _segment(head), *[run.deflated for run in runs], _END_SEGMENT, trailer]), length


def _assemble(scope: Scope, current: Version, events: dict[uuid.UUID, EventShown], registrations: dict[uuid.UUID, tuple[str, int]],
              entries: dict[uuid.UUID, Entry], runs: tuple[_Run, ...], dates: Dates, total: int, mark: datetime | None) -> Feed:
    zones = {zone: (min(starts), max(ends)) for zone, (starts, ends) in dates.items()}
    name = scope.name if scope.name is not None else events[scope.event_id][1] if scope.event_id in events else ""
    head = ical.head(feed=scope.key, name=name, default_zone=settings.default_timezone, zones=zones)
    document, length = _gzip(head, runs)
    return Feed(version=current, events=events, registrations=registrations, entries=entries, runs=runs, dates=dates, total=total, mark=mark,
                gzip=document, length=length)


# ---------------------------------------------------------------- patching


async def _patched(scope: Scope, current: Version, kept: Feed) -> Feed | None:
    """The kept feed with the stops changed since it was rendered re-rendered; None when the change is not only that."""
    before = kept.version
    if any(current.part(part) != before.part(part) for part in ("booth", "employer", "registration", "booking")) or not kept.runs:
        return None
    events = kept.events
    if current.part("event") != before.part("event") or current.part("job") != before.part("job"):
        # Events are also stamped when only their span moves (with a stop): compare what the feed shows of them.
        events = await calendar.event_rows(scope)
        if events != kept.events:
            return None
    stops = await calendar.stop_rows(scope, Stop.updated_at > kept.mark) if kept.mark is not None else await calendar.stop_rows(scope)
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
    booths = await calendar.booth_rows(Stop.select(Stop.id).where(Stop.id.is_in([stop["id"] for stop in stops])))
    if len(stops) < INLINE_RENDERS and kept.length < INLINE_BYTES:
        return _patch(scope, current, kept, events, stops, booths, total)
    return await anyio.to_thread.run_sync(_patch, scope, current, kept, events, stops, booths, total)


def _patch(scope: Scope, current: Version, kept: Feed, events: dict[uuid.UUID, EventShown], stops: list[dict[str, Any]],
           booths: Booths, total: int) -> Feed:
    """Replace the changed stops' VEVENTs in the runs they were in and go to, and compress those runs again."""
    entries = dict(kept.entries)
    dates = dict(kept.dates)
    copied: set[str] = set()
    # Runs are told apart by their first keys as kept: a key in [firsts[i], firsts[i + 1]) goes to run i (before every run: to the first),
    # which keeps the order whatever the edits to the runs' own contents.
    firsts = [run.keys[0] for run in kept.runs]
    opened: dict[int, list[tuple[Key, bytes]]] = {}

    def run_of(key: Key) -> list[tuple[Key, bytes]]:
        at = max(bisect.bisect_right(firsts, key) - 1, 0)
        if at not in opened:
            opened[at] = _inflated(kept.runs[at])
        return opened[at]

    for stop in stops:
        new, body = calendar.entry(scope, stop, events, booths, kept.registrations)
        for zone in {new.zone} | ({entries[stop["id"]].zone} if stop["id"] in entries else set()):
            if zone not in copied and zone in dates:
                dates[zone] = (Counter(dates[zone][0]), Counter(dates[zone][1]))
            copied.add(zone)
        old = entries.get(stop["id"])
        if old is not None:
            items = run_of(old.order)
            del items[bisect.bisect_left(items, old.order, key=lambda item: item[0])]
            _count(dates, old, -1)
        entries[stop["id"]] = new
        items = run_of(new.order)
        bisect.insort(items, (new.order, body), key=lambda item: item[0])
        _count(dates, new, 1)
    runs: list[_Run] = []
    for at, run in enumerate(kept.runs):
        if at not in opened:
            runs.append(run)
            continue
        items = opened[at]
        if not items:
            continue
        # An emptied run goes; one grown to twice its size or more is cut in runs of about RUN.
        pieces = max(1, len(items) // RUN) if len(items) >= 2 * RUN else 1
        step = -(-len(items) // pieces)
        runs.extend(_run(items[start : start + step]) for start in range(0, len(items), step))
    mark = max([kept.mark, *(stop["updated_at"] for stop in stops)], key=lambda moment: moment or datetime.min.replace(tzinfo=UTC))
    return _assemble(scope, current, events, kept.registrations, entries, tuple(runs), dates, total, mark)


def clear_caches() -> None:
    """Forget every remembered version, scope and rendered feed of this worker."""
    forget()
    FEEDS.clear()
    PLAIN.clear()
    ical.clear()
