"""Every message kind people are told, end to end: caused through the API (or the worker's sweep), fanned out and sent by
the worker through a real SMTP server (aiosmtpd) and a local Alibaba SMS server that checks signatures, in the
recipient's language and with every parameter the kind names (a subscriber whose params fall short of
events/messages.py KINDS makes the message dead, not delivered).
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from conftest import bearer, credit_code, make_account, now, post_ok, set_capacity
from receiver import Answer, Receiver
from server import free_port
from test_sms import KEY_ID, SECRET, Provider

from events import delivery, digests, invitations, messages, reminders
from events.accounts import create_account
from events.settings import settings
from events.tables import Account, DeliveryAttempt, DomainEvent, Message, Registration

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A template code per SMS-capable kind: every kind with an SMS form is configured.
TEMPLATES = tuple((kind, f"SMS_{100000 + n}") for n, kind in enumerate(sorted(messages.SMS_VARIABLES)))

#: The first words of each kind's subject, per language: the recipient's language was used.
SUBJECTS = {
    "registration.confirmed": ("报名成功", "You are registered"),
    "registration.waitlisted": ("已加入候补", "You are on the waitlist"),
    "registration.promoted": ("候补成功", "You got a seat"),
    "registration.cancelled": ("报名已取消", "Registration cancelled"),
    "stop.changed": ("场次有变更", "Changed"),
    "stop.cancelled": ("场次已取消", "Cancelled"),
    "reminder.24h": ("明天见", "Tomorrow"),
    "reminder.2h": ("两小时后开始", "Starting in two hours"),
    "employer_application.decided": ("入驻申请", "入驻申请"),  # its contact has no account, hence no language: zh-CN
    "invitation.created": ("请设置您的账户密码", "Set the password of your account"),
    "password_reset.link": ("重置密码", "Reset your password"),
    "broadcast": ("明天入场提前", "明天入场提前"),
    "interest.digest": ("20", "1 new interest"),
    "webhook.disabled": ("Webhook 已停用", "Webhook disabled"),
    "booking.created": ("面试预约成功", "Interview booked"),
    "booking.cancelled": ("面试预约已取消", "Interview booking cancelled"),
    "slot.cancelled": ("面试时段已取消", "Interview slot called off"),
    "slot.moved": ("面试时间已调整", "Interview moved"),
    "slot.invitation_created": ("面试邀请", "Interview invitation"),
    "interest.stage_changed": ("初步意向", "An intention to hire"),
}


class Relay:
    """aiosmtpd's handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default))
        return "250 2.0.0 Ok: queued"


@pytest.fixture
def relay():
    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture(scope="module")
def aliyun():
    provider = Provider("aliyun")
    yield provider
    provider.close()


@pytest.fixture
def config(relay, aliyun):
    aliyun.received.clear()
    aliyun.answers.clear()
    return dataclasses.replace(
        settings, smtp_url=f"smtp://127.0.0.1:{relay.port}", smtp_from="招聘活动 <no-reply@fair.example.cn>",
        sms_provider="aliyun", sms_access_key_id=KEY_ID, sms_access_key_secret=SECRET, sms_sign_name="校园招聘", sms_templates=TEMPLATES,
        aliyun_sms_endpoint=aliyun.url,
    )


@pytest.fixture
def morning(monkeypatch):
    """The worker sends at the next 10:00 in Shanghai (outside SMS quiet hours, whenever the test runs)."""
    real = now()
    ten = real.astimezone(SHANGHAI).replace(hour=10, minute=0, second=0, microsecond=0)
    sending_at = (ten if ten > real else ten + timedelta(days=1)).astimezone(UTC)
    monkeypatch.setattr(delivery, "_utc_now", lambda: sending_at)
    return sending_at


_serial = iter(range(10**7))


async def person(role: str, channel: str, *, employer_id: str | None = None) -> tuple[uuid.UUID, dict[str, str]]:
    """An account reachable only on `channel`: an e-mail address or a mobile number."""
    n = next(_serial)
    view = await create_account(
        role=role, name=f"测试{n}", email=f"{role}{n}-{uuid.uuid4().hex[:6]}@example.com" if channel == "email" else None,
        phone=f"+86137{n:08d}" if channel == "sms" else None, password="Correct-Horse-9", employer_id=uuid.UUID(employer_id) if employer_id else None,
        now=now(),
    )
    return view.id, bearer(view.id, role)


# ---------------------------------------------------------------- causes: each makes its kind happen, answers the worker's clock


@dataclasses.dataclass
class Scene:
    client: Any
    organiser: dict[str, str]
    train: dict[str, Any]
    channel: str
    #: The worker's settings, for causes that run it themselves (a webhook that fails).
    config: Any = None

    @property
    def stop(self) -> dict[str, Any]:
        return self.train["stops"][0]

    async def register(self) -> dict[str, Any]:
        _, headers = await person("seeker", self.channel)
        registration = await post_ok(self.client, f"/api/stops/{self.stop['id']}/registrations", None, headers)
        return {**registration, "headers": headers}


Cause = Callable[[Scene], Awaitable[datetime | None]]


async def confirmed(scene: Scene) -> None:
    await scene.register()


async def waitlisted(scene: Scene) -> None:
    await set_capacity(scene.client, scene.organiser, scene.stop["id"], 1)
    await scene.register()
    assert (await scene.register())["status"] == "waitlisted"


async def promoted(scene: Scene) -> None:
    await set_capacity(scene.client, scene.organiser, scene.stop["id"], 1)
    first = await scene.register()
    await scene.register()
    assert (await scene.client.delete(f"/api/registrations/{first['id']}", headers=first["headers"])).status_code == 200


async def cancelled_by_organiser(scene: Scene) -> None:
    registration = await scene.register()
    assert (await scene.client.delete(f"/api/registrations/{registration['id']}", headers=scene.organiser)).status_code == 200


async def stop_changed(scene: Scene) -> None:
    await scene.register()
    later = datetime.fromisoformat(scene.stop["starts_at"]) + timedelta(hours=1)
    body = {"starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=3)).isoformat(), "address": "南京市栖霞区文苑路1号"}
    response = await scene.client.patch(f"/api/stops/{scene.stop['id']}", json=body, headers=scene.organiser)
    assert response.status_code == 200, response.text


async def stop_cancelled(scene: Scene) -> None:
    await scene.register()
    response = await scene.client.post(f"/api/stops/{scene.stop['id']}/cancel", headers=scene.organiser)
    assert response.status_code == 200, response.text


def _reminder(before: timedelta) -> Cause:
    async def cause(scene: Scene) -> datetime:
        await scene.register()
        moment = datetime.fromisoformat(scene.stop["starts_at"]) - before
        assert await reminders.sweep(now=moment) == 1
        return moment

    return cause


async def application_approved(scene: Scene) -> None:
    body = {
        "event": scene.train["slug"], "company": "南京青禾软件有限公司", "credit_code": credit_code(), "contact_name": "王敏",
        "contact_phone": "13812345678", "contact_email": "wangmin@qinghe.example.com", "stop_ids": [scene.stop["id"]], "hr_count": 1, "jobs": [],
    }
    made = await post_ok(scene.client, "/api/employer-applications", body, {})
    await post_ok(scene.client, f"/api/employer-applications/{made['id']}/approve", {"stop_ids": [scene.stop["id"]]}, scene.organiser, status=200)


async def application_rejected(scene: Scene) -> None:
    body = {
        "event": scene.train["slug"], "company": "南京青禾软件有限公司", "credit_code": credit_code(), "contact_name": "王敏",
        "contact_phone": "13812345678", "contact_email": "wangmin@qinghe.example.com",
        "stop_ids": [scene.stop["id"]], "hr_count": 1, "jobs": ["Java 开发工程师"],
    }
    made = await post_ok(scene.client, "/api/employer-applications", body, {})
    await post_ok(scene.client, f"/api/employer-applications/{made['id']}/reject", {"reason": "营业执照已过期"}, scene.organiser, status=200)


async def invited(scene: Scene) -> None:
    employer = await post_ok(scene.client, "/api/employers", {"name": "南京云帆科技有限公司", "credit_code": credit_code(), "city": "南京"}, scene.organiser)
    await post_ok(scene.client, f"/api/employers/{employer['id']}/invitations", {"name": "李娜", "email": "li.na@yunfan.example.com"}, scene.organiser)


async def reset_by_link(scene: Scene) -> None:
    account_id, _ = await person("seeker", "email")
    login = (await Account.select(Account.email).where(Account.id == account_id).first())["email"]
    assert (await scene.client.post("/api/auth/password-reset", json={"login": login})).status_code == 202


async def reset_by_code(scene: Scene) -> None:
    account_id, _ = await person("seeker", "sms")
    login = (await Account.select(Account.phone).where(Account.id == account_id).first())["phone"]
    assert (await scene.client.post("/api/auth/password-reset", json={"login": login})).status_code == 202


async def broadcast(scene: Scene) -> None:
    await scene.register()
    body = {"audience": "registered", "subject": "明天入场提前", "body": "各位同学：入场时间提前到 13:30。", "channels": [scene.channel]}
    result = await post_ok(scene.client, f"/api/stops/{scene.stop['id']}/broadcasts", body, scene.organiser, status=202)
    assert result["count"] == 1


async def post_job(scene: Scene, hr: dict[str, str]) -> dict[str, Any]:
    """A Java post at the train by `hr`'s employer."""
    body = {"title": "Java 开发工程师", "headcount": 3, "salary_min": 12000, "salary_max": 20000, "salary_months": 13, "education": "bachelor", "majors": ["软件工程"]}
    return await post_ok(scene.client, f"/api/events/{scene.train['slug']}/jobs", body, hr)


async def digest(scene: Scene) -> datetime:
    employer = await post_ok(scene.client, "/api/employers", {"name": "南京云帆科技有限公司", "credit_code": credit_code(), "city": "南京"}, scene.organiser)
    await post_ok(scene.client, f"/api/stops/{scene.stop['id']}/booths", {"employer_id": employer["id"], "label": "A12"}, scene.organiser)
    _, hr = await person("hr", scene.channel, employer_id=employer["id"])
    assert (await scene.client.put("/api/me/notifications", json={"opt_in": True}, headers=hr)).status_code == 200
    job = await post_job(scene, hr)
    _, student = await make_account("seeker")
    await post_ok(scene.client, f"/api/jobs/{job['id']}/interests", None, student)
    local = now().astimezone(SHANGHAI)
    evening = local.replace(hour=settings.digest_hour, minute=30, second=0, microsecond=0)
    evening = evening if evening > local else evening + timedelta(days=1)
    assert await digests.schedule_digests(now=evening) == 1
    return evening


async def webhook_disabled(scene: Scene) -> None:
    _, owner = await person("organiser", "email")
    async with Receiver(lambda _: Answer(410, b"gone")) as hooks:
        await post_ok(scene.client, "/api/webhooks", {"url": hooks.url, "event_types": ["registration.confirmed"], "description": "ATS"}, owner)
        _, headers = await make_account("seeker")
        await post_ok(scene.client, f"/api/stops/{scene.stop['id']}/registrations", None, headers)
        await delivery.run_once(now=now(), config=scene.config)
    assert len(hooks.received) == 1


async def _slot(scene: Scene) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """An employer's booth at the stop, its HR person and one interview slot of two places 30 minutes in."""
    employer = await post_ok(scene.client, "/api/employers", {"name": "南京云帆科技有限公司", "credit_code": credit_code(), "city": "南京"}, scene.organiser)
    booth = await post_ok(scene.client, f"/api/stops/{scene.stop['id']}/booths", {"employer_id": employer["id"], "label": "A12"}, scene.organiser)
    _, hr = await make_account("hr", employer_id=uuid.UUID(employer["id"]))
    starts_at = (datetime.fromisoformat(scene.stop["starts_at"]) + timedelta(minutes=30)).isoformat()
    (slot,) = await post_ok(scene.client, f"/api/booths/{booth['id']}/slots", {"starts_at": starts_at, "minutes": 20, "size": 2}, hr)
    return employer, hr, slot


async def booked(scene: Scene) -> None:
    _, _, slot = await _slot(scene)
    _, student = await person("seeker", scene.channel)
    await post_ok(scene.client, f"/api/slots/{slot['id']}/bookings", None, student)


async def booking_cancelled_by_hr(scene: Scene) -> None:
    _, hr, slot = await _slot(scene)
    _, student = await person("seeker", scene.channel)
    booking = await post_ok(scene.client, f"/api/slots/{slot['id']}/bookings", None, student)
    assert (await scene.client.delete(f"/api/bookings/{booking['id']}", headers=hr)).status_code in (200, 204)


async def slot_called_off(scene: Scene) -> None:
    _, hr, slot = await _slot(scene)
    _, student = await person("seeker", scene.channel)
    await post_ok(scene.client, f"/api/slots/{slot['id']}/bookings", None, student)
    await post_ok(scene.client, f"/api/slots/{slot['id']}/cancel", None, hr, status=200)


async def slot_moved(scene: Scene) -> None:
    _, hr, slot = await _slot(scene)
    _, student = await person("seeker", scene.channel)
    await post_ok(scene.client, f"/api/slots/{slot['id']}/bookings", None, student)
    later = (datetime.fromisoformat(slot["starts_at"]) + timedelta(minutes=40)).isoformat()
    response = await scene.client.patch(f"/api/slots/{slot['id']}", json={"starts_at": later}, headers=hr)
    assert response.status_code == 200, response.text


async def invited_to_a_slot(scene: Scene) -> None:
    _, hr, slot = await _slot(scene)
    job = await post_job(scene, hr)
    student_id, student = await person("seeker", scene.channel)
    await post_ok(scene.client, f"/api/jobs/{job['id']}/interests", None, student)
    await post_ok(scene.client, f"/api/slots/{slot['id']}/invitations", {"seeker_id": str(student_id)}, hr)


async def intention_to_hire(scene: Scene) -> None:
    _, hr, _ = await _slot(scene)
    job = await post_job(scene, hr)
    _, student = await person("seeker", scene.channel)
    interest = await post_ok(scene.client, f"/api/jobs/{job['id']}/interests", None, student)
    response = await scene.client.put(f"/api/interests/{interest['id']}/stage", json={"stage": "intention"}, headers=hr)
    assert response.status_code == 200, response.text


#: (message kind, channel, cause). E-mail for every kind; SMS for each kind with an SMS form.
CASES: list[tuple[str, str, Cause]] = [
    ("registration.confirmed", "email", confirmed),
    ("registration.waitlisted", "email", waitlisted),
    ("registration.promoted", "email", promoted),
    ("registration.cancelled", "email", cancelled_by_organiser),
    ("stop.changed", "email", stop_changed),
    ("stop.cancelled", "email", stop_cancelled),
    ("reminder.24h", "email", _reminder(timedelta(hours=23))),
    ("reminder.2h", "email", _reminder(timedelta(hours=1))),
    ("employer_application.decided", "email", application_rejected),
    ("employer_application.decided", "email", application_approved),
    ("invitation.created", "email", invited),
    ("password_reset.link", "email", reset_by_link),
    ("broadcast", "email", broadcast),
    ("interest.digest", "email", digest),
    ("webhook.disabled", "email", webhook_disabled),
    ("booking.created", "email", booked),
    ("booking.cancelled", "email", booking_cancelled_by_hr),
    ("slot.cancelled", "email", slot_called_off),
    ("slot.moved", "email", slot_moved),
    ("slot.invitation_created", "email", invited_to_a_slot),
    ("interest.stage_changed", "email", intention_to_hire),
    ("registration.confirmed", "sms", confirmed),
    ("registration.waitlisted", "sms", waitlisted),
    ("registration.promoted", "sms", promoted),
    ("registration.cancelled", "sms", cancelled_by_organiser),
    ("stop.changed", "sms", stop_changed),
    ("stop.cancelled", "sms", stop_cancelled),
    ("reminder.24h", "sms", _reminder(timedelta(hours=23))),
    ("reminder.2h", "sms", _reminder(timedelta(hours=1))),
    ("password_reset.code", "sms", reset_by_code),
    ("broadcast", "sms", broadcast),
    ("interest.digest", "sms", digest),
    ("booking.created", "sms", booked),
    ("booking.cancelled", "sms", booking_cancelled_by_hr),
    ("slot.cancelled", "sms", slot_called_off),
    ("slot.moved", "sms", slot_moved),
    ("slot.invitation_created", "sms", invited_to_a_slot),
    ("interest.stage_changed", "sms", intention_to_hire),
]


def test_every_kind_a_subscriber_sends_is_covered_on_email_and_every_sms_form_on_sms():
    covered = {(kind, channel) for kind, channel, _ in CASES}
    assert {kind for kind, channel in covered if channel == "email"} == set(messages.KINDS) - {"password_reset.code"}
    # An application names both an e-mail address and a phone: its contact is always told by e-mail.
    assert {kind for kind, channel in covered if channel == "sms"} == set(messages.SMS_VARIABLES) - {"employer_application.decided"}


def _text(message) -> str:
    return next(part.get_content() for part in message.iter_parts() if part.get_content_type() == "text/plain")


@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize(("kind", "channel", "cause"), CASES, ids=[f"{kind}-{channel}-{cause.__name__}" for kind, channel, cause in CASES])
async def test_each_kind_arrives_through_a_real_server_in_the_recipients_language(
    client, organiser, published_train, relay, aliyun, config, morning, kind, channel, cause, language, caplog
):
    if channel == "sms" and language == "en":
        pytest.skip("SMS templates are approved in Chinese only")
    caplog.set_level(logging.INFO)
    scene = Scene(client=client, organiser=organiser, train=published_train, channel=channel, config=config)
    await Account.update({Account.language: language}, force=True)
    moment = await cause(scene) or now()
    await Account.update({Account.language: language}, force=True)

    await delivery.run_once(now=max(moment, now()), config=config)

    rows = await Message.select(Message.id, Message.status, Message.last_error, Message.params, Message.address_masked).where(
        (Message.kind == kind) & (Message.channel == channel)
    )
    assert rows, f"no {kind} message by {channel}"
    assert [(row["status"], row["last_error"]) for row in rows] == [("delivered", "")] * len(rows)
    assert await DomainEvent.count().where(DomainEvent.processed_at.is_null()) == 0
    if channel == "email":
        prefix = SUBJECTS[kind][language == "en"]
        arrived = [message for message in relay.messages if str(message["Subject"]).startswith(prefix)]
        assert len(arrived) == len(rows), [str(message["Subject"]) for message in relay.messages]
        for message in arrived:
            text = _text(message)
            assert "None" not in text and "{{" not in text
            if not messages.KINDS[kind].transactional:
                assert "unsubscribe" in text.lower() or "退订" in text
                assert message["List-Unsubscribe"]
    else:
        code = dict(TEMPLATES)[kind]
        sent = [fields for fields in aliyun.received if fields["TemplateCode"] == code]
        assert len(sent) == len(rows)
        for fields in sent:
            variables = json.loads(fields["TemplateParam"])
            assert list(variables) == list(messages.SMS_VARIABLES[kind])
            assert all(variables.values()), variables
            if not messages.KINDS[kind].transactional:
                assert variables["unsubscribe"] == "回T退订"
    # Addresses and phones stay out of the params, the log and the delivery log.
    stored = json.dumps([row["params"] for row in rows]) + json.dumps(
        [row["response"] for row in await DeliveryAttempt.select(DeliveryAttempt.response)], ensure_ascii=False
    )
    logged = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("mail.log"))
    for row in await Account.select(Account.email, Account.phone):
        for address in filter(None, (row["email"], row["phone"], row["phone"] and row["phone"].removeprefix("+86"))):
            assert address not in stored and address not in logged


async def test_an_invitations_outbox_rows_never_hold_its_token_which_is_sent_and_accepted(client, organiser, relay, config):
    employer = await post_ok(client, "/api/employers", {"name": "南京云帆科技有限公司", "credit_code": credit_code(), "city": "南京"}, organiser)
    made = await post_ok(client, f"/api/employers/{employer['id']}/invitations", {"name": "李娜", "email": "li.na@yunfan.example.com"}, organiser)
    link = made["invitation"]["url"]
    token = link.rsplit("/", 1)[1]

    await delivery.run_once(now=now(), config=config)

    [event] = await DomainEvent.select(DomainEvent.payload).where(DomainEvent.kind == "invitation.created")
    [row] = await Message.select(Message.params, Message.status).where(Message.kind == "invitation.created")
    assert token not in event["payload"] and token not in row["params"] and row["status"] == "delivered"
    [message] = relay.messages
    assert link in _text(message) and "南京云帆科技有限公司" in _text(message)
    assert (await invitations.get_invitation(token=token, now=now())).name == "李娜"


class RefusingRelay(Relay):
    """A relay that refuses each recipient the way real ones do, echoing the address: for good (550) or for now (451)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook name
        if address.startswith("seeker"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        return f"451 4.7.1 <{address}>: greylisted, try again later"


async def test_failing_relays_and_providers_echoing_addresses_leave_none_in_the_log_or_the_delivery_log(
    client, organiser, published_train, aliyun, config, morning, caplog
):
    # INFO: what the app logs (events/logs.py); the database driver's DEBUG lines echo every query's parameters.
    caplog.set_level(logging.INFO)
    relay = RefusingRelay()
    controller = Controller(relay, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        failing = dataclasses.replace(config, smtp_url=f"smtp://127.0.0.1:{controller.port}")
        for channel in ("email", "email", "sms", "sms", "sms"):
            await Scene(client=client, organiser=organiser, train=published_train, channel=channel).register()
        _, hr = await person("hr", "email")
        await Account.update({Account.email: "hr-greylisted@example.com"}).where(Account.role == "hr")
        await client.post("/api/auth/password-reset", json={"login": "hr-greylisted@example.com"})
        phones = [row["phone"] for row in await Account.select(Account.phone).where(Account.phone.is_not_null())]
        # The provider echoes the number in its refusals, as providers do.
        aliyun.answers.extend([
            (200, {"Message": f"invalid mobile number {phones[0]}", "RequestId": "A1", "Code": "isv.MOBILE_NUMBER_ILLEGAL"}),
            (500, {"Message": f"internal error sending to {phones[1].removeprefix('+86')}", "RequestId": "A2", "Code": "InternalError"}),
            (200, {"Message": f"触发号码天级流控 {phones[2]}", "RequestId": "A3", "Code": "isv.BUSINESS_LIMIT_CONTROL"}),
        ])

        await delivery.run_once(now=now(), config=failing)
    finally:
        controller.stop()

    statuses = sorted(row["status"] for row in await Message.select(Message.status))
    assert "delivered" not in statuses and "dead" in statuses and "failed" in statuses
    kept = json.dumps(
        [await Message.select(Message.params, Message.last_error, Message.address_masked), await DeliveryAttempt.select(DeliveryAttempt.response)],
        ensure_ascii=False, default=str,
    )
    assert "<" in kept and "****" in kept, "the refusals were kept, masked"
    logged = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("mail.log"))
    for row in await Account.select(Account.email, Account.phone):
        for address in filter(None, (row["email"], row["phone"], row["phone"] and row["phone"].removeprefix("+86"))):
            assert address not in kept and address not in logged


async def test_a_seeker_who_cancels_their_own_place_is_not_told_but_one_whose_place_an_organiser_cancelled_is(
    client, organiser, published_train, relay, config
):
    scene = Scene(client=client, organiser=organiser, train=published_train, channel="email")
    mine, theirs = await scene.register(), await scene.register()
    assert (await client.delete(f"/api/registrations/{mine['id']}", headers=mine["headers"])).status_code == 200
    assert (await client.delete(f"/api/registrations/{theirs['id']}", headers=organiser)).status_code == 200

    await delivery.run_once(now=now(), config=config)

    told = await Message.select(Message.account).where(Message.kind == "registration.cancelled")
    payloads = [json.loads(row["payload"])["by"] for row in await DomainEvent.select(DomainEvent.payload).where(DomainEvent.kind == "registration.cancelled")]
    assert sorted(payloads) == ["organiser", "seeker"]
    seeker = await Registration.select(Registration.seeker).where(Registration.id == theirs["id"]).first()
    assert [row["account"] for row in told] == [seeker["seeker"]]
    assert [str(message["Subject"]).split("：")[0] for message in relay.messages if "取消" in str(message["Subject"])] == ["报名已取消"]
