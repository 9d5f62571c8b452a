"""A webhook's delivery log, newest first, without reading every message (GET /api/webhooks/{id}/deliveries).

message.webhook_id gets no foreign key: SQLite cannot add one to an existing column, and a deleted endpoint's
messages keep their delivery log (webhooks.deliver gives up on them).
"""

from events.db import raw_migration

ID = "2026-12-05T02:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "message_webhook_created"


async def forwards():
    return raw_migration(
        migration_id=ID,
        description=DESCRIPTION,
        statements={"message_webhook_created": "CREATE INDEX message_webhook_created ON message (webhook_id, created_at)"},
    )
