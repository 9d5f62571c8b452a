"""The command line: `python main.py run|serve|worker|migrate|create-organiser|demo|backup`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import logging.config
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime

from piccolo.apps.migrations.commands.forwards import run_forwards

from events import accounts, logs
from events.errors import DomainError
from events.settings import settings

log = logging.getLogger("events")


async def migrate() -> None:
    result = await run_forwards(app_name="events")
    if not result.success:
        raise SystemExit(f"migrations failed: {result.message}")


async def _organiser_actor() -> accounts.Actor:
    from events.tables import Account

    row = await Account.select(Account.id).where(Account.role == Account.Role.organiser).first()
    return accounts.Actor(role="organiser", id=row["id"])


def address() -> str:
    """Where people reach the server: PUBLIC_URL, else the HOST and PORT it listens on (a wildcard host as loopback)."""
    if settings.public_url != f"http://{settings.host}:{settings.port}":
        return settings.public_url
    host = "127.0.0.1" if settings.host in {"0.0.0.0", "::", ""} else settings.host  # noqa: S104 - compared, not bound
    return f"http://{host}:{settings.port}"


def boxed(lines: list[str]) -> str:
    """Lines in an ASCII frame, so that they stand out of a scrolling log (and survive a console without UTF-8)."""
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])


async def bootstrap(*, load_demo: bool) -> None:
    """Migrate, create the first organiser if there is none, and fill a brand-new database with the demo."""
    await migrate()
    now = datetime.now(UTC)
    created, generated = await accounts.ensure_organiser(email=settings.organiser_email, password=settings.organiser_password, now=now)
    if created is not None:
        print(f"Created organiser {created.email}")
    if load_demo:
        from events.demo import load_demo as fill

        demo_hr = await fill(organiser=await _organiser_actor(), now=now)
        print("Loaded the demo: /api/events lists a talent train and a night market.")
    lines = []
    if created is not None and generated:
        lines += [f"First organiser: {created.email}", f"password (shown once): {generated}"]
    if load_demo:
        lines += [f"Demo HR account: {demo_hr[0]}", f"HR password (shown once): {demo_hr[1]}"]
    if lines:
        # Last, after the migrations' and the demo's output, where it is not scrolled away unseen.
        lines += [f"Sign in at {address()}/login,", f"then change it at {address()}/me/password (or POST /api/me/password)."]
        print(boxed(lines), flush=True)


def serve() -> None:
    import uvicorn

    if settings.workers > 1 and not settings.redis_url:
        log.warning("%d workers without REDIS_URL: live dashboard updates and rate limits stay within each worker", settings.workers)
    # The real address, whatever PORT says (the README's links assume the default 8000).
    url = address()
    print(f"Serving {url}: students {url}/events · API {url}/schema · sign in {url}/login", flush=True)
    # No access log from uvicorn: events/middleware.py writes each request's line, with its request id, more cheaply.
    uvicorn.run("main:app", host=settings.host, port=settings.port, workers=settings.workers, log_config=logs.config(settings.log_format),
                access_log=False)


def main(argv: list[str] | None = None) -> None:
    logging.config.dictConfig(logs.config(settings.log_format))
    parser = argparse.ArgumentParser(prog="main.py", description="Recruitment events and job fairs.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="migrate, create the first organiser, load the demo into a new SQLite database, serve")
    commands.add_parser("serve", help="serve on HOST:PORT")
    worker_parser = commands.add_parser("worker", help="deliver messages (e-mail, SMS, webhooks) until stopped; run one or more beside PostgreSQL")
    worker_parser.add_argument("--once", action="store_true", help="fan out and send what is due now, then exit")
    commands.add_parser("migrate", help="apply database migrations")
    create = commands.add_parser("create-organiser", help="create an organiser account (password from ORGANISER_PASSWORD or a prompt)")
    create.add_argument("email")
    create.add_argument("--name", default="Organiser")
    commands.add_parser("demo", help="load the demo data into the current database")
    backup_parser = commands.add_parser("backup", help="copy the database to a file while the app runs (SQLite: online backup API; PostgreSQL: pg_dump)")
    backup_parser.add_argument("path")
    args = parser.parse_args(argv)

    if args.command == "run":
        brand_new = settings.database_url is None and not settings.sqlite_path.exists()
        asyncio.run(bootstrap(load_demo=brand_new))
        serve()
    elif args.command == "serve":
        serve()
    elif args.command == "worker":
        asyncio.run(worker(once=args.once))
    elif args.command == "migrate":
        asyncio.run(migrate())
    elif args.command == "create-organiser":
        password = settings.organiser_password or getpass.getpass("Password: ")
        try:
            view = asyncio.run(_create_organiser(args.email, args.name, password))
        except DomainError as error:
            raise SystemExit(f"Could not create the organiser: {error.detail} ({error.code})") from None
        print(f"Created organiser {view.email}")
    elif args.command == "demo":
        asyncio.run(_demo())
    elif args.command == "backup":
        backup(args.path)
        print(f"Backed up to {args.path}")
    else:  # pragma: no cover - argparse refuses unknown commands
        parser.error(f"unknown command {args.command}")
    sys.exit(0)


async def worker(*, once: bool = False) -> None:
    """The delivery worker in this process until SIGTERM or SIGINT; several may run at once against PostgreSQL."""
    import signal

    from events import db, delivery

    await db.open_database()
    try:
        if once:
            summary = await delivery.run_once()
            print(f"fanned out {summary.fanned_out} domain events, sent {summary.sent} messages", flush=True)
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await delivery.run_worker(stop=stop)
    finally:
        await db.close_database()


def backup(path: str) -> None:
    """A consistent copy of the live database: SQLite's online backup API, or pg_dump's custom format for PostgreSQL."""
    if settings.uses_sqlite:
        with sqlite3.connect(settings.sqlite_path) as source, sqlite3.connect(path) as target:
            source.backup(target)
        return
    # pg_dump takes one snapshot, so the dump is consistent while the app keeps writing.
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", settings.database_url], check=True)  # noqa: S603, S607


async def _create_organiser(email: str, name: str, password: str) -> accounts.views.Account:
    await migrate()
    return await accounts.create_account(
        role="organiser", name=name, email=email, phone=None, password=password, employer_id=None, now=datetime.now(UTC)
    )


async def _demo() -> None:
    await bootstrap(load_demo=True)

