"""What the delivery worker looks up on every poll: unprocessed domain events, and messages that are due."""

from events.db import raw_migration

ID = "2026-12-05T01:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "notification_indexes"


async def forwards():
    return raw_migration(
        migration_id=ID,
        description=DESCRIPTION,
        statements={
            # Partial: processed events (nearly all of them) stay out of the index the fan-out scans.
            "domain_event_unprocessed": "CREATE INDEX domain_event_unprocessed ON domain_event (occurred_at) WHERE processed_at IS NULL",
            "message_due": "CREATE INDEX message_due ON message (next_attempt_at) WHERE status IN ('pending', 'failed', 'sending')",
            "delivery_attempt_message_at": "CREATE INDEX delivery_attempt_message_at ON delivery_attempt (message, attempted_at)",
        },
    )
