"""The VEVENT writer: every VEVENT it fills in from a template is byte for byte what icalendar writes for the same entry."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar.parser.content_line import Contentline

from events import ical

#: Texts that exercise escaping (, ; \ newlines, a literal \N) and folding (multi-byte characters, backslashes and carets at the fold).
AWKWARD = "ab ,;:\\^\"\n\rN人才专列😀é"
ZONES = ["Asia/Shanghai", "America/New_York", "UTC", "Australia/Lord_Howe", "Europe/London"]


def awkward(rnd: random.Random, longest: int) -> str:
    return "".join(rnd.choice(AWKWARD) for _ in range(rnd.randint(0, longest)))


def entries(seed: int, count: int):
    rnd = random.Random(seed)
    for number in range(count):
        zone = ZoneInfo(rnd.choice(ZONES))
        start = (datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=rnd.randint(0, 10**6))).astimezone(zone)
        stamp = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rnd.uniform(0, 10**7))
        yield ical.Shown(
            uid=f"{number:032x}@{ical.UID_DOMAIN}",
            start=start,
            end=start + timedelta(hours=rnd.randint(1, 30)),
            summary=awkward(rnd, 120),
            location=rnd.choice(["", awkward(rnd, 300)]),
            description=awkward(rnd, 600),
            sequence=rnd.randint(0, 10**6),
            status=rnd.choice(["CONFIRMED", "TENTATIVE", "CANCELLED"]),
            created=stamp - timedelta(days=rnd.randint(0, 99)),
            modified=stamp,
            url=f"https://jobs.example.com/events/{rnd.choice(['a-b', 'train-2'])}#stop-{number}",
            categories=rnd.choice([("人才专列", "Talent train"), ("双选会", "Job fair")]),
            geo=rnd.choice([None, (rnd.uniform(-90, 90), rnd.uniform(-180, 180)), (0.0, 1e-7)]),
            reminder=rnd.choice([None, stamp + timedelta(days=3)]),
        )


@pytest.mark.parametrize("seed", range(4))
def test_a_vevent_from_its_template_is_byte_for_byte_what_icalendar_writes(seed):
    for item in entries(seed, 300):
        assert ical.vevent(item) == ical.icalendar_vevent(item).to_ical()


def test_folding_is_icalendars_byte_for_byte():
    rnd = random.Random(7)
    for _ in range(5000):
        line = "".join(rnd.choice("ab ,;\\^人😀é") for _ in range(rnd.randint(0, 300)))
        assert ical.fold(line.encode()) == Contentline(line).to_ical()
