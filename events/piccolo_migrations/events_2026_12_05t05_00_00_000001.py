"""One note per employer and visit, one per employer and interest; an interest's history read in order."""

from events.db import raw_migration

ID = "2026-12-05T05:00:00:000001"
VERSION = "1.38.0"
DESCRIPTION = "hiring_funnel_indexes"


async def forwards():
    return raw_migration(
        migration_id=ID,
        description=DESCRIPTION,
        statements={
            "contact_note_employer_visit_unique": "CREATE UNIQUE INDEX contact_note_employer_visit_unique ON contact_note (employer, visit)",
            "contact_note_employer_interest_unique": "CREATE UNIQUE INDEX contact_note_employer_interest_unique ON contact_note (employer, interest)",
            "stage_change_interest_at": "CREATE INDEX stage_change_interest_at ON stage_change (interest, at)",
        },
    )
