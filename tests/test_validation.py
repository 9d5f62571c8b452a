"""Validation and hostile input through the HTTP API: every refusal is problem+json with a stable code, and leaves nothing half-written."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import credit_code, future, job_body, now, post_ok, stop_body

PROBLEM = "application/problem+json"
NUL, ESC, DEL, VT = "\x00", "\x1b", "\x7f", "\x0b"
ONE_MB = 1024 * 1024
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def cases(table: dict[str, Any]) -> list[Any]:
    """Parametrize from a {fact: value} table, the fact naming the case; a tuple value fills several arguments."""
    return [pytest.param(*value, id=name) if isinstance(value, tuple) else pytest.param(value, id=name) for name, value in table.items()]


def assert_problem(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0].strip() == PROBLEM
    body = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body


async def total(client, path: str, headers: dict[str, str], **params: Any) -> int:
    response = await client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()["total"]


async def event_count(client, organiser) -> int:
    return await total(client, "/api/events", organiser)


async def employer_count(client, organiser) -> int:
    return await total(client, "/api/employers", organiser)


async def job_count(client, organiser, slug: str) -> int:
    return await total(client, f"/api/events/{slug}/jobs", organiser, status="all")


async def stops_of(client, organiser, slug: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/events/{slug}", headers=organiser)
    assert response.status_code == 200, response.text
    return response.json()["stops"]


def event_body(**extra: Any) -> dict[str, Any]:
    return {"kind": "job_fair", "title": "2026 南京秋季招聘会", "city": "南京", **extra}


def employer_body(**extra: Any) -> dict[str, Any]:
    return {"name": "南京云帆科技有限公司", "credit_code": credit_code(), **extra}


def wrong_check_digit(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


# ---------------------------------------------------------------- events: schema


BAD_EVENTS = {
    "kind_missing": {"title": "招聘会"},
    "title_missing": {"kind": "job_fair"},
    "title_is_a_number": event_body(title=2026),
    "title_is_null": event_body(title=None),
    "title_is_a_list": event_body(title=["招聘会"]),
    "kind_is_not_one_of_the_three": event_body(kind="concert"),
    "title_of_10_kb": event_body(title="x" * 10_240),
    "title_one_over_200": event_body(title="x" * 201),
    "title_empty": event_body(title=""),
    "title_only_spaces": event_body(title="   "),
    "description_over_10000": event_body(description="x" * 10_001),
    "host_over_200": event_body(host="x" * 201),
    "city_over_100": event_body(city="x" * 101),
    "slug_with_capitals": event_body(slug="Autumn-Fair"),
    "slug_with_a_path": event_body(slug="../admin"),
    "slug_over_80": event_body(slug="a" * 81),
    "timezone_over_64": event_body(timezone="A" * 65),
    "timezone_is_a_number": event_body(timezone=8),
    "title_with_nul": event_body(title=f"招聘{NUL}会"),
    "title_with_escape": event_body(title=f"{ESC}[31m招聘会"),
    "title_with_del": event_body(title=f"招聘会{DEL}"),
    "description_with_nul": event_body(description=f"line{NUL}"),
    "city_with_vertical_tab": event_body(city=f"南{VT}京"),
    "unknown_field": event_body(is_featured=True),
    "status_smuggled_in": event_body(status="published"),
}


@pytest.mark.parametrize("body", cases(BAD_EVENTS))
async def test_a_malformed_event_is_refused_with_400_validation_failed_and_nothing_is_written(client, organiser, body):
    assert_problem(await client.post("/api/events", json=body, headers=organiser), 400, "validation_failed")
    assert await event_count(client, organiser) == 0


RAW_BODIES = {
    "not_json": (b"not json", "malformed_body"),
    "truncated_json": (b'{"kind": "job_fair", "title": "x"', "malformed_body"),
    "empty_body": (b"", "malformed_body"),
    "null": (b"null", "validation_failed"),
    "an_array": (b'[{"kind": "job_fair", "title": "x"}]', "validation_failed"),
    "a_string": (b'"job_fair"', "validation_failed"),
    "a_number_out_of_double_range": (b'{"kind": "job_fair", "title": "x", "slug": 1e400}', "validation_failed"),
    "an_escaped_lone_surrogate": (b'{"kind": "job_fair", "title": "a\\ud800b"}', "malformed_body"),
    "invalid_utf8_bytes": (b'{"kind": "job_fair", "title": "a\xffb"}', "malformed_body"),
    "utf8_encoded_surrogate": (b'{"kind": "job_fair", "title": "a\xed\xa0\x80b"}', "malformed_body"),
    "arrays_nested_2000_deep": (b'{"kind": "job_fair", "title": ' + b"[" * 2000 + b"]" * 2000 + b"}", "validation_failed"),
}


@pytest.mark.parametrize("raw, code", cases(RAW_BODIES))
async def test_a_body_that_is_not_a_json_object_is_refused_with_400_never_500(client, organiser, raw, code):
    response = await client.post("/api/events", content=raw, headers={**organiser, "Content-Type": "application/json"})
    assert_problem(response, 400, code)
    assert await event_count(client, organiser) == 0


# ---------------------------------------------------------------- request size


async def _megabyte_chunks():
    for _ in range(64):
        yield b"x" * (ONE_MB // 64)


async def test_a_1_mb_event_is_refused_with_413_request_too_large(client, organiser):
    response = await client.post("/api/events", json=event_body(description="x" * ONE_MB), headers=organiser)
    assert_problem(response, 413, "request_too_large")
    assert await event_count(client, organiser) == 0


async def test_a_1_mb_body_streamed_without_content_length_is_refused_with_413(client, organiser):
    headers = {**organiser, "Content-Type": "application/json"}
    assert_problem(await client.post("/api/events", content=_megabyte_chunks(), headers=headers), 413, "request_too_large")
    assert await event_count(client, organiser) == 0


async def test_a_1_mb_employer_is_refused_with_413_request_too_large(client, organiser):
    response = await client.post("/api/employers", json=employer_body(description="x" * ONE_MB), headers=organiser)
    assert_problem(response, 413, "request_too_large")
    assert await employer_count(client, organiser) == 0


async def test_a_1_mb_stop_is_refused_with_413_request_too_large(client, organiser, talent_train):
    response = await client.post(f"/api/events/{talent_train['slug']}/stops", json=stop_body(20, name="x" * ONE_MB), headers=organiser)
    assert_problem(response, 413, "request_too_large")
    assert len(await stops_of(client, organiser, talent_train["slug"])) == 3


async def test_a_1_mb_job_is_refused_with_413_request_too_large(client, organiser, hr, booth, published_train):
    slug = published_train["slug"]
    response = await client.post(f"/api/events/{slug}/jobs", json=job_body(description="x" * ONE_MB), headers=hr)
    assert_problem(response, 413, "request_too_large")
    assert await job_count(client, organiser, slug) == 0


# ---------------------------------------------------------------- unicode

EMOJI_TITLE = "🚀 2026 南京人才专列 👩‍💻🇨🇳"
COMBINING = "Cafe\u0301 Ångström 𠀀𪚥"  # a decomposed é, and CJK characters outside the BMP
RTL = "معرض التوظيف"


async def test_unicode_and_emoji_in_an_event_round_trip_exactly(client, organiser):
    body = event_body(title=EMOJI_TITLE, description=f"{COMBINING}\n{RTL}\t✅\u200b", host="南京大学 🎓", city="南京 🌆")
    created = await post_ok(client, "/api/events", body, organiser)
    fetched = (await client.get(f"/api/events/{created['slug']}", headers=organiser)).json()
    for view in (created, fetched):
        assert {field: view[field] for field in ("title", "description", "host", "city")} == {
            field: body[field] for field in ("title", "description", "host", "city")
        }
    found = (await client.get("/api/events", params={"q": "👩‍💻"}, headers=organiser)).json()
    assert [item["id"] for item in found["items"]] == [created["id"]]


async def test_an_event_titled_only_in_emoji_still_gets_a_usable_slug(client, organiser):
    created = await post_ok(client, "/api/events", event_body(title="🎉🎉🎉"), organiser)
    assert created["slug"]
    assert (await client.get(f"/api/events/{created['slug']}", headers=organiser)).json()["title"] == "🎉🎉🎉"


async def test_a_title_of_200_emoji_fits_because_length_counts_characters_not_bytes(client, organiser):
    created = await post_ok(client, "/api/events", event_body(title="🎉" * 200), organiser)
    assert created["title"] == "🎉" * 200


async def test_unicode_and_emoji_in_an_employer_round_trip_exactly(client, organiser):
    body = employer_body(name="🍜 云帆科技（南京）有限公司 Café\u0301", industry="软件 💻", city="南京", description=RTL)
    created = await post_ok(client, "/api/employers", body, organiser)
    fetched = (await client.get(f"/api/employers/{created['id']}")).json()
    for view in (created, fetched):
        assert (view["name"], view["industry"], view["description"]) == (body["name"], body["industry"], body["description"])


async def test_unicode_and_emoji_in_a_stop_round_trip_exactly(client, organiser, talent_train):
    body = stop_body(20, school="南京大学 🎓", campus=COMBINING, address="仙林大道163号 📍", name="🚄 第四站")
    created = await post_ok(client, f"/api/events/{talent_train['slug']}/stops", body, organiser)
    fetched = (await client.get(f"/api/stops/{created['id']}", headers=organiser)).json()
    for view in (created, fetched):
        assert (view["school"], view["campus"], view["address"], view["name"]) == (
            body["school"],
            body["campus"],
            body["address"],
            body["name"],
        )


async def test_unicode_and_emoji_in_a_job_round_trip_exactly(client, hr, booth, published_train):
    body = job_body(title="👩‍💻 Java 开发工程师", majors=["计算机科学与技术 🖥️", COMBINING], description=f"{RTL}\n🚀", category="技术 ⚙️")
    created = await post_ok(client, f"/api/events/{published_train['slug']}/jobs", body, hr)
    fetched = (await client.get(f"/api/jobs/{created['id']}")).json()
    for view in (created, fetched):
        assert (view["title"], view["majors"], view["description"], view["category"]) == (
            body["title"],
            body["majors"],
            body["description"],
            body["category"],
        )


async def test_an_hr_account_may_have_an_emoji_name(client, organiser, employer):
    created = await post_ok(client, f"/api/employers/{employer['id']}/staff", {"name": "王敏 🌸", "email": "wm@example.com"}, organiser)
    assert created["account"]["name"] == "王敏 🌸"


# ---------------------------------------------------------------- SQL metacharacters

SQL_TITLES = {
    "plain": "Plain autumn fair",
    "percent": "100% offer fair",
    "underscore": "snake_case fair",
    "quote": "O'Brien ' OR 1=1 -- fair",
    "drop": "Night ;DROP TABLE event; fair",
    "backslash": "back\\slash fair",
}
SQL_SEARCHES = {
    "percent": ("%", ["percent"]),
    "underscore": ("_", ["underscore"]),
    "quote_or_1_1": ("' OR 1=1 --", ["quote"]),
    "lone_quote": ("'", ["quote"]),
    "drop_table": (";DROP TABLE event;", ["drop"]),
    "backslash": ("\\", ["backslash"]),
    "percent_underscore_percent": ("%_%", []),
    "double_quote": ('"', []),
}


@pytest.mark.parametrize(
    "meta", cases({"quote_or_1_1": "' OR 1=1 --", "drop_table": ";DROP TABLE event;", "percent": "%", "underscore": "_"})
)
async def test_sql_metacharacters_in_names_are_stored_literally(client, organiser, talent_train, meta):
    event = await post_ok(client, "/api/events", event_body(title=f"招聘会 {meta}", host=meta, city=meta), organiser)
    employer = await post_ok(client, "/api/employers", employer_body(name=f"Robert'); {meta}", industry=meta), organiser)
    stop = await post_ok(client, f"/api/events/{talent_train['slug']}/stops", stop_body(20, school=meta, address=meta), organiser)
    assert (await client.get(f"/api/events/{event['slug']}", headers=organiser)).json()["title"] == f"招聘会 {meta}"
    assert (await client.get(f"/api/employers/{employer['id']}")).json()["name"] == f"Robert'); {meta}"
    assert (await client.get(f"/api/stops/{stop['id']}", headers=organiser)).json()["address"] == meta
    assert await event_count(client, organiser) == 2 and await employer_count(client, organiser) == 1


@pytest.mark.parametrize("query, expected", cases(SQL_SEARCHES))
async def test_event_search_treats_sql_metacharacters_literally(client, organiser, query, expected):
    for title in SQL_TITLES.values():
        await post_ok(client, "/api/events", event_body(title=title), organiser)
    found = (await client.get("/api/events", params={"q": query}, headers=organiser)).json()
    assert sorted(item["title"] for item in found["items"]) == sorted(SQL_TITLES[key] for key in expected)
    assert await event_count(client, organiser) == len(SQL_TITLES), "every table is still there"


@pytest.mark.parametrize("query, expected", cases(SQL_SEARCHES))
async def test_employer_search_treats_sql_metacharacters_literally(client, organiser, query, expected):
    for title in SQL_TITLES.values():
        await post_ok(client, "/api/employers", employer_body(name=title), organiser)
    found = (await client.get("/api/employers", params={"q": query}, headers=organiser)).json()
    assert sorted(item["name"] for item in found["items"]) == sorted(SQL_TITLES[key] for key in expected)
    assert await employer_count(client, organiser) == len(SQL_TITLES)


@pytest.mark.parametrize(
    "query, expected", cases({key: SQL_SEARCHES[key] for key in ("percent", "underscore", "quote_or_1_1", "drop_table")})
)
async def test_job_search_treats_sql_metacharacters_literally(client, hr, booth, published_train, query, expected):
    slug = published_train["slug"]
    for title in SQL_TITLES.values():
        await post_ok(client, f"/api/events/{slug}/jobs", job_body(title=title), hr)
    found = (await client.get(f"/api/events/{slug}/jobs", params={"q": query})).json()
    assert sorted(item["title"] for item in found["items"]) == sorted(SQL_TITLES[key] for key in expected)


# ---------------------------------------------------------------- query strings

BAD_QUERIES = {
    "q_with_nul": {"q": f"fair{NUL}"},
    "q_with_escape": {"q": f"{ESC}[2J"},
    "q_with_del": {"q": DEL},
    "q_over_100": {"q": "x" * 101},
    "limit_over_100": {"limit": 101},
    "limit_zero": {"limit": 0},
    "limit_negative": {"limit": -1},
    "limit_not_a_number": {"limit": "ten"},
    "limit_with_sql": {"limit": "10; DROP TABLE event"},
    "offset_negative": {"offset": -1},
    "offset_over_10000": {"offset": 10_001},
}
EVENT_QUERIES = {
    "city_with_nul": {"city": f"南京{NUL}"},
    "kind_unknown": {"kind": "concert"},
    "status_unknown": {"status": "deleted"},
    "date_from_not_a_date": {"date_from": "2026-13-01"},
    "date_to_with_sql": {"date_to": "' OR 1=1 --"},
}
JOB_QUERIES = {
    "education_unknown": {"education": "phd"},
    "major_with_nul": {"major": f"软件{NUL}"},
    "category_with_control": {"category": f"技术{ESC}"},
    "min_salary_negative": {"min_salary": -1},
    "employer_id_not_a_uuid": {"employer_id": "' OR 1=1 --"},
    "status_unknown": {"status": "deleted"},
}


@pytest.mark.parametrize("params", cases({**BAD_QUERIES, **EVENT_QUERIES}))
async def test_a_bad_event_listing_query_is_refused_with_400(client, organiser, params):
    assert_problem(await client.get("/api/events", params=params, headers=organiser), 400, "validation_failed")


@pytest.mark.parametrize("params", cases(BAD_QUERIES))
async def test_a_bad_employer_listing_query_is_refused_with_400(client, organiser, params):
    assert_problem(await client.get("/api/employers", params=params, headers=organiser), 400, "validation_failed")


@pytest.mark.parametrize("params", cases({**BAD_QUERIES, **JOB_QUERIES}))
async def test_a_bad_job_search_query_is_refused_with_400(client, published_train, params):
    assert_problem(await client.get(f"/api/events/{published_train['slug']}/jobs", params=params), 400, "validation_failed")


async def test_a_page_of_100_is_the_largest_allowed(client, organiser):
    page = (await client.get("/api/events", params={"limit": 100, "offset": 10_000}, headers=organiser)).json()
    assert (page["limit"], page["offset"], page["items"]) == (100, 10_000, [])


# ---------------------------------------------------------------- ids in paths and bodies

BAD_PATHS = {
    "stop_word": ("GET", "/api/stops/not-a-uuid"),
    "stop_number": ("GET", "/api/stops/123"),
    "stop_sql": ("GET", "/api/stops/1%27%20OR%201=1%20--"),
    "stop_uuid_with_a_tail": ("GET", "/api/stops/3f0e4d7c-9f55-4b1a-8d55-3f8e1b2c4d5e0"),
    "stop_booths": ("POST", "/api/stops/abc/booths"),
    "stop_patch": ("PATCH", "/api/stops/abc"),
    "employer": ("GET", "/api/employers/zzzz"),
    "employer_staff": ("POST", "/api/employers/zzzz/staff"),
    "job": ("GET", "/api/jobs/xyz"),
    "job_patch": ("PATCH", "/api/jobs/xyz"),
    "booth_delete": ("DELETE", "/api/booths/1"),
}


@pytest.mark.parametrize("method, path", cases(BAD_PATHS))
async def test_a_malformed_uuid_in_a_path_matches_no_route_and_is_404(client, organiser, method, path):
    response = await client.request(method, path, headers=organiser, json={} if method in ("POST", "PATCH") else None)
    assert_problem(response, 404, "not_found")


UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    "path, code",
    cases(
        {
            "stop": (f"/api/stops/{UNKNOWN}", "stop_not_found"),
            "employer": (f"/api/employers/{UNKNOWN}", "employer_not_found"),
            "job": (f"/api/jobs/{UNKNOWN}", "job_not_found"),
            "event": ("/api/events/no-such-event", "event_not_found"),
        }
    ),
)
async def test_a_well_formed_but_unknown_id_is_404_with_the_records_code(client, organiser, path, code):
    assert_problem(await client.get(path, headers=organiser), 404, code)


async def test_a_slug_with_capitals_in_the_path_is_refused_with_400(client, organiser):
    assert_problem(await client.get("/api/events/Autumn_Fair", headers=organiser), 400, "validation_failed")


# ---------------------------------------------------------------- stops

BAD_STOPS = {
    "naive_starts_at": stop_body(20, starts_at="2026-12-03T14:00:00"),
    "naive_ends_at": stop_body(20, ends_at=future(20).replace(tzinfo=None).isoformat()),
    "date_without_time": stop_body(20, starts_at=future(20).date().isoformat()),
    "starts_at_not_a_date": stop_body(20, starts_at="tomorrow afternoon"),
    "starts_at_a_unix_number": stop_body(20, starts_at=1_800_000_000),
    "starts_at_missing": {key: value for key, value in stop_body(20).items() if key != "starts_at"},
    "address_missing": {key: value for key, value in stop_body(20).items() if key != "address"},
    "capacity_missing": {key: value for key, value in stop_body(20).items() if key != "capacity"},
    "capacity_negative": stop_body(20, capacity=-1),
    "capacity_over_a_million": stop_body(20, capacity=1_000_001),
    "capacity_a_string": stop_body(20, capacity="300"),
    "capacity_a_fraction": stop_body(20, capacity=2.5),
    "capacity_10_to_the_30": stop_body(20, capacity=10**30),
    "latitude_over_90": stop_body(20, latitude=90.5, longitude=118.9),
    "longitude_under_minus_180": stop_body(20, latitude=32.1, longitude=-180.1),
    "address_over_300": stop_body(20, address="x" * 301),
    "address_only_spaces": stop_body(20, address="   "),
    "address_with_nul": stop_body(20, address=f"仙林大道{NUL}163号"),
    "name_over_200": stop_body(20, name="x" * 201),
    "school_over_200": stop_body(20, school="x" * 201),
    "city_over_100": stop_body(20, city="x" * 101),
    "timezone_over_64": stop_body(20, timezone="A" * 65),
    "unknown_field": stop_body(20, confirmed=0),
    "status_smuggled_in": stop_body(20, status="cancelled"),
}


@pytest.mark.parametrize("body", cases(BAD_STOPS))
async def test_a_malformed_stop_is_refused_with_400_and_no_stop_is_added(client, organiser, talent_train, body):
    response = await client.post(f"/api/events/{talent_train['slug']}/stops", json=body, headers=organiser)
    assert_problem(response, 400, "validation_failed")
    assert len(await stops_of(client, organiser, talent_train["slug"])) == 3


def _span(starts_at: datetime, length: timedelta) -> dict[str, str]:
    return {"starts_at": starts_at.isoformat(), "ends_at": (starts_at + length).isoformat()}


STOP_RULES = {
    "ends_before_it_starts": (_span(future(20), -timedelta(hours=1)), "stop_ends_before_start"),
    "ends_when_it_starts": (_span(future(20), timedelta(0)), "stop_ends_before_start"),
    "lasts_14_days_and_a_minute": (_span(future(20), timedelta(days=14, minutes=1)), "stop_too_long"),
    "starts_in_1999": (_span(datetime(1999, 12, 31, 9, tzinfo=UTC), timedelta(hours=3)), "stop_time_out_of_range"),
    "starts_six_years_ahead": (_span(future(6 * 366), timedelta(hours=3)), "stop_time_out_of_range"),
    "timezone_misspelt": ({"timezone": "Asia/Shangai"}, "invalid_timezone"),
    "timezone_a_path": ({"timezone": "../../../etc/passwd"}, "invalid_timezone"),
    "talent_train_stop_without_school": ({"school": ""}, "school_required"),
}


@pytest.mark.parametrize("change, code", cases(STOP_RULES))
async def test_a_stop_that_breaks_a_rule_is_refused_with_422_and_no_stop_is_added(client, organiser, talent_train, change, code):
    response = await client.post(f"/api/events/{talent_train['slug']}/stops", json={**stop_body(20), **change}, headers=organiser)
    assert_problem(response, 422, code)
    assert len(await stops_of(client, organiser, talent_train["slug"])) == 3


async def test_a_stop_of_exactly_14_days_is_accepted(client, organiser, talent_train):
    await post_ok(
        client, f"/api/events/{talent_train['slug']}/stops", {**stop_body(20), **_span(future(20), timedelta(days=14))}, organiser
    )


async def test_a_published_event_gets_no_new_stop_in_the_past(client, organiser, published_train):
    response = await client.post(f"/api/events/{published_train['slug']}/stops", json=stop_body(-2), headers=organiser)
    assert_problem(response, 422, "stop_in_past")
    assert len(await stops_of(client, organiser, published_train["slug"])) == 3


STOP_PATCHES = {
    "moved_into_the_past": (_span(future(-2), timedelta(hours=3)), 422, "stop_in_past"),
    "start_moved_into_the_past": ({"starts_at": future(-1).isoformat()}, 422, "stop_in_past"),
    "end_moved_before_start": ({"ends_at": future(9).isoformat()}, 422, "stop_ends_before_start"),
    "stretched_over_14_days": ({"ends_at": future(25).isoformat()}, 422, "stop_too_long"),
    "timezone_unknown": ({"timezone": "Mars/Olympus_Mons"}, 422, "invalid_timezone"),
    "naive_starts_at": ({"starts_at": "2026-12-03T14:00:00"}, 400, "validation_failed"),
    "capacity_negative": ({"capacity": -5}, 400, "validation_failed"),
    "address_with_nul": ({"address": NUL}, 400, "validation_failed"),
    "unknown_field": ({"event_id": UNKNOWN}, 400, "validation_failed"),
}


@pytest.mark.parametrize("change, status, code", cases(STOP_PATCHES))
async def test_a_refused_change_to_a_published_stop_leaves_it_as_it_was(client, organiser, published_train, change, status, code):
    stop = published_train["stops"][0]
    assert_problem(await client.patch(f"/api/stops/{stop['id']}", json=change, headers=organiser), status, code)
    assert (await client.get(f"/api/stops/{stop['id']}", headers=organiser)).json() == stop


async def test_a_stop_whose_school_and_campus_fill_their_200_characters_is_accepted(client, organiser, talent_train):
    body = stop_body(20, school="校" * 200, campus="区" * 200)
    created = await post_ok(client, f"/api/events/{talent_train['slug']}/stops", body, organiser)
    assert (created["school"], created["campus"]) == (body["school"], body["campus"])


async def test_a_stop_whose_address_fills_its_300_characters_is_accepted(client, organiser):
    event = await post_ok(client, "/api/events", event_body(), organiser)
    created = await post_ok(
        client, f"/api/events/{event['slug']}/stops", stop_body(20, school="", campus="", address="路" * 300), organiser
    )
    assert created["address"] == "路" * 300


async def test_a_stop_city_of_100_characters_is_accepted(client, organiser, talent_train):
    created = await post_ok(client, f"/api/events/{talent_train['slug']}/stops", stop_body(20, city="市" * 100), organiser)
    assert created["city"] == "市" * 100


# ---------------------------------------------------------------- time zones


def _next(month: int, day: int) -> date:
    today = now().astimezone(SHANGHAI).date()
    candidate = date(today.year, month, day)
    return candidate if candidate > today + timedelta(days=2) else date(today.year + 1, month, day)


@pytest.mark.parametrize("month, offset", cases({"summer_is_edt": (7, "-04:00"), "winter_is_est": (1, "-05:00")}))
async def test_a_new_york_stop_comes_back_in_new_yorks_offset_of_that_season(client, organiser, talent_train, month, offset):
    starts_at = datetime.combine(_next(month, 15), time(14), SHANGHAI)
    body = {**stop_body(20), **_span(starts_at, timedelta(hours=3)), "timezone": "America/New_York"}
    created = await post_ok(client, f"/api/events/{talent_train['slug']}/stops", body, organiser)
    fetched = (await client.get(f"/api/stops/{created['id']}", headers=organiser)).json()
    for view in (created, fetched):
        assert view["timezone"] == "America/New_York"
        assert view["starts_at"].endswith(offset) and view["ends_at"].endswith(offset)
        assert datetime.fromisoformat(view["starts_at"]) == starts_at, "the same instant, shown in New York's offset"


def _eve_of_spring_forward() -> date:
    """The next Saturday on which New York's clocks move forward during the night."""
    day = now().astimezone(NEW_YORK).date() + timedelta(days=2)
    while (
        datetime.combine(day + timedelta(days=1), time(12), NEW_YORK).utcoffset() == datetime.combine(day, time(12), NEW_YORK).utcoffset()
    ):
        day += timedelta(days=1)
    return day


async def test_a_stop_across_the_spring_forward_night_starts_in_est_and_ends_in_edt(client, organiser):
    event = await post_ok(client, "/api/events", event_body(timezone="America/New_York"), organiser)
    eve = _eve_of_spring_forward()
    starts_at = datetime.combine(eve, time(20), NEW_YORK)
    ends_at = datetime.combine(eve + timedelta(days=1), time(10), NEW_YORK)
    body = {**stop_body(0), "starts_at": starts_at.astimezone(UTC).isoformat(), "ends_at": ends_at.astimezone(UTC).isoformat()}
    created = await post_ok(client, f"/api/events/{event['slug']}/stops", body, organiser)
    assert created["timezone"] == "America/New_York", "a stop inherits its event's zone"
    assert created["starts_at"] == f"{eve.isoformat()}T20:00:00-05:00"
    assert created["ends_at"] == f"{(eve + timedelta(days=1)).isoformat()}T10:00:00-04:00"
    detail = (await client.get(f"/api/events/{event['slug']}", headers=organiser)).json()
    assert (detail["stops"][0]["starts_at"], detail["stops"][0]["ends_at"]) == (created["starts_at"], created["ends_at"])


@pytest.mark.parametrize(
    "zone",
    cases(
        {
            "unknown": "Mars/Olympus",
            "lower_case": "asia/shanghai",
            "a_path": "../../../etc/passwd",
            "an_offset": "UTC+8",
            "sql": "' OR 1=1 --",
        }
    ),
)
async def test_an_event_in_an_unknown_time_zone_is_refused_with_422_invalid_timezone(client, organiser, zone):
    assert_problem(await client.post("/api/events", json=event_body(timezone=zone), headers=organiser), 422, "invalid_timezone")
    assert await event_count(client, organiser) == 0


async def test_changing_an_event_to_an_unknown_time_zone_is_refused_and_changes_nothing(client, organiser, talent_train):
    slug = talent_train["slug"]
    assert_problem(await client.patch(f"/api/events/{slug}", json={"timezone": "Not/AZone"}, headers=organiser), 422, "invalid_timezone")
    assert (await client.get(f"/api/events/{slug}", headers=organiser)).json() == talent_train


# ---------------------------------------------------------------- jobs

BAD_JOBS = {
    "title_missing": {key: value for key, value in job_body().items() if key != "title"},
    "headcount_missing": {key: value for key, value in job_body().items() if key != "headcount"},
    "headcount_zero": job_body(headcount=0),
    "headcount_negative": job_body(headcount=-1),
    "headcount_over_10000": job_body(headcount=10_001),
    "headcount_a_string": job_body(headcount="3"),
    "headcount_a_fraction": job_body(headcount=2.5),
    "headcount_a_boolean": job_body(headcount=True),
    "salary_min_negative": job_body(salary_min=-1),
    "salary_max_over_a_million": job_body(salary_max=1_000_001),
    "salary_months_11": job_body(salary_months=11),
    "salary_months_25": job_body(salary_months=25),
    "education_unknown": job_body(education="phd"),
    "majors_not_a_list": job_body(majors="软件工程"),
    "majors_31": job_body(majors=[f"专业{n}" for n in range(31)]),
    "major_over_50": job_body(majors=["x" * 51]),
    "major_with_nul": job_body(majors=[f"软件{NUL}工程"]),
    "title_of_10_kb": job_body(title="x" * 10_240),
    "title_only_spaces": job_body(title="   "),
    "title_with_escape": job_body(title=f"{ESC}]0;pwned{ESC}\\"),
    "description_over_10000": job_body(description="x" * 10_001),
    "category_over_50": job_body(category="x" * 51),
    "city_over_50": job_body(city="x" * 51),
    "employer_id_not_a_uuid": job_body(employer_id="' OR 1=1 --"),
    "status_smuggled_in": job_body(status="closed"),
    "unknown_field": job_body(salary_currency="USD"),
}


@pytest.mark.parametrize("body", cases(BAD_JOBS))
async def test_a_malformed_job_is_refused_with_400_and_no_job_is_posted(client, organiser, hr, booth, published_train, body):
    slug = published_train["slug"]
    assert_problem(await client.post(f"/api/events/{slug}/jobs", json=body, headers=hr), 400, "validation_failed")
    assert await job_count(client, organiser, slug) == 0


async def test_a_job_paying_more_at_the_bottom_than_at_the_top_is_refused_with_422(client, organiser, hr, booth, published_train):
    slug = published_train["slug"]
    response = await client.post(f"/api/events/{slug}/jobs", json=job_body(salary_min=20001, salary_max=20000), headers=hr)
    assert_problem(response, 422, "salary_range_inverted")
    assert await job_count(client, organiser, slug) == 0


JOB_PATCHES = {
    "min_above_the_stored_max": ({"salary_min": 30000}, 422, "salary_range_inverted"),
    "max_below_the_stored_min": ({"salary_max": 1000}, 422, "salary_range_inverted"),
    "both_inverted": ({"salary_min": 25000, "salary_max": 24000}, 422, "salary_range_inverted"),
    "headcount_zero": ({"headcount": 0}, 400, "validation_failed"),
    "status_unknown": ({"status": "deleted"}, 400, "validation_failed"),
    "title_with_nul": ({"title": NUL}, 400, "validation_failed"),
    "employer_smuggled_in": ({"employer_id": UNKNOWN}, 400, "validation_failed"),
}


@pytest.mark.parametrize("change, status, code", cases(JOB_PATCHES))
async def test_a_refused_change_to_a_job_leaves_it_as_it_was(client, hr, job, change, status, code):
    assert_problem(await client.patch(f"/api/jobs/{job['id']}", json=change, headers=hr), status, code)
    assert (await client.get(f"/api/jobs/{job['id']}", headers=hr)).json() == job


async def test_a_salary_range_of_one_value_is_accepted(client, hr, job):
    response = await client.patch(f"/api/jobs/{job['id']}", json={"salary_min": 20000}, headers=hr)
    assert response.status_code == 200 and response.json()["salary_min"] == response.json()["salary_max"] == 20000


# ---------------------------------------------------------------- employers

BAD_EMPLOYERS = {
    "name_missing": {"credit_code": "91110000600037341L"},
    "credit_code_missing": {"name": "南京云帆科技有限公司"},
    "credit_code_17_characters": employer_body(credit_code="91110000600037341"),
    "credit_code_19_characters": employer_body(credit_code="91110000600037341LX"),
    "credit_code_a_number": employer_body(credit_code=911100006000373410),
    "name_of_10_kb": employer_body(name="x" * 10_240),
    "name_only_spaces": employer_body(name="   "),
    "name_with_nul": employer_body(name=f"云帆{NUL}"),
    "industry_over_100": employer_body(industry="x" * 101),
    "city_over_100": employer_body(city="x" * 101),
    "website_over_300": employer_body(website="https://example.com/" + "x" * 300),
    "description_over_5000": employer_body(description="x" * 5001),
    "unknown_field": employer_body(is_verified=True),
}


@pytest.mark.parametrize("body", cases(BAD_EMPLOYERS))
async def test_a_malformed_employer_is_refused_with_400_and_nothing_is_written(client, organiser, body):
    assert_problem(await client.post("/api/employers", json=body, headers=organiser), 400, "validation_failed")
    assert await employer_count(client, organiser) == 0


INVALID_EMPLOYERS = {
    "credit_code_with_a_wrong_check_digit": ({"credit_code": "91110000600037341M"}, "invalid_credit_code"),
    "credit_code_with_a_letter_i": ({"credit_code": "9111000060003734IL"}, "invalid_credit_code"),
    "credit_code_in_full_width_digits": ({"credit_code": "９１１１００００６０００３７３４１Ｌ"}, "invalid_credit_code"),
    "credit_code_of_sql": ({"credit_code": "' OR 1=1 --'' OR '"}, "invalid_credit_code"),
    "credit_code_of_percents": ({"credit_code": "%" * 18}, "invalid_credit_code"),
    "website_javascript": ({"website": "javascript:alert(1)"}, "invalid_website"),
    "website_without_scheme": ({"website": "example.com"}, "invalid_website"),
}


@pytest.mark.parametrize("change, code", cases(INVALID_EMPLOYERS))
async def test_an_employer_with_an_invalid_identifier_is_refused_with_422(client, organiser, change, code):
    assert_problem(await client.post("/api/employers", json=employer_body(**change), headers=organiser), 422, code)
    assert await employer_count(client, organiser) == 0


async def test_a_valid_credit_code_is_accepted_and_stored_upper_case(client, organiser):
    created = await post_ok(client, "/api/employers", employer_body(credit_code="91110000600037341l"), organiser)
    assert created["credit_code"] == "91110000600037341L"


async def test_a_generated_credit_code_with_the_wrong_check_digit_is_refused(client, organiser):
    code = credit_code()
    assert_problem(
        await client.post("/api/employers", json=employer_body(credit_code=wrong_check_digit(code)), headers=organiser),
        422,
        "invalid_credit_code",
    )
    await post_ok(client, "/api/employers", employer_body(credit_code=code), organiser)
    assert await employer_count(client, organiser) == 1


@pytest.mark.parametrize("spelling", cases({"same": str.upper, "lower_case": str.lower}))
async def test_a_second_employer_with_a_taken_credit_code_is_refused_with_409(client, organiser, employer, spelling):
    response = await client.post(
        "/api/employers", json=employer_body(name="另一家公司", credit_code=spelling(employer["credit_code"])), headers=organiser
    )
    assert_problem(response, 409, "credit_code_taken")
    assert await employer_count(client, organiser) == 1


EMPLOYER_PATCHES = {
    "credit_code_with_a_wrong_check_digit": (
        lambda other: {"credit_code": wrong_check_digit(other["credit_code"])},
        422,
        "invalid_credit_code",
    ),
    "credit_code_taken": (lambda other: {"credit_code": other["credit_code"]}, 409, "credit_code_taken"),
    "credit_code_taken_in_lower_case": (lambda other: {"credit_code": other["credit_code"].lower()}, 409, "credit_code_taken"),
    "name_null": (lambda other: {"name": None}, 400, "validation_failed"),
    "name_with_nul": (lambda other: {"name": NUL}, 400, "validation_failed"),
}


@pytest.mark.parametrize("change, status, code", cases(EMPLOYER_PATCHES))
async def test_a_refused_change_to_an_employer_leaves_it_as_it_was(client, organiser, employer, other_employer, change, status, code):
    response = await client.patch(f"/api/employers/{employer['id']}", json=change(other_employer), headers=organiser)
    assert_problem(response, status, code)
    assert (await client.get(f"/api/employers/{employer['id']}")).json() == employer


async def test_an_employer_city_of_100_characters_is_accepted(client, organiser):
    created = await post_ok(client, "/api/employers", employer_body(city="城" * 100), organiser)
    assert created["city"] == "城" * 100


async def test_an_event_city_of_100_characters_is_accepted(client, organiser):
    created = await post_ok(client, "/api/events", event_body(city="城" * 100), organiser)
    assert created["city"] == "城" * 100


# ---------------------------------------------------------------- booths


async def _booth_labels(client, organiser, stop_id: str) -> list[str]:
    return [booth["label"] for booth in (await client.get(f"/api/stops/{stop_id}/booths", headers=organiser)).json()]


@pytest.mark.parametrize(
    "who, label, code",
    cases(
        {
            "another_employer_same_label": ("other", "A12", "booth_label_taken"),
            "another_employer_same_label_lower_case": ("other", " a12 ", "booth_label_taken"),
            "same_employer_another_label": ("same", "B7", "employer_already_has_booth"),
        }
    ),
)
async def test_a_clashing_booth_is_refused_with_409(client, organiser, booth, employer, other_employer, who, label, code):
    employer_id = (other_employer if who == "other" else employer)["id"]
    response = await client.post(
        f"/api/stops/{booth['stop_id']}/booths", json={"employer_id": employer_id, "label": label}, headers=organiser
    )
    assert_problem(response, 409, code)
    assert await _booth_labels(client, organiser, booth["stop_id"]) == ["A12"]


BAD_BOOTHS = {
    "label_empty": ({"label": ""}, 400, "validation_failed"),
    "label_over_16": ({"label": "A" * 17}, 400, "validation_failed"),
    "label_with_nul": ({"label": f"A{NUL}1"}, 400, "validation_failed"),
    "employer_id_not_a_uuid": ({"employer_id": "' OR 1=1 --"}, 400, "validation_failed"),
    "unknown_field": ({"floor": 2}, 400, "validation_failed"),
    "label_with_a_space": ({"label": "A 12"}, 422, "invalid_booth_label"),
    "label_with_a_leading_dash": ({"label": "-A1"}, 422, "invalid_booth_label"),
    "label_in_chinese": ({"label": "摊位1"}, 422, "invalid_booth_label"),
    "label_of_sql": ({"label": "'OR 1=1--"}, 422, "invalid_booth_label"),
    "employer_unknown": ({"employer_id": UNKNOWN}, 404, "employer_not_found"),
}


@pytest.mark.parametrize("change, status, code", cases(BAD_BOOTHS))
async def test_a_bad_booth_is_refused_and_none_is_assigned(client, organiser, published_train, employer, change, status, code):
    stop_id = published_train["stops"][0]["id"]
    body = {"employer_id": employer["id"], "label": "A12", **change}
    assert_problem(await client.post(f"/api/stops/{stop_id}/booths", json=body, headers=organiser), status, code)
    assert await _booth_labels(client, organiser, stop_id) == []


# ---------------------------------------------------------------- staff and sign-in

BAD_STAFF = {
    "email_without_at": ({"email": "not-an-email"}, 422, "invalid_email"),
    "email_without_a_dot_in_the_domain": ({"email": "hr@localhost"}, 422, "invalid_email"),
    "email_with_two_ats": ({"email": "hr@@example.com"}, 422, "invalid_email"),
    "email_with_a_space": ({"email": "h r@example.com"}, 422, "invalid_email"),
    "email_of_sql": ({"email": "' OR 1=1 --"}, 422, "invalid_email"),
    "phone_too_short": ({"phone": "12345"}, 422, "invalid_phone"),
    "phone_of_letters": ({"phone": "abc"}, 422, "invalid_phone"),
    "phone_missing_a_digit": ({"phone": "1381234567"}, 422, "invalid_phone"),
    "neither_email_nor_phone": ({}, 422, "login_required"),
    "email_over_254": ({"email": "a" * 250 + "@example.com"}, 400, "validation_failed"),
    "phone_over_32": ({"phone": "1" * 33}, 400, "validation_failed"),
    "email_with_nul": ({"email": f"hr{NUL}@example.com"}, 400, "validation_failed"),
    "password_under_8": ({"email": "hr@example.com", "password": "a1"}, 400, "validation_failed"),
    "role_smuggled_in": ({"email": "hr@example.com", "role": "organiser"}, 400, "validation_failed"),
}


@pytest.mark.parametrize("change, status, code", cases(BAD_STAFF))
async def test_a_bad_hr_account_is_refused(client, organiser, employer, change, status, code):
    response = await client.post(f"/api/employers/{employer['id']}/staff", json={"name": "王敏", **change}, headers=organiser)
    assert_problem(response, status, code)


async def test_a_refused_weak_password_leaves_no_half_made_account_behind(client, organiser, employer):
    path = f"/api/employers/{employer['id']}/staff"
    body = {"name": "王敏", "email": "wm@example.com", "phone": "13812345678"}
    assert_problem(await client.post(path, json={**body, "password": "abcdefgh"}, headers=organiser), 422, "weak_password")
    created = await post_ok(client, path, {**body, "password": "abcd-1234"}, organiser)
    assert (created["account"]["email"], created["account"]["phone"]) == ("wm@example.com", "+8613812345678")


async def test_an_email_taken_in_another_case_is_refused_with_409(client, organiser, employer):
    path = f"/api/employers/{employer['id']}/staff"
    await post_ok(client, path, {"name": "王敏", "email": "wm@example.com"}, organiser)
    assert_problem(await client.post(path, json={"name": "李雷", "email": "WM@Example.COM"}, headers=organiser), 409, "login_taken")


@pytest.mark.parametrize("login", cases({"sql": "' OR 1=1 --", "percent": "%@%", "unicode": "👩‍💻@例子.中国"}))
async def test_a_hostile_login_is_simply_wrong_credentials(client, login):
    response = await client.post("/api/auth/login", json={"login": login, "password": "' OR '1'='1"})
    assert_problem(response, 401, "invalid_credentials")


async def test_a_login_with_a_control_character_is_refused_with_400(client):
    assert_problem(await client.post("/api/auth/login", json={"login": f"admin{NUL}", "password": "x"}), 400, "validation_failed")
