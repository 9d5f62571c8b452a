"""Scan indexes: one scan per device nonce, one visit per seeker and booth, one note per job and visit, one interest per seeker and job, and the report paths."""

from events.db import raw_migration

ID = "2026-11-25T20:07:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "scan_indexes"

INDEXES = {
    "scan_nonce_unique": "CREATE UNIQUE INDEX scan_nonce_unique ON scan (nonce)",
    "visit_booth_seeker_unique": "CREATE UNIQUE INDEX visit_booth_seeker_unique ON visit (booth, seeker)",
    "visit_job_visit_job_unique": "CREATE UNIQUE INDEX visit_job_visit_job_unique ON visit_job (visit, job)",
    "interest_seeker_job_unique": "CREATE UNIQUE INDEX interest_seeker_job_unique ON interest (seeker, job)",
    "check_in_stop_slot_index": "CREATE INDEX check_in_stop_slot_index ON check_in (stop, slot)",
    "visit_booth_slot_index": "CREATE INDEX visit_booth_slot_index ON visit (booth, slot)",
}


async def forwards():
    return raw_migration(migration_id=ID, description=DESCRIPTION, statements=INDEXES)
