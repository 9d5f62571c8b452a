"""The embedded default: the server itself delivers what it records (DELIVERY_WORKER=inline), and stops cleanly."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

import httpx
from channels import SmtpReceiver
from conftest import make_account
from server import Server

from events.settings import settings

ROOT = Path(__file__).resolve().parent.parent


async def test_a_registration_on_a_running_server_is_mailed_by_its_inline_worker(stop):
    _, headers = await make_account("seeker")
    with SmtpReceiver() as smtp:
        server = Server({
            "DATABASE_URL": settings.database_url,
            "DATA_DIR": tempfile.mkdtemp(),
            "APP_ENV": "test",
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "WORKERS": "1",
            "DELIVERY_WORKER": "inline",
            "DELIVERY_POLL_SECONDS": "0.2",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")]),
            "DELIVERY_TEST_CHANNELS": "email=channels:send,sms=channels:send",
            "TEST_SMTP_PORT": str(smtp.port),
        })
        server.start()
        try:
            async with httpx.AsyncClient(base_url=server.url) as http:
                response = await http.post(f"/api/stops/{stop['id']}/registrations", headers=headers)
                assert response.status_code == 201, response.text
                for _ in range(100):  # the mail arrives, then the worker records it delivered
                    mine = (await http.get("/api/me/messages", headers=headers)).json()
                    if mine["items"] and mine["items"][0]["status"] == "delivered":
                        break
                    await asyncio.sleep(0.1)
        finally:
            code, output = server.stop()
        assert code == 0, output
    assert [(item.kind, item.params["registration_id"]) for item in smtp.inbox.received] == [("registration.confirmed", response.json()["id"])]
    assert [(m["kind"], m["status"]) for m in mine["items"]] == [("registration.confirmed", "delivered")]
