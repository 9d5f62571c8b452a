"""Writing iCalendar with icalendar, fast: one VEVENT template per shape, filled in; the calendar's head with its VTIMEZONEs.

icalendar builds and serialises a VEVENT in about 0.2 ms, most of it spent on property objects,
time zone lookups and folding a character at a time. Here icalendar makes one VEVENT per shape
(zone, status, categories, which optional parts are there) with placeholder values, and every
stop's VEVENT is that template with its own values escaped and folded exactly as icalendar does
it: `vevent(item) == icalendar_vevent(item).to_ical()`, byte for byte (tests/test_ical.py checks
it on thousands of awkward items).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Alarm, Calendar, Timezone, vDuration, vGeo, vText
from icalendar import Event as VEvent

from events.cache import MISSING, Cache

REFRESH = timedelta(hours=1)
PRODID = "-//Recruitment Events//events feed 1.0//ZH"
UID_DOMAIN = "recruitment-events"
END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class Shown:
    """Everything one VEVENT shows, decided; `vevent()` writes it."""

    uid: str
    start: datetime  # in the stop's zone
    end: datetime
    summary: str
    location: str
    description: str
    sequence: int
    status: str
    created: datetime  # UTC
    modified: datetime  # UTC
    url: str
    categories: tuple[str, ...]
    geo: tuple[float, float] | None
    reminder: datetime | None  # UTC


def icalendar_vevent(item: Shown) -> VEvent:
    """The VEVENT, made by icalendar: the one definition of what a feed entry holds."""
    vevent = VEvent.new(
        uid=item.uid,
        start=item.start,
        end=item.end,
        summary=item.summary,
        location=item.location,
        description=item.description,
        sequence=item.sequence,
        status=item.status,
        created=item.created,
        last_modified=item.modified,
        stamp=item.modified,
        url=item.url,
        categories=list(item.categories),
    )
    if item.geo is not None:
        vevent.add("geo", item.geo)
    if item.reminder is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"明天 Tomorrow: {item.summary}")
        # RFC 5545 needs VALUE=DATE-TIME on an absolute TRIGGER; icalendar leaves it out and ical.js then reads a duration.
        alarm.add("trigger", item.reminder, parameters={"VALUE": "DATE-TIME"})
        vevent.add_component(alarm)
    return vevent


#: Placeholders a template is made with: letters and digits, which no escaping or folding touches, found nowhere else.
_TEXT_MARKS = {"uid": "Qq0uid0qQ", "summary": "Qq0summary0qQ", "location": "Qq0location0qQ", "description": "Qq0description0qQ",
               "url": "Qq0url0qQ"}
_START, _END, _CREATED, _MODIFIED, _REMINDER = (datetime(1901, 2, 3, 4, 5, 6), datetime(1902, 3, 4, 5, 6, 7), datetime(1903, 4, 5, 6, 7, 8),
                                                datetime(1904, 5, 6, 7, 8, 9), datetime(1905, 6, 7, 8, 9, 10))
_SEQUENCE = 7654321
_GEO = (11.25, 22.5)
_MARKS = {**_TEXT_MARKS, "start": "19010203T040506", "end": "19020304T050607", "created": "19030405T060708", "modified": "19040506T070809",
          "reminder": "19050607T080910", "sequence": str(_SEQUENCE), "geo": "11.25;22.5"}
_FIELD = re.compile("|".join(re.escape(mark) for mark in _MARKS.values()))
_FIELDS = {mark: field for field, mark in _MARKS.items()}
#: Per shape: the VEVENT's lines, each either finished bytes or a str.format template of a line to fill in and fold.
_TEMPLATES: dict[tuple[Any, ...], list[bytes | str]] = {}


def _shape(item: Shown) -> tuple[Any, ...]:
    # Empty texts are part of the shape: icalendar decides whether it writes an empty property.
    return (item.start.tzinfo, item.status, item.categories, item.geo is not None, item.reminder is not None,
            tuple(not getattr(item, field) for field in _TEXT_MARKS))


def _template(item: Shown) -> list[bytes | str]:
    shape = _shape(item)
    template = _TEMPLATES.get(shape)
    if template is not None:
        return template
    zone = item.start.tzinfo
    sample = replace(
        item,
        **{field: "" if getattr(item, field) == "" else mark for field, mark in _TEXT_MARKS.items()},
        start=_START.replace(tzinfo=zone),
        end=_END.replace(tzinfo=zone),
        created=_CREATED.replace(tzinfo=UTC),
        modified=_MODIFIED.replace(tzinfo=UTC),
        sequence=_SEQUENCE,
        geo=_GEO if item.geo is not None else None,
        reminder=_REMINDER.replace(tzinfo=UTC) if item.reminder is not None else None,
    )
    text = icalendar_vevent(sample).to_ical().decode()
    template = []
    for line in text.replace("\r\n ", "").split("\r\n")[:-1]:
        pieces = _FIELD.split(line)
        fields = _FIELD.findall(line)
        if not fields:
            template.append(fold(line.encode()) + b"\r\n")
            continue
        parts = []
        for piece, mark in zip(pieces, [*fields, None], strict=True):
            parts.append(piece.replace("{", "{{").replace("}", "}}"))
            if mark is not None:
                parts.append(f"{{{_FIELDS[mark]}}}")
        template.append("".join(parts))
    found = set(_FIELD.findall(text.replace("\r\n ", "")))
    expected = {_MARKS[field] for field in ("start", "end", "created", "modified", "sequence")}
    expected |= {_MARKS[field] for field in _TEXT_MARKS if getattr(sample, field)}
    expected |= {_MARKS["geo"]} if item.geo is not None else set()
    expected |= {_MARKS["reminder"]} if item.reminder is not None else set()
    if found != expected:
        raise RuntimeError(f"icalendar wrote a VEVENT template this module does not understand: {sorted(expected ^ found)}")
    _TEMPLATES[shape] = template
    return template


def fold(line: bytes) -> bytes:
    """icalendar's folding, byte for byte: at most 74 octets then a CRLF and a space, never inside a character, never
    right after a backslash or caret (which goes to the next line). icalendar does it a character at a time."""
    if len(line) <= 74:
        return line
    pieces = []
    start = 0
    while len(line) - start > 74:
        end = start + 74
        while line[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: back to the character's start
            end -= 1
        if line[end - 1] in b"\\^":
            end -= 1
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return b"\r\n ".join(pieces)


def _text(value: str) -> str:
    """RFC 5545 TEXT escaping as icalendar's vText does it (same replacements, same order), without building a vText per value."""
    return (value.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n")
            .replace("\n", "\\n").replace("\r", "\\n"))


def _moment_text(moment: datetime) -> str:
    """What vDatetime writes, without the Z or TZID the template holds (strftime is slower: it asks the zone for DST)."""
    return f"{moment.year:04}{moment.month:02}{moment.day:02}T{moment.hour:02}{moment.minute:02}{moment.second:02}"


def vevent(item: Shown) -> bytes:
    """`icalendar_vevent(item).to_ical()`, byte for byte, from the template of the item's shape."""
    values = {
        "uid": _text(item.uid),
        "summary": _text(item.summary),
        "location": _text(item.location),
        "description": _text(item.description),
        "url": item.url,
        "start": _moment_text(item.start),
        "end": _moment_text(item.end),
        "created": _moment_text(item.created),
        "modified": _moment_text(item.modified),
        "sequence": str(item.sequence),
    }
    if item.geo is not None:
        values["geo"] = vGeo(item.geo).to_ical()
    if item.reminder is not None:
        values["reminder"] = _moment_text(item.reminder)
    out = []
    for line in _template(item):
        if line.__class__ is bytes:
            out.append(line)
        else:
            out.append(fold(line.format_map(values).encode()))
            out.append(b"\r\n")
    return b"".join(out)


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


MAX_HEADS = 64
#: Heads are made in worker threads (renders) and on the event loop (small patches).
HEADS: Cache[bytes] = Cache("ical heads", max_entries=MAX_HEADS, threads=True)


def head(*, feed: str, name: str, default_zone: str, zones: dict[str, tuple[date, date]]) -> bytes:
    """The calendar's properties and a VTIMEZONE for each zone over its span of days: everything before the first VEVENT."""
    key = (feed, name, default_zone, tuple(sorted(zones.items())))
    found = HEADS.get(key)
    if found is not MISSING:
        return found
    # Calendar.new writes NAME and X-WR-CALNAME; a UID derived from the feed keeps re-renders identical.
    calendar = Calendar.new(prodid=PRODID, method="PUBLISH", name=name, uid=uuid.uuid5(uuid.NAMESPACE_URL, f"{UID_DOMAIN}/{feed}"))
    calendar.add("x-wr-timezone", default_zone)
    # icalendar writes REFRESH-INTERVAL without the VALUE=DURATION that RFC 7986 requires.
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vText("PT1H"))
    for zone, (first, last) in sorted(zones.items()):
        calendar.add_component(_vtimezone(zone, first - timedelta(days=366), last + timedelta(days=366)))
    whole = calendar.to_ical()
    assert whole.endswith(END)
    return HEADS.put(key, whole[: -len(END)])


def clear() -> None:
    HEADS.clear()
    _TEMPLATES.clear()
