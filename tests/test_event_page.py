"""A stop's public page: rendered once for every anonymous visitor, each with their own CSRF token, and right after every change."""

from __future__ import annotations

import re

import httpx
from conftest import job_body, post_ok
from test_pages import _main


def _token(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]*)"', html).group(1)


async def test_anonymous_visitors_share_one_render_but_each_posts_with_their_own_csrf_token(app, client, published_train, stop):
    from events import event_page

    path = f"/events/{published_train['slug']}"
    first = await client.get(path)
    hits = event_page.PAGES.hits
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as other:
        second = await other.get(path)
        assert event_page.PAGES.hits == hits + 1, "the second visitor's page was the first one's render"
        assert _main(first.text) == _main(second.text) and _token(first.text) != _token(second.text)
        refused = await other.post(f"/stops/{stop['id']}/register", data={"_csrf_token": _token(first.text)})
        accepted = await other.post(f"/stops/{stop['id']}/register", data={"_csrf_token": _token(second.text)})
    assert refused.status_code == 403 and accepted.status_code in (302, 303), (refused.status_code, accepted.status_code)


async def test_the_kept_page_shows_every_change_made_through_this_worker_at_once(client, organiser, hr, booth, published_train, stop, seeker):
    path, slug = f"/events/{published_train['slug']}", published_train["slug"]
    before = _main((await client.get(path)).text)
    assert "Java 开发工程师" not in before and "剩余名额 300" in before
    await post_ok(client, f"/api/events/{slug}/jobs", job_body(), hr)
    assert "Java 开发工程师" in _main((await client.get(path)).text)
    assert (await client.patch(f"/api/events/{slug}", json={"title": "2026 江苏人才专列"}, headers=organiser)).status_code == 200
    assert "2026 江苏人才专列" in _main((await client.get(path)).text)
    await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, seeker)
    assert "剩余名额 299" in _main((await client.get(path)).text)
    moved = await client.patch(f"/api/stops/{stop['id']}", json={"address": "南京市鼓楼区汉口路22号"}, headers=organiser)
    assert moved.status_code == 200 and "南京市鼓楼区汉口路22号" in _main((await client.get(path)).text)


async def test_a_signed_in_student_sees_their_own_page_not_the_one_kept_for_everyone(client, published_train, stop, seeker):
    path = f"/events/{published_train['slug']}"
    assert "查看入场码" not in _main((await client.get(path)).text)
    await post_ok(client, f"/api/stops/{stop['id']}/registrations", None, seeker)
    async with httpx.AsyncClient(transport=client._transport, base_url="http://test", cookies={"session": seeker["Authorization"].removeprefix("Bearer ")}) as student:
        assert "查看入场码" in _main((await student.get(path)).text)
    assert "查看入场码" not in _main((await client.get(path)).text)
