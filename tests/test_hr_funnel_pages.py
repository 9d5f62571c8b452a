"""The HR funnel pages: applications with stage and note controls, notes on visitors; only the employer's own, in Chinese first."""

from __future__ import annotations

import re
import uuid

from conftest import confirmed_tickets, job_body, post_ok
from test_hr_pages import csrf, form_post, sign_in

from events.tables import AuditEntry, ContactNote


async def scene(client, hr, night_market) -> dict:
    """Stall A12's job, a seeker scanned there who applied for it (interest), and the visit id."""
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(), hr)
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    await post_ok(client, f"/api/booths/{night_market['a12']['id']}/visits", {"ticket": ticket["code"], "nonce": str(uuid.uuid4())}, hr)
    visit_id = (await client.get(f"/api/booths/{night_market['a12']['id']}/visitors", headers=hr)).json()["visitors"][0]["visit_id"]
    interest = await post_ok(client, f"/api/jobs/{job['id']}/interests", None, ticket["seeker"])
    return {"job": job, "ticket": ticket, "visit_id": visit_id, "interest": interest}


def no_english_words(html: str) -> None:
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[\s\S]*?</\1>", " ", html))
    for word in ("submitted", "screened", "interviewed", "Stage", "Note", "Rating"):
        assert not re.search(rf"\b{word}\b", text), word


async def test_hr_move_an_application_along_from_its_page_and_see_the_history(client, hr, night_market):
    s = await scene(client, hr, night_market)
    sign_in(client, hr)
    listing = await client.get("/hr/interests")
    assert listing.status_code == 200 and "投递与进度" in listing.text and "已投递" in listing.text and f'/hr/interests/{s["interest"]["id"]}' in listing.text
    no_english_words(listing.text)
    page = f"/hr/interests/{s['interest']['id']}"
    moved = await form_post(client, page, f"{page}/stage", {"stage": "interviewed", "note": "现场面试"})
    assert moved.status_code == 302 and moved.headers["location"] == f"{page}?done=moved"
    html = (await client.get(moved.headers["location"])).text
    assert "进度已更新" in html and "已面试" in html and "现场面试" in html and "已投递 → 已面试" in html
    no_english_words(html)
    assert await AuditEntry.count().where(AuditEntry.action == "move_interest_stage") == 1
    backwards = await form_post(client, page, f"{page}/stage", {"stage": "screened"})
    assert backwards.status_code == 409 and "不能推进到这个阶段" in backwards.text
    assert s["interest"]["id"] in (await client.get("/hr/interests?stage=interviewed")).text
    assert s["interest"]["id"] not in (await client.get("/hr/interests?stage=signed")).text


async def test_hr_keep_a_note_on_an_application_and_a_bad_rating_is_said_next_to_it(client, hr, night_market):
    s = await scene(client, hr, night_market)
    sign_in(client, hr)
    page = f"/hr/interests/{s['interest']['id']}"
    saved = await form_post(client, page, f"{page}/note", {"rating": "4", "tags": "Java，可实习", "text": "基础扎实", "next_step": "周三电话"})
    assert saved.status_code == 302
    html = (await client.get(saved.headers["location"])).text
    assert "备注已保存" in html and 'value="Java、可实习"' in html and "基础扎实" in html
    assert "★★★★" in (await client.get("/hr/interests")).text
    bad = await form_post(client, page, f"{page}/note", {"rating": "9", "text": "x"})
    assert bad.status_code == 422 and 'id="rating-error"' in bad.text and "评分为 1 到 5 星" in bad.text


async def test_hr_write_a_note_on_a_visitor_from_the_visitor_list(client, hr, night_market):
    s = await scene(client, hr, night_market)
    sign_in(client, hr)
    listing = (await client.get("/hr/visitors")).text
    page = f"/hr/visits/{s['visit_id']}/note"
    assert f'href="{page}"' in listing and "写备注" in listing
    saved = await form_post(client, page, page, {"rating": "5", "text": "很合适"})
    assert saved.status_code == 302 and saved.headers["location"].startswith("/hr/visitors")
    assert "★★★★★" in (await client.get("/hr/visitors")).text and "改备注" in (await client.get("/hr/visitors")).text
    assert [row["text"] for row in await ContactNote.select(ContactNote.text)] == ["很合适"]


async def test_another_employers_hr_get_the_not_found_page_for_applications_and_notes(client, hr, other_hr, night_market):
    s = await scene(client, hr, night_market)
    sign_in(client, other_hr)
    assert "暂无投递" in (await client.get("/hr/interests")).text
    for path in (f"/hr/interests/{s['interest']['id']}", f"/hr/visits/{s['visit_id']}/note"):
        response = await client.get(path)
        assert response.status_code == 404, path
    token = await csrf(client, "/hr/interests")
    moved = await client.post(f"/hr/interests/{s['interest']['id']}/stage", data={"stage": "screened", "_csrf_token": token})
    assert moved.status_code == 404
    noted = await client.post(f"/hr/visits/{s['visit_id']}/note", data={"text": "覆盖", "_csrf_token": token})
    assert noted.status_code == 404 and await ContactNote.count() == 0


async def test_the_funnel_pages_are_hrs(client, organiser, seeker):
    for path in ("/hr/interests", f"/hr/interests/{uuid.uuid4()}"):
        assert (await client.get(path)).status_code == 302
    sign_in(client, organiser)
    assert (await client.get("/hr/interests")).status_code == 403


async def test_the_student_sees_each_applications_stage_on_my_tickets_but_never_the_note(client, hr, night_market):
    s = await scene(client, hr, night_market)
    await client.put(f"/api/interests/{s['interest']['id']}/stage", json={"stage": "intention"}, headers=hr)
    await client.put(f"/api/interests/{s['interest']['id']}/note", json={"text": "薪资期望偏高", "tags": ["备选"]}, headers=hr)
    sign_in(client, s["ticket"]["seeker"])
    html = (await client.get("/me/tickets")).text
    assert "我的投递" in html and "初步意向" in html and "Java 开发工程师" in html and "南京云帆科技有限公司" in html
    assert "薪资期望偏高" not in html and "备选" not in html
    assert "Intention" in (await client.get("/me/tickets?lang=en")).text


async def test_the_organisers_overview_and_event_page_show_the_funnel_counts(client, organiser, hr, night_market):
    s = await scene(client, hr, night_market)
    await client.put(f"/api/interests/{s['interest']['id']}/stage", json={"stage": "interviewed"}, headers=hr)
    await client.put(f"/api/interests/{s['interest']['id']}/note", json={"text": "只给本单位看"}, headers=hr)
    sign_in(client, organiser)
    home = (await client.get("/manage")).text
    assert "招聘进度统计</strong>: 已投递 1 → 初选通过 1 → 已面试 1 → 初步意向 0 → 已签约 0" in home
    event = (await client.get(f"/manage/events/{night_market['slug']}")).text
    assert 'id="funnel-stops"' in event and 'id="funnel-employers"' in event and "南京云帆科技有限公司" in event and "按站点" in event
    assert "只给本单位看" not in home + event
    no_english_words(home + event)
