"""Notes on contacts: HR's rating, tags, text and next step belong to their employer; nobody else sees them, the seeker learns they exist."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from conftest import confirmed_tickets, job_body, make_account, post_ok

from events.tables import ContactNote

NOTE = {"rating": 4, "tags": ["Java", " 可实习 ", "Java"], "text": "基础扎实，沟通清楚", "next_step": "周三电话面试"}


async def scanned(client, night_market, hr) -> dict:
    """A seeker scanned at stall A12 who also applied for its job: the ticket, the scan's answer, the visit id and the interest."""
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(), hr)
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    scan = await post_ok(client, f"/api/booths/{night_market['a12']['id']}/visits", {"ticket": ticket["code"], "nonce": str(uuid.uuid4())}, hr)
    visitors = (await client.get(f"/api/booths/{night_market['a12']['id']}/visitors", headers=hr)).json()
    interest = await post_ok(client, f"/api/jobs/{job['id']}/interests", None, ticket["seeker"])
    return {"ticket": ticket, "scan": scan, "visit_id": visitors["visitors"][0]["visit_id"], "interest": interest}


async def test_hr_write_a_note_on_a_visitor_and_read_it_back_with_tags_cleaned(client, hr, night_market):
    s = await scanned(client, night_market, hr)
    assert (await client.get(f"/api/visits/{s['visit_id']}/note", headers=hr)).json()["code"] == "note_not_found"
    saved = (await client.put(f"/api/visits/{s['visit_id']}/note", json=NOTE, headers=hr)).json()
    assert (saved["rating"], saved["tags"], saved["text"], saved["next_step"]) == (4, ["Java", "可实习"], NOTE["text"], NOTE["next_step"])
    assert saved["visit_id"] == s["visit_id"] and saved["interest_id"] is None and saved["author_name"].startswith("hr ")
    assert (await client.get(f"/api/visits/{s['visit_id']}/note", headers=hr)).json() == saved


async def test_a_second_save_replaces_the_note_and_there_stays_one(client, hr, night_market):
    s = await scanned(client, night_market, hr)
    await client.put(f"/api/interests/{s['interest']['id']}/note", json=NOTE, headers=hr)
    again = await client.put(f"/api/interests/{s['interest']['id']}/note", json={"text": "已约二面"}, headers=hr)
    assert again.status_code == 200 and (again.json()["rating"], again.json()["tags"], again.json()["text"]) == (None, [], "已约二面")
    assert await ContactNote.count() == 1


async def test_the_scanner_notes_the_visitor_it_just_scanned_by_the_registration_in_the_answer(client, hr, night_market):
    s = await scanned(client, night_market, hr)
    path = f"/api/booths/{night_market['a12']['id']}/visitors/{s['scan']['registration_id']}/note"
    saved = await client.put(path, json={"rating": 5}, headers=hr)
    assert saved.status_code == 200 and saved.json()["visit_id"] == s["visit_id"]
    (other,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    unscanned = await client.put(f"/api/booths/{night_market['a12']['id']}/visitors/{other['id']}/note", json={"rating": 5}, headers=hr)
    assert unscanned.status_code == 404 and unscanned.json()["code"] == "visit_not_found"


@pytest.mark.parametrize("who", ["other_hr", "organiser"])
async def test_notes_are_invisible_to_another_employer_and_to_the_organiser(client, hr, other_hr, organiser, night_market, who):
    headers = {"other_hr": other_hr, "organiser": organiser}[who]
    s = await scanned(client, night_market, hr)
    await client.put(f"/api/visits/{s['visit_id']}/note", json=NOTE, headers=hr)
    await client.put(f"/api/interests/{s['interest']['id']}/note", json=NOTE, headers=hr)
    for path, code in ((f"/api/visits/{s['visit_id']}/note", "visit_not_found"), (f"/api/interests/{s['interest']['id']}/note", "interest_not_found")):
        read = await client.get(path, headers=headers)
        assert (read.status_code, read.json()["code"]) == (404, code)
        write = await client.put(path, json={"text": "覆盖"}, headers=headers)
        assert (write.status_code, write.json()["code"]) == (404, code)
    scan_note = await client.put(f"/api/booths/{night_market['a12']['id']}/visitors/{s['scan']['registration_id']}/note", json={"rating": 1}, headers=headers)
    assert scan_note.status_code == 404
    assert [row["text"] for row in await ContactNote.select(ContactNote.text)] == [NOTE["text"], NOTE["text"]]


async def test_the_seeker_reads_no_note_but_their_export_names_the_employer_keeping_one(client, hr, night_market):
    s = await scanned(client, night_market, hr)
    seeker = s["ticket"]["seeker"]
    assert (await client.get(f"/api/visits/{s['visit_id']}/note", headers=seeker)).status_code == 403
    assert (await client.get("/api/me/export", headers=seeker)).json()["contact_notes"] == []
    await client.put(f"/api/visits/{s['visit_id']}/note", json=NOTE, headers=hr)
    export = (await client.get("/api/me/export", headers=seeker)).json()
    assert [(m["employer"]["name"], m["about"]) for m in export["contact_notes"]] == [("南京云帆科技有限公司", "visit")]
    assert NOTE["text"] not in str(export) and "Java" not in str(export["contact_notes"])


@pytest.mark.parametrize(
    "body", [{"rating": 0}, {"rating": 6}, {"tags": ["x"] * 11}, {"tags": ["x" * 21]}, {"text": "x" * 2001}, {"next_step": "x" * 201}, {"colour": "red"}]
)
async def test_a_note_out_of_bounds_is_refused(client, hr, night_market, body):
    s = await scanned(client, night_market, hr)
    assert (await client.put(f"/api/visits/{s['visit_id']}/note", json=body, headers=hr)).status_code == 400


async def test_colleagues_saving_the_same_note_at_once_leave_one_note(client, hr, employer, night_market):
    colleagues = [(await make_account("hr", employer_id=uuid.UUID(employer["id"])))[1] for _ in range(6)]
    s = await scanned(client, night_market, hr)
    responses = await asyncio.gather(
        *(client.put(f"/api/visits/{s['visit_id']}/note", json={"text": f"第{n}位"}, headers=h) for n, h in enumerate(colleagues))
    )
    assert [r.status_code for r in responses] == [200] * 6
    assert await ContactNote.count() == 1


async def test_the_scanners_quick_note_keeps_the_tags_and_next_step_written_from_the_list(client, hr, night_market):
    s = await scanned(client, night_market, hr)
    await client.put(f"/api/visits/{s['visit_id']}/note", json=NOTE, headers=hr)
    quick = await client.put(f"/api/booths/{night_market['a12']['id']}/visitors/{s['scan']['registration_id']}/note", json={"rating": 2, "text": "二次到访"}, headers=hr)
    assert quick.status_code == 200
    assert (quick.json()["rating"], quick.json()["text"], quick.json()["tags"], quick.json()["next_step"]) == (2, "二次到访", ["Java", "可实习"], NOTE["next_step"])
    only_stars = await client.put(f"/api/booths/{night_market['a12']['id']}/visitors/{s['scan']['registration_id']}/note", json={"rating": 5}, headers=hr)
    assert (only_stars.json()["rating"], only_stars.json()["text"]) == (5, "二次到访")
