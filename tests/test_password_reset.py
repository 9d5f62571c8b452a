"""Forgotten passwords: the same answer for everyone, a link or a code that works once for 15 minutes, and every sign-in ends."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import HR_PASSWORD, make_account, now, post_ok, sign_up_body

from events import delivery, password_reset
from events.errors import Incorrect
from events.tables import Account, Message, PasswordReset

NEW_PASSWORD = "lantern-2026"


async def email_of(account_id: uuid.UUID) -> str:
    return (await Account.select(Account.email).where(Account.id == account_id).first())["email"]


async def reset_messages() -> list[SimpleNamespace]:
    """The reset messages in the outbox, after the delivery worker's fan-out of every recorded request."""
    while await delivery.fan_out(now=now()):
        pass
    rows = await Message.select().where(Message.kind.is_in([password_reset.LINK, password_reset.CODE])).order_by(Message.created_at)
    return [
        SimpleNamespace(kind=row["kind"], channel=row["channel"], account_id=row["account"], params=json.loads(row["params"]), address_masked=row["address_masked"])
        for row in rows
    ]


async def secret_of(message: SimpleNamespace) -> dict[str, Any]:
    """The link (and its token) or code the worker adds to the message just before sending it."""
    secret = password_reset.secret_params(message.kind, message.params)
    return {**secret, "token": secret["reset_url"].split("token=", 1)[1]} if "reset_url" in secret else secret


async def ask(client, login: str) -> None:
    response = await client.post("/api/auth/password-reset", json={"login": login})
    assert response.status_code == 202, response.text
    return response.json()


async def test_a_known_and_an_unknown_login_get_the_same_answer_and_only_the_known_one_is_sent_anything(client):
    actor, _ = await make_account("hr")
    known = await ask(client, (await email_of(actor.id)).upper())
    unknown = await ask(client, "nobody-here@example.com")
    nonsense = await ask(client, "not a login")
    assert known == unknown == nonsense == {"status": "accepted", "detail": known["detail"]}
    (message,) = await reset_messages()
    assert (message.kind, message.channel, message.account_id) == ("password_reset.link", "email", actor.id)


async def test_the_link_sets_the_password_once_and_ends_every_other_sign_in(client):
    actor, laptop = await make_account("seeker")
    email = await email_of(actor.id)
    await ask(client, email)
    (message,) = await reset_messages()
    # The outbox holds the reset's id only; the token exists only when the message is rendered.
    assert set(message.params) == {"reset_id", "expires_at", "expires_minutes"} and message.address_masked.startswith(email[0] + "***@")
    secret = await secret_of(message)
    assert secret["reset_url"] == f"{password_reset.settings.public_url}/password-reset/confirm?token={secret['token']}"
    assert await PasswordReset.count().where(PasswordReset.token_hash == secret["token"]) == 0

    body = {"login": email, "token": secret["token"], "new_password": NEW_PASSWORD}
    response = await client.post("/api/auth/password-reset/confirm", json=body)
    assert response.status_code == 204, response.text

    ended = await client.get("/api/me", headers=laptop)
    assert ended.status_code == 401 and ended.json()["code"] == "token_revoked"
    assert (await client.post("/api/auth/login", json={"login": email, "password": HR_PASSWORD})).status_code == 401
    assert (await client.post("/api/auth/login", json={"login": email, "password": NEW_PASSWORD})).status_code == 200

    again = await client.post("/api/auth/password-reset/confirm", json={**body, "new_password": "another-pass-2"})
    assert again.status_code == 400 and again.json()["code"] == "password_reset_invalid"


async def test_a_link_works_only_with_its_own_accounts_login(client):
    actor, _ = await make_account("hr")
    other, _ = await make_account("hr")
    await ask(client, await email_of(actor.id))
    (message,) = await reset_messages()
    body = {"login": await email_of(other.id), "token": (await secret_of(message))["token"], "new_password": NEW_PASSWORD}
    response = await client.post("/api/auth/password-reset/confirm", json=body)
    assert response.status_code == 400 and response.json()["code"] == "password_reset_invalid"


async def test_a_phone_only_account_gets_an_sms_code_and_five_wrong_codes_burn_it(client):
    await post_ok(client, "/api/seekers", sign_up_body(phone="139 0000 1234"), {})
    await ask(client, "13900001234")
    (message,) = await reset_messages()
    assert (message.kind, message.channel, message.address_masked) == ("password_reset.code", "sms", "139****1234")
    code = (await secret_of(message))["code"]
    assert re.fullmatch(r"[0-9]{6}", code)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(password_reset.MAX_CODE_ATTEMPTS):
        response = await client.post("/api/auth/password-reset/confirm", json={"login": "+86 139 0000 1234", "code": wrong, "new_password": NEW_PASSWORD})
        assert response.status_code == 400 and response.json()["code"] == "password_reset_invalid"
    burnt = await client.post("/api/auth/password-reset/confirm", json={"login": "13900001234", "code": code, "new_password": NEW_PASSWORD})
    assert burnt.status_code == 400, "the right code no longer works after five wrong ones"

    await ask(client, "13900001234")
    fresh = (await reset_messages())[-1]
    response = await client.post(
        "/api/auth/password-reset/confirm", json={"login": "13900001234", "code": (await secret_of(fresh))["code"], "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204, response.text
    assert (await client.post("/api/auth/login", json={"login": "13900001234", "password": NEW_PASSWORD})).status_code == 200


async def test_asking_again_voids_the_link_sent_before(client):
    actor, _ = await make_account("organiser")
    email = await email_of(actor.id)
    await ask(client, email)
    await ask(client, email)
    first, second = await reset_messages()
    old = await client.post("/api/auth/password-reset/confirm", json={"login": email, "token": (await secret_of(first))["token"], "new_password": NEW_PASSWORD})
    assert old.status_code == 400
    new = await client.post("/api/auth/password-reset/confirm", json={"login": email, "token": (await secret_of(second))["token"], "new_password": NEW_PASSWORD})
    assert new.status_code == 204


async def test_a_reset_expires_after_fifteen_minutes(app):
    actor, _ = await make_account("hr")
    email, start, limiter = await email_of(actor.id), now(), app.state.limiter
    await password_reset.request_reset(login=email, address="10.0.0.1", now=start, limiter=limiter)
    token = password_reset.link_token((await PasswordReset.select(PasswordReset.id).first())["id"])
    with pytest.raises(Incorrect):
        await password_reset.confirm_reset(
            login=email, token=token, code=None, new_password=NEW_PASSWORD, address="10.0.0.1", now=start + timedelta(minutes=15), limiter=limiter
        )
    await password_reset.confirm_reset(
        login=email, token=token, code=None, new_password=NEW_PASSWORD, address="10.0.0.1", now=start + timedelta(minutes=14, seconds=59), limiter=limiter
    )


async def test_a_request_fanned_out_after_it_expired_sends_nothing(app):
    actor, _ = await make_account("hr")
    await password_reset.request_reset(login=await email_of(actor.id), address="10.0.0.1", now=now() - timedelta(minutes=16), limiter=app.state.limiter)
    assert await reset_messages() == []


async def test_requests_are_rate_limited_per_login_whether_or_not_it_has_an_account(client):
    actor, _ = await make_account("hr")
    for login in (await email_of(actor.id), "nobody-here@example.com"):
        for _ in range(5):
            await ask(client, login)
        refused = await client.post("/api/auth/password-reset", json={"login": login})
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "password_reset_account_rate_limited" and int(refused.headers["retry-after"]) > 0


async def test_a_confirmation_needs_either_a_token_or_a_code_and_a_strong_password(client):
    actor, _ = await make_account("hr")
    email = await email_of(actor.id)
    both = await client.post("/api/auth/password-reset/confirm", json={"login": email, "token": "x", "code": "123456", "new_password": NEW_PASSWORD})
    assert both.status_code == 422 and both.json()["code"] == "token_or_code_required"
    weak = await client.post("/api/auth/password-reset/confirm", json={"login": email, "code": "123456", "new_password": "abcdefgh"})
    assert weak.status_code == 422 and weak.json()["code"] == "weak_password"


async def test_the_sign_in_page_links_to_the_reset_pages_which_reset_by_code_in_chinese(client):
    login_page = await client.get("/login")
    assert 'href="/password-reset"' in login_page.text and "忘记密码？" in login_page.text
    page = await client.get("/password-reset")
    assert page.status_code == 200 and "找回密码" in page.text
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    sent = await client.post("/password-reset", data={"_csrf_token": csrf, "login": "nobody-here@example.com"})
    assert sent.status_code == 200 and "如果该手机号或邮箱已注册" in sent.text

    await post_ok(client, "/api/seekers", sign_up_body(phone="139 0000 5678"), {})
    await ask(client, "13900005678")
    (message,) = await reset_messages()
    form = await client.get("/password-reset/confirm?login=13900005678")
    assert 'name="code"' in form.text
    wrong = await client.post(
        "/password-reset/confirm", data={"_csrf_token": csrf, "login": "13900005678", "code": "000000" if (await secret_of(message))["code"] != "000000" else "111111", "new_password": NEW_PASSWORD}
    )
    assert wrong.status_code == 400 and "链接或验证码无效" in wrong.text and "password_reset_invalid" not in wrong.text
    done = await client.post(
        "/password-reset/confirm", data={"_csrf_token": csrf, "login": "13900005678", "code": (await secret_of(message))["code"], "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 200 and "密码已重设" in done.text


async def test_the_link_page_carries_the_token_and_speaks_english_when_asked(client):
    page = await client.get("/password-reset/confirm?token=abc&lang=en")
    assert page.status_code == 200 and 'name="token" value="abc"' in page.text and "Set a new password" in page.text
    assert 'name="code"' not in page.text


def test_tokens_and_codes_are_derived_per_reset():
    first, second = uuid.uuid4(), uuid.uuid4()
    assert password_reset.link_token(first) != password_reset.link_token(second)
    assert password_reset.link_token(first) == password_reset.link_token(first)
    assert len({password_reset.sms_code(uuid.uuid4()) for _ in range(50)}) > 40



async def test_the_worker_mails_a_link_that_resets_the_password_while_the_outbox_never_holds_it(client, smtp):
    actor, _ = await make_account("seeker")
    email = await email_of(actor.id)
    await ask(client, email)
    await delivery.run_once(now=now())
    (mail,) = smtp.inbox.received
    assert (mail.kind, mail.to) == ("password_reset.link", email)
    link = mail.params["reset_url"]
    token = link.split("token=", 1)[1]
    (stored,) = await Message.select(Message.params, Message.status).where(Message.kind == "password_reset.link")
    assert stored["status"] == "delivered" and token not in stored["params"] and "reset_url" not in stored["params"]
    page = await client.get(link.removeprefix(password_reset.settings.public_url))
    assert page.status_code == 200 and f'value="{token}"' in page.text
    response = await client.post("/api/auth/password-reset/confirm", json={"login": email, "token": token, "new_password": NEW_PASSWORD})
    assert response.status_code == 204


async def test_of_two_confirmations_of_one_link_at_once_exactly_one_sets_the_password(client):
    actor, _ = await make_account("hr")
    email = await email_of(actor.id)
    await ask(client, email)
    (message,) = await reset_messages()
    token = (await secret_of(message))["token"]
    passwords = [f"concurrent-{n}-pass" for n in range(4)]
    responses = await asyncio.gather(
        *(client.post("/api/auth/password-reset/confirm", json={"login": email, "token": token, "new_password": password}) for password in passwords)
    )
    assert sorted(response.status_code for response in responses) == [204, 400, 400, 400]
    winner = passwords[[response.status_code for response in responses].index(204)]
    signed_in = [(await client.post("/api/auth/login", json={"login": email, "password": password})).status_code for password in passwords]
    assert signed_in == [200 if password == winner else 401 for password in passwords]
    generation = (await Account.select(Account.token_generation).where(Account.id == actor.id).first())["token_generation"]
    assert generation == 1, "the password changed once"


async def test_wrong_tokens_are_rate_limited_per_account(client):
    actor, _ = await make_account("hr")
    email = await email_of(actor.id)
    statuses = [
        (await client.post("/api/auth/password-reset/confirm", json={"login": email, "token": f"guess-{n}", "new_password": NEW_PASSWORD})).status_code
        for n in range(11)
    ]
    assert statuses == [400] * 10 + [429]


async def test_a_reset_sent_as_a_link_cannot_be_opened_with_its_code(client):
    actor, _ = await make_account("hr")
    email = await email_of(actor.id)
    await ask(client, email)
    (message,) = await reset_messages()
    code = password_reset.sms_code(uuid.UUID(message.params["reset_id"]))
    response = await client.post("/api/auth/password-reset/confirm", json={"login": email, "code": code, "new_password": NEW_PASSWORD})
    assert response.status_code == 400 and response.json()["code"] == "password_reset_invalid"
