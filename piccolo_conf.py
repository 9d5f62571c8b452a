"""Piccolo configuration: the engine comes from DATABASE_URL (unset: SQLite under ./data/)."""

from piccolo.conf.apps import AppRegistry

from events.db import make_engine
from events.settings import settings

DB = make_engine(settings.database_url, settings.sqlite_path)

APP_REGISTRY = AppRegistry(apps=["events.piccolo_app"])
