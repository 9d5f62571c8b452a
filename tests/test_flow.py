"""The whole foundation story through the HTTP API: a talent train with three stops, two employers with booths at each, and jobs."""

from __future__ import annotations

from conftest import ORGANISER_PASSWORD, credit_code, job_body, post_ok, stop_body


async def test_an_organiser_builds_a_talent_train_and_hr_posts_jobs_that_the_public_can_find(client, organiser):
    me = (await client.get("/api/me", headers=organiser)).json()
    login = await post_ok(client, "/api/auth/login", {"login": me["email"], "password": ORGANISER_PASSWORD}, {}, status=200)
    assert login["token_type"] == "bearer" and login["role"] == "organiser"
    headers = {"Authorization": f"Bearer {login['access_token']}"}

    employers = [
        await post_ok(client, "/api/employers", {"name": name, "credit_code": credit_code(), "industry": "软件", "city": "南京"}, headers)
        for name in ("南京云帆科技有限公司", "江苏长江智能制造有限公司")
    ]
    staff = [
        await post_ok(client, f"/api/employers/{employer['id']}/staff", {"name": "王敏", "email": f"hr{n}@example.com"}, headers)
        for n, employer in enumerate(employers)
    ]

    event = await post_ok(client, "/api/events", {"kind": "talent_train", "title": "2026 南京人才专列", "city": "南京"}, headers)
    assert event["status"] == "draft"
    stops = [
        await post_ok(client, f"/api/events/{event['slug']}/stops", stop_body(days, school), headers)
        for days, school in ((10, "南京大学"), (12, "东南大学"), (14, "河海大学"))
    ]
    for stop in stops:
        for n, employer in enumerate(employers):
            await post_ok(client, f"/api/stops/{stop['id']}/booths", {"employer_id": employer["id"], "label": f"A{n + 1}"}, headers)

    assert (await client.get(f"/api/events/{event['slug']}")).status_code == 404, "drafts are invisible to the public"
    await post_ok(client, f"/api/events/{event['slug']}/publish", None, headers, status=200)

    for n, hr in enumerate(staff):
        token = await post_ok(
            client, "/api/auth/login", {"login": f"hr{n}@example.com", "password": hr["initial_password"]}, {}, status=200
        )
        hr_headers = {"Authorization": f"Bearer {token['access_token']}"}
        await post_ok(client, f"/api/events/{event['slug']}/jobs", job_body(title=f"岗位 {n}"), hr_headers)

    detail = (await client.get(f"/api/events/{event['slug']}")).json()
    assert [stop["school"] for stop in detail["stops"]] == ["南京大学", "东南大学", "河海大学"]
    assert all([booth["label"] for booth in stop["booths"]] == ["A1", "A2"] for stop in detail["stops"])
    assert detail["starts_at"] == stops[0]["starts_at"] and detail["ends_at"] == stops[2]["ends_at"]

    listed = (await client.get("/api/events", params={"kind": "talent_train", "city": "南京"})).json()
    assert [item["slug"] for item in listed["items"]] == [event["slug"]]

    jobs = (await client.get(f"/api/events/{event['slug']}/jobs")).json()
    assert sorted(job["title"] for job in jobs["items"]) == ["岗位 0", "岗位 1"]
    assert {job["employer"]["name"] for job in jobs["items"]} == {employer["name"] for employer in employers}
