"""Notifications: what the fan-out plans and what a channel's send function is given and answers."""
# ruff: noqa: E702 - the two dataclasses are written exactly as in the shared spec (notify-spec.md), which core extends

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal


@dataclass(frozen=True)
class Outgoing:                  # events/notify.py [core]
    message_id: uuid.UUID; kind: str; channel: str; idempotency_key: str
    address: str                 # resolved at send time: e-mail, phone (E.164) or webhook URL; never logged
    language: str                # 'zh-CN' | 'en'
    params: dict; created_at: datetime; attempt: int
    webhook_id: uuid.UUID | None = None
@dataclass(frozen=True)
class Outcome:                   # events/notify.py [core]
    status: Literal["delivered", "retry", "give_up"]; response_code: int | None = None; response: str = ""
    retry_after: float | None = None   # seconds, when the provider says so
