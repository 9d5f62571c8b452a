"""Test scenes against a real database: a SQLite file, or PostgreSQL when TEST_DATABASE_URL is set.

The environment is set before any `events` module is imported, because Piccolo tables bind
to their engine at import time.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

_DATA = Path(tempfile.mkdtemp(prefix="events-test-"))
os.environ.update(
    APP_ENV="test",
    SECRET_KEY="test-secret-key-that-is-long-enough-0123456789",
    PASSWORD_HASH_PROFILE="fast",
    DATA_DIR=str(_DATA),
    PICCOLO_CONF="piccolo_conf",
    # A local receiver (127.0.0.1, plain http) stands in for the outside world in the webhook tests.
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES="1",
    WEBHOOK_ALLOW_HTTP="1",
)
os.environ.pop("REDIS_URL", None)
if os.environ.get("TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{_DATA / 'events.sqlite3'}"

import httpx  # noqa: E402
import pytest  # noqa: E402
from channels import smtp  # noqa: E402, F401 - the real-SMTP fixture the delivery and password-reset tests share

from events import db  # noqa: E402
from events.accounts import Actor, create_account, issue_token  # noqa: E402
from events.app import create_app  # noqa: E402
from events.cli import migrate  # noqa: E402
from events.settings import settings  # noqa: E402
from events.tables import ALL_TABLES  # noqa: E402

DATABASE = "postgresql" if settings.database_url.startswith("postgres") else "sqlite"
ORGANISER_PASSWORD = "organiser-pass-1"
HR_PASSWORD = "hr-pass-1234"


def pytest_report_header() -> str:
    return f"database: {DATABASE} ({settings.database_url})"


async def _reset_schema() -> None:
    engine = db.engine()
    if DATABASE == "postgresql":
        await engine.run_ddl("DROP SCHEMA public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
    else:
        settings.sqlite_path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
async def app():
    await _reset_schema()
    await migrate()
    application = create_app()
    # What the app's lifespan does, inline: pytest-asyncio sets a session fixture up and tears it
    # down in different tasks, which anyio's cancel scopes inside `app.lifespan()` refuse.
    # tests/test_server.py runs the real lifespan in a real server.
    await db.open_database()
    yield application
    await db.close_database()


@pytest.fixture(autouse=True)
async def clean(app) -> AsyncIterator[None]:
    """Every test starts from empty tables and fresh rate-limit windows."""
    yield
    for table in reversed(ALL_TABLES):
        await table.delete(force=True)
    await app.state.limiter.reset()


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield http


def now() -> datetime:
    return datetime.now(UTC)


def bearer(account_id: uuid.UUID, role: str) -> dict[str, str]:
    token = issue_token(account_id=account_id, role=role, now=now())
    return {"Authorization": f"Bearer {token.access_token}"}


async def make_account(role: str, *, employer_id: uuid.UUID | None = None, password: str = HR_PASSWORD) -> tuple[Actor, dict[str, str]]:
    view = await create_account(
        role=role,
        name=f"{role} {uuid.uuid4().hex[:6]}",
        email=f"{role}-{uuid.uuid4().hex[:8]}@example.com",
        phone=None,
        password=password,
        employer_id=employer_id,
        now=now(),
    )
    return Actor(role=role, id=view.id, employer_id=employer_id), bearer(view.id, role)


@pytest.fixture
async def organiser() -> dict[str, str]:
    """Headers of a signed-in organiser."""
    return (await make_account("organiser", password=ORGANISER_PASSWORD))[1]


@pytest.fixture
async def organiser_actor() -> Actor:
    return (await make_account("organiser"))[0]


def future(days: int, hour: int = 14) -> datetime:
    """A moment `days` from today at `hour` o'clock, Shanghai time."""
    from zoneinfo import ZoneInfo

    day = (now() + timedelta(days=days)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Asia/Shanghai"))


_credit_serial = iter(range(1, 10**6))


def credit_code() -> str:
    """A fresh, valid 统一社会信用代码."""
    from stdnum.cn import uscc

    body = f"91320100{next(_credit_serial):09d}"
    return body + uscc.calc_check_digit(body)


async def post_ok(client: httpx.AsyncClient, path: str, json: Any, headers: dict[str, str], status: int = 201) -> dict[str, Any]:
    response = await client.post(path, json=json, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
async def employer(client, organiser) -> dict[str, Any]:
    return await post_ok(client, "/api/employers", {"name": "南京云帆科技有限公司", "credit_code": credit_code(), "city": "南京"}, organiser)


@pytest.fixture
async def other_employer(client, organiser) -> dict[str, Any]:
    return await post_ok(client, "/api/employers", {"name": "苏州星河生物医药有限公司", "credit_code": credit_code(), "city": "苏州"}, organiser)


@pytest.fixture
async def hr(employer) -> dict[str, str]:
    """Headers of an HR account of `employer`."""
    return (await make_account("hr", employer_id=uuid.UUID(employer["id"])))[1]


@pytest.fixture
async def other_hr(other_employer) -> dict[str, str]:
    return (await make_account("hr", employer_id=uuid.UUID(other_employer["id"])))[1]


@pytest.fixture
async def seeker() -> dict[str, str]:
    return (await make_account("seeker"))[1]


def stop_body(days: int, school: str = "南京大学", capacity: int = 300, **extra: Any) -> dict[str, Any]:
    return {
        "school": school,
        "campus": "仙林校区",
        "address": "南京市栖霞区仙林大道163号",
        "starts_at": future(days).isoformat(),
        "ends_at": (future(days) + timedelta(hours=3)).isoformat(),
        "capacity": capacity,
        **extra,
    }


@pytest.fixture
async def talent_train(client, organiser) -> dict[str, Any]:
    """A draft talent train with three campus stops, returned as its detail."""
    event = await post_ok(client, "/api/events", {"kind": "talent_train", "title": "2026 南京人才专列", "city": "南京"}, organiser)
    for days, school in ((10, "南京大学"), (12, "东南大学"), (14, "河海大学")):
        await post_ok(client, f"/api/events/{event['slug']}/stops", stop_body(days, school), organiser)
    response = await client.get(f"/api/events/{event['slug']}", headers=organiser)
    return response.json()


@pytest.fixture
async def published_train(client, organiser, talent_train) -> dict[str, Any]:
    return await post_ok(client, f"/api/events/{talent_train['slug']}/publish", None, organiser, status=200)


@pytest.fixture
async def booth(client, organiser, published_train, employer) -> dict[str, Any]:
    """`employer`'s booth A12 at the train's first stop."""
    stop_id = published_train["stops"][0]["id"]
    return await post_ok(client, f"/api/stops/{stop_id}/booths", {"employer_id": employer["id"], "label": "A12"}, organiser)


def job_body(**extra: Any) -> dict[str, Any]:
    return {
        "title": "Java 开发工程师",
        "headcount": 3,
        "salary_min": 12000,
        "salary_max": 20000,
        "salary_months": 13,
        "education": "bachelor",
        "majors": ["计算机科学与技术", "软件工程"],
        **extra,
    }


@pytest.fixture
async def job(client, hr, booth, published_train) -> dict[str, Any]:
    """An open job `employer` posted at the published train."""
    return await post_ok(client, f"/api/events/{published_train['slug']}/jobs", job_body(), hr)




_phone_serial = iter(range(1, 10**8))


async def many_seekers(count: int) -> list[dict[str, str]]:
    """Headers of `count` seekers, inserted in one statement (sign-up itself is tested elsewhere)."""
    from events.accounts import hash_password
    from events.tables import Account

    password_hash = await hash_password(HR_PASSWORD)
    rows = [
        Account(role="seeker", name=f"学生{n}", phone=f"+86139{n:08d}", password_hash=password_hash, created_at=now(), updated_at=now())
        for n in (next(_phone_serial) for _ in range(count))
    ]
    await Account.insert(*rows)
    return [bearer(row.id, "seeker") for row in rows]


@pytest.fixture
async def stop(client, organiser, published_train) -> dict[str, Any]:
    """The published train's first stop, open for registration, with 300 seats."""
    return published_train["stops"][0]


async def set_capacity(client, organiser, stop_id: str, capacity: int) -> dict[str, Any]:
    response = await client.patch(f"/api/stops/{stop_id}", json={"capacity": capacity}, headers=organiser)
    assert response.status_code == 200, response.text
    return response.json()


def sign_up_body(**extra: Any) -> dict[str, Any]:
    """A valid seeker sign-up; `extra` overrides fields."""
    from events.seekers import PRIVACY_NOTICE_VERSION

    return {
        "name": "李华",
        "phone": "138 1234 5678",
        "password": "campus-2026",
        "school": "南京大学",
        "major": "软件工程",
        "degree": "bachelor",
        "graduation_year": 2027,
        "accept_privacy_notice": True,
        "privacy_notice_version": PRIVACY_NOTICE_VERSION,
        **extra,
    }


@pytest.fixture
async def night_market(client, organiser, employer, other_employer) -> dict[str, Any]:
    """A published night market whose first night is on now (started half an hour ago), with stalls A12 (`employer`) and B3 (`other_employer`)."""
    event = await post_ok(client, "/api/events", {"kind": "night_market", "title": "秦淮人才夜市", "city": "南京"}, organiser)
    start = now() - timedelta(minutes=30)
    tonight = await post_ok(
        client,
        f"/api/events/{event['slug']}/stops",
        stop_body(0, school="", name="今晚", starts_at=start.isoformat(), ends_at=(start + timedelta(hours=3)).isoformat(), capacity=5000),
        organiser,
    )
    tomorrow = await post_ok(client, f"/api/events/{event['slug']}/stops", stop_body(1, school="", name="明晚"), organiser)
    a12 = await post_ok(client, f"/api/stops/{tonight['id']}/booths", {"employer_id": employer["id"], "label": "A12"}, organiser)
    b3 = await post_ok(client, f"/api/stops/{tonight['id']}/booths", {"employer_id": other_employer["id"], "label": "B3"}, organiser)
    await post_ok(client, f"/api/events/{event['slug']}/publish", None, organiser, status=200)
    return {"slug": event["slug"], "tonight": tonight, "tomorrow": tomorrow, "a12": a12, "b3": b3}


async def confirmed_tickets(stop_id: str, count: int) -> list[dict[str, Any]]:
    """`count` seekers with confirmed places at the stop (registered a day ago), inserted directly; their ticket codes and short codes."""
    from events import tickets
    from events.tables import Registration, Stop

    seekers = await many_seekers(count)
    from events.accounts import actor_from_token

    rows = []
    for headers in seekers:
        actor = await actor_from_token(headers["Authorization"].split()[1])
        day_ago = now() - timedelta(days=1)
        rows.append(Registration(stop=stop_id, seeker=actor.id, status="confirmed", short_code=tickets.new_short_code(), confirmed_at=day_ago, created_at=day_ago, updated_at=day_ago))
    for start in range(0, len(rows), 500):
        await Registration.insert(*rows[start : start + 500])
    await Stop.update({Stop.confirmed_count: Stop.confirmed_count + count}).where(Stop.id == stop_id)
    return [
        {"id": str(row.id), "code": tickets.issue(registration_id=row.id, stop_id=uuid.UUID(str(stop_id))), "short_code": row.short_code, "seeker": headers}
        for row, headers in zip(rows, seekers, strict=True)
    ]


def live_server_env() -> dict[str, str]:
    """A real server on the test database: two workers sharing live updates through Redis when the run has one, else one worker."""
    env = {"DATABASE_URL": settings.database_url, "DATA_DIR": tempfile.mkdtemp(), "APP_ENV": "test", "SECRET_KEY": os.environ["SECRET_KEY"]}
    redis_url = os.environ.get("TEST_REDIS_URL")
    return {**env, "REDIS_URL": redis_url, "WORKERS": "2"} if redis_url else {**env, "WORKERS": "1"}


@pytest.fixture
async def live_server(app):
    """A real server process on the test database, for browsers and event streams."""
    from server import Server

    server = Server(live_server_env())
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def phone(phone_context):
    """A page in `phone_context`."""
    return await phone_context.new_page()


@pytest.fixture
async def phone_context():
    """A browser context in Debian's Chromium, shaped like a 360×740 phone in Shanghai."""
    from browser import PHONE, launch
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await launch(playwright)
        yield await browser.new_context(**PHONE, locale="zh-CN")
        await browser.close()
