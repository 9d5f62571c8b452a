"""Schemathesis against the app's own OpenAPI document, as an organiser: no 5xx, and every answer matches what the document promises."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from conftest import confirmed_tickets, job_body, post_ok

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance"


@pytest.mark.parametrize(("role", "examples"), [("organiser", 8), ("hr", 4), ("seeker", 4), ("anonymous", 4)])
async def test_generated_requests_get_no_server_error_and_answers_that_match_the_schema(live_server, organiser, hr, seeker, published_train, role, examples):
    # Bounded and repeatable: a fixed seed and a fixed number of examples per operation (`make fuzz` runs more, unseeded).
    headers = {"organiser": organiser, "hr": hr, "seeker": seeker, "anonymous": {}}[role]
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{live_server.url}/schema/openapi.json",
        *(["--header", f"Authorization: {headers['Authorization']}"] if headers else []),
        "--checks",
        CHECKS,
        "--max-examples",
        str(examples),
        "--seed",
        "20261125",
        # Examples and generated cases only: the coverage phase's boundary combinations grow with every endpoint
        # (past ten minutes a role at 80 operations); `make fuzz` runs every phase, unseeded.
        "--phases",
        "examples,fuzzing",
        "--exclude-method",
        "OPTIONS",
        # An endless event stream; tested against a live server in test_scanner_pages.py.
        "--exclude-path-regex",
        "attendance/live",
    ]
    result = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


async def test_deleting_records_that_others_point_at_gets_no_server_error(live_server, client, organiser, hr, night_market, tmp_path):
    # Generated ids never name a stored record, so the DELETE operations are pointed at records with children: a booth
    # with a visit, a job noted on that visit and asked about, a registration checked in, a scanner access that scanned.
    tonight, a12 = night_market["tonight"]["id"], night_market["a12"]["id"]
    job = await post_ok(client, f"/api/events/{night_market['slug']}/jobs", job_body(), hr)
    (person,) = await confirmed_tickets(tonight, 1)
    access = await post_ok(client, f"/api/stops/{tonight}/scanner-access", {}, organiser)
    await post_ok(client, f"/api/stops/{tonight}/check-ins", {"ticket": person["code"], "nonce": str(uuid.uuid4())}, {"Authorization": f"Bearer {access['code']}"})
    await post_ok(client, f"/api/booths/{a12}/visits", {"ticket": person["code"], "nonce": str(uuid.uuid4()), "job_ids": [job["id"]]}, hr)
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        + "".join(
            f'"path.{name}" = "{value}"\n'
            for name, value in {"booth_id": a12, "job_id": job["id"], "registration_id": person["id"], "stop_id": tonight, "access_id": access["id"]}.items()
        )
    )
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        f"{live_server.url}/schema/openapi.json",
        "--header",
        f"Authorization: {organiser['Authorization']}",
        "--checks",
        CHECKS,
        "--include-method",
        "DELETE",
        "--max-examples",
        "4",
        "--seed",
        "20261125",
        "--report",
        "junit",
        "--report-junit-path",
        str(tmp_path / "junit.xml"),
    ]
    result = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert 'name="DELETE /api/booths/{booth_id}"' in (tmp_path / "junit.xml").read_text(), "the booth's removal was tried"
    booths = await client.get(f"/api/stops/{tonight}/booths", headers=organiser)
    assert a12 in [b["id"] for b in booths.json()], "the booth with a visit is still there"
