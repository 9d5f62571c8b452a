"""Jobs: who may post, change and delete them (search: test_job_search.py)."""

from __future__ import annotations

from conftest import job_body, post_ok


async def test_hr_posts_a_job_for_its_own_employer_with_the_salary_terms_intact(client, job, employer, published_train):
    assert job["employer"] == {"id": employer["id"], "name": employer["name"]}
    assert job["event_slug"] == published_train["slug"]
    assert (job["salary_min"], job["salary_max"], job["salary_months"]) == (12000, 20000, 13)
    assert job["majors"] == ["计算机科学与技术", "软件工程"] and job["status"] == "open"
    assert job["city"] == published_train["city"], "a job's city defaults to the event's"


async def test_an_employer_without_a_booth_at_the_event_cannot_post_there(client, other_hr, booth, published_train):
    response = await client.post(f"/api/events/{published_train['slug']}/jobs", json=job_body(), headers=other_hr)
    assert response.status_code == 409 and response.json()["code"] == "no_booth_at_event"


async def test_hr_cannot_post_for_another_employer(client, hr, other_employer, booth, published_train):
    response = await client.post(
        f"/api/events/{published_train['slug']}/jobs", json=job_body(employer_id=other_employer["id"]), headers=hr
    )
    assert response.status_code == 403 and response.json()["code"] == "not_your_employer"


async def test_an_organiser_posts_on_an_employers_behalf_but_must_name_it(client, organiser, employer, booth, published_train):
    path = f"/api/events/{published_train['slug']}/jobs"
    missing = await client.post(path, json=job_body(), headers=organiser)
    assert missing.status_code == 422 and missing.json()["code"] == "employer_required"
    posted = await post_ok(client, path, job_body(employer_id=employer["id"]), organiser)
    assert posted["employer"]["id"] == employer["id"]


async def test_hr_edits_and_closes_its_own_job_but_not_anothers(client, job, hr, other_hr):
    edited = (await client.patch(f"/api/jobs/{job['id']}", json={"headcount": 8, "status": "closed"}, headers=hr)).json()
    assert edited["headcount"] == 8 and edited["status"] == "closed" and edited["title"] == job["title"]
    for method in ("patch", "delete"):
        kwargs = {"json": {"headcount": 1}} if method == "patch" else {}
        response = await getattr(client, method)(f"/api/jobs/{job['id']}", headers=other_hr, **kwargs)
        assert response.status_code == 403 and response.json()["code"] == "not_your_job"


async def test_a_patch_that_inverts_the_salary_range_is_refused_and_changes_nothing(client, job, hr):
    response = await client.patch(f"/api/jobs/{job['id']}", json={"salary_min": 30000, "title": "变了"}, headers=hr)
    assert response.status_code == 422 and response.json()["code"] == "salary_range_inverted"
    assert (await client.get(f"/api/jobs/{job['id']}")).json()["title"] == job["title"]


async def test_a_closed_job_is_hidden_from_the_public_but_not_from_its_employer(client, job, hr, seeker):
    await client.patch(f"/api/jobs/{job['id']}", json={"status": "closed"}, headers=hr)
    assert (await client.get(f"/api/jobs/{job['id']}")).status_code == 404
    assert (await client.get(f"/api/jobs/{job['id']}", headers=seeker)).status_code == 404
    assert (await client.get(f"/api/jobs/{job['id']}", headers=hr)).status_code == 200
    listed = (await client.get(f"/api/events/{job['event_slug']}/jobs", params={"status": "closed"}, headers=hr)).json()
    assert [item["id"] for item in listed["items"]] == [job["id"]]
    assert (await client.get(f"/api/events/{job['event_slug']}/jobs")).json()["total"] == 0


async def test_a_deleted_job_disappears_everywhere_but_its_row_stays(client, job, hr, organiser):
    assert (await client.delete(f"/api/jobs/{job['id']}", headers=hr)).status_code == 204
    for headers in ({}, hr, organiser):
        assert (await client.get(f"/api/jobs/{job['id']}", headers=headers)).status_code == 404
    everything = (await client.get(f"/api/events/{job['event_slug']}/jobs", params={"status": "all"}, headers=organiser)).json()
    assert everything["total"] == 0
    from events.tables import Job

    assert await Job.exists().where(Job.id == job["id"])


async def test_the_last_booth_of_an_employer_with_open_jobs_cannot_be_removed(client, organiser, job, booth, hr):
    refused = await client.delete(f"/api/booths/{booth['id']}", headers=organiser)
    assert refused.status_code == 409 and refused.json()["code"] == "employer_has_open_jobs"
    await client.patch(f"/api/jobs/{job['id']}", json={"status": "closed"}, headers=hr)
    assert (await client.delete(f"/api/booths/{booth['id']}", headers=organiser)).status_code == 204
