"""Removing what other records point at: refused with a code (or a soft deletion), never a 500, never a silent cascade."""

from __future__ import annotations

import uuid

import pytest
from conftest import DATABASE, confirmed_tickets
from litestar.testing import RequestFactory

from events import db
from events.app import problem_response
from events.tables import Booth, Scan, Visit


async def visit(client, headers, booth_id: str, ticket: str):
    return await client.post(f"/api/booths/{booth_id}/visits", json={"ticket": ticket, "nonce": str(uuid.uuid4())}, headers=headers)


async def test_a_booth_with_visits_is_refused_as_in_use_and_keeps_its_visits(client, organiser, hr, night_market):
    a12 = night_market["a12"]["id"]
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    assert (await visit(client, hr, a12, ticket["code"])).status_code == 201

    response = await client.delete(f"/api/booths/{a12}", headers=organiser)

    assert response.status_code == 409 and response.json()["code"] == "booth_in_use", response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await Booth.exists().where(Booth.id == a12) and await Visit.count() == 1


async def test_a_booth_where_only_refused_scans_were_made_stays_too(client, organiser, hr, night_market):
    a12 = night_market["a12"]["id"]
    assert (await visit(client, hr, a12, "ZZZZZZZZ")).json()["code"] == "ticket_invalid"

    response = await client.delete(f"/api/booths/{a12}", headers=organiser)

    assert response.status_code == 409 and response.json()["code"] == "booth_in_use"
    assert await Scan.count() == 1


async def test_a_booth_nobody_was_scanned_at_is_removed(client, organiser, night_market):
    b3 = night_market["b3"]["id"]
    assert (await client.delete(f"/api/booths/{b3}", headers=organiser)).status_code == 204
    assert not await Booth.exists().where(Booth.id == b3)


async def _foreign_key_error(query) -> Exception:
    """The exception the real database raises for a statement that breaks a foreign key."""
    with pytest.raises(Exception) as caught:  # noqa: PT011 - which class depends on the engine; the mapping is under test
        await query
    return caught.value


async def test_a_foreign_key_violation_that_slips_past_the_domain_is_a_409_not_a_500(client, hr, night_market):
    # The domain refuses these itself; this is the safety net in the one error mapping, fed the engine's own exception.
    a12 = night_market["a12"]["id"]
    (ticket,) = await confirmed_tickets(night_market["tonight"]["id"], 1)
    await visit(client, hr, a12, ticket["code"])

    still_pointed_at = await _foreign_key_error(Booth.delete().where(Booth.id == a12))
    removal = problem_response(RequestFactory().delete(f"/api/booths/{a12}"), still_pointed_at)
    assert (removal.status_code, removal.content["code"]) == (409, "in_use"), still_pointed_at

    missing_parent = await _foreign_key_error(Booth.insert(Booth(stop=night_market["tonight"]["id"], employer=uuid.uuid4(), label="Z9")))
    creation = problem_response(RequestFactory().post("/api/stops/x/booths"), missing_parent)
    assert (creation.status_code, creation.content["code"]) == (409, "reference_not_found"), missing_parent


async def _delete_actions() -> dict[tuple[str, str], str]:
    """(table, column) → what the database does to that row when the row it points at is deleted."""
    engine = db.engine()
    if DATABASE == "postgresql":
        rows = await engine.run_ddl(
            "SELECT c.conrelid::regclass::text AS child, a.attname AS col, c.confdeltype::text AS action FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] WHERE c.contype = 'f'"
        )
        names = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
        return {(row["child"].strip('"'), row["col"]): names[row["action"]] for row in rows}
    actions = {}
    for (table,) in [tuple(row.values()) for row in await engine.run_ddl("SELECT name FROM sqlite_master WHERE type = 'table'")]:
        for row in await engine.run_ddl(f"PRAGMA foreign_key_list('{table}')"):
            actions[(table, row["from"])] = row["on_delete"]
    return actions


async def test_no_foreign_key_silently_deletes_or_blanks_attendance_data(app):
    actions = await _delete_actions()
    assert ("visit", "booth") in actions and ("scan", "booth") in actions, actions
    # A private feed's token goes with its account; authorship of an audit line or a scan and who minted an access may
    # be blanked. Everything else restricts: registrations, scans, check-ins, visits and interests are never lost quietly.
    allowed = {
        ("calendar_token", "account"): "CASCADE",
        ("audit_entry", "actor"): "SET NULL",
        ("scanner_access", "created_by"): "SET NULL",
        ("scan", "staff"): "SET NULL",
        ("scan", "scanner_access"): "SET NULL",
        # Who decided an application; an invitation's link to its application: blanked, the application and the account stay.
        ("employer_application", "decided_by"): "SET NULL",
        ("invitation", "application"): "SET NULL",
        # An invitation is a one-use link for one account: nothing to keep once the account is gone.
        ("invitation", "account"): "CASCADE",
        # What a person was told goes with the person; its delivery log with the message. A processed domain event may be pruned.
        ("message", "account"): "CASCADE",
        ("delivery_attempt", "message"): "CASCADE",
        ("message", "domain_event"): "SET NULL",
        # A password reset is a one-use secret for one account; a webhook endpoint is its owner's (or its employer's) setup.
        ("password_reset", "account"): "CASCADE",
        ("webhook_endpoint", "owner"): "CASCADE",
        ("webhook_endpoint", "employer"): "CASCADE",
        # issue 14, slots: who opened a slot or invited to it, and a booking's links to a registration and an invitation's
        # to its booking, may be blanked; slots, bookings and invitations themselves restrict.
        ("slot", "created_by"): "SET NULL",
        ("booking", "invited_by"): "SET NULL",
        ("booking", "registration"): "SET NULL",
        ("slot_invitation", "invited_by"): "SET NULL",
        ("slot_invitation", "booking"): "SET NULL",
        # Who moved an interest or wrote a note may be blanked; the history and the note stay (hiring funnel, issue 14).
        ("stage_change", "actor"): "SET NULL",
        ("contact_note", "author"): "SET NULL",
    }
    assert {key: action for key, action in actions.items() if action not in ("RESTRICT", "NO ACTION")} == allowed
