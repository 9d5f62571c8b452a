"""The organiser console's pages, as rendered HTML: each page for an organiser, refusals next to their fields, and nobody else let in."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from conftest import future, make_account, many_seekers, post_ok, set_capacity

from events.tables import AuditEntry, BoothPlace, Event, Registration, ScannerAccess, Stop


@pytest.fixture
async def browser(client, organiser):
    """The test client as an organiser's browser: the session cookie carries the API token."""
    client.cookies.set("session", organiser["Authorization"].split()[1])
    yield client
    client.cookies.clear()


async def form_post(client, page: str, action: str, data: dict, **kwargs):
    """Post a form the way a browser does: with the CSRF cookie and the page's hidden token."""
    shown = await client.get(page)
    assert shown.status_code == 200, shown.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', shown.text).group(1)
    return await client.post(action, data={"_csrf_token": token, **data}, **kwargs)


def local(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


async def test_the_home_page_shows_upcoming_events_with_seats_and_check_ins(browser, published_train):
    page = await browser.get("/manage")
    assert page.status_code == 200
    assert published_train["title"] in page.text and "南京大学 仙林校区" in page.text
    assert f'href="/dashboard/events/{published_train["slug"]}"' in page.text
    assert 'aria-current="page">概览' in page.text


async def test_an_organiser_creates_an_event_and_lands_on_it(browser):
    answer = await form_post(browser, "/manage/events/new?kind=night_market", "/manage/events", {"kind": "night_market", "title": "秦淮人才夜市", "city": "南京", "timezone": "Asia/Shanghai"})
    assert answer.status_code == 302 or answer.status_code == 303 or answer.status_code == 301, answer.text
    event = await Event.objects().first()
    assert event.kind == "night_market" and event.status == "draft"
    assert answer.headers["location"] == f"/manage/events/{event.slug}?done=created"
    page = await browser.get(answer.headers["location"])
    assert "已创建" in page.text and "秦淮人才夜市" in page.text


async def test_an_empty_title_is_refused_next_to_the_field_in_the_pages_language(browser):
    answer = await form_post(browser, "/manage/events/new", "/manage/events?lang=en", {"kind": "job_fair", "title": "  "})
    assert answer.status_code == 422
    assert '<p class="field-error" id="e-title">Fill this in.</p>' in answer.text
    assert await Event.count() == 0


async def test_a_stop_that_ends_before_it_starts_is_refused_next_to_its_end(browser, talent_train):
    start = future(20)
    body = {"school": "南京大学", "address": "南京市栖霞区仙林大道163号", "starts_at": local(start), "ends_at": local(start - timedelta(hours=1)), "capacity": "200"}
    answer = await form_post(browser, f"/manage/events/{talent_train['slug']}/stops/new", f"/manage/events/{talent_train['slug']}/stops", body)
    assert answer.status_code == 422
    assert '<p class="field-error" id="e-ends_at">结束时间须晚于开始时间。</p>' in answer.text
    assert 'value="南京市栖霞区仙林大道163号"' in answer.text, "what was typed comes back"


async def test_a_stop_is_added_in_the_events_zone_and_edited(browser, talent_train):
    start = future(20)
    body = {"school": "河海大学", "campus": "江宁校区", "address": "南京市江宁区佛城西路8号", "starts_at": local(start), "ends_at": local(start + timedelta(hours=3)), "capacity": "250"}
    answer = await form_post(browser, f"/manage/events/{talent_train['slug']}/stops/new", f"/manage/events/{talent_train['slug']}/stops", {**body, "again": "1"})
    assert answer.headers["location"] == f"/manage/events/{talent_train['slug']}/stops/new?done=created"
    stop = await Stop.objects().where(Stop.school == "河海大学").where(Stop.campus == "江宁校区").first()
    assert stop.starts_at == start and stop.capacity == 250
    edited = await form_post(browser, f"/manage/stops/{stop.id}/edit", f"/manage/stops/{stop.id}/edit", {**body, "capacity": "260"})
    assert edited.headers["location"] == f"/manage/stops/{stop.id}?done=saved"
    assert (await Stop.select(Stop.capacity).where(Stop.id == stop.id).first())["capacity"] == 260


async def test_a_stops_booth_limit_is_set_on_its_form_and_its_floor_plan_says_what_is_free(browser, night_market, organiser):
    tomorrow = night_market["tomorrow"]["id"]
    shown = await browser.get(f"/manage/stops/{tomorrow}/edit")
    assert 'id="f-booth_limit"' in shown.text and 'name="booth_limit" type="number" value=""' in shown.text
    stop = (await browser.get(f"/api/stops/{tomorrow}")).json()
    body = {"name": stop["name"], "address": stop["address"], "starts_at": stop["starts_at"][:16], "ends_at": stop["ends_at"][:16], "capacity": str(stop["capacity"])}
    wrong = await form_post(browser, f"/manage/stops/{tomorrow}/edit", f"/manage/stops/{tomorrow}/edit", {**body, "booth_limit": "-3"})
    assert wrong.status_code == 422 and '<p class="field-error" id="e-booth_limit">数字超出允许范围。</p>' in wrong.text
    assert (await Stop.select(Stop.booth_limit).where(Stop.id == tomorrow).first())["booth_limit"] is None
    saved = await form_post(browser, f"/manage/stops/{tomorrow}/edit", f"/manage/stops/{tomorrow}/edit", {**body, "booth_limit": "30"})
    assert saved.headers["location"] == f"/manage/stops/{tomorrow}?done=saved"
    assert (await Stop.select(Stop.booth_limit).where(Stop.id == tomorrow).first())["booth_limit"] == 30
    page = await browser.get(f"/manage/stops/{tomorrow}")
    await post_ok(browser, f"/api/stops/{tomorrow}/booths", {"employer_id": night_market["a12"]["employer"]["id"], "label": "Z9"}, organiser)
    page = await browser.get(f"/manage/stops/{tomorrow}")
    # One booth held: 29 of 30 free.
    assert re.search(r'<b>29</b>可用展位</span><span class="stat"><b>30</b>展位总数', page.text), page.text
    assert "展位上限 30 个（本站设置）" in page.text
    cleared = await form_post(browser, f"/manage/stops/{tomorrow}/edit", f"/manage/stops/{tomorrow}/edit", {**body, "booth_limit": ""})
    assert cleared.status_code in (301, 302, 303)
    assert (await Stop.select(Stop.booth_limit).where(Stop.id == tomorrow).first())["booth_limit"] is None
    assert "未设展位上限，也没有展位图" in (await browser.get(f"/manage/stops/{tomorrow}")).text


async def test_publishing_and_cancelling_say_first_how_many_people_it_affects(browser, talent_train, client):
    slug = talent_train["slug"]
    published = await form_post(browser, f"/manage/events/{slug}", f"/manage/events/{slug}/publish", {})
    assert published.headers["location"] == f"/manage/events/{slug}?done=published"
    (student,) = await many_seekers(1)
    await post_ok(client, f"/api/stops/{talent_train['stops'][0]['id']}/registrations", None, student)
    confirm = await browser.get(f"/manage/events/{slug}/cancel")
    assert "目前有 1 人已报名或在候补" in confirm.text
    assert (await Event.select(Event.status).first())["status"] == "published", "nothing is cancelled by looking"
    done = await form_post(browser, f"/manage/events/{slug}/cancel", f"/manage/events/{slug}/cancel", {})
    assert done.headers["location"] == f"/manage/events/{slug}?done=cancelled"
    assert (await Event.select(Event.status).first())["status"] == "cancelled"


async def test_an_event_is_duplicated_from_its_page(browser, published_train):
    slug = published_train["slug"]
    answer = await form_post(browser, f"/manage/events/{slug}/duplicate", f"/manage/events/{slug}/duplicate", {"title": "2027 春季南京人才专列", "shift_weeks": "26"})
    copy = await Event.objects().where(Event.title == "2027 春季南京人才专列").first()
    assert answer.headers["location"] == f"/manage/events/{copy.slug}?done=duplicated" and copy.status == "draft"
    assert await Stop.count().where(Stop.event == copy.id) == 3


async def test_stalls_are_laid_out_in_bulk_and_a_taken_label_refuses_all_of_them(browser, night_market):
    tonight = night_market["tonight"]["id"]
    refused = await form_post(browser, f"/manage/stops/{tonight}", f"/manage/stops/{tonight}/places", {"prefix": "A", "first": "1", "last": "20"})
    assert refused.status_code == 409
    assert '<p class="field-error" id="e-prefix">本场已有编号 A12，未生成任何展位。</p>' in refused.text
    assert await BoothPlace.count() == 0
    done = await form_post(browser, f"/manage/stops/{tonight}", f"/manage/stops/{tonight}/places", {"prefix": "C", "first": "1", "last": "20"})
    assert done.headers["location"] == f"/manage/stops/{tonight}?done=places"
    page = await browser.get(f"/manage/stops/{tonight}")
    assert page.text.count("空闲") == 20 and "<b>C20</b>" in page.text


async def test_an_employer_is_assigned_a_stall_and_moved(browser, night_market, client, organiser):
    tomorrow = night_market["tomorrow"]["id"]
    await post_ok(client, f"/api/stops/{tomorrow}/booths/bulk", {"prefix": "A", "first": 1, "last": 3}, organiser)
    employer_id = night_market["a12"]["employer"]["id"]
    assigned = await form_post(browser, f"/manage/stops/{tomorrow}", f"/manage/stops/{tomorrow}/booths", {"employer_id": employer_id, "label": "A01"})
    assert assigned.headers["location"] == f"/manage/stops/{tomorrow}?done=assigned"
    booth = (await client.get(f"/api/stops/{tomorrow}/booths")).json()
    moved = await form_post(browser, f"/manage/stops/{tomorrow}", f"/manage/booths/{booth[0]['id']}/move", {"label": "A03"})
    assert moved.headers["location"] == f"/manage/stops/{tomorrow}?done=moved"
    again = await form_post(browser, f"/manage/stops/{tomorrow}", f"/manage/stops/{tomorrow}/booths", {"employer_id": employer_id, "label": "A02"})
    assert again.status_code == 409 and "该单位在本场已有展位" in again.text
    sheet = await browser.get(f"/manage/stops/{tomorrow}/stalls")
    assert re.search(r"<b>A03</b></td><td>南京云帆科技有限公司", sheet.text)


async def test_volunteer_access_is_minted_onto_a_printable_sheet_and_revoked(browser, night_market):
    tonight = night_market["tonight"]["id"]
    sheet = await form_post(browser, f"/manage/stops/{tonight}/volunteers", f"/manage/stops/{tonight}/volunteers", {"label": "东门", "count": "2"})
    assert sheet.status_code == 201 and sheet.headers["cache-control"] == "no-store"
    assert sheet.text.count("<svg") == 2 and f"/scan/stops/{tonight}#access=" in sheet.text and "东门 1" in sheet.text
    assert await ScannerAccess.count() == 2
    access = await ScannerAccess.objects().first()
    revoked = await form_post(browser, f"/manage/stops/{tonight}/volunteers", f"/manage/stops/{tonight}/volunteers/{access.id}/revoke", {})
    assert revoked.headers["location"] == f"/manage/stops/{tonight}/volunteers?done=revoked"
    assert (await ScannerAccess.select(ScannerAccess.revoked_at).where(ScannerAccess.id == access.id).first())["revoked_at"] is not None


async def test_too_many_accesses_at_once_are_refused_next_to_the_count(browser, night_market):
    tonight = night_market["tonight"]["id"]
    answer = await form_post(browser, f"/manage/stops/{tonight}/volunteers", f"/manage/stops/{tonight}/volunteers?lang=en", {"label": "", "count": "31"})
    assert answer.status_code == 422 and '<p class="field-error" id="e-count">That number is out of range.</p>' in answer.text
    assert await ScannerAccess.count() == 0


async def test_registrations_are_searched_masked_exported_and_promoted_by_hand(browser, client, organiser, stop):
    await set_capacity(client, organiser, stop["id"], 1)
    students = await many_seekers(3)
    for student in students:
        await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, student)
    page = await browser.get(f"/manage/stops/{stop['id']}/registrations")
    assert page.status_code == 200 and page.text.count("****") == 3 and "+86" not in page.text
    waiting = await Registration.objects().where(Registration.status == "waitlisted").order_by(Registration.waitlist_seq)
    found = await browser.get(f"/manage/stops/{stop['id']}/registrations", params={"status": "waitlisted"})
    assert found.text.count(">转为正式</button>") == 2
    csv = await browser.get(f"/manage/stops/{stop['id']}/registrations/export", params={"format": "csv", "status": "waitlisted"})
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.count("候补中") == 2
    xlsx = await browser.get(f"/manage/stops/{stop['id']}/registrations/export", params={"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"
    full = await form_post(browser, f"/manage/stops/{stop['id']}/registrations?status=waitlisted", f"/manage/registrations/{waiting[1].id}/promote", {})
    assert full.status_code == 409 and "名额已满" in full.text
    await Stop.update({Stop.capacity: 2}).where(Stop.id == stop["id"])
    done = await form_post(browser, f"/manage/stops/{stop['id']}/registrations?status=waitlisted", f"/manage/registrations/{waiting[1].id}/promote", {})
    assert done.headers["location"] == f"/manage/stops/{stop['id']}/registrations?status=waitlisted&done=promoted"
    assert (await Registration.select(Registration.status).where(Registration.id == waiting[1].id).first())["status"] == "confirmed"


async def test_a_search_finds_a_name_and_full_numbers_are_logged(browser, stop):
    (student,) = await many_seekers(1)
    await post_ok(browser, f"/api/stops/{stop['id']}/registrations", None, student)
    name = (await Registration.select(Registration.seeker.name).first())["seeker.name"]
    hit = await browser.get(f"/manage/stops/{stop['id']}/registrations", params={"q": name})
    miss = await browser.get(f"/manage/stops/{stop['id']}/registrations", params={"q": "没有这个人"})
    assert name in hit.text and "共 1 条" in hit.text and "共 0 条" in miss.text
    await browser.get(f"/manage/stops/{stop['id']}/registrations", params={"unmasked": "1"})
    assert await AuditEntry.count().where(AuditEntry.action == "export_registrations") == 1
    log = await browser.get("/manage/audit")
    assert "export_registrations" in log.text


async def test_the_feeds_and_reports_are_linked_from_the_event(browser, published_train):
    page = await browser.get(f"/manage/events/{published_train['slug']}")
    assert f"/calendar/events/{published_train['slug']}.ics" in page.text and "webcal://" in page.text
    assert f"/dashboard/events/{published_train['slug']}/attendance.xlsx" in page.text


PAGES = ["/manage", "/manage/events", "/manage/events/new", "/manage/audit"]


@pytest.mark.parametrize("path", PAGES)
async def test_nobody_signed_in_is_sent_to_sign_in(client, path):
    answer = await client.get(path)
    assert answer.status_code in (302, 303) and answer.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize("role", ["hr", "seeker"])
async def test_hr_staff_and_seekers_are_refused_every_console_page(client, role, published_train, employer):
    _actor, headers = await make_account(role, employer_id=uuid.UUID(employer["id"]) if role == "hr" else None)
    client.cookies.set("session", headers["Authorization"].split()[1])
    stop_id = published_train["stops"][0]["id"]
    for path in [*PAGES, f"/manage/events/{published_train['slug']}", f"/manage/stops/{stop_id}", f"/manage/stops/{stop_id}/registrations",
                 f"/manage/stops/{stop_id}/volunteers", f"/manage/stops/{stop_id}/stalls"]:
        answer = await client.get(path)
        assert answer.status_code == 403, path
        assert "仅主办方可以查看" in answer.text
    refused = await client.post(f"/manage/events/{published_train['slug']}/cancel", data={})
    assert refused.status_code == 403
    assert (await Event.select(Event.status).first())["status"] == "published"
    client.cookies.clear()


async def test_a_console_form_without_its_csrf_token_is_refused(browser, published_train):
    answer = await browser.post(f"/manage/events/{published_train['slug']}/cancel", data={})
    assert answer.status_code == 403
    assert (await Event.select(Event.status).first())["status"] == "published"
