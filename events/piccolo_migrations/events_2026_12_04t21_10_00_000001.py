"""One booth place per label per stop: two bulk layouts racing for A01 cannot both win."""

from events.db import raw_migration

ID = "2026-12-04T21:10:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "booth_place_stop_label_unique"


async def forwards():
    return raw_migration(
        migration_id=ID,
        description=DESCRIPTION,
        statements={"booth_place_stop_label_unique": "CREATE UNIQUE INDEX booth_place_stop_label_unique ON booth_place (stop, label)"},
    )
