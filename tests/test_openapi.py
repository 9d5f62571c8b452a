"""The OpenAPI document is the contract mobile clients and scanners build against: complete, with examples."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture
async def schema(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "patch", "put", "delete"}:
                yield path, method, operation


def _resolve(schema, ref_or_schema):
    if len(ref_or_schema.get("allOf", [])) == 1:  # Litestar wraps a described $ref in allOf
        ref_or_schema = ref_or_schema["allOf"][0]
    ref = ref_or_schema.get("$ref")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else ref_or_schema


def _assert_upload_names_its_file(schema, media, where: str) -> None:
    """Uploads say which of their fields carry a file, as binary."""
    fields = _resolve(schema, media["schema"])["properties"]
    assert any(field.get("format") == "binary" for field in fields.values()), where


async def test_every_operation_has_a_summary_a_success_response_and_problem_json_errors(schema):
    for path, method, operation in _operations(schema):
        assert operation.get("summary"), f"{method} {path} has no summary"
        statuses = operation["responses"]
        assert any(status.startswith("2") for status in statuses), f"{method} {path}"
        for status, response in statuses.items():
            if not status.startswith("2") and path != "/health":
                assert list(response["content"]) == ["application/problem+json"], f"{method} {path} {status}"


async def test_every_request_body_field_is_typed_and_the_body_refuses_unknown_fields(schema):
    for path, method, operation in _operations(schema):
        if "requestBody" not in operation:
            continue
        content = operation["requestBody"]["content"]
        if "multipart/form-data" in content:
            _assert_upload_names_its_file(schema, content["multipart/form-data"], f"{method} {path}")
            continue
        body = _resolve(schema, content["application/json"]["schema"])
        assert body["properties"], f"{method} {path}"
        for name, field in body["properties"].items():
            assert any(key in field for key in ("type", "$ref", "oneOf", "anyOf", "enum", "const")), f"{method} {path} {name}"


async def test_the_main_documents_carry_examples(schema):
    components = schema["components"]["schemas"]
    for name, field in (("StopRequest", "starts_at"), ("EmployerRequest", "credit_code"), ("JobRequest", "salary_months"),
                        ("Booth", "label"), ("Problem", "code"), ("LoginRequest", "login")):
        assert components[name]["properties"][field].get("examples"), f"{name}.{field} has no example"


async def test_the_back_office_endpoints_are_documented_with_examples(schema):
    assert "post" in schema["paths"]["/api/employers/import"] and "post" in schema["paths"]["/api/events/{slug}/jobs/copy"]
    components = schema["components"]["schemas"]
    assert components["ImportRow"]["properties"]["row"].get("examples")
    assert components["CopyJobsRequest"]["properties"]["from_event"].get("examples")


async def test_the_bearer_scheme_is_declared(schema):
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_the_documented_paths_are_the_ones_mobile_clients_use(schema):
    expected = {
        "/api/auth/login": {"post"},
        "/api/me": {"get"},
        "/api/employers": {"get", "post"},
        "/api/employers/{employer_id}": {"get", "patch"},
        "/api/employers/{employer_id}/staff": {"post"},
        "/api/events": {"get", "post"},
        "/api/events/{slug}": {"get", "patch"},
        "/api/events/{slug}/publish": {"post"},
        "/api/events/{slug}/cancel": {"post"},
        "/api/events/{slug}/stops": {"post"},
        "/api/stops/{stop_id}": {"get", "patch"},
        "/api/stops/{stop_id}/cancel": {"post"},
        "/api/stops/{stop_id}/booths": {"get", "post"},
        "/api/booths/{booth_id}": {"delete"},
        "/api/events/{slug}/jobs": {"get", "post"},
        "/api/jobs/{job_id}": {"get", "patch", "delete"},
        "/health": {"get"},
    }
    documented = {path: {m for m in item if m in {"get", "post", "patch", "put", "delete"}} for path, item in schema["paths"].items()}
    for path, methods in expected.items():
        assert methods <= documented.get(path, set()), path


async def test_request_bodies_are_documented_as_closed_and_free_of_control_characters(schema):
    components = schema["components"]["schemas"]
    for path, method, operation in _operations(schema):
        if "requestBody" not in operation:
            continue
        content = operation["requestBody"]["content"]
        if "multipart/form-data" in content:
            _assert_upload_names_its_file(schema, content["multipart/form-data"], f"{method} {path}")
            continue
        body = _resolve(schema, content["application/json"]["schema"])
        assert body.get("additionalProperties") is False, f"{method} {path} accepts unknown fields on paper but refuses them"
    title = components["EventRequest"]["properties"]["title"]
    assert "\\x00" in title["pattern"]


@pytest.mark.parametrize("bench", ["1", ""])
async def test_the_benchmark_baseline_is_mounted_only_for_benchmarks_and_is_bare(bench):
    import os

    from events.app import create_app
    from events.settings import load

    app = create_app(load({**os.environ, "BENCH": bench}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://test") as client:
        response = await client.get("/bench/ping")
        schema = (await client.get("/schema/openapi.json")).json()
    if bench:
        # A bare JSON answer through the same middleware: no cookie, nothing the API requests would not pay for too.
        assert response.status_code == 200 and response.json() == {"status": "ok"} and "set-cookie" not in response.headers
    else:
        assert response.status_code == 404
    assert "/bench/ping" not in schema["paths"]
