"""The hiring funnel: an interest moves through its stages with history and audit, only by its employer's HR; counts per stop, employer and job."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from conftest import confirmed_tickets, job_body, make_account, post_ok

from events.tables import AuditEntry, DomainEvent, StageChange

STAGES = ("screened", "interviewed", "intention", "signed")


async def applicant(client, night_market, hr, *, visit: bool = True) -> dict[str, Any]:
    """A seeker with a ticket for tonight who (with `visit`) was scanned at stall A12 and applied for its job; the interest and the job."""
    job = night_market.get("job") or await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(), hr)
    night_market["job"] = job
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    if visit:
        await post_ok(client, f"/api/booths/{night_market['a12']['id']}/visits", {"ticket": ticket["code"], "nonce": str(uuid.uuid4())}, hr)
    interest = await post_ok(client, f"/api/jobs/{job['id']}/interests", None, ticket["seeker"])
    return {"interest": interest, "job": job, "seeker": ticket["seeker"], "ticket": ticket}


async def move(client, interest_id: str, stage: str, headers, note: str = ""):
    return await client.put(f"/api/interests/{interest_id}/stage", json={"stage": stage, "note": note}, headers=headers)


async def test_an_interest_goes_through_every_stage_with_who_and_when_kept(client, hr, night_market):
    a = await applicant(client, night_market, hr)
    assert a["interest"]["stage"] == "submitted"
    for stage in STAGES:
        response = await move(client, a["interest"]["id"], stage, hr, note=f"到{stage}")
        assert response.status_code == 200, response.text
    body = response.json()
    assert body["stage"] == "signed"
    assert [(h["from_stage"], h["to_stage"], h["note"]) for h in body["history"]] == [
        ("submitted", "screened", "到screened"),
        ("screened", "interviewed", "到interviewed"),
        ("interviewed", "intention", "到intention"),
        ("intention", "signed", "到signed"),
    ]
    assert all(h["actor_name"].startswith("hr ") for h in body["history"])
    assert await AuditEntry.count().where(AuditEntry.action == "move_interest_stage") == 4


async def test_a_signed_interest_cannot_move_and_the_refusal_says_what_is_allowed(client, hr, night_market):
    a = await applicant(client, night_market, hr)
    assert (await move(client, a["interest"]["id"], "signed", hr)).status_code == 200
    refused = await move(client, a["interest"]["id"], "declined", hr)
    assert refused.status_code == 409 and refused.json()["code"] == "stage_move_invalid"
    assert refused.json()["stage"] == "signed" and refused.json()["allowed"] == []


async def test_stages_move_forward_only_and_a_skip_is_allowed(client, hr, night_market):
    a = await applicant(client, night_market, hr)
    assert (await move(client, a["interest"]["id"], "interviewed", hr)).status_code == 200
    back = await move(client, a["interest"]["id"], "screened", hr)
    assert back.status_code == 409 and back.json()["allowed"] == ["intention", "signed", "declined"]
    same = await move(client, a["interest"]["id"], "interviewed", hr)
    assert same.status_code == 409


async def test_hr_cannot_set_withdrawn_or_submitted(client, hr, night_market):
    a = await applicant(client, night_market, hr)
    for stage in ("withdrawn", "submitted"):
        assert (await move(client, a["interest"]["id"], stage, hr)).status_code == 400


async def test_another_employers_hr_cannot_read_or_move_it(client, hr, other_hr, night_market):
    a = await applicant(client, night_market, hr)
    moved = await move(client, a["interest"]["id"], "screened", other_hr)
    assert moved.status_code == 404 and moved.json()["code"] == "interest_not_found"
    read = await client.get(f"/api/interests/{a['interest']['id']}/stage", headers=other_hr)
    assert read.status_code == 404 and read.json()["code"] == "interest_not_found"
    assert await StageChange.count() == 0


async def test_the_seekers_withdrawal_is_a_stage_in_the_history_and_ends_hrs_moves(client, hr, night_market):
    a = await applicant(client, night_market, hr)
    await move(client, a["interest"]["id"], "screened", hr)
    assert (await client.delete(f"/api/jobs/{a['job']['id']}/interests", headers=a["seeker"])).status_code == 204
    state = (await client.get(f"/api/interests/{a['interest']['id']}/stage", headers=hr)).json()
    assert state["stage"] == "withdrawn" and state["history"][-1]["from_stage"] == "screened"
    assert (await move(client, a["interest"]["id"], "interviewed", hr)).status_code == 409
    again = await post_ok(client, f"/api/jobs/{a['job']['id']}/interests", None, a["seeker"])
    assert again["stage"] == "submitted"


async def test_the_seeker_sees_their_own_stage_per_employer(client, hr, night_market):
    a = await applicant(client, night_market, hr)
    await move(client, a["interest"]["id"], "interviewed", hr)
    mine = (await client.get("/api/me/interests", headers=a["seeker"])).json()
    assert [(i["job_id"], i["employer"]["id"], i["stage"]) for i in mine] == [(a["job"]["id"], night_market["a12"]["employer"]["id"], "interviewed")]


async def test_a_stage_change_is_a_domain_event_and_says_when_the_seeker_is_told(client, hr, night_market):
    a = await applicant(client, night_market, hr)
    await move(client, a["interest"]["id"], "screened", hr)
    await move(client, a["interest"]["id"], "intention", hr)
    rows = await DomainEvent.select(DomainEvent.payload).where(DomainEvent.kind == "interest.stage_changed").order_by(DomainEvent.occurred_at)
    payloads = [json.loads(row["payload"]) for row in rows]
    assert [(p["to_stage"], p["tell_seeker"]) for p in payloads] == [("screened", False), ("intention", True)]


async def test_two_hr_people_moving_the_same_interest_at_once_leave_one_unbroken_history(client, hr, employer, night_market):
    colleague = (await make_account("hr", employer_id=uuid.UUID(employer["id"])))[1]
    for _round in range(3):
        a = await applicant(client, night_market, hr)
        first, second = await asyncio.gather(
            move(client, a["interest"]["id"], "screened", hr), move(client, a["interest"]["id"], "interviewed", colleague)
        )
        assert {first.status_code, second.status_code} <= {200, 409} and 200 in (first.status_code, second.status_code)
        history = (await client.get(f"/api/interests/{a['interest']['id']}/stage", headers=hr)).json()
        chain = [(h["from_stage"], h["to_stage"]) for h in history["history"]]
        assert chain[0][0] == "submitted"
        assert all(before[1] == after[0] for before, after in zip(chain, chain[1:], strict=False)), chain
        assert chain[-1][1] == history["stage"]
        assert len(chain) == [first.status_code, second.status_code].count(200)


async def test_many_hr_moves_at_once_to_the_same_stage_make_exactly_one_change(client, hr, employer, night_market):
    colleagues = [(await make_account("hr", employer_id=uuid.UUID(employer["id"])))[1] for _ in range(8)]
    a = await applicant(client, night_market, hr)
    responses = await asyncio.gather(*(move(client, a["interest"]["id"], "screened", headers) for headers in colleagues))
    assert sorted(r.status_code for r in responses) == [200] + [409] * 7
    assert await StageChange.count().where(StageChange.interest == a["interest"]["id"]) == 1


async def test_the_funnel_counts_per_stop_employer_and_job_and_what_was_reached(client, organiser, hr, other_hr, night_market):
    a1 = await applicant(client, night_market, hr)
    a2 = await applicant(client, night_market, hr)
    online = await applicant(client, night_market, hr, visit=False)
    await move(client, a1["interest"]["id"], "interviewed", hr)
    await move(client, a1["interest"]["id"], "declined", hr)
    await move(client, a2["interest"]["id"], "screened", hr)
    other_job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(title="生物实验员"), other_hr)
    await post_ok(client, f"/api/jobs/{other_job['id']}/interests", None, online["seeker"])

    funnel = (await client.get(f"/api/events/{night_market['slug']}/funnel", headers=organiser)).json()
    assert funnel["counts"]["total"] == 4
    assert funnel["counts"]["now"] == {"submitted": 2, "screened": 1, "interviewed": 0, "intention": 0, "signed": 0, "declined": 1, "withdrawn": 0}
    assert funnel["counts"]["reached"] == {"submitted": 4, "screened": 2, "interviewed": 1, "intention": 0, "signed": 0}
    stops = {s["stop_id"]: s["counts"]["total"] for s in funnel["stops"]}
    assert stops == {night_market["tonight"]["id"]: 2, night_market["tomorrow"]["id"]: 0, None: 2}
    assert {e["employer"]["name"]: e["counts"]["total"] for e in funnel["employers"]} == {"南京云帆科技有限公司": 3, "苏州星河生物医药有限公司": 1}
    assert {j["title"]: j["counts"]["total"] for j in funnel["jobs"]} == {"Java 开发工程师": 3, "生物实验员": 1}

    own = (await client.get(f"/api/events/{night_market['slug']}/funnel", headers=hr)).json()
    assert own["counts"]["total"] == 3 and [e["employer"]["name"] for e in own["employers"]] == ["南京云帆科技有限公司"]
    assert {j["title"] for j in own["jobs"]} == {"Java 开发工程师"}


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("seeker", 403)])
async def test_the_funnel_is_for_organisers_and_hr_only(client, night_market, who, status):
    headers = {} if who == "anonymous" else (await make_account("seeker"))[1]
    assert (await client.get(f"/api/events/{night_market['slug']}/funnel", headers=headers)).status_code == status


FUNNEL_ROUTES = [
    ("put", "/api/interests/{interest_id}/stage"),
    ("get", "/api/interests/{interest_id}/stage"),
    ("put", "/api/interests/{interest_id}/note"),
    ("get", "/api/interests/{interest_id}/note"),
    ("put", "/api/visits/{visit_id}/note"),
    ("get", "/api/visits/{visit_id}/note"),
    ("put", "/api/booths/{booth_id}/visitors/{registration_id}/note"),
    ("get", "/api/events/{slug}/funnel"),
    ("get", "/api/me/interests"),
]


async def test_every_funnel_endpoint_is_in_the_openapi_document_with_examples(client):
    schema = (await client.get("/schema/openapi.json")).json()
    components = schema["components"]["schemas"]
    for method, path in FUNNEL_ROUTES:
        assert schema["paths"][path][method]["summary"], (method, path)
    for name, field in (("StageRequest", "stage"), ("NoteRequest", "tags"), ("NoteRequest", "rating"), ("ContactNote", "text"),
                        ("StageCounts", "now"), ("StageCounts", "reached"), ("InterestStage", "seeker_name"), ("Interest", "stage")):
        described = components[name]["properties"][field]
        assert "examples" in str(described), f"{name}.{field} has no example"


async def test_the_seeker_is_told_of_intention_signed_and_declined_but_not_of_screening(client, hr, night_market):
    from conftest import now

    from events import delivery
    from events.tables import Message

    a = await applicant(client, night_market, hr)
    b = await applicant(client, night_market, hr)
    for stage in ("screened", "intention", "signed"):
        await move(client, a["interest"]["id"], stage, hr, note="内部说明")
    await move(client, b["interest"]["id"], "declined", hr)
    while await delivery.fan_out(now=now()):
        pass
    told = await Message.select(Message.account, Message.params).where(Message.kind == "interest.stage_changed").order_by(Message.created_at)
    stages = sorted(json.loads(row["params"])["stage"] for row in told)
    assert stages == ["declined", "intention", "signed"]
    assert all("内部说明" not in row["params"] and json.loads(row["params"])["job_title"] == "Java 开发工程师" for row in told)


async def test_the_demo_has_applications_at_every_stage_of_the_main_line_and_one_declined(organiser_actor):
    from conftest import now

    from events import demo, funnel

    await demo.load_demo(organiser=organiser_actor, now=now())
    counts = (await funnel.event_funnel(actor=organiser_actor, now=now(), slug="nanjing-talent-train")).counts
    assert counts.total == len(demo.FUNNEL_STUDENTS)
    assert counts.reached == {"submitted": 6, "screened": 4, "interviewed": 3, "intention": 2, "signed": 1}
    assert counts.now["declined"] == 1


async def test_deleting_the_account_withdraws_the_application_in_its_history(client, hr, night_market):
    a = await applicant(client, night_market, hr)
    await move(client, a["interest"]["id"], "interviewed", hr)
    assert (await client.delete("/api/me", headers=a["seeker"])).status_code == 204
    state = (await client.get(f"/api/interests/{a['interest']['id']}/stage", headers=hr)).json()
    assert state["stage"] == "withdrawn" and state["history"][-1]["from_stage"] == "interviewed"


async def test_an_hr_webhook_hears_its_own_employers_stage_moves_without_the_note(client, hr, other_hr, night_market):
    from conftest import now

    from events import delivery
    from events.tables import Message

    mine = await post_ok(client, "/api/webhooks", {"url": "https://93.184.215.14/ats", "event_types": ["interest.stage_changed"]}, hr)
    theirs = await post_ok(client, "/api/webhooks", {"url": "https://93.184.215.14/other", "event_types": ["interest.stage_changed"]}, other_hr)
    a = await applicant(client, night_market, hr)
    await move(client, a["interest"]["id"], "screened", hr, note="内部说明")
    while await delivery.fan_out(now=now()):
        pass
    sent = await Message.select(Message.webhook_id, Message.params).where((Message.channel == "webhook") & (Message.kind == "interest.stage_changed"))
    assert [str(row["webhook_id"]) for row in sent] == [mine["id"]] and theirs["id"] not in str(sent)
    data = json.loads(sent[0]["params"])["data"]
    assert (data["from_stage"], data["to_stage"]) == ("submitted", "screened") and "内部说明" not in sent[0]["params"]


async def test_a_mover_whose_clock_was_read_before_the_previous_move_is_recorded_after_it(client, hr, employer, night_market):
    from datetime import timedelta

    from conftest import now

    from events import funnel

    a = await applicant(client, night_market, hr)
    actor = (await make_account("hr", employer_id=uuid.UUID(employer["id"])))[0]
    later = now()
    await funnel.move_stage(actor=actor, now=later, interest_id=uuid.UUID(a["interest"]["id"]), stage="screened")
    state = await funnel.move_stage(actor=actor, now=later - timedelta(seconds=2), interest_id=uuid.UUID(a["interest"]["id"]), stage="interviewed")
    assert [(h.from_stage, h.to_stage) for h in state.history] == [("submitted", "screened"), ("screened", "interviewed")]
    assert state.history[0].at < state.history[1].at
