"""What ships: the Dockerfile passes hadolint, the tables match the migrations, unsafe settings are refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager

from events.piccolo_app import APP_CONFIG
from events.settings import SettingsError, load

ROOT = Path(__file__).resolve().parent.parent


def test_the_dockerfile_passes_hadolint():
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([str(hadolint), "Dockerfile"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dockerfile_runs_as_a_non_root_user_with_a_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    assert "HEALTHCHECK" in text and "/health" in text
    assert "USER 10001" in text
    assert "--require-hashes -r requirements/app.lock" in text


async def test_the_tables_and_the_migrations_describe_the_same_schema(app):
    statements = await AutoMigrationManager(auto_input="y").get_alter_statements(app_config=APP_CONFIG)
    pending = [statement for alter in statements for statement in alter.statements]
    assert pending == [], "tables.py changed without a migration: run `piccolo migrations new events --auto`"


@pytest.mark.parametrize("secret", [None, "", "change-me", "secret", "short-but-not-placeholder"])
def test_production_refuses_a_missing_placeholder_or_short_secret(secret, tmp_path):
    env = {"APP_ENV": "production", "DATA_DIR": str(tmp_path)}
    if secret is not None:
        env["SECRET_KEY"] = secret
    with pytest.raises(SettingsError):
        load(env)


def test_production_accepts_a_long_random_secret(tmp_path):
    assert load({"APP_ENV": "production", "SECRET_KEY": "x" * 48, "DATA_DIR": str(tmp_path)}).secret_key == "x" * 48


def test_development_generates_a_secret_once_and_keeps_it(tmp_path):
    first = load({"DATA_DIR": str(tmp_path)}).secret_key
    assert len(first) >= 32 and load({"DATA_DIR": str(tmp_path)}).secret_key == first


def test_the_fast_password_hash_is_refused_in_production(tmp_path):
    with pytest.raises(SettingsError):
        load({"APP_ENV": "production", "SECRET_KEY": "x" * 48, "PASSWORD_HASH_PROFILE": "fast", "DATA_DIR": str(tmp_path)})


def test_a_database_url_picks_postgresql_and_its_absence_a_sqlite_file_under_data(tmp_path):
    assert load({"DATA_DIR": str(tmp_path)}).sqlite_path == tmp_path / "events.sqlite3"
    assert not load({"DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://db/events"}).uses_sqlite


def test_an_unknown_default_timezone_is_refused(tmp_path):
    with pytest.raises(SettingsError):
        load({"DATA_DIR": str(tmp_path), "DEFAULT_TIMEZONE": "Mars/Olympus"})


def test_the_compose_file_runs_migrations_before_the_app_with_health_checks_and_shared_state():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "redis", "migrate", "app"} <= set(services)
    assert services["migrate"]["command"] == ["python", "main.py", "migrate"]
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert all("healthcheck" in services[name] for name in ("db", "redis"))
    environment = services["app"]["environment"]
    assert environment["DATABASE_URL"].startswith("postgresql://") and environment["REDIS_URL"].startswith("redis://")
    assert environment["APP_ENV"] == "production" and "SECRET_KEY" in environment
