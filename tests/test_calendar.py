"""Calendar feeds, read back by icalendar and by an independent parser (Mozilla's ical.js, which trusts only the VTIMEZONEs in the document)."""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from conftest import future, many_seekers, post_ok, set_capacity, stop_body
from icalendar import Calendar

from events import feed_cache, feed_scopes

ICALJS = Path(__file__).parent / "icaljs"


@pytest.fixture(autouse=True)
def empty_caches():
    feed_cache.clear_caches()


def icaljs(body: bytes) -> dict:
    result = subprocess.run(["node", str(ICALJS / "parse.mjs")], input=body, capture_output=True, check=False, timeout=60)
    assert result.returncode == 0, f"ical.js could not read the feed: {result.stderr.decode()}"
    return json.loads(result.stdout)


def utc_text(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def feed(client, path, **headers):
    response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    return response


async def test_a_published_event_feed_has_one_vevent_per_stop_that_both_parsers_read_alike(client, published_train):
    response = await feed(client, f"/calendar/events/{published_train['slug']}.ics")
    parsed = icaljs(response.content)
    by_uid = {event["uid"]: event for event in parsed["events"]}
    assert len(by_uid) == 3
    for stop in published_train["stops"]:
        event = by_uid[f"{stop['id']}@recruitment-events"]
        assert (event["start_utc"], event["end_utc"]) == (utc_text(stop["starts_at"]), utc_text(stop["ends_at"]))
        assert event["start_zone"] == "Asia/Shanghai" and event["status"] == "CONFIRMED"
        assert event["summary"] == f"{published_train['title']} · {stop['name']}"
        assert stop["address"] in event["location"] and event["categories"] == ["人才专列", "Talent train"]
        assert event["url"].endswith(f"/events/{published_train['slug']}#stop-{stop['id']}")
        assert not event["has_organizer"] and not event["has_attendee"]
    theirs = Calendar.from_ical(response.content)
    for vevent in theirs.walk("VEVENT"):
        event = by_uid[str(vevent["UID"])]
        assert vevent.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") == event["start_utc"]
        assert vevent["DTSTART"].params["TZID"] == "Asia/Shanghai", "never floating times"


async def test_the_calendar_carries_the_properties_subscribers_need(client, published_train):
    body = (await feed(client, f"/calendar/events/{published_train['slug']}.ics")).content
    properties = icaljs(body)["properties"]
    assert properties["method"] == "PUBLISH" and properties["version"] == "2.0" and properties["prodid"].startswith("-//")
    assert properties["x-wr-calname"] == properties["name"] == published_train["title"]
    assert properties["x-wr-timezone"] == "Asia/Shanghai"
    assert properties["refresh-interval"] == "PT1H" and properties["refresh-interval-value-type"] == "duration"
    assert properties["x-published-ttl"] == "PT1H"
    assert b"BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai" in body


def _next_dst_change(zone: str) -> datetime:
    tz = ZoneInfo(zone)
    day = datetime.now(tz).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=2)
    offset = day.utcoffset()
    while day.utcoffset() == offset:
        day += timedelta(days=1)
    return day


async def test_times_in_a_daylight_saving_zone_stay_right_across_the_transition(client, organiser):
    change = _next_dst_change("America/New_York")
    event = await post_ok(client, "/api/events", {"kind": "talent_train", "title": "North America tour", "timezone": "America/New_York"}, organiser)
    stops = []
    for day in (change - timedelta(days=3), change + timedelta(days=3)):
        start = day.replace(hour=10)
        body = stop_body(0, "Columbia University", starts_at=start.isoformat(), ends_at=(start + timedelta(hours=2)).isoformat())
        stops.append(await post_ok(client, f"/api/events/{event['slug']}/stops", body, organiser))
    await post_ok(client, f"/api/events/{event['slug']}/publish", None, organiser, status=200)
    assert stops[0]["starts_at"][-6:] != stops[1]["starts_at"][-6:], "the two stops straddle a change of offset"

    body = (await feed(client, f"/calendar/events/{event['slug']}.ics")).content
    parsed = icaljs(body)
    assert parsed["timezones"] == ["America/New_York"]
    starts = {e["uid"]: e["start_utc"] for e in parsed["events"]}
    for stop in stops:
        assert starts[f"{stop['id']}@recruitment-events"] == utc_text(stop["starts_at"])
        assert stop["starts_at"][11:16] == "10:00", "shown at ten o'clock local on both sides of the change"


async def test_a_moved_stop_keeps_its_uid_raises_sequence_and_changes_the_etag(client, organiser, published_train):
    path = f"/calendar/events/{published_train['slug']}.ics"
    first = await feed(client, path)
    etag = first.headers["etag"]
    assert (await client.get(path, headers={"If-None-Match": etag})).status_code == 304
    assert (await client.get(path, headers={"If-Modified-Since": first.headers["last-modified"]})).status_code == 304

    stop = published_train["stops"][0]
    moved = (future(11) , future(11) + timedelta(hours=2))
    await client.patch(f"/api/stops/{stop['id']}", json={"starts_at": moved[0].isoformat(), "ends_at": moved[1].isoformat()}, headers=organiser)
    second = await client.get(path, headers={"If-None-Match": etag})
    assert second.status_code == 200 and second.headers["etag"] != etag
    before = {e["uid"]: e for e in icaljs(first.content)["events"]}
    after = {e["uid"]: e for e in icaljs(second.content)["events"]}
    uid = f"{stop['id']}@recruitment-events"
    assert set(before) == set(after)
    assert after[uid]["sequence"] == before[uid]["sequence"] + 1
    assert after[uid]["start_utc"] == utc_text(moved[0].isoformat())


async def test_a_new_booth_or_job_changes_the_feed_but_not_the_sequence(client, organiser, published_train, employer, hr):
    path = f"/calendar/events/{published_train['slug']}.ics"
    etag = (await feed(client, path)).headers["etag"]
    stop = published_train["stops"][0]
    await post_ok(client, f"/api/stops/{stop['id']}/booths", {"employer_id": employer["id"], "label": "A12"}, organiser)
    response = await client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200
    event = next(e for e in icaljs(response.content)["events"] if e["uid"].startswith(stop["id"]))
    assert f"A12 {employer['name']}" in event["description"] and event["sequence"] == stop["sequence"]
    etag = response.headers["etag"]
    await post_ok(client, f"/api/events/{published_train['slug']}/jobs", {"title": "测试", "headcount": 1, "salary_min": 1, "salary_max": 2}, hr)
    response = await client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200 and "岗位 Jobs: 1" in icaljs(response.content)["events"][0]["description"]


async def test_a_cancelled_stop_stays_in_the_feed_as_cancelled_with_a_higher_sequence(client, organiser, published_train):
    stop = published_train["stops"][1]
    await client.post(f"/api/stops/{stop['id']}/cancel", headers=organiser)
    events = {e["uid"]: e for e in icaljs((await feed(client, f"/calendar/events/{published_train['slug']}.ics")).content)["events"]}
    cancelled = events[f"{stop['id']}@recruitment-events"]
    assert cancelled["status"] == "CANCELLED" and cancelled["sequence"] == stop["sequence"] + 1
    assert len(events) == 3


async def test_head_answers_with_the_headers_and_no_body(client, published_train):
    path = f"/calendar/events/{published_train['slug']}.ics"
    got = await feed(client, path)
    headed = await client.head(path)
    assert headed.status_code == 200 and headed.content == b""
    assert headed.headers["etag"] == got.headers["etag"] and headed.headers["content-length"] == got.headers["content-length"]
    assert headed.headers["content-encoding"] == got.headers["content-encoding"] == "gzip"
    plain = await client.head(path, headers={"Accept-Encoding": "identity"})
    assert int(plain.headers["content-length"]) == len(got.content) and "content-encoding" not in plain.headers
    assert got.headers["cache-control"] == "public, max-age=3600"


async def test_the_public_feed_lists_published_events_only_and_filters_by_kind_and_city(client, organiser, published_train, talent_train):
    market = await post_ok(client, "/api/events", {"kind": "night_market", "title": "苏州人才夜市", "city": "苏州"}, organiser)
    await post_ok(client, f"/api/events/{market['slug']}/stops", stop_body(9, school="", city="苏州"), organiser)
    await post_ok(client, f"/api/events/{market['slug']}/publish", None, organiser, status=200)
    draft = await post_ok(client, "/api/events", {"kind": "job_fair", "title": "草稿"}, organiser)
    await post_ok(client, f"/api/events/{draft['slug']}/stops", stop_body(9), organiser)

    def summaries(response):
        return sorted({e["summary"].split(" · ")[0] for e in icaljs(response.content)["events"]})

    assert summaries(await feed(client, "/calendar/events.ics")) == sorted([published_train["title"], "苏州人才夜市"])
    assert summaries(await feed(client, "/calendar/events.ics?kind=night_market")) == ["苏州人才夜市"]
    assert summaries(await feed(client, "/calendar/events.ics?city=南京")) == [published_train["title"]]
    assert (await client.get(f"/calendar/events/{draft['slug']}.ics")).status_code == 404
    assert (await client.get(f"/calendar/events/{draft['slug']}")).status_code == 404


async def test_chinese_commas_semicolons_and_long_text_are_escaped_and_folded_within_75_octets(client, organiser):
    title = "人才夜市，第一季; 夜场, 南京 · " + "招聘" * 40
    event = await post_ok(client, "/api/events", {"kind": "night_market", "title": title[:200], "city": "南京"}, organiser)
    address = "南京市秦淮区夫子庙贡院街; 入口, 东门 \\ 北门 " + "很长的地址" * 30
    await post_ok(client, f"/api/events/{event['slug']}/stops", stop_body(9, school="", name="第一晚; 主场, A区", address=address[:300]), organiser)
    await post_ok(client, f"/api/events/{event['slug']}/publish", None, organiser, status=200)
    body = (await feed(client, f"/calendar/events/{event['slug']}.ics")).content
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # a fold never splits a character: each physical line decodes on its own
    (parsed,) = icaljs(body)["events"]
    assert parsed["summary"] == f"{title[:200]} · 第一晚; 主场, A区"
    assert parsed["location"] == f"仙林校区, {address[:300]}"
    assert b"\\;" in body and b"\\," in body


async def _token(client, headers):
    response = await client.post("/api/me/calendar-token", headers=headers)
    assert response.status_code == 201, response.text
    link = response.json()
    assert link["webcal_url"].startswith("webcal://") and link["url"].endswith(".ics")
    return "/" + link["url"].split("/", 3)[3]


async def test_a_seekers_feed_shows_each_place_with_its_status_and_a_reminder_the_evening_before(client, organiser, published_train):
    stops = published_train["stops"]
    await set_capacity(client, organiser, stops[1]["id"], 0)
    (student,) = await many_seekers(1)
    confirmed = await post_ok(client, f"/api/stops/{stops[0]['id']}/registrations", None, student)
    waitlisted = await post_ok(client, f"/api/stops/{stops[1]['id']}/registrations", None, student)
    cancelled = await post_ok(client, f"/api/stops/{stops[2]['id']}/registrations", None, student)
    await client.delete(f"/api/registrations/{cancelled['id']}", headers=student)
    path = await _token(client, student)

    response = await feed(client, path)
    assert response.headers["cache-control"] == "private, max-age=3600"
    events = {e["uid"].split("@")[0]: e for e in icaljs(response.content)["events"]}
    assert {key: e["status"] for key, e in events.items()} == {
        stops[0]["id"]: "CONFIRMED",
        stops[1]["id"]: "TENTATIVE",
        stops[2]["id"]: "CANCELLED",
    }
    assert events[stops[2]["id"]]["sequence"] > stops[2]["sequence"], "a cancelled place raises SEQUENCE"
    start = datetime.fromisoformat(confirmed["stop"]["starts_at"])
    evening = (start - timedelta(days=1)).replace(hour=20, minute=0)
    assert events[stops[0]["id"]]["alarm_utc"] == evening.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert waitlisted["status"] == "waitlisted"

    etag = response.headers["etag"]
    await set_capacity(client, organiser, stops[1]["id"], 5)
    promoted = await client.get(path, headers={"If-None-Match": etag})
    assert promoted.status_code == 200
    assert next(e for e in icaljs(promoted.content)["events"] if e["uid"].startswith(stops[1]["id"]))["status"] == "CONFIRMED"


async def test_rotating_a_token_kills_the_old_link_and_revoking_kills_the_new(client, seeker, stop):
    old = await _token(client, seeker)
    new = await _token(client, seeker)
    assert (await client.get(old)).status_code == 404
    assert (await client.get(new)).status_code == 200
    assert (await client.delete("/api/me/calendar-token", headers=seeker)).status_code == 204
    gone = await client.get(new)
    assert gone.status_code == 404 and gone.json()["code"] == "feed_not_found"
    assert (await client.get("/calendar/private/not-a-token.ics")).status_code == 404


async def test_a_rotated_or_revoked_link_answers_404_at_once_on_another_worker(client, seeker, stop, live_server):
    # The test's own app is one worker and the live server another: each had read the link before it
    # was changed through the other one, and neither may answer with it afterwards, not even for a second.
    old = await _token(client, seeker)
    async with httpx.AsyncClient(base_url=live_server.url) as other:  # one kept-alive connection: one worker
        assert (await other.get(old)).status_code == 200
        new = await _token(client, seeker)
        assert (await other.get(old)).status_code == 404
        assert (await other.get(new)).status_code == 200
        assert (await client.get(new)).status_code == 200
        assert (await other.delete("/api/me/calendar-token", headers=seeker)).status_code == 204
        gone = await client.get(new)
        assert gone.status_code == 404 and gone.json()["code"] == "feed_not_found"
        assert (await other.get(new)).status_code == 404


async def test_another_seekers_feed_shows_nothing_of_this_seekers(client, published_train):
    mine, theirs = await many_seekers(2)
    await post_ok(client, f"/api/stops/{published_train['stops'][0]['id']}/registrations", None, mine)
    await post_ok(client, f"/api/stops/{published_train['stops'][1]['id']}/registrations", None, theirs)
    their_events = icaljs((await feed(client, await _token(client, theirs))).content)["events"]
    assert [e["uid"].split("@")[0] for e in their_events] == [published_train["stops"][1]["id"]]


async def test_an_hr_feed_shows_the_stops_with_the_employers_booth_label(client, hr, booth, published_train):
    events = icaljs((await feed(client, await _token(client, hr))).content)["events"]
    assert [e["uid"].split("@")[0] for e in events] == [booth["stop_id"]]
    assert events[0]["summary"].endswith("展位 A12") and "Our booth: A12" in events[0]["description"]


async def test_an_organisers_feed_includes_drafts_as_tentative(client, organiser, published_train):
    draft = await post_ok(client, "/api/events", {"kind": "job_fair", "title": "筹备中的双选会"}, organiser)
    draft_stop = await post_ok(client, f"/api/events/{draft['slug']}/stops", stop_body(30), organiser)
    events = icaljs((await feed(client, await _token(client, organiser))).content)["events"]
    statuses = {e["uid"].split("@")[0]: e["status"] for e in events}
    assert statuses[draft_stop["id"]] == "TENTATIVE"
    assert {statuses[s["id"]] for s in published_train["stops"]} == {"CONFIRMED"}


async def test_a_cached_feed_is_served_again_without_a_rebuild_but_never_stale(client, organiser, published_train):
    path = f"/calendar/events/{published_train['slug']}.ics"
    first = (await feed(client, path)).content
    assert len(feed_cache.FEEDS) == 1
    assert (await feed(client, path)).content == first
    await client.patch(f"/api/events/{published_train['slug']}", json={"title": "改名后的专列"}, headers=organiser)
    renamed = icaljs((await feed(client, path)).content)
    assert all(e["summary"].startswith("改名后的专列") for e in renamed["events"])


async def test_twenty_polls_at_once_of_a_changed_feed_render_it_once(client, published_train, monkeypatch):
    renders = []
    real = feed_cache._render
    monkeypatch.setattr(feed_cache, "_render", lambda scope, *rows: renders.append(scope.key) or real(scope, *rows))
    path = f"/calendar/events/{published_train['slug']}.ics"
    responses = await asyncio.gather(*(client.get(path) for _ in range(20)))
    assert {r.status_code for r in responses} == {200} and len({r.content for r in responses}) == 1
    assert renders == [f"event:{published_train['slug']}"]


# ---------------------------------------------------------------- how feeds are made and kept


async def _cold(client, path):
    feed_cache.clear_caches()
    return (await feed(client, path)).content


async def test_a_feed_patched_after_stop_changes_is_byte_for_byte_a_cold_render(client, organiser, published_train, booth, job, monkeypatch):
    patches = []
    real = feed_cache._patch
    monkeypatch.setattr(feed_cache, "_patch", lambda scope, current, kept, events, stops, *rest: patches.append(len(stops)) or real(
        scope, current, kept, events, stops, *rest))
    path = f"/calendar/events/{published_train['slug']}.ics"
    first, second, third = published_train["stops"]
    await feed(client, path)
    changes = [
        ("patch", f"/api/stops/{first['id']}", {"starts_at": future(20).isoformat(), "ends_at": (future(20) + timedelta(hours=1)).isoformat()}),
        ("patch", f"/api/stops/{second['id']}", {"name": "改名; 第二站, 东门", "latitude": 32.05, "longitude": 118.78}),
        ("post", f"/api/stops/{third['id']}/cancel", None),
        ("patch", f"/api/stops/{first['id']}", {"timezone": "America/New_York"}),
    ]
    for method, url, body in changes:
        response = await client.request(method.upper(), url, json=body, headers=organiser)
        assert response.status_code == 200, response.text
        patched = (await feed(client, path)).content
        assert patches[-1] == 1, "one stop changed, one VEVENT rendered again"
        assert patched == await _cold(client, path)
    assert b"TZID=America/New_York" in patched and b"STATUS:CANCELLED" in patched
    # What every stop of the event shows changes: the feed is rendered anew, and still right.
    await post_ok(client, f"/api/events/{published_train['slug']}/cancel", None, organiser, status=200)
    statuses = {e["status"] for e in icaljs((await feed(client, path)).content)["events"]}
    assert statuses == {"CANCELLED"}


async def test_a_change_stamped_before_the_last_render_still_shows(client, published_train, monkeypatch):
    """Another worker's commit can land after a later-stamped one: the checksum of stamps sees it, the latest stamp alone would not."""
    from events.tables import Stop

    monkeypatch.setattr(feed_scopes, "FRESH_FOR", 0)
    path = f"/calendar/events/{published_train['slug']}.ics"
    first, _second, third = published_train["stops"]
    await feed(client, path)
    await Stop.update({Stop.updated_at: datetime.now(UTC)}).where(Stop.id == third["id"])
    etag = (await feed(client, path)).headers["etag"]
    await Stop.update({Stop.name: "迟到的改动", Stop.updated_at: datetime.now(UTC) - timedelta(hours=1)}).where(Stop.id == first["id"])
    response = await client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert any(e["summary"].endswith("迟到的改动") for e in icaljs(response.content)["events"])
    assert response.content == await _cold(client, path)


async def test_a_stop_deleted_or_an_event_unpublished_behind_the_workers_back_leaves_the_feeds(client, organiser, published_train, monkeypatch):
    from events.tables import Event, Stop

    monkeypatch.setattr(feed_scopes, "FRESH_FOR", 0)
    path = f"/calendar/events/{published_train['slug']}.ics"
    await feed(client, path)
    await feed(client, "/calendar/events.ics")
    gone = published_train["stops"][1]["id"]
    await Stop.delete().where(Stop.id == gone)
    left = (await feed(client, path)).content
    assert [e["uid"].split("@")[0] for e in icaljs(left)["events"]] == [published_train["stops"][0]["id"], published_train["stops"][2]["id"]]
    assert left == await _cold(client, path)
    await feed(client, "/calendar/events.ics")
    await Event.update({Event.published_at: None, Event.status: Event.Status.draft}).where(Event.slug == published_train["slug"])
    assert icaljs((await feed(client, "/calendar/events.ics")).content)["events"] == []
    assert (await client.get(path)).status_code == 404


async def test_within_the_freshness_bound_a_poll_reads_nothing_and_a_change_made_here_shows_at_once(client, organiser, published_train, monkeypatch):
    from events.tables import Stop

    monkeypatch.setattr(feed_scopes, "FRESH_FOR", 3600)
    reads = []
    real = feed_scopes._read_version
    monkeypatch.setattr(feed_scopes, "_read_version", lambda scope: reads.append(scope.key) or real(scope))
    path = f"/calendar/events/{published_train['slug']}.ics"
    etag = (await feed(client, path)).headers["etag"]
    assert (await client.get(path, headers={"If-None-Match": etag})).status_code == 304
    assert len(reads) == 1
    # Another worker's change: this worker keeps answering what it read until the bound passes.
    await Stop.update({Stop.name: "别处改的", Stop.updated_at: datetime.now(UTC)}).where(Stop.id == published_train["stops"][0]["id"])
    assert (await client.get(path, headers={"If-None-Match": etag})).status_code == 304
    # A change made through this worker: seen at the next poll.
    stop = published_train["stops"][1]
    await client.patch(f"/api/stops/{stop['id']}", json={"name": "这里改的"}, headers=organiser)
    response = await client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200 and len(reads) == 2
    summaries = {e["summary"].split(" · ")[1] for e in icaljs(response.content)["events"]}
    assert {"别处改的", "这里改的"} <= summaries


async def test_a_registration_made_after_subscribing_shows_in_the_seekers_next_fetch(client, published_train):
    (student,) = await many_seekers(1)
    stops = published_train["stops"]
    mine = await post_ok(client, f"/api/stops/{stops[0]['id']}/registrations", None, student)
    path = await _token(client, student)
    etag = (await feed(client, path)).headers["etag"]
    await post_ok(client, f"/api/stops/{stops[1]['id']}/registrations", None, student)
    response = await client.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200 and len(icaljs(response.content)["events"]) == 2
    await client.delete(f"/api/registrations/{mine['id']}", headers=student)
    events = {e["uid"].split("@")[0]: e["status"] for e in icaljs((await feed(client, path)).content)["events"]}
    assert events == {stops[0]["id"]: "CANCELLED", stops[1]["id"]: "CONFIRMED"}


async def test_an_hr_feed_drops_a_stop_once_its_booth_is_removed(client, organiser, hr, booth):
    path = await _token(client, hr)
    assert len(icaljs((await feed(client, path)).content)["events"]) == 1
    assert (await client.delete(f"/api/booths/{booth['id']}", headers=organiser)).status_code == 204
    assert icaljs((await feed(client, path)).content)["events"] == []


async def test_kept_feeds_stay_within_their_byte_budget_dropping_the_least_recently_served(client, organiser, published_train, monkeypatch):
    market = await post_ok(client, "/api/events", {"kind": "night_market", "title": "苏州人才夜市", "city": "苏州"}, organiser)
    await post_ok(client, f"/api/events/{market['slug']}/stops", stop_body(9, school="", city="苏州"), organiser)
    await post_ok(client, f"/api/events/{market['slug']}/publish", None, organiser, status=200)
    await feed(client, f"/calendar/events/{published_train['slug']}.ics")
    size = feed_cache.FEEDS.peek(f"event:{published_train['slug']}")[1].size
    monkeypatch.setattr(feed_cache.FEEDS, "max_bytes", 2 * size)
    for path in ("/calendar/events.ics", f"/calendar/events/{market['slug']}.ics", "/calendar/events.ics?kind=night_market"):
        await feed(client, path)
    assert feed_cache.FEEDS.bytes == sum(kept.size for kept in feed_cache.FEEDS.values()) <= 2 * size
    assert feed_cache.FEEDS.keys()[-1] == "public:night_market:" and f"event:{published_train['slug']}" not in feed_cache.FEEDS


# ---------------------------------------------------------------- gzip, kept compressed


async def raw_get(client, path, **headers):
    """The answer's bytes as sent (httpx would inflate them), with its headers."""
    async with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        return response.headers, b"".join([chunk async for chunk in response.aiter_raw()])


def gunzip_strictly(body: bytes) -> bytes:
    """One gzip member, nothing after it, its CRC-32 and length checked."""
    inflater = zlib.decompressobj(wbits=31)
    plain = inflater.decompress(body)
    assert inflater.eof and inflater.unused_data == b"", "one gzip member, nothing after it"
    assert gzip.decompress(body) == plain
    return plain


async def test_a_client_that_accepts_gzip_gets_the_same_document_compressed(client, published_train):
    path = f"/calendar/events/{published_train['slug']}.ics"
    zipped_headers, zipped = await raw_get(client, path, **{"Accept-Encoding": "gzip, deflate"})
    plain_headers, plain = await raw_get(client, path, **{"Accept-Encoding": "identity"})
    assert zipped_headers["content-encoding"] == "gzip" and "content-encoding" not in plain_headers
    assert zipped_headers["vary"] == plain_headers["vary"] == "Accept-Encoding"
    assert int(zipped_headers["content-length"]) == len(zipped) < len(plain)
    assert gunzip_strictly(zipped) == plain
    # The second parser reads the inflated document as it reads the plain one.
    assert icaljs(gunzip_strictly(zipped)) == icaljs(plain)
    assert len(Calendar.from_ical(plain).walk("VEVENT")) == 3
    # Each representation has its own tag, and either one answers a conditional request with 304.
    assert zipped_headers["etag"] != plain_headers["etag"]
    for etag in (zipped_headers["etag"], plain_headers["etag"]):
        for encoding in ("gzip", "identity"):
            answer = await client.get(path, headers={"If-None-Match": etag, "Accept-Encoding": encoding})
            assert answer.status_code == 304 and answer.headers["vary"] == "Accept-Encoding"


async def test_gzip_refused_by_weight_zero_is_not_sent():
    from events.routes.calendar import accepts_gzip

    assert accepts_gzip("gzip") and accepts_gzip("deflate, gzip;q=0.5") and accepts_gzip("*") and accepts_gzip("br, GZIP")
    assert not accepts_gzip(None) and not accepts_gzip("") and not accepts_gzip("identity") and not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("*, gzip;q=0") and not accepts_gzip("deflate")


async def test_stops_moved_across_compressed_runs_patch_to_what_a_cold_render_makes(client, organiser, published_train, monkeypatch):
    """Runs of one VEVENT each: every change inflates, moves and compresses runs, and the result still inflates to a cold render."""
    monkeypatch.setattr(feed_cache, "RUN", 1)
    patches = []
    real = feed_cache._patch
    monkeypatch.setattr(feed_cache, "_patch", lambda *args: patches.append(1) or real(*args))
    path = f"/calendar/events/{published_train['slug']}.ics"
    first, second, third = published_train["stops"]
    await raw_get(client, path, **{"Accept-Encoding": "gzip"})
    assert len(feed_cache.FEEDS.peek(f"event:{published_train['slug']}")[1].runs) == 3
    # The first stop goes after the last, then the last before everything: runs empty, fill and grow.
    for stop, days in ((first, 40), (third, 1), (second, 41)):
        starts = future(days)
        body = {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat()}
        assert (await client.patch(f"/api/stops/{stop['id']}", json=body, headers=organiser)).status_code == 200
        _headers, zipped = await raw_get(client, path, **{"Accept-Encoding": "gzip"})
        patched = gunzip_strictly(zipped)
        assert patched == await _cold(client, path)
        starts_in_feed = [e["start_utc"] for e in icaljs(patched)["events"]]
        assert starts_in_feed == sorted(starts_in_feed)
    assert len(patches) == 3


async def test_twenty_polls_at_once_of_a_new_version_make_it_once_as_the_cache_counts_it(client, published_train):
    from events import metrics

    path = f"/calendar/events/{published_train['slug']}.ics"
    rendered = metrics.FEED_REQUESTS.labels("rendered")
    before = (rendered._value.get(), feed_cache.FEEDS.misses, feed_cache.FEEDS.joined + feed_cache.FEEDS.hits)
    responses = await asyncio.gather(*(client.get(path) for _ in range(20)))
    assert {r.status_code for r in responses} == {200} and len({r.content for r in responses}) == 1
    after = (rendered._value.get(), feed_cache.FEEDS.misses, feed_cache.FEEDS.joined + feed_cache.FEEDS.hits)
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (1, 1, 19)
    text = (await client.get("/metrics")).text
    assert 'events_cache_requests_total{cache="feeds",result="miss"}' in text and 'events_cache_bytes{cache="feeds"}' in text


async def test_a_plain_client_gets_the_inflated_document_from_a_cache_of_its_own(client, published_train):
    path = f"/calendar/events/{published_train['slug']}.ics"
    _headers, zipped = await raw_get(client, path, **{"Accept-Encoding": "gzip"})
    before = (feed_cache.PLAIN.misses, feed_cache.PLAIN.hits)
    for _ in range(2):
        _headers, plain = await raw_get(client, path, **{"Accept-Encoding": "identity"})
        assert plain == gunzip_strictly(zipped)
    assert (feed_cache.PLAIN.misses - before[0], feed_cache.PLAIN.hits - before[1]) == (1, 1)
    assert feed_cache.PLAIN.bytes == len(plain)
