"""One active booking per seeker and slot, one invitation per seeker and slot, and the lookups bookings need."""

from events.db import raw_migration

ID = "2026-12-05T04:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "booking_indexes"


async def forwards():
    return raw_migration(
        migration_id=ID,
        description=DESCRIPTION,
        statements={
            # Partial: a cancelled booking stays for the record, and the seeker may book the slot again.
            "booking_slot_seeker_active_unique": "CREATE UNIQUE INDEX booking_slot_seeker_active_unique ON booking (slot, seeker) WHERE status <> 'cancelled'",
            # The overlap check: a seeker's bookings at one stop.
            "booking_seeker_stop": "CREATE INDEX booking_seeker_stop ON booking (seeker, stop)",
            "slot_invitation_slot_seeker_unique": "CREATE UNIQUE INDEX slot_invitation_slot_seeker_unique ON slot_invitation (slot, seeker)",
            "slot_booth_starts_at": "CREATE INDEX slot_booth_starts_at ON slot (booth, starts_at)",
        },
    )
