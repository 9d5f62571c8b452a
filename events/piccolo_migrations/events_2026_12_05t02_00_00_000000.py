"""Webhook endpoints: URLs organisers and HR register for signed domain events (issue 13)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import UUID, Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Account(Table, tablename="account", schema=None):
    id = UUID(default=UUID4(), null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree, choices=None, db_column_name=None, secret=False)


class Employer(Table, tablename="employer", schema=None):
    id = UUID(default=UUID4(), null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree, choices=None, db_column_name=None, secret=False)


ID = "2026-12-05T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "webhook_endpoint"


def _params(**given):
    base = {"null": False, "primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False}
    return {**base, **given}


COLUMNS = [
    ("id", UUID, _params(default=UUID4(), primary_key=True)),
    ("owner", ForeignKey, _params(references=Account, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None, index=True)),
    ("employer", ForeignKey, _params(references=Employer, on_delete=OnDelete.cascade, on_update=OnUpdate.cascade, target_column=None, null=True, default=None)),
    ("url", Varchar, _params(length=2000, default="")),
    ("event_types", Text, _params(default="[]")),
    ("description", Varchar, _params(length=500, default="")),
    ("secret", Varchar, _params(length=100, default="", secret=True)),
    ("previous_secret", Varchar, _params(length=100, default=None, null=True, secret=True)),
    ("previous_secret_expires_at", Timestamptz, _params(default=None, null=True)),
    ("is_active", Boolean, _params(default=True)),
    ("disabled_reason", Varchar, _params(length=32, default="")),
    ("failing_since", Timestamptz, _params(default=None, null=True)),
    ("created_at", Timestamptz, _params(default=TimestamptzNow())),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="events", description=DESCRIPTION)
    manager.add_table(class_name="WebhookEndpoint", tablename="webhook_endpoint", schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="WebhookEndpoint",
            tablename="webhook_endpoint",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    return manager
