"""Sign-in, tokens and rate limits."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import uuid
from datetime import timedelta

import httpx
import jwt
import pytest
from conftest import HR_PASSWORD, bearer, make_account, now, post_ok

from events.accounts import issue_token
from events.app import create_app
from events.settings import settings
from events.tables import Account


async def _login(client, login: str, password: str) -> httpx.Response:
    return await client.post("/api/auth/login", json={"login": login, "password": password})


@pytest.fixture
async def strict_client(app):
    """A client of an app whose login limits are small enough to reach in a test."""
    strict = create_app(dataclasses.replace(settings, login_rate_limit_account="3/minute", login_rate_limit_address="8/minute"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=strict), base_url="http://test") as http:
        yield http


async def test_hr_staff_sign_in_with_a_phone_number_typed_any_usual_way(client, organiser, employer):
    await post_ok(client, f"/api/employers/{employer['id']}/staff", {"name": "李雷", "phone": "13812345678", "password": HR_PASSWORD}, organiser)
    for typed in ("13812345678", "+86 138 1234 5678", "138-1234-5678"):
        response = await _login(client, typed, HR_PASSWORD)
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "hr"
    me = (await client.get("/api/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"})).json()
    assert me["phone"] == "+8613812345678" and me["employer_id"] == employer["id"]


async def test_an_email_login_ignores_case(client, organiser, employer):
    await post_ok(client, f"/api/employers/{employer['id']}/staff", {"name": "韩梅梅", "email": "Mei.Han@Example.com", "password": HR_PASSWORD}, organiser)
    assert (await _login(client, "MEI.HAN@example.COM", HR_PASSWORD)).status_code == 200


async def test_a_wrong_password_and_an_unknown_login_get_the_same_answer(client, organiser, employer):
    await post_ok(client, f"/api/employers/{employer['id']}/staff", {"name": "李雷", "email": "lei@example.com", "password": HR_PASSWORD}, organiser)
    wrong = await _login(client, "lei@example.com", "not-the-password-1")
    unknown = await _login(client, "nobody@example.com", HR_PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "invalid_credentials"
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_the_same_login_cannot_be_given_to_two_accounts(client, organiser, employer):
    body = {"name": "李雷", "email": "lei@example.com"}
    await post_ok(client, f"/api/employers/{employer['id']}/staff", body, organiser)
    response = await client.post(f"/api/employers/{employer['id']}/staff", json=body, headers=organiser)
    assert response.status_code == 409 and response.json()["code"] == "login_taken"


async def test_a_generated_initial_password_works_once_shown(client, organiser, employer):
    staff = await post_ok(client, f"/api/employers/{employer['id']}/staff", {"name": "李雷", "email": "lei@example.com"}, organiser)
    assert staff["account"]["role"] == "hr" and len(staff["initial_password"]) >= 12
    assert (await _login(client, "lei@example.com", staff["initial_password"])).status_code == 200


async def test_repeated_failures_lock_one_account_with_retry_after_but_not_its_neighbours(strict_client):
    victim, _ = await make_account("hr")
    neighbour, _ = await make_account("hr")
    victim_email = (await Account.select(Account.email).where(Account.id == victim.id).first())["email"]
    neighbour_email = (await Account.select(Account.email).where(Account.id == neighbour.id).first())["email"]
    for _ in range(3):
        assert (await _login(strict_client, victim_email, "wrong-password-1")).status_code == 401
    locked = await _login(strict_client, victim_email, HR_PASSWORD)
    assert locked.status_code == 429 and locked.json()["code"] == "login_account_rate_limited"
    assert int(locked.headers["Retry-After"]) > 0
    assert (await _login(strict_client, neighbour_email, HR_PASSWORD)).status_code == 200


async def test_one_address_is_limited_after_many_attempts_across_accounts(strict_client):
    answers = [(await _login(strict_client, f"sweep{n}@example.com", "wrong-password-1")).status_code for n in range(10)]
    assert answers[:8] == [401] * 8 and answers[8:] == [429, 429]


async def test_a_whole_campus_behind_one_address_can_sign_in_under_the_default_limits(client):
    # The default per-address ceiling is generous; what stops guessing is the per-account limit.
    students = [await make_account("seeker") for _ in range(60)]
    emails = [(await Account.select(Account.email).where(Account.id == actor.id).first())["email"] for actor, _ in students]
    answers = {(await _login(client, email, HR_PASSWORD)).status_code for email in emails}
    assert answers == {200}


async def test_failed_sign_ins_from_one_address_across_accounts_are_limited_apart_from_successes(client):
    # The default limits: a campus's successes never count towards the failures that stop credential stuffing.
    students = [await make_account("seeker") for _ in range(40)]
    emails = [(await Account.select(Account.email).where(Account.id == actor.id).first())["email"] for actor, _ in students]
    failures = [(await _login(client, f"stuffed{n}@example.com", "leaked-password-1")).status_code for n in range(29)]
    successes = {(await _login(client, email, HR_PASSWORD)).status_code for email in emails}
    assert failures == [401] * 29 and successes == {200}
    assert (await _login(client, "stuffed29@example.com", "leaked-password-1")).status_code == 401
    refused = await _login(client, "stuffed30@example.com", "leaked-password-1")
    assert refused.status_code == 429 and refused.json()["code"] == "login_failure_address_rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Over the limit, a right password is refused too, else a 200 among 429s would show which guess was right.
    assert (await _login(client, emails[0], HR_PASSWORD)).status_code == 429


async def test_an_expired_token_is_refused_with_token_expired(client):
    actor, _ = await make_account("organiser")
    token = issue_token(account_id=actor.id, role="organiser", now=now() - timedelta(days=2)).access_token
    response = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json()["code"] == "token_expired"
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, _: token[:-3] + ("abc" if not token.endswith("abc") else "xyz"),
        lambda _, claims: jwt.encode(claims, "another-secret-that-is-long-enough-000000", algorithm="HS256"),
        lambda _, claims: jwt.encode({**claims, "role": "organiser"}, settings.secret_key, algorithm="HS256"),
        lambda _, claims: jwt.encode({**claims, "sub": str(uuid.uuid4())}, settings.secret_key, algorithm="HS256"),
        lambda _, claims: jwt.encode(claims, None, algorithm="none"),
        lambda token, _: "not a token",
    ],
    ids=["tampered", "wrong-secret", "role-raised", "unknown-account", "alg-none", "garbage"],
)
async def test_a_forged_token_is_refused_with_token_invalid(client, forge):
    actor, _ = await make_account("hr")
    token = issue_token(account_id=actor.id, role="hr", now=now()).access_token
    claims = jwt.decode(token, settings.secret_key, algorithms=["HS256"])
    response = await client.get("/api/me", headers={"Authorization": f"Bearer {forge(token, claims)}"})
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


async def test_a_deactivated_account_loses_its_tokens_and_cannot_sign_in(client):
    actor, headers = await make_account("hr")
    email = (await Account.select(Account.email).where(Account.id == actor.id).first())["email"]
    await Account.update({Account.is_active: False}).where(Account.id == actor.id)
    assert (await client.get("/api/me", headers=headers)).status_code == 401
    assert (await _login(client, email, HR_PASSWORD)).status_code == 401


async def test_a_bad_token_is_refused_even_on_a_public_endpoint(client):
    response = await client.get("/api/events", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401


async def test_a_non_bearer_authorization_header_is_refused(client):
    actor, _ = await make_account("organiser")
    response = await client.get("/api/me", headers={"Authorization": "Basic b3JnOnB3"})
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"
    assert (await client.get("/api/me", headers=bearer(actor.id, "organiser"))).status_code == 200


def _app_with(**changes):
    return create_app(dataclasses.replace(settings, **changes))


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL (CI sets it)")
async def test_with_redis_two_workers_share_one_login_limit():
    apps = [_app_with(redis_url=os.environ["TEST_REDIS_URL"], login_rate_limit_account="3/minute") for _ in range(2)]
    await apps[0].state.limiter.reset()
    actor, _ = await make_account("hr")
    email = (await Account.select(Account.email).where(Account.id == actor.id).first())["email"]
    answers = []
    for n in range(4):
        transport = httpx.ASGITransport(app=apps[n % 2])
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            answers.append((await _login(http, email, "wrong-password-1")).status_code)
    assert answers == [401, 401, 401, 429]
    await apps[0].state.limiter.reset()


async def test_when_redis_is_down_sign_in_still_works_and_the_outage_is_logged():
    down = _app_with(redis_url="redis://127.0.0.1:1/0")
    # Litestar's logging set-up replaces root handlers when an app is built, so listen on the module's logger itself.
    records: list[logging.LogRecord] = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = records.append
    logging.getLogger("events.ratelimit").addHandler(handler)
    try:
        actor, _ = await make_account("hr")
        email = (await Account.select(Account.email).where(Account.id == actor.id).first())["email"]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=down), base_url="http://test") as http:
            response = await _login(http, email, HR_PASSWORD)
    finally:
        logging.getLogger("events.ratelimit").removeHandler(handler)
    assert response.status_code == 200
    assert any("rate limit" in record.getMessage() for record in records)


async def test_sign_ups_from_one_address_and_registrations_by_one_account_are_rate_limited(published_train):
    from conftest import many_seekers, sign_up_body

    strict = _app_with(signup_rate_limit_address="2/minute", registration_rate_limit_account="2/minute")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=strict), base_url="http://test") as http:
        answers = [(await http.post("/api/seekers", json=sign_up_body(phone=f"1380000000{n}"))).status_code for n in range(3)]
        assert answers == [201, 201, 429]
        (student,) = await many_seekers(1)
        stops = [stop["id"] for stop in published_train["stops"]]
        tries = [await http.post(f"/api/stops/{stop_id}/registrations", headers=student) for stop_id in stops]
        assert [r.status_code for r in tries] == [201, 201, 429]
        assert tries[2].json()["code"] == "registration_account_rate_limited" and int(tries[2].headers["Retry-After"]) > 0
    await strict.state.limiter.reset()


async def test_one_scanning_account_is_rate_limited_and_told_when_to_retry(night_market, organiser):
    strict = _app_with(scan_rate_limit_account="3/minute")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=strict), base_url="http://test") as http:
        path = f"/api/stops/{night_market['tonight']['id']}/check-ins"
        answers = [await http.post(path, json={"ticket": "K7Q4M2XA", "nonce": str(uuid.uuid4())}, headers=organiser) for _ in range(4)]
    assert [a.status_code for a in answers] == [409, 409, 409, 429]
    assert answers[3].json()["code"] == "scan_account_rate_limited" and int(answers[3].headers["Retry-After"]) > 0
    await strict.state.limiter.reset()


async def test_registrations_and_scans_from_one_address_are_rate_limited_across_accounts(published_train, night_market, organiser, hr):
    from conftest import many_seekers

    strict = _app_with(registration_rate_limit_address="2/minute", scan_rate_limit_address="2/minute")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=strict), base_url="http://test") as http:
        students = await many_seekers(3)
        stop_id = published_train["stops"][0]["id"]
        tries = [await http.post(f"/api/stops/{stop_id}/registrations", headers=s) for s in students]
        assert [r.status_code for r in tries] == [201, 201, 429] and tries[2].json()["code"] == "registration_address_rate_limited"
        path = f"/api/stops/{night_market['tonight']['id']}/check-ins"
        scans = [await http.post(path, json={"ticket": "K7Q4M2XA", "nonce": str(uuid.uuid4())}, headers=h) for h in (organiser, organiser, organiser)]
        assert [r.status_code for r in scans] == [409, 409, 429] and scans[2].json()["code"] == "scan_address_rate_limited"
    await strict.state.limiter.reset()


async def test_an_unlimited_limit_never_refuses_and_keeps_no_window():
    from limits.aio.storage import MemoryStorage

    from events.errors import RateLimited
    from events.ratelimit import Limiter

    storage = MemoryStorage()
    limiter = Limiter(storage, {"scan_account": "unlimited", "login_account": "2/minute"})
    for _ in range(50):
        await limiter.hit("scan_account", "phone-1")
    assert not storage.events
    await limiter.hit("login_account", "someone")
    await limiter.hit("login_account", "someone")
    with pytest.raises(RateLimited):
        await limiter.hit("login_account", "someone")


async def _email_of(actor) -> str:
    return (await Account.select(Account.email).where(Account.id == actor.id).first())["email"]


def _headers(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_changing_ones_password_ends_every_earlier_sign_in_and_only_the_new_password_works(client):
    actor, _ = await make_account("seeker")
    email = await _email_of(actor)
    phone, laptop = _headers(await _login(client, email, HR_PASSWORD)), _headers(await _login(client, email, HR_PASSWORD))
    changed = await client.post("/api/me/password", json={"current_password": HR_PASSWORD, "new_password": "blue-lantern-42"}, headers=phone)
    assert changed.status_code == 204, changed.text
    for headers in (phone, laptop):
        ended = await client.get("/api/me", headers=headers)
        assert ended.status_code == 401 and ended.json()["code"] == "token_revoked"
    assert (await _login(client, email, HR_PASSWORD)).status_code == 401
    again = _headers(await _login(client, email, "blue-lantern-42"))
    assert (await client.get("/api/me", headers=again)).json()["id"] == str(actor.id)


async def test_a_password_change_is_refused_with_a_clear_code_and_leaves_the_sign_in_alone(client, hr):
    cases = [
        ({"current_password": "not-the-password-1", "new_password": "blue-lantern-42"}, 400, "password_incorrect"),
        ({"current_password": HR_PASSWORD, "new_password": "short1"}, 422, "weak_password"),
        ({"current_password": HR_PASSWORD, "new_password": "onlyletterslong"}, 422, "weak_password"),
        ({"current_password": HR_PASSWORD, "new_password": HR_PASSWORD}, 422, "password_unchanged"),
        ({"current_password": HR_PASSWORD}, 400, "validation_failed"),
    ]
    for body, status, code in cases:
        response = await client.post("/api/me/password", json=body, headers=hr)
        assert (response.status_code, response.json()["code"]) == (status, code), body
        assert response.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/me", headers=hr)).status_code == 200
    assert (await client.post("/api/me/password", json=cases[0][0])).status_code == 401


async def test_guessing_the_current_password_with_a_stolen_token_runs_into_the_accounts_limit(strict_client):
    _, headers = await make_account("seeker")
    answers = [
        (await strict_client.post("/api/me/password", json={"current_password": f"guess-{n}-password", "new_password": "blue-lantern-42"}, headers=headers)).status_code
        for n in range(4)
    ]
    assert answers == [400, 400, 400, 429]


async def test_an_organiser_resets_an_hr_password_and_the_hr_accounts_sign_ins_end(client, organiser, employer):
    staff = await post_ok(client, f"/api/employers/{employer['id']}/staff", {"name": "李雷", "email": "lei@example.com", "password": HR_PASSWORD}, organiser)
    account_id = staff["account"]["id"]
    before = _headers(await _login(client, "lei@example.com", HR_PASSWORD))

    generated = await client.post(f"/api/accounts/{account_id}/password", json={}, headers=organiser)
    assert generated.status_code == 200, generated.text
    assert generated.json()["account_id"] == account_id and len(generated.json()["password"]) >= 12
    assert (await client.get("/api/me", headers=before)).json()["code"] == "token_revoked"
    assert (await _login(client, "lei@example.com", HR_PASSWORD)).status_code == 401
    assert (await _login(client, "lei@example.com", generated.json()["password"])).status_code == 200

    chosen = await client.post(f"/api/accounts/{account_id}/password", json={"new_password": "night-market-7"}, headers=organiser)
    assert chosen.status_code == 200 and chosen.json()["password"] is None
    assert (await _login(client, "lei@example.com", "night-market-7")).status_code == 200
    log = (await client.get("/api/audit-log", params={"action": "reset_password"}, headers=organiser)).json()
    assert log["total"] == 2 and {item["target"] for item in log["items"]} == {f"account:{account_id}"}


async def test_only_organisers_reset_passwords_and_only_of_hr_accounts(client, organiser, hr, seeker):
    student, _ = await make_account("seeker")
    boss, _ = await make_account("organiser")
    hr_id = (await client.get("/api/me", headers=hr)).json()["id"]
    for headers, account_id, status, code in [
        (organiser, student.id, 403, "hr_accounts_only"),
        (organiser, boss.id, 403, "hr_accounts_only"),
        (organiser, uuid.uuid4(), 404, "account_not_found"),
        (hr, hr_id, 403, "organiser_only"),
        (seeker, hr_id, 403, "organiser_only"),
    ]:
        response = await client.post(f"/api/accounts/{account_id}/password", json={}, headers=headers)
        assert (response.status_code, response.json()["code"]) == (status, code)
    weak = await client.post(f"/api/accounts/{hr_id}/password", json={"new_password": "12345678"}, headers=organiser)
    assert weak.status_code == 422 and weak.json()["code"] == "weak_password"
    assert (await client.get("/api/me", headers=hr)).status_code == 200


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="needs TEST_REDIS_URL (CI sets it): workers hear sign-outs through Redis")
async def test_a_password_changed_on_another_worker_ends_the_sign_ins_this_worker_remembers(client, live_server, monkeypatch):
    from events import accounts, signouts

    # This worker would trust a token it has verified for an hour: only the other worker's announcement can end it.
    monkeypatch.setattr(accounts, "ACCOUNT_RECHECK_SECONDS", 3600)
    await signouts.start(os.environ["TEST_REDIS_URL"], forget=accounts.forget_account_here)
    try:
        actor, _ = await make_account("hr")
        email = await _email_of(actor)
        kept = _headers(await _login(client, email, HR_PASSWORD))
        assert (await client.get("/api/me", headers=kept)).status_code == 200
        async with httpx.AsyncClient(base_url=live_server.url) as other_worker:
            changed = await other_worker.post("/api/me/password", json={"current_password": HR_PASSWORD, "new_password": "blue-lantern-42"}, headers=kept)
            assert changed.status_code == 204, changed.text
        # Pub/sub delivers in milliseconds; the bound is only there so that a missed announcement fails instead of hanging.
        for _ in range(100):
            answer = await client.get("/api/me", headers=kept)
            if answer.status_code != 200:
                break
            await asyncio.sleep(0.05)
        assert answer.status_code == 401 and answer.json()["code"] == "token_revoked"
    finally:
        await signouts.close()
