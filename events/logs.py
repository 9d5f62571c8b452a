"""Logs a machine can read: one JSON object a line, each carrying the id of the request it belongs to.

Lines are written by `LineHandler`. The request lines (one per request, made by events/middleware.py
and handed to `SINK.access` without a LogRecord) are buffered and written once per event-loop turn,
so a busy worker makes one write for many of them; every other record is written at once, after
the request lines before it, so nothing rare (a warning, a shutdown line) waits in a buffer.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

import msgspec

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
#: A client's own X-Request-ID is kept when it looks like an id; anything else is replaced.
GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_encode = msgspec.json.Encoder().encode
#: (whole second, its ISO text): log lines within one second share the formatting of its date and time.
_clock: tuple[int, str] = (-1, "")


def timestamp(created: float) -> str:
    """ISO 8601 in UTC with milliseconds, as `datetime.isoformat(timespec="milliseconds")` writes it."""
    global _clock
    second = int(created)
    clock = _clock
    if clock[0] != second:
        # One tuple, swapped in whole: a thread reading it concurrently sees one second's pair or the other's.
        clock = _clock = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    return f"{clock[1]}.{int((created - second) * 1000):03d}+00:00"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _encode(entry).decode()


class LineHandler(logging.Handler):
    """Lines to a stream (stderr): records at once, request lines once per event-loop turn (at once off the loop)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self.stream = stream if stream is not None else sys.stderr
        self._pending: list[str] = []
        self._flush_on: asyncio.AbstractEventLoop | None = None
        global SINK
        SINK = self

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:  # logging's own contract: a record that cannot be formatted is reported, not raised
            self.handleError(record)
            return
        self.write(line, now=True)

    def write(self, line: str, *, now: bool = False) -> None:
        with self.lock:
            self._pending.append(line)
            if now or len(self._pending) > 512:
                self._write_pending()
                return
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._write_pending()
                return
            # Once per loop turn; again if the loop that was to flush has gone (a test's loop closed with lines pending).
            if self._flush_on is not loop:
                self._flush_on = loop
                loop.call_soon(self.flush)

    def flush(self) -> None:
        with self.lock:
            self._write_pending()

    def _write_pending(self) -> None:
        self._flush_on = None
        if self._pending:
            text = "\n".join(self._pending) + "\n"
            self._pending.clear()
            self.stream.write(text)
            self.stream.flush()

    def close(self) -> None:
        self.flush()
        super().close()

    def access(self, scope: dict[str, Any], status: int, seconds: float, request_id: str) -> None:
        """One request's line, as uvicorn's access log wrote it, with its id and duration."""
        path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        if scope.get("query_string") and "?" not in path:
            path = f"{path}?{scope['query_string'].decode('latin-1')}"
        client = scope.get("client")
        message = f'{client[0] if client else "-"}:{client[1] if client else "-"} - "{scope["method"]} {path} HTTP/{scope["http_version"]}" {status}'
        if isinstance(self.formatter, JsonFormatter):
            # Written out rather than encoded from a dict (a third of this line's cost): only the message needs escaping;
            # a request id is either a GOOD_ID match or made by events/middleware.py, both plain ASCII without quotes.
            self.write(f'{{"time":"{timestamp(time.time())}","level":"info","logger":"events.access","message":{_encode(message).decode()},'
                       f'"request_id":"{request_id}","status":{status},"duration_ms":{seconds * 1000:.2f}}}')
        else:
            self.write(f"INFO events.access: {message} {seconds * 1000:.1f} ms")


#: The handler the request lines go to: the one `config` installed in this process, if any (tests in-process have none).
SINK: LineHandler | None = None


def config(log_format: str, level: str = "INFO") -> dict[str, Any]:
    """A logging dictConfig for the app and for uvicorn: JSON lines, or plain text for a developer's terminal.

    uvicorn's own access log stays off (`main.py serve` passes access_log=False): events/middleware.py writes
    each request's line, with its id, through the same handler.
    """
    formatter = {"()": JsonFormatter} if log_format == "json" else {"format": "%(levelname)s %(name)s: %(message)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"main": {"()": LineHandler, "formatter": "main", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["main"], "level": level},
        "loggers": {name: {"handlers": ["main"], "level": level, "propagate": False} for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }
