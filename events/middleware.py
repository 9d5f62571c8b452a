"""The one layer every routed HTTP request passes: its id, the common security headers, its metrics and its log line.

One plain ASGI function instead of a stack of wrappers (issue 16): Litestar's Prometheus middleware
built a Request and took four locks a request, uvicorn's access log went through the logging
machinery and a write to stderr per request, and the headers came from an after_request hook.
Here each is a few dict and list operations on the event-loop thread, and the log line is handed
to the log handler's buffer (events/logs.py), which writes once per loop turn.
"""

from __future__ import annotations

import itertools
import logging
import os
from time import perf_counter

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from events import logs
from events.metrics import REQUESTS

#: Not counted: the scrape itself and static files (as Litestar's Prometheus middleware was configured).
_UNCOUNTED = ("/metrics", "/static/")
#: Headers every response carries (pages add their Content-Security-Policy on top; a private feed sets its own Referrer-Policy).
_NOSNIFF, _REFERRER = (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin")
_ACCESS = logging.getLogger("events.access")


class _Ids:
    """Request ids: 32 hex digits, a random prefix per process and a counter (unique without a system call a request)."""

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self.prefix = os.urandom(10).hex()
        self.counter = itertools.count()

    def next(self) -> str:
        return f"{self.prefix}{next(self.counter) & 0xFFFFFFFFFFFF:012x}"


_IDS = _Ids()


def _given_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if logs.GOOD_ID.fullmatch(text) else None
    return None


def request_stack(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: id (the client's X-Request-ID or a new one), headers, metrics, and one JSON log line per request."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        request_id = _given_id(scope["headers"]) or _IDS.next()
        token = logs.REQUEST_ID.set(request_id)
        started = perf_counter()
        method, path = scope["method"], scope["path"]
        template = None if path.startswith(_UNCOUNTED) else scope.get("path_template", path)
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers")
                # Litestar builds a new list for every response: add to it in place (anything else is copied first).
                if type(headers) is not list:
                    headers = message["headers"] = list(headers or ())
                sniff = referrer = True
                for name, _ in headers:
                    name = name.lower()
                    if name == b"x-content-type-options":
                        sniff = False
                    elif name == b"referrer-policy":
                        referrer = False
                if sniff:
                    headers.append(_NOSNIFF)
                if referrer:
                    headers.append(_REFERRER)
                headers.append((b"x-request-id", request_id.encode("latin-1")))
            await send(message)

        if template is not None:
            REQUESTS.started(method, template)
        try:
            await app(scope, receive, send_with_headers)
        finally:
            seconds = perf_counter() - started
            if template is not None:
                REQUESTS.finished(method, template, status, seconds)
            if logs.SINK is not None and _ACCESS.isEnabledFor(logging.INFO):
                logs.SINK.access(scope, status, seconds, request_id)
            logs.REQUEST_ID.reset(token)

    return middleware
