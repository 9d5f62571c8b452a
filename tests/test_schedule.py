"""Events and stops: publishing, cancelling, what the public sees, and how lists filter."""

from __future__ import annotations

from datetime import timedelta

from conftest import future, post_ok, stop_body


async def _event(client, organiser, kind="talent_train", title="2026 南京人才专列", city="南京", **extra):
    return await post_ok(client, "/api/events", {"kind": kind, "title": title, "city": city, **extra}, organiser)


async def test_a_new_event_is_a_draft_with_a_slug_made_from_its_chinese_title(client, organiser):
    event = await _event(client, organiser)
    assert event["status"] == "draft" and event["slug"] == "2026-nan-jing-ren-cai-zhuan-lie"
    assert event["timezone"] == "Asia/Shanghai"
    second = await _event(client, organiser)
    assert second["slug"].startswith("2026-nan-jing-ren-cai-zhuan-lie-") and second["slug"] != event["slug"]


async def test_a_chosen_slug_that_is_taken_is_a_conflict(client, organiser):
    await _event(client, organiser, slug="autumn-fair")
    response = await client.post("/api/events", json={"kind": "job_fair", "title": "x", "slug": "autumn-fair"}, headers=organiser)
    assert response.status_code == 409 and response.json()["code"] == "slug_taken"


async def test_an_event_without_stops_cannot_be_published(client, organiser):
    event = await _event(client, organiser)
    response = await client.post(f"/api/events/{event['slug']}/publish", headers=organiser)
    assert response.status_code == 409 and response.json()["code"] == "event_has_no_stops"


async def test_publishing_twice_keeps_the_first_publication_time(client, organiser, talent_train):
    first = await post_ok(client, f"/api/events/{talent_train['slug']}/publish", None, organiser, status=200)
    again = await post_ok(client, f"/api/events/{talent_train['slug']}/publish", None, organiser, status=200)
    assert first["status"] == again["status"] == "published"
    assert first["published_at"] == again["published_at"]


async def test_drafts_are_invisible_to_everyone_but_organisers(client, organiser, talent_train, hr, seeker):
    slug, stop_id = talent_train["slug"], talent_train["stops"][0]["id"]
    for headers in ({}, hr, seeker):
        assert (await client.get(f"/api/events/{slug}", headers=headers)).status_code == 404
        assert (await client.get(f"/api/stops/{stop_id}", headers=headers)).status_code == 404
        assert (await client.get("/api/events", headers=headers)).json()["total"] == 0
    assert (await client.get(f"/api/events/{slug}", headers=organiser)).status_code == 200
    assert (await client.get("/api/events", headers=organiser)).json()["total"] == 1


async def test_cancelling_an_event_cancels_its_stops_and_moves_their_sequence(client, organiser, published_train):
    cancelled = await post_ok(client, f"/api/events/{published_train['slug']}/cancel", None, organiser, status=200)
    assert cancelled["status"] == "cancelled"
    assert {stop["status"] for stop in cancelled["stops"]} == {"cancelled"}
    assert [stop["sequence"] for stop in cancelled["stops"]] == [stop["sequence"] + 1 for stop in published_train["stops"]]
    # Still visible to the public, so that registered students learn of it.
    assert (await client.get(f"/api/events/{published_train['slug']}")).json()["status"] == "cancelled"
    again = await client.post(f"/api/events/{published_train['slug']}/publish", headers=organiser)
    assert again.status_code == 409 and again.json()["code"] == "event_cancelled"


async def test_cancelling_one_stop_shrinks_the_event_span_and_refuses_later_changes(client, organiser, published_train):
    last = published_train["stops"][-1]
    stop = await post_ok(client, f"/api/stops/{last['id']}/cancel", None, organiser, status=200)
    assert stop["status"] == "cancelled" and stop["sequence"] == last["sequence"] + 1
    event = (await client.get(f"/api/events/{published_train['slug']}")).json()
    assert event["ends_at"] == published_train["stops"][1]["ends_at"]
    response = await client.patch(f"/api/stops/{last['id']}", json={"capacity": 10}, headers=organiser)
    assert response.status_code == 409 and response.json()["code"] == "stop_cancelled"


async def test_moving_a_stop_raises_its_sequence_but_changing_capacity_does_not(client, organiser, published_train):
    stop = published_train["stops"][0]
    bigger = (await client.patch(f"/api/stops/{stop['id']}", json={"capacity": 500}, headers=organiser)).json()
    assert bigger["capacity"] == 500 and bigger["sequence"] == stop["sequence"]
    later = future(11).isoformat()
    moved = (
        await client.patch(
            f"/api/stops/{stop['id']}", json={"starts_at": later, "ends_at": (future(11) + timedelta(hours=2)).isoformat()}, headers=organiser
        )
    ).json()
    assert moved["sequence"] == stop["sequence"] + 1 and moved["starts_at"] == later
    updated_at = moved["updated_at"]
    assert updated_at >= stop["updated_at"] and moved["created_at"] == stop["created_at"]


async def test_a_stop_time_is_shown_in_its_own_zone(client, organiser, talent_train):
    stop = await post_ok(client, f"/api/events/{talent_train['slug']}/stops", stop_body(30, "新加坡国立大学", timezone="Asia/Singapore"), organiser)
    assert stop["timezone"] == "Asia/Singapore" and stop["starts_at"].endswith("+08:00")
    paris = await post_ok(
        client, f"/api/events/{talent_train['slug']}/stops", stop_body(31, "Sorbonne", timezone="Europe/Paris"), organiser
    )
    assert paris["starts_at"].endswith(("+01:00", "+02:00")), paris["starts_at"]


async def test_a_talent_train_stop_must_name_its_school_but_a_night_needs_only_an_address(client, organiser):
    train = await _event(client, organiser)
    response = await client.post(f"/api/events/{train['slug']}/stops", json=stop_body(10, school=""), headers=organiser)
    assert response.status_code == 422 and response.json()["code"] == "school_required"
    market = await _event(client, organiser, kind="night_market", title="秦淮人才夜市")
    night = await post_ok(client, f"/api/events/{market['slug']}/stops", stop_body(10, school="", name="第一晚"), organiser)
    assert night["name"] == "第一晚" and night["city"] == "南京"


async def test_the_public_list_filters_by_kind_city_text_and_dates(client, organiser):
    async def published(kind, title, city, days):
        event = await _event(client, organiser, kind=kind, title=title, city=city)
        await post_ok(client, f"/api/events/{event['slug']}/stops", stop_body(days, "南京大学", city=city), organiser)
        await post_ok(client, f"/api/events/{event['slug']}/publish", None, organiser, status=200)
        return event["slug"]

    train = await published("talent_train", "南京人才专列", "南京", 10)
    market = await published("night_market", "苏州人才夜市", "苏州", 20)
    fair = await published("job_fair", "南京秋季双选会", "南京", 40)

    async def slugs(**params):
        body = (await client.get("/api/events", params=params)).json()
        return [item["slug"] for item in body["items"]]

    assert await slugs() == [train, market, fair]
    assert await slugs(kind="night_market") == [market]
    assert await slugs(city="南京") == [train, fair]
    assert await slugs(q="双选") == [fair]
    assert await slugs(q="人才") == [train, market]
    assert await slugs(date_from=future(15).date().isoformat()) == [market, fair]
    assert await slugs(date_to=future(15).date().isoformat()) == [train]
    assert await slugs(date_from=future(20).date().isoformat(), date_to=future(20).date().isoformat()) == [market]


async def test_a_city_filter_finds_a_train_by_the_city_of_any_stop(client, organiser):
    event = await _event(client, organiser, city="南京")
    await post_ok(client, f"/api/events/{event['slug']}/stops", stop_body(10, "武汉大学", city="武汉"), organiser)
    await post_ok(client, f"/api/events/{event['slug']}/publish", None, organiser, status=200)
    assert (await client.get("/api/events", params={"city": "武汉"})).json()["total"] == 1


async def test_pages_are_bounded_and_consistent(client, organiser):
    for n in range(5):
        event = await _event(client, organiser, kind="job_fair", title=f"双选会 {n}")
        await post_ok(client, f"/api/events/{event['slug']}/stops", stop_body(10 + n, "南京大学"), organiser)
        await post_ok(client, f"/api/events/{event['slug']}/publish", None, organiser, status=200)
    pages = [(await client.get("/api/events", params={"limit": 2, "offset": offset})).json() for offset in (0, 2, 4)]
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert {page["total"] for page in pages} == {5}
    assert len({item["slug"] for page in pages for item in page["items"]}) == 5
    beyond = (await client.get("/api/events", params={"limit": 2, "offset": 6})).json()
    assert beyond["items"] == [] and beyond["total"] == 5, "a page past the last match still says how many there are"
    assert (await client.get("/api/events", params={"limit": 101})).status_code == 400


async def test_only_organisers_may_filter_by_status(client, organiser, talent_train):
    drafts = (await client.get("/api/events", params={"status": "draft"}, headers=organiser)).json()
    assert [item["slug"] for item in drafts["items"]] == [talent_train["slug"]]
    assert (await client.get("/api/events", params={"status": "draft"})).json()["total"] == 0


async def test_an_event_edit_changes_only_the_fields_sent(client, organiser, talent_train):
    edited = (await client.patch(f"/api/events/{talent_train['slug']}", json={"title": "新标题"}, headers=organiser)).json()
    assert edited["title"] == "新标题" and edited["city"] == talent_train["city"]
    assert edited["updated_at"] >= talent_train["updated_at"]


async def test_the_public_list_shows_each_change_at_once_though_each_worker_keeps_its_pages(client, organiser, published_train):
    async def listed(**params):
        body = (await client.get("/api/events", params=params)).json()
        return body["total"], [item["title"] for item in body["items"]]

    assert await listed() == (1, ["2026 南京人才专列"]) and await listed(city="武汉") == (0, [])
    await client.patch(f"/api/events/{published_train['slug']}", json={"title": "南京春季人才专列"}, headers=organiser)
    assert await listed() == (1, ["南京春季人才专列"])
    await post_ok(client, f"/api/events/{published_train['slug']}/stops", stop_body(20, "武汉大学", city="武汉"), organiser)
    assert await listed(city="武汉") == (1, ["南京春季人才专列"])
    await post_ok(client, f"/api/events/{published_train['slug']}/cancel", None, organiser, status=200)
    assert await listed() == (0, []), "the public list shows published events only"


async def test_the_public_list_sees_events_changed_behind_the_apps_back(client, published_train):
    """Bulk loads and other writers go past the domain code: triggers move the list's version."""
    from events.tables import Event, Stop

    assert (await client.get("/api/events", params={"city": "西安"})).json()["total"] == 0
    await Stop.update({Stop.city: "西安"}).where(Stop.event == published_train["id"])
    assert (await client.get("/api/events", params={"city": "西安"})).json()["total"] == 1
    await Event.update({Event.status: "draft", Event.published_at: None}).where(Event.id == published_train["id"])
    assert (await client.get("/api/events")).json()["total"] == 0
