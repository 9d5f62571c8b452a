"""Scan columns for nonces per sender: who sent the scan, and a digest of the ticket a replay must repeat (filled and indexed by the next migration)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-26T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "scan_sender"

_COMMON = {"primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Scan",
        tablename="scan",
        column_name="sender",
        db_column_name="sender",
        column_class_name="UUID",
        column_class=UUID,
        params={"default": None, "null": True, **_COMMON},
        schema=None,
    )
    manager.add_column(
        table_class_name="Scan",
        tablename="scan",
        column_name="ticket_digest",
        db_column_name="ticket_digest",
        column_class_name="Varchar",
        column_class=Varchar,
        params={"length": 64, "default": None, "null": True, **_COMMON},
        schema=None,
    )
    return manager
