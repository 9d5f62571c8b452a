"""Organisers' broadcasts to a stop's people, and the consent that lets people stop them (opt-in, unsubscribe link)."""

from __future__ import annotations

import json
import re
import uuid
from types import SimpleNamespace
from typing import Any

from channels import SmtpReceiver, sender
from conftest import confirmed_tickets, make_account, now, post_ok

from events import broadcasts, consents, delivery
from events.tables import DomainEvent, Message

TEXT = {"subject": "入场时间提前", "body": "各位同学：今晚入场时间提前到 18:30。"}


async def broadcast_messages() -> list[SimpleNamespace]:
    """The broadcast messages in the outbox, after the delivery worker's fan-out."""
    while await delivery.fan_out(now=now()):
        pass
    rows = await Message.select().where(Message.kind == broadcasts.MESSAGE_KIND).order_by(Message.created_at)
    return [
        SimpleNamespace(kind=row["kind"], channel=row["channel"], account_id=row["account"], params=json.loads(row["params"]),
                        idempotency_key=row["idempotency_key"], address_masked=row["address_masked"])
        for row in rows
    ]


async def scene(client, organiser, stop_id: str) -> list[dict[str, Any]]:
    """Four confirmed seekers (phone only) at the stop, the first of them checked in, and one who cancelled."""
    tickets = await confirmed_tickets(stop_id, 5)
    await post_ok(client, f"/api/stops/{stop_id}/check-ins", {"ticket": tickets[0]["code"], "nonce": str(uuid.uuid4())}, organiser)
    response = await client.delete(f"/api/registrations/{tickets[4]['id']}", headers=tickets[4]["seeker"])
    assert response.status_code == 200, response.text
    return tickets[:4]


async def dry_run(client, organiser, stop_id: str, audience: str, channels: list[str]) -> dict[str, Any]:
    return await post_ok(
        client, f"/api/stops/{stop_id}/broadcasts?dry_run=true", {**TEXT, "audience": audience, "channels": channels}, organiser, status=200
    )


async def test_a_dry_run_counts_each_audience_and_records_nothing(client, organiser, night_market):
    stop_id = night_market["tonight"]["id"]
    await scene(client, organiser, stop_id)
    counts = {audience: (await dry_run(client, organiser, stop_id, audience, ["sms", "email"])) for audience in ("registered", "checked_in", "not_arrived")}
    assert {audience: result["count"] for audience, result in counts.items()} == {"registered": 4, "checked_in": 1, "not_arrived": 3}
    # These seekers signed up with a phone only: SMS reaches all of them, e-mail none.
    assert counts["registered"]["messages"] == {"sms": 4, "email": 0}
    assert counts["registered"]["broadcast_id"] is None and counts["registered"]["preview"]["subject"] == TEXT["subject"]
    assert await DomainEvent.count().where(DomainEvent.kind == broadcasts.SENT) == 0


async def test_a_broadcast_plans_one_message_per_recipient_with_their_own_unsubscribe_link(client, organiser, night_market):
    stop_id = night_market["tonight"]["id"]
    tickets = await scene(client, organiser, stop_id)
    sent = await post_ok(client, f"/api/stops/{stop_id}/broadcasts", {**TEXT, "audience": "not_arrived", "channels": ["sms"]}, organiser, status=202)
    assert sent["count"] == 3 and sent["dry_run"] is False
    messages = await broadcast_messages()
    assert len(messages) == 3 and {message.channel for message in messages} == {"sms"}
    assert len({message.idempotency_key for message in messages}) == 3
    assert all(message.idempotency_key.startswith(sent["broadcast_id"]) for message in messages)
    checked_in = (await client.get("/api/me", headers=tickets[0]["seeker"])).json()["id"]
    assert uuid.UUID(checked_in) not in {message.account_id for message in messages}
    for message in messages:
        assert message.params["body"] == TEXT["body"] and message.params["stop_id"] == stop_id
        assert message.params["unsubscribe_url"] == consents.unsubscribe_url(message.account_id)
        assert "+86" not in json.dumps(message.params)


async def test_people_who_unsubscribed_are_left_out(client, organiser, night_market):
    stop_id = night_market["tonight"]["id"]
    await scene(client, organiser, stop_id)
    before = await dry_run(client, organiser, stop_id, "registered", ["sms"])
    await post_ok(client, f"/api/stops/{stop_id}/broadcasts", {**TEXT, "audience": "registered", "channels": ["sms"]}, organiser, status=202)
    leaving = (await broadcast_messages())[0].params["unsubscribe_url"]
    token = leaving.split("token=", 1)[1]
    response = await client.post("/unsubscribe", data={"token": token})
    assert response.status_code == 200 and "已退订" in response.text
    after = await dry_run(client, organiser, stop_id, "registered", ["sms"])
    assert (before["count"], after["count"], after["opted_out"]) == (4, 3, 1)


async def test_broadcasts_are_rate_limited_per_stop_and_dry_runs_do_not_count(client, organiser, night_market):
    stop_id = night_market["tonight"]["id"]
    await scene(client, organiser, stop_id)
    body = {**TEXT, "audience": "registered", "channels": ["sms"]}
    for _ in range(5):
        await post_ok(client, f"/api/stops/{stop_id}/broadcasts", body, organiser, status=202)
    refused = await client.post(f"/api/stops/{stop_id}/broadcasts", json=body, headers=organiser)
    assert refused.status_code == 429 and refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "broadcast_stop_rate_limited" and int(refused.headers["retry-after"]) > 0
    assert (await client.post(f"/api/stops/{stop_id}/broadcasts?dry_run=true", json=body, headers=organiser)).status_code == 200
    # Another stop has its own allowance.
    other = night_market["tomorrow"]["id"]
    assert (await client.post(f"/api/stops/{other}/broadcasts", json=body, headers=organiser)).status_code == 202
    assert await DomainEvent.count().where(DomainEvent.kind == broadcasts.SENT) == 6


async def test_a_broadcast_needs_a_channel_and_a_real_stop(client, organiser, night_market):
    body = {**TEXT, "audience": "registered", "channels": []}
    empty = await client.post(f"/api/stops/{night_market['tonight']['id']}/broadcasts", json=body, headers=organiser)
    assert empty.status_code == 400
    missing = await client.post(f"/api/stops/{uuid.uuid4()}/broadcasts", json={**body, "channels": ["email"]}, headers=organiser)
    assert missing.status_code == 404 and missing.json()["code"] == "stop_not_found"


# ---------------------------------------------------------------- consent


async def test_the_opt_in_is_recorded_and_read_back_and_opting_out_stops_broadcasts(client):
    actor, headers = await make_account("seeker")
    first = (await client.get("/api/me/notifications", headers=headers)).json()
    assert (first["opt_in"], first["state"]) == (False, "unasked")
    assert first["unsubscribe_url"].endswith(consents.unsubscribe_token(actor.id))
    given = (await client.put("/api/me/notifications", json={"opt_in": True}, headers=headers)).json()
    assert (given["opt_in"], given["state"], given["version"]) == (True, "given", consents.NOTIFICATIONS_VERSION)
    exported = (await client.get("/api/me/export", headers=headers)).json()
    assert [row["purpose"] for row in exported["consents"] if row["withdrawn_at"] is None].count("notifications") == 1
    withdrawn = (await client.put("/api/me/notifications", json={"opt_in": False}, headers=headers)).json()
    assert withdrawn["state"] == "withdrawn"
    state = (await consents.states([actor.id]))[actor.id]
    assert not consents.may_get_broadcast(state) and not consents.may_get_optional(state)


async def test_the_unsubscribe_link_is_one_click_in_chinese_and_can_be_undone(client):
    actor, headers = await make_account("hr")
    await client.put("/api/me/notifications", json={"opt_in": True}, headers=headers)
    token = consents.unsubscribe_token(actor.id)
    page = await client.get(f"/unsubscribe?token={token}")
    assert page.status_code == 200 and "退订通知" in page.text
    assert (await client.get("/api/me/notifications", headers=headers)).json()["state"] == "given", "reading the page changes nothing"
    # What a mail client's one-click unsubscribe (RFC 8058) posts: no CSRF token, the link is the credential.
    done = await client.post(f"/unsubscribe?token={token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert (await client.get("/api/me/notifications", headers=headers)).json()["state"] == "withdrawn"
    undone = await client.post("/unsubscribe/undo", data={"token": token})
    assert undone.status_code == 200 and "已重新订阅" in undone.text
    assert (await client.get("/api/me/notifications", headers=headers)).json()["state"] == "given"


async def test_a_forged_unsubscribe_link_is_refused_in_the_readers_language(client):
    actor, _ = await make_account("seeker")
    forged = re.sub(r"\..*", ".AAAAAAAAAAAAAAAAAAAAAAAA", consents.unsubscribe_token(actor.id))
    page = await client.get(f"/unsubscribe?token={forged}")
    assert page.status_code == 404 and "退订链接无效" in page.text
    english = await client.post("/unsubscribe?lang=en", data={"token": forged})
    assert english.status_code == 404 and "not valid" in english.text
    assert (await consents.states([actor.id]))[actor.id] == "unasked"


async def test_the_worker_delivers_a_broadcast_once_to_each_recipient_with_the_unsubscribe_link(client, organiser, night_market):
    stop_id = night_market["tonight"]["id"]
    await scene(client, organiser, stop_id)
    with SmtpReceiver() as receiver:
        delivery.use_channel("sms", sender(receiver.port))
        try:
            await post_ok(client, f"/api/stops/{stop_id}/broadcasts", {**TEXT, "audience": "registered", "channels": ["sms"]}, organiser, status=202)
            await delivery.run_once(now=now())
            await delivery.run_once(now=now())
        finally:
            delivery.use_channel("sms", None)
    mails = [item for item in receiver.inbox.received if item.kind == broadcasts.MESSAGE_KIND]
    assert len(mails) == 4 and len({item.to for item in mails}) == 4
    assert all(item.params["body"] == TEXT["body"] and "/unsubscribe?token=" in item.params["unsubscribe_url"] for item in mails)


# ---------------------------------------------------------------- the console page


async def test_the_console_previews_the_count_then_sends_and_refuses_in_chinese(client, organiser, night_market):
    stop_id = night_market["tonight"]["id"]
    await scene(client, organiser, stop_id)
    client.cookies.set("session", organiser["Authorization"].split()[1])
    try:
        stop_page = await client.get(f"/manage/stops/{stop_id}")
        assert f'href="/manage/stops/{stop_id}/broadcast"' in stop_page.text
        page = await client.get(f"/manage/stops/{stop_id}/broadcast")
        assert page.status_code == 200 and "群发通知" in page.text
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        form = {"_csrf_token": csrf, "audience": "not_arrived", "channels": ["sms"], **TEXT}
        preview = await client.post(f"/manage/stops/{stop_id}/broadcast", data={**form, "action": "preview"})
        assert preview.status_code == 200 and "将发送给 3 人" in preview.text and TEXT["body"] in preview.text
        assert await DomainEvent.count().where(DomainEvent.kind == broadcasts.SENT) == 0
        sent = await client.post(f"/manage/stops/{stop_id}/broadcast", data={**form, "action": "send"})
        assert sent.status_code == 302 and sent.headers["location"] == f"/manage/stops/{stop_id}/broadcast?sent=3"
        assert "已提交发送，共 3 人" in (await client.get(sent.headers["location"])).text
        assert len(await broadcast_messages()) == 3
        nothing = await client.post(f"/manage/stops/{stop_id}/broadcast", data={**form, "channels": [], "action": "preview"})
        assert nothing.status_code == 422 and "请至少选择一种发送方式" in nothing.text and "channels_required" not in nothing.text
    finally:
        client.cookies.clear()


async def test_a_signed_in_person_switches_the_opt_in_on_the_account_pages(client, seeker):
    client.cookies.set("session", seeker["Authorization"].split()[1])
    try:
        account = await client.get("/me/password")
        assert 'href="/me/notifications"' in account.text
        page = await client.get("/me/notifications")
        assert page.status_code == 200 and "通知设置" in page.text and "未选择" in page.text
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        ticked = await client.post("/me/notifications", data={"_csrf_token": csrf, "opt_in": "1"})
        assert ticked.status_code == 302
        assert (await client.get("/api/me/notifications", headers=seeker)).json()["state"] == "given"
        await client.post("/me/notifications", data={"_csrf_token": csrf})
        assert (await client.get("/api/me/notifications", headers=seeker)).json()["state"] == "withdrawn"
        assert "已退订" in (await client.get("/me/notifications?done=1")).text
    finally:
        client.cookies.clear()
    anonymous = await client.get("/me/notifications")
    assert anonymous.status_code == 302 and anonymous.headers["location"] == "/login?next=/me/notifications"
