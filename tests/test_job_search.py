"""Job search: text of any length on both engines, filters, totals, and what each worker keeps."""

from __future__ import annotations

import pytest
from conftest import DATABASE, job_body, post_ok


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


def forget(job_search) -> None:
    """This worker forgets every search and page it kept: the next search runs with the settings a test changed."""
    for cache in (job_search._MATCHES, job_search._PAGES):
        cache.clear()


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
        indexed = await Job.raw("SELECT count(*) AS n FROM job_gram WHERE job_gram MATCH {}", "g" + "客服".encode().hex())
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
    from events import job_search

    everything = titles(await postings(limit=100))
    monkeypatch.setattr(job_search, "HEAD", 2)
    forget(job_search)
    pages = [await postings(limit=2, offset=offset) for offset in (0, 2, 4)]
    assert [title for page in pages for title in titles(page)] == everything
    assert {page["total"] for page in pages} == {5}


@pytest.mark.parametrize("counted", [1, 10_000])
async def test_a_first_page_found_in_one_pass_or_by_walking_the_listing_is_the_same(postings, monkeypatch, counted):
    """Up to COUNTED matches the first page is sorted from the matches found; past it, the listing is walked: same order."""
    from events import job_search

    monkeypatch.setattr(job_search, "COUNTED", counted)
    forget(job_search)
    body = await postings(q="工程师")
    assert titles(body) == ["Java 开发工程师", "软件工程师"] and body["total"] == min(2, counted)


async def test_one_or_two_characters_found_through_the_index_are_the_exact_matches(postings):
    """On PostgreSQL one or two characters are answered by the index alone, unchecked against the text: still exact."""
    for q, expected in (("工程", ["Java 开发工程师", "软件工程师"]), ("程", ["100%远程 客服_夜班", "Java 开发工程师", "软件工程师"]), ("jA", ["Java 开发工程师"])):
        body = await postings(q=q)
        assert titles(body) == expected and body["total"] == len(expected), q


async def test_twenty_searches_at_once_for_a_new_version_run_it_once(postings, monkeypatch):
    import asyncio

    from events import job_search

    runs = []
    real = job_search._match
    monkeypatch.setattr(job_search, "_match", lambda search, **kw: runs.append(search) or real(search, **kw))
    bodies = await asyncio.gather(*(postings(q="工程", major="x") for _ in range(20)))
    assert len(runs) == 1 and {body["total"] for body in bodies} == {2}


@pytest.mark.parametrize("q", ["工", "工程", "工程师"])
async def test_chinese_text_is_found_through_the_index_of_words(postings, published_train, q):
    """The index is built on the expression the search writes: were they to drift apart, search would still answer, only slowly."""
    from events import db, job_search
    from events.tables import Event, Job

    event = await Event.objects().where(Event.slug == published_train["slug"]).first()
    query = Job.count().where(*job_search._Search(event=event.id, status="open", text=q, category="技术", education="bachelor").where(by_text=True))
    if DATABASE == "sqlite":
        plan = [row["detail"] for row in await Job.raw(f"EXPLAIN QUERY PLAN {query}")]
        assert "SCAN g VIRTUAL TABLE INDEX 0:M1" in plan and "SEARCH job USING INDEX sqlite_autoindex_job_1 (id=?)" in plan, plan
    else:
        async with db.engine().transaction():
            await db.engine().run_ddl("SET LOCAL enable_seqscan = off")
            plan = [row["QUERY PLAN"] for row in await Job.raw("EXPLAIN {}", query.querystrings[0])]
        assert any("Bitmap Index Scan on job_search_words_index" in line for line in plan), plan


async def test_a_search_counts_its_matches_up_to_a_bound_and_pages_go_on_past_it(postings, monkeypatch):
    """Past COUNTED, counting costs a pass over every match, and no page can start there (offset is at most 10,000)."""
    from events import job_search

    monkeypatch.setattr(job_search, "COUNTED", 2)
    forget(job_search)
    assert (await postings(q="程"))["total"] == 2 and (await postings(q="工程"))["total"] == 2
    assert titles(await postings(q="程", limit=2, offset=2)) == ["软件工程师"]
    assert (await postings())["total"] == 5, "the unfiltered list still says how many jobs there are"


# ---------------------------------------------------------------- short text and filters, against a plain scan over the rows

#: Characters the scene's texts are made of: Chinese, ASCII letters of both cases, digits, LIKE's wildcards and a space.
_ALPHABET = "数据销售工程师开发测试运营财务专员经理设计产品JavaGoSQLjavago0129%_ "
_LEVELS = ("none", "high_school", "associate", "bachelor", "master", "doctorate")
#: Filters each text is asked with: none, a category some jobs have, an education level.
_FILTERS = ({}, {"category": "技术"}, {"education": "associate"})


def _scene(n: int, seed: int = 16) -> list[dict]:
    """`n` jobs' searchable fields made up from _ALPHABET (every fourth in category 技术), the same every run."""
    import random

    pick = random.Random(seed)

    def text(low: int, high: int) -> str:
        return "".join(pick.choice(_ALPHABET) for _ in range(pick.randint(low, high))).strip() or "岗位"

    return [{"title": text(2, 8), "category": "技术" if k % 4 == 0 else text(0, 3), "description": text(0, 30), "education": _LEVELS[k % 6],
             "status": "closed" if k % 7 == 3 else "open"} for k in range(n)]


def _scanned(jobs: dict[str, dict], q: str, category: str | None = None, education: str | None = None) -> set[str]:
    """The open jobs with `q` in one of their three fields (case ignored) and the filters' values: what search means, by a plain pass over the rows."""
    levels = _LEVELS[: _LEVELS.index(education) + 1] if education else _LEVELS
    return {job_id for job_id, job in jobs.items()
            if job["status"] == "open" and any(q.lower() in job[field].lower() for field in ("title", "category", "description"))
            and (category is None or job["category"] == category) and job["education"] in levels}


def _short_queries(jobs: dict[str, dict]) -> list[str]:
    """Every character of the scene's alphabet and texts, some 150 pairs that occur in them, a few three-character texts and some that occur nowhere."""
    text = "\n".join(job[field] for job in jobs.values() for field in ("title", "category", "description"))
    singles = {char for char in _ALPHABET + text if char.strip()}
    pairs = {text[n : n + 2] for n in range(len(text) - 1)}
    pairs = sorted(pair for pair in pairs if pair == pair.strip() and len(pair) == 2 and "\n" not in pair)
    triples = sorted({text[n : n + 3] for n in range(len(text) - 2)} - {""})
    triples = [triple for triple in triples if triple == triple.strip() and "\n" not in triple]
    return sorted(singles | set(pairs[:: max(1, len(pairs) // 150)]) | set(triples[:: max(1, len(triples) // 20)]) | {"区块", "链", "Q%", "aV"})


async def _compare(client, path: str, jobs: dict[str, dict]) -> None:
    for q in _short_queries(jobs):
        for filters in _FILTERS:
            body = (await client.get(path, params={"q": q, "limit": 100, **filters})).json()
            expected = _scanned(jobs, q, **filters)
            assert {item["id"] for item in body["items"]} == expected and body["total"] == len(expected), (q, filters)


async def test_short_text_and_filters_find_what_a_plain_scan_over_the_rows_finds(client, hr, booth, published_train, employer):
    """Jobs posted through the API and written behind its back, then retitled, re-filed, closed and deleted: every search stays exact."""
    from events.tables import Event, Job

    path = f"/api/events/{published_train['slug']}/jobs"
    scene = _scene(40)
    jobs: dict[str, dict] = {}
    for job in scene[:10]:
        posted = await post_ok(client, path, job_body(title=job["title"], category=job["category"], description=job["description"],
                                                      education=job["education"]), hr)
        jobs[posted["id"]] = {**job, "status": "open"}
    event = await Event.objects().where(Event.slug == published_train["slug"]).first()
    rows = [Job(event=event.id, employer=employer["id"], headcount=1, salary_min=1, salary_max=2, **job) for job in scene[10:]]
    await Job.insert(*rows)
    jobs.update({str(row.id): job for row, job in zip(rows, scene[10:], strict=True)})
    await _compare(client, path, jobs)

    changed, removed = list(jobs)[5:15], list(jobs)[20:25]
    for job_id, job in zip(changed, _scene(10, seed=61), strict=True):
        await Job.update(job).where(Job.id == job_id)
        jobs[job_id] = job
    await Job.update({Job.deleted_at: Job.created_at}).where(Job.id == list(jobs)[30])
    jobs[list(jobs)[30]]["status"] = "deleted"
    await Job.delete().where(Job.id.is_in(removed))
    for job_id in removed:
        del jobs[job_id]
    await _compare(client, path, jobs)


async def test_a_job_longer_than_the_character_index_is_still_found_by_its_last_characters(client, published_train, employer, postings):
    """Past what the index holds of a text (only a writer going around the API can store that much), search still finds it."""
    from events.tables import Event, Job

    event = await Event.objects().where(Event.slug == published_train["slug"]).first()
    await Job.insert(Job(event=event.id, employer=employer["id"], title="长文岗位", description="啊" * 13_000 + "鲸", headcount=1, salary_min=1, salary_max=2))
    assert titles(await postings(q="鲸")) == ["长文岗位"] and titles(await postings(q="啊鲸")) == ["长文岗位"]
    assert (await postings(q="鲲"))["total"] == 0


@pytest.mark.skipif(DATABASE != "sqlite", reason="PostgreSQL's character index is an expression index, built by CREATE INDEX itself")
async def test_the_migration_indexes_the_jobs_that_were_there_before_it(client, hr, booth, published_train):
    """Undone and run again with jobs in the table, the migration's backfill finds them all."""
    from events.piccolo_migrations import events_2026_12_06t02_30_00_000000 as short_text

    path = f"/api/events/{published_train['slug']}/jobs"
    jobs = {}
    for job in _scene(12):
        posted = await post_ok(client, path, job_body(title=job["title"], category=job["category"], description=job["description"],
                                                      education=job["education"]), hr)
        jobs[posted["id"]] = {**job, "status": "open"}
    manager = await short_text.forwards()
    await manager.run(backwards=True)
    await manager.run()
    await _compare(client, path, jobs)
