"""Notifications: what a channel is handed to send (Outgoing) and what it answers (Outcome)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal


@dataclass(frozen=True)
class Outgoing:
    message_id: uuid.UUID
    kind: str
    channel: str
    idempotency_key: str
    address: str  # resolved at send time: e-mail, phone (E.164) or webhook URL; never logged
    language: str  # 'zh-CN' | 'en'
    params: dict
    created_at: datetime
    attempt: int
    webhook_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Outcome:
    status: Literal["delivered", "retry", "give_up"]
    response_code: int | None = None
    response: str = ""
    retry_after: float | None = None  # seconds, when the provider says so
