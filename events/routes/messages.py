"""A person's own messages: what they were told, on which channel, and whether it arrived."""

from __future__ import annotations

from litestar import Router, get

from events import delivery, views
from events.routes.common import Caller, Limit, Offset, allow, problems


@get(
    "/me/messages",
    summary="My messages: what I was sent (e-mail, SMS), newest first",
    description=(
        "Every message to the signed-in person: its kind (`registration.promoted`, `stop.changed`, ...), channel, status "
        "(`pending`, `sending`, `delivered`, `failed` = will be retried, `dead`, `skipped` = channel not configured) "
        "and the address it went to, masked (`138****5678`, `z***@example.com`)."
    ),
    guards=allow("organiser", "hr", "seeker"),
    responses=problems(),
)
async def my_messages(actor: Caller, limit: Limit = 50, offset: Offset = 0) -> views.MessagePage:
    return await delivery.my_messages(actor=actor, limit=limit, offset=offset)


router = Router(path="/api", route_handlers=[my_messages], tags=["messages"])
