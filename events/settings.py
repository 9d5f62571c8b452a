"""Configuration: the only module that reads the environment, once, into a frozen object."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "development"})
MIN_SECRET_LENGTH = 32


class SettingsError(RuntimeError):
    """The environment asks for something unsafe or impossible."""


@dataclass(frozen=True)
class Settings:
    environment: str
    database_url: str | None
    sqlite_path: Path
    secret_key: str
    host: str
    port: int
    organiser_email: str
    organiser_password: str | None
    default_timezone: str
    token_ttl_minutes: int
    login_rate_limit_account: str
    login_rate_limit_address: str
    login_failure_rate_limit_address: str
    signup_rate_limit_address: str
    application_rate_limit_address: str
    registration_rate_limit_account: str
    scan_rate_limit_account: str
    registration_rate_limit_address: str
    scan_rate_limit_address: str
    redis_url: str | None
    max_request_bytes: int
    password_hash_profile: str
    public_url: str
    gate_opens_minutes: int
    workers: int
    cors_allow_origins: tuple[str, ...]
    log_format: str
    gate_closes_minutes: int
    bench: bool = False
    #: inline: the delivery worker runs inside the app (SQLite, one process); off: `python main.py worker` runs it.
    delivery_worker: str = "off"
    delivery_poll_seconds: float = 0.5
    delivery_concurrency: int = 16
    #: How long a claimed message is a worker's; a worker killed mid-send is replaced after this long.
    delivery_lease_seconds: float = 60.0
    delivery_max_attempts: int = 12
    delivery_max_age_hours: float = 72.0
    #: APP_ENV=test only: channel → "module:function" sending to a local receiver (the crash test's worker process).
    delivery_test_channels: tuple[tuple[str, str], ...] = ()
    #: False only for the benchmark's "outbox off" server (BENCH=1 BENCH_OUTBOX=off): domain events are then not recorded.
    outbox: bool = True
    # Channels (issue 13): e-mail and SMS. Missing configuration means the channel is off, never an error.
    smtp_url: str | None = None
    smtp_from: str = ""
    smtp_ca_file: str | None = None
    sms_provider: str | None = None
    sms_access_key_id: str = ""
    sms_access_key_secret: str = ""
    sms_sdk_app_id: str = ""
    sms_region: str = "ap-guangzhou"
    sms_sign_name: str = ""
    #: Message kind → the provider's approved template code, as pairs (a frozen object holds no dict).
    sms_templates: tuple[tuple[str, str], ...] = ()
    aliyun_sms_endpoint: str = "https://dysmsapi.aliyuncs.com"
    tencent_sms_endpoint: str = "https://sms.tencentcloudapi.com"
    #: Issue 13 (people): password resets and organisers' broadcasts.
    password_reset_rate_limit_account: str = "5/hour"  # noqa: S105 - a rate, not a password
    password_reset_rate_limit_address: str = "30/hour"  # noqa: S105 - a rate, not a password
    password_reset_confirm_rate_limit_account: str = "10/15 minutes"  # noqa: S105 - a rate, not a password
    #: Every answer to a reset request takes at least this long, so a known login cannot be told from an unknown one by time.
    password_reset_answer_seconds: float = 0.3
    broadcast_rate_limit_stop: str = "5/hour"
    #: Local hour (DEFAULT_TIMEZONE) from which HR's daily digest of interests is sent.
    digest_hour: int = 20
    #: Webhook URLs may resolve to loopback and private networks (development and tests only; refused in production).
    webhook_allow_private_addresses: bool = False
    #: Webhook URLs may be plain http:// (development and tests only; refused in production).
    webhook_allow_http: bool = False

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @property
    def uses_sqlite(self) -> bool:
        return not self.database_url or self.database_url.startswith("sqlite")


def _sqlite_path(database_url: str | None, data_dir: Path) -> Path:
    if database_url and database_url.startswith("sqlite:///"):
        return Path(database_url.removeprefix("sqlite:///"))
    return data_dir / "events.sqlite3"


def _secret_key(environment: str, data_dir: Path, given: str | None) -> str:
    if given is not None and given.strip().lower() not in PLACEHOLDER_SECRETS:
        if len(given) < MIN_SECRET_LENGTH and environment != "development":
            raise SettingsError(f"SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters outside development.")
        return given
    if environment != "development":
        raise SettingsError("SECRET_KEY is missing or a placeholder; set a long random value outside development.")
    # Development keeps a generated key beside its database so that tokens survive a restart
    # of `make run`, and nobody is tempted to commit one.
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(f"DEFAULT_TIMEZONE {name!r} is not an IANA time zone.") from error
    return name


def _smtp_url(given: str | None) -> str | None:
    if not given:
        return None
    if not given.startswith(("smtp://", "smtps://")):
        raise SettingsError("SMTP_URL must look like smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465.")
    return given


def _sms_templates(given: str | None) -> tuple[tuple[str, str], ...]:
    if not given:
        return ()
    try:
        templates = json.loads(given)
    except ValueError as error:
        raise SettingsError('SMS_TEMPLATES must be a JSON object: {"message kind": "template code"}.') from error
    if not isinstance(templates, dict) or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in templates.items()):
        raise SettingsError('SMS_TEMPLATES must be a JSON object: {"message kind": "template code"}.')
    return tuple(sorted(templates.items()))


def _sms_provider(env: Mapping[str, str]) -> str | None:
    provider = env.get("SMS_PROVIDER") or None
    if provider is None:
        return None
    if provider not in {"aliyun", "tencent"}:
        raise SettingsError("SMS_PROVIDER must be aliyun, tencent or unset.")
    needed = ["SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME"] + (["SMS_SDK_APP_ID"] if provider == "tencent" else [])
    missing = [name for name in needed if not env.get(name)]
    if missing:
        raise SettingsError(f"SMS_PROVIDER={provider} needs {', '.join(missing)}.")
    return provider
def _flag(env, name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value not in {"", "0", "1", "true", "false"}:
        raise SettingsError(f"{name} must be 1 or 0.")
    return value in {"1", "true"}


def load(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from the environment (or the mapping given)."""
    env = os.environ if environ is None else environ
    environment = env.get("APP_ENV", "development")
    if environment not in {"development", "production", "test"}:
        raise SettingsError("APP_ENV must be development, production or test.")
    data_dir = Path(env.get("DATA_DIR", "data"))
    database_url = env.get("DATABASE_URL") or None
    if database_url and not database_url.startswith(("postgresql://", "postgres://", "sqlite:///")):
        raise SettingsError("DATABASE_URL must start with postgresql:// or sqlite:///.")
    profile = env.get("PASSWORD_HASH_PROFILE", "standard")
    if profile not in {"standard", "fast"}:
        raise SettingsError("PASSWORD_HASH_PROFILE must be standard or fast.")
    if profile == "fast" and environment == "production":
        raise SettingsError("PASSWORD_HASH_PROFILE=fast is for tests only.")
    sqlite = not database_url or database_url.startswith("sqlite")
    delivery_worker = env.get("DELIVERY_WORKER") or ("inline" if sqlite else "off")
    if delivery_worker not in {"inline", "off"}:
        raise SettingsError("DELIVERY_WORKER must be inline or off.")
    test_channels = tuple(
        tuple(item.strip().split("=", 1)) for item in env.get("DELIVERY_TEST_CHANNELS", "").split(",") if "=" in item
    )
    if test_channels and environment != "test":
        raise SettingsError("DELIVERY_TEST_CHANNELS is for tests only (APP_ENV=test).")
    webhook_allow_private = _flag(env, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES")
    webhook_allow_http = _flag(env, "WEBHOOK_ALLOW_HTTP")
    if environment == "production" and (webhook_allow_private or webhook_allow_http):
        # A webhook URL is typed by an HR account: in production it must never reach the app's own network.
        raise SettingsError("WEBHOOK_ALLOW_PRIVATE_ADDRESSES and WEBHOOK_ALLOW_HTTP are for development and tests only.")
    return Settings(
        delivery_worker=delivery_worker,
        delivery_poll_seconds=float(env.get("DELIVERY_POLL_SECONDS", "0.5")),
        delivery_concurrency=int(env.get("DELIVERY_CONCURRENCY", "16")),
        delivery_lease_seconds=float(env.get("DELIVERY_LEASE_SECONDS", "60")),
        delivery_max_attempts=int(env.get("DELIVERY_MAX_ATTEMPTS", "12")),
        delivery_max_age_hours=float(env.get("DELIVERY_MAX_AGE_HOURS", "72")),
        delivery_test_channels=test_channels,  # type: ignore[arg-type]
        outbox=not (env.get("BENCH") == "1" and env.get("BENCH_OUTBOX") == "off" and environment != "production"),
        environment=environment,
        database_url=database_url,
        sqlite_path=_sqlite_path(database_url, data_dir),
        secret_key=_secret_key(environment, data_dir, env.get("SECRET_KEY")),
        host=env.get("HOST", "127.0.0.1"),
        port=int(env.get("PORT", "8000")),
        organiser_email=env.get("ORGANISER_EMAIL", "organiser@example.com"),
        organiser_password=env.get("ORGANISER_PASSWORD") or None,
        default_timezone=_timezone(env.get("DEFAULT_TIMEZONE", "Asia/Shanghai")),
        token_ttl_minutes=int(env.get("TOKEN_TTL_MINUTES", "720")),
        login_rate_limit_account=env.get("LOGIN_RATE_LIMIT_ACCOUNT", "10/minute"),
        login_rate_limit_address=env.get("LOGIN_RATE_LIMIT_ADDRESS", "600/minute"),
        # Failed sign-ins per address, counted apart from all sign-ins: a campus behind one NAT address
        # mostly succeeds, while credential stuffing mostly fails.
        login_failure_rate_limit_address=env.get("LOGIN_FAILURE_RATE_LIMIT_ADDRESS", "30/minute"),
        signup_rate_limit_address=env.get("SIGNUP_RATE_LIMIT_ADDRESS", "600/minute"),
        # Anonymous employer applications carry up to 5 MB each: a few an hour per address is plenty for a company.
        application_rate_limit_address=env.get("APPLICATION_RATE_LIMIT_ADDRESS", "20/hour"),
        registration_rate_limit_account=env.get("REGISTRATION_RATE_LIMIT_ACCOUNT", "30/minute"),
        scan_rate_limit_account=env.get("SCAN_RATE_LIMIT_ACCOUNT", "600/minute"),
        # Per address the ceilings are high: a campus registers from one NAT address, a venue's scanners share one Wi-Fi.
        registration_rate_limit_address=env.get("REGISTRATION_RATE_LIMIT_ADDRESS", "3000/minute"),
        scan_rate_limit_address=env.get("SCAN_RATE_LIMIT_ADDRESS", "6000/minute"),
        redis_url=env.get("REDIS_URL") or None,
        max_request_bytes=int(env.get("MAX_REQUEST_BYTES", str(256 * 1024))),
        password_hash_profile=profile,
        gate_opens_minutes=int(env.get("GATE_OPENS_MINUTES_BEFORE", "120")),
        # One worker on SQLite: it serialises writers anyway, and a second process only adds lock waits.
        workers=int(env.get("WORKERS") or (1 if not database_url or database_url.startswith("sqlite") else 2)),
        gate_closes_minutes=int(env.get("GATE_CLOSES_MINUTES_AFTER", "60")),
        # BENCH=1 mounts /bench/ping, the benchmark's baseline; never in production.
        bench=env.get("BENCH") == "1" and environment != "production",
        log_format=env.get("LOG_FORMAT") or ("text" if environment == "development" else "json"),
        cors_allow_origins=tuple(origin.strip() for origin in env.get("CORS_ALLOW_ORIGINS", "").split(",") if origin.strip()),
        password_reset_rate_limit_account=env.get("PASSWORD_RESET_RATE_LIMIT_ACCOUNT", "5/hour"),
        password_reset_rate_limit_address=env.get("PASSWORD_RESET_RATE_LIMIT_ADDRESS", "30/hour"),
        # Wrong codes or links per account; each reset also burns after five wrong codes.
        password_reset_confirm_rate_limit_account=env.get("PASSWORD_RESET_CONFIRM_RATE_LIMIT_ACCOUNT", "10/15 minutes"),
        password_reset_answer_seconds=float(env.get("PASSWORD_RESET_ANSWER_SECONDS", "0.3")),
        broadcast_rate_limit_stop=env.get("BROADCAST_RATE_LIMIT_STOP", "5/hour"),
        digest_hour=int(env.get("DIGEST_HOUR", "20")),
        webhook_allow_private_addresses=webhook_allow_private,
        webhook_allow_http=webhook_allow_http,
        public_url=(env.get("PUBLIC_URL") or f"http://{env.get('HOST', '127.0.0.1')}:{env.get('PORT', '8000')}").rstrip("/"),
        smtp_url=_smtp_url(env.get("SMTP_URL")),
        smtp_from=env.get("SMTP_FROM") or f"no-reply@{urlsplit(_smtp_url(env.get('SMTP_URL')) or 'smtp://localhost').hostname}",
        # A CA bundle to trust for the relay's certificate (a campus relay with its own CA); else the system's.
        smtp_ca_file=env.get("SMTP_CA_FILE") or None,
        sms_provider=_sms_provider(env),
        sms_access_key_id=env.get("SMS_ACCESS_KEY_ID", ""),
        sms_access_key_secret=env.get("SMS_ACCESS_KEY_SECRET", ""),
        sms_sdk_app_id=env.get("SMS_SDK_APP_ID", ""),
        sms_region=env.get("SMS_REGION") or "ap-guangzhou",
        sms_sign_name=env.get("SMS_SIGN_NAME", ""),
        sms_templates=_sms_templates(env.get("SMS_TEMPLATES")),
        aliyun_sms_endpoint=(env.get("ALIYUN_SMS_ENDPOINT") or "https://dysmsapi.aliyuncs.com").rstrip("/"),
        tencent_sms_endpoint=(env.get("TENCENT_SMS_ENDPOINT") or "https://sms.tencentcloudapi.com").rstrip("/"),
    )


settings = load()
