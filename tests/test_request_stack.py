"""The one per-request layer (events/middleware.py): ids, common headers, request metrics and the JSON request line."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from events import logs


@pytest.fixture
def request_lines():
    """The JSON log handler `main.py serve` installs, writing to a buffer instead of stderr; yields a function reading its lines."""
    stream = io.StringIO()
    handler = logs.LineHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("events.access")
    level = logger.level
    logger.setLevel(logging.INFO)

    def lines() -> list[dict]:
        handler.flush()
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    try:
        yield lines
    finally:
        logs.SINK = None
        logger.setLevel(level)


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"app_name": "events", **labels}) or 0.0


async def test_each_request_is_one_json_line_with_its_id_status_and_duration(client, request_lines):
    answer = await client.get("/api/events?kind=job_fair", headers={"X-Request-ID": "kiosk-0042-aa"})
    missing = await client.get("/api/events/no-such-event")
    lines = request_lines()
    assert [line["request_id"] for line in lines] == ["kiosk-0042-aa", missing.headers["x-request-id"]]
    first, second = lines
    assert first["logger"] == "events.access" and first["level"] == "info" and first["status"] == answer.status_code == 200
    assert '"GET /api/events?kind=job_fair HTTP/1.1" 200' in first["message"] and first["duration_ms"] >= 0
    assert second["status"] == 404 and "/api/events/no-such-event" in second["message"]


async def test_lines_are_buffered_within_a_loop_turn_and_written_by_the_next(request_lines):
    # The handler writes once per event-loop turn: nothing reaches the stream until the loop runs its callbacks.
    handler = logs.SINK
    assert handler is not None
    handler.write('{"n": 1}')
    handler.write('{"n": 2}')
    assert handler.stream.getvalue() == ""
    await asyncio.sleep(0)
    assert handler.stream.getvalue() == '{"n": 1}\n{"n": 2}\n'


async def test_a_warning_is_written_at_once_after_the_lines_before_it(request_lines):
    handler = logs.SINK
    assert handler is not None
    handler.write('{"n": 1}')
    record = logging.LogRecord("events", logging.WARNING, __file__, 1, "the database is slow", None, None)
    handler.handle(record)
    written = handler.stream.getvalue().splitlines()
    assert written[0] == '{"n": 1}' and json.loads(written[1])["message"] == "the database is slow"


async def test_every_response_carries_the_common_headers_once_and_a_feed_keeps_its_own_referrer_policy(client):
    answer = await client.get("/api/events")
    assert answer.headers.get_list("x-content-type-options") == ["nosniff"]
    assert answer.headers.get_list("referrer-policy") == ["strict-origin-when-cross-origin"]
    assert len(answer.headers.get_list("x-request-id")) == 1


async def test_requests_are_counted_by_route_template_method_and_status_and_none_stays_in_progress(client):
    labels = {"method": "GET", "path": "/api/events/{slug}", "status_code": "404"}
    before = _sample("events_requests_total", **labels)
    buckets_before = _sample("events_request_duration_seconds_bucket", le="+Inf", **labels)
    for _ in range(3):
        await client.get("/api/events/no-such-event")
    assert _sample("events_requests_total", **labels) == before + 3
    assert _sample("events_request_duration_seconds_bucket", le="+Inf", **labels) == buckets_before + 3
    assert _sample("events_requests_in_progress", method="GET", path="/api/events/{slug}", status_code="200") == 0
    text = (await client.get("/metrics")).text
    assert 'path="/api/events/{slug}"' in text and "no-such-event" not in text
    assert "/metrics" not in {sample.labels.get("path") for metric in REGISTRY.collect() for sample in metric.samples}


def test_with_a_shared_metrics_directory_the_workers_counts_go_through_it(tmp_path):
    # PROMETHEUS_MULTIPROC_DIR (docs/deploy.md): the counts must reach the directory the scrape reads, not a worker's dicts.
    script = (
        "from events.metrics import REQUESTS\n"
        "REQUESTS.started('GET', '/api/events'); REQUESTS.finished('GET', '/api/events', 200, 0.003)\n"
        "from prometheus_client import CollectorRegistry, generate_latest, multiprocess\n"
        "registry = CollectorRegistry(); multiprocess.MultiProcessCollector(registry)\n"
        "print(generate_latest(registry).decode())\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent)
    assert 'events_requests_total{app_name="events",method="GET",path="/api/events",status_code="200"} 1.0' in done.stdout
    assert 'events_request_duration_seconds_bucket{app_name="events",le="0.005",method="GET",path="/api/events",status_code="200"} 1.0' in done.stdout
