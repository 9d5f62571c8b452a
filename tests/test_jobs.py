"""Jobs: who may post and change them, and how the public finds them."""

from __future__ import annotations

import pytest
from conftest import DATABASE, job_body, post_ok


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


async def test_job_search_filters_by_text_education_major_and_salary(client, hr, booth, published_train):
    path = f"/api/events/{published_train['slug']}/jobs"
    posted = {
        "java": await post_ok(client, path, job_body(title="Java 开发工程师", education="bachelor", salary_min=12000, salary_max=20000), hr),
        "phd": await post_ok(client, path, job_body(title="算法研究员", education="doctorate", majors=["数学"], salary_min=30000, salary_max=50000), hr),
        "ops": await post_ok(client, path, job_body(title="运营专员", education="associate", majors=[], salary_min=5000, salary_max=7000), hr),
    }

    async def found(**params):
        body = (await client.get(path, params=params)).json()
        return {name for name, job in posted.items() if job["id"] in {item["id"] for item in body["items"]}}

    assert await found() == {"java", "phd", "ops"}
    assert await found(q="java") == {"java"}, "text search ignores case"
    assert await found(q="研究") == {"phd"}
    assert await found(education="bachelor") == {"java", "ops"}, "a bachelor qualifies for bachelor-and-below jobs"
    assert await found(education="doctorate") == {"java", "phd", "ops"}
    assert await found(major="软件") == {"java", "ops"}, "jobs open to every major match any major"
    assert await found(major="数学") == {"phd", "ops"}
    assert await found(min_salary=15000) == {"java", "phd"}
    assert await found(min_salary=15000, education="master") == {"java"}


async def test_job_search_answers_sql_metacharacters_without_error_or_injection(client, job):
    for text in ("' OR 1=1 --", '"; DROP TABLE job; --', "\\"):
        response = await client.get(f"/api/events/{job['event_slug']}/jobs", params={"q": text})
        assert response.status_code == 200 and response.json()["total"] == 0
    assert (await client.get(f"/api/events/{job['event_slug']}/jobs")).json()["total"] == 1


# ---------------------------------------------------------------- search: text, totals and what each worker keeps


def titles(body):
    return [item["title"] for item in body["items"]]


@pytest.fixture
async def postings(client, hr, booth, published_train):
    """Five open jobs at the published train, posted oldest first; returns a function that searches there."""
    path = f"/api/events/{published_train['slug']}/jobs"
    for title in ("软件工程师", "Java 开发工程师", "100%远程 客服_夜班", "销售代表", "C:\\Users 运维"):
        await post_ok(client, path, job_body(title=title, description="", majors=[]), hr)

    async def search(**params):
        response = await client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    search.path = path
    return search


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("工程师", {"软件工程师", "Java 开发工程师"}),
        ("软件工程", {"软件工程师"}),
        ("工程", {"软件工程师", "Java 开发工程师"}),
        ("程", {"软件工程师", "Java 开发工程师", "100%远程 客服_夜班"}),
        ("JAVA 开发", {"Java 开发工程师"}),
        ("jA", {"Java 开发工程师"}),
        ("%", {"100%远程 客服_夜班"}),
        ("0%远", {"100%远程 客服_夜班"}),
        ("_", {"100%远程 客服_夜班"}),
        ("服_夜", {"100%远程 客服_夜班"}),
        ("C:\\U", {"C:\\Users 运维"}),
        ("\\", {"C:\\Users 运维"}),
        ("区块链", set()),
        ("区块", set()),
    ],
)
async def test_text_search_finds_substrings_of_any_length_case_ignored_and_wildcards_literal(postings, q, found):
    body = await postings(q=q)
    assert set(titles(body)) == found and body["total"] == len(found)


async def test_search_finds_text_in_the_category_and_description_but_not_across_fields(client, hr, booth, published_train):
    path = f"/api/events/{published_train['slug']}/jobs"
    await post_ok(client, path, job_body(title="产品经理", category="管理", description="负责嵌入式平台规划"), hr)
    for q, total in (("嵌入式", 1), ("管理", 1), ("经理管", 0)):
        assert (await client.get(path, params={"q": q})).json()["total"] == total, q
    assert (await client.get(path, params={"q": "理\n管"})).status_code == 400, "search text holds no control characters"


async def test_the_text_index_follows_jobs_posted_retitled_and_deleted(client, hr, postings):
    assert (await postings(q="工程师"))["total"] == 2
    java = next(item for item in (await postings(q="Java"))["items"])
    await client.patch(f"/api/jobs/{java['id']}", json={"title": "Go 后端开发"}, headers=hr)
    assert set(titles(await postings(q="工程师"))) == {"软件工程师"}
    assert titles(await postings(q="后端开发")) == ["Go 后端开发"]
    await post_ok(client, postings.path, job_body(title="测试工程师"), hr)
    assert set(titles(await postings(q="工程师"))) == {"软件工程师", "测试工程师"}
    assert (await client.delete(f"/api/jobs/{java['id']}", headers=hr)).status_code == 204
    assert (await postings(q="后端开发"))["total"] == 0


async def test_jobs_removed_from_the_table_leave_the_text_index(postings):
    from events import db
    from events.tables import Job

    await Job.delete().where(Job.title.like("%工程师%"))
    assert (await postings(q="工程师"))["total"] == 0
    if db.is_sqlite():
        keys = await Job.raw("SELECT count(*) AS n FROM job_search_key")
        indexed = await Job.raw("SELECT count(*) AS n FROM job_search WHERE job_search MATCH '\"客服_夜\"'")
        assert keys[0]["n"] == 3 and indexed[0]["n"] == 1


async def test_totals_move_with_every_change_to_the_events_jobs(client, hr, organiser, postings):
    assert (await postings())["total"] == 5 and (await postings(q="工程"))["total"] == 2
    posted = await post_ok(client, postings.path, job_body(title="电气工程师"), hr)
    assert (await postings())["total"] == 6 and (await postings(q="工程"))["total"] == 3
    await client.patch(f"/api/jobs/{posted['id']}", json={"status": "closed"}, headers=hr)
    assert (await postings())["total"] == 5 and (await postings(q="工程"))["total"] == 2
    closed = (await client.get(postings.path, params={"status": "closed"}, headers=organiser)).json()
    everything = (await client.get(postings.path, params={"status": "all", "q": "工程"}, headers=organiser)).json()
    assert closed["total"] == 1 and everything["total"] == 3


async def test_jobs_written_behind_the_apps_back_still_count(postings, published_train, employer):
    """Bulk loads and other writers go past the domain code: triggers keep the tally and the text index."""
    from events.tables import Event, Job

    event = await Event.objects().where(Event.slug == published_train["slug"]).first()
    rows = [Job(event=event.id, employer=employer["id"], title=f"数据工程师{n}", headcount=1, salary_min=1, salary_max=2) for n in range(30)]
    await Job.insert(*rows)
    assert (await postings())["total"] == 35 and (await postings(q="数据工程"))["total"] == 30
    await Job.update({Job.status: "closed"}).where(Job.title.like("数据%"))
    assert (await postings())["total"] == 5 and (await postings(q="数据工程"))["total"] == 0


async def test_a_renamed_employer_shows_in_search_results_at_once(client, organiser, employer, postings):
    assert (await postings(q="销售"))["items"][0]["employer"]["name"] == employer["name"]
    response = await client.patch(f"/api/employers/{employer['id']}", json={"name": "南京云帆数字科技有限公司"}, headers=organiser)
    assert response.status_code == 200, response.text
    for page in (await postings(q="销售"), await postings()):
        assert {item["employer"]["name"] for item in page["items"]} == {"南京云帆数字科技有限公司"}


async def test_pages_past_the_kept_matches_continue_in_the_same_order(postings, monkeypatch):
    from events import job_search as jobs

    everything = titles(await postings(limit=100))
    monkeypatch.setattr(jobs, "HEAD", 2)
    monkeypatch.setattr(jobs, "_REMEMBERED", type(jobs._REMEMBERED)())
    monkeypatch.setattr(jobs, "_PAGES", type(jobs._PAGES)())
    pages = [await postings(limit=2, offset=offset) for offset in (0, 2, 4)]
    assert [title for page in pages for title in titles(page)] == everything
    assert {page["total"] for page in pages} == {5}


@pytest.mark.parametrize("sparse", [0.0, 1.0])
async def test_rare_and_common_text_find_the_same_jobs_in_the_same_order(postings, monkeypatch, sparse):
    """A search below SPARSE of the event starts from the text index, a commoner one walks the listing: same answer."""
    from events import job_search as jobs

    monkeypatch.setattr(jobs, "SPARSE", sparse)
    monkeypatch.setattr(jobs, "_REMEMBERED", type(jobs._REMEMBERED)())
    monkeypatch.setattr(jobs, "_PAGES", type(jobs._PAGES)())
    body = await postings(q="工程师")
    assert titles(body) == ["Java 开发工程师", "软件工程师"] and body["total"] == 2


@pytest.mark.parametrize("common", [0.0, 2.0])
async def test_a_text_found_through_the_index_or_tested_job_by_job_finds_the_same_jobs(postings, monkeypatch, common):
    """On PostgreSQL a text the statistics call common is tested job by job as they are read, any other looked up in the index."""
    from events import job_search as jobs

    monkeypatch.setattr(jobs, "COMMON", common)
    for cache in ("_REMEMBERED", "_PAGES", "_COMMON"):
        monkeypatch.setattr(jobs, cache, type(getattr(jobs, cache))())
    for q, expected in (("工程", ["Java 开发工程师", "软件工程师"]), ("程", ["100%远程 客服_夜班", "Java 开发工程师", "软件工程师"]), ("jA", ["Java 开发工程师"])):
        body = await postings(q=q)
        assert titles(body) == expected and body["total"] == len(expected), q


async def test_twenty_searches_at_once_for_a_new_version_run_it_once(postings, monkeypatch):
    import asyncio

    from events import job_search as jobs

    runs = []
    real = jobs._match
    monkeypatch.setattr(jobs, "_match", lambda search, **kw: runs.append(search) or real(search, **kw))
    bodies = await asyncio.gather(*(postings(q="工程", major="x") for _ in range(20)))
    assert len(runs) == 1 and {body["total"] for body in bodies} == {2}


@pytest.mark.parametrize("q", ["工", "工程", "工程师"])
async def test_chinese_text_is_found_through_the_text_index(postings, published_train, q):
    """The index is built on the expression the search writes: were they to drift apart, search would still answer, only slowly."""
    from events import db
    from events import job_search as jobs
    from events.tables import Event, Job

    if DATABASE == "sqlite":
        event = await Event.objects().where(Event.slug == published_train["slug"]).first()
        query = Job.count().where(*jobs._Search(event=event.id, status="open", text=q).where(by_text=True, drive=True))
        plan = [row["detail"] for row in await Job.raw(f"EXPLAIN QUERY PLAN {query}")]
        from_index = "SCAN s VIRTUAL TABLE INDEX 0:M1" in plan and "SEARCH job USING INDEX sqlite_autoindex_job_1 (id=?)" in plan
        assert from_index == (len(q) >= jobs.INDEXED_TEXT), plan
    else:
        query = Job.count().where(jobs._text_matches(q, sqlite=False, by_text=True))
        async with db.engine().transaction():
            await db.engine().run_ddl("SET LOCAL enable_seqscan = off")
            plan = [row["QUERY PLAN"] for row in await Job.raw(f"EXPLAIN {query}")]
        assert any("Bitmap Index Scan on job_search_grams_index" in line for line in plan), plan


async def test_a_search_counts_its_matches_up_to_a_bound_and_pages_go_on_past_it(postings, monkeypatch):
    """Past COUNTED, counting costs a pass over every match, and no page can start there (offset is at most 10,000)."""
    from events import job_search as jobs

    monkeypatch.setattr(jobs, "COUNTED", 2)
    monkeypatch.setattr(jobs, "_REMEMBERED", type(jobs._REMEMBERED)())
    monkeypatch.setattr(jobs, "_PAGES", type(jobs._PAGES)())
    assert (await postings(q="程"))["total"] == 2 and (await postings(q="工程"))["total"] == 2
    assert titles(await postings(q="程", limit=2, offset=2)) == ["软件工程师"]
    assert (await postings())["total"] == 5, "the unfiltered list still says how many jobs there are"
