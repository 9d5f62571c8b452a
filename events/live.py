"""Live attendance updates: scans announce themselves; dashboards listen. In-process with one worker, Redis pub/sub across workers.

The domain calls `announce`; the app plugs the transport in at start-up (Litestar channels),
so the domain never imports the web framework.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable

log = logging.getLogger(__name__)

_publish: Callable[[bytes, str], None] | None = None


def channel(event_id: uuid.UUID | str) -> str:
    return f"attendance:{event_id}"


def plug(publish: Callable[[bytes, str], None] | None) -> None:
    global _publish
    _publish = publish


def announce(event_id: uuid.UUID, **update: object) -> None:
    """Tell the event's dashboards that something was counted; never let a dashboard slow or fail a scan."""
    if _publish is None:
        return
    try:
        _publish(json.dumps({key: str(value) for key, value in update.items()}).encode(), channel(event_id))
    except Exception as error:  # a broken transport must not fail the scan that was already committed
        log.warning("live update for %s not sent: %s", event_id, error)
