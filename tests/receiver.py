"""A real webhook receiver for tests: an HTTP/1.1 server on 127.0.0.1 (asyncio streams, keep-alive) that records what it gets.

It verifies Standard Webhooks signatures with its own code, written from the specification, independent of
events.webhooks: `v1,` + base64(HMAC-SHA256(base64-decoded secret, "{webhook-id}.{webhook-timestamp}.{body}")).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)


_REASONS = {200: "OK", 204: "No Content", 302: "Found", 410: "Gone", 500: "Internal Server Error", 503: "Service Unavailable"}


class Receiver:
    """`async with Receiver() as hooks:` then POST to `hooks.url`; `answer` decides each reply."""

    def __init__(self, answer: Callable[[Received], Answer] | None = None) -> None:
        self.answer = answer or (lambda _: Answer())
        self.received: list[Received] = []
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, path, _ = request_line.split(" ", 2)
                headers = {}
                for line in lines:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                request = Received(method=method, path=path, headers=headers, body=body)
                self.received.append(request)
                answer = self.answer(request)
                extra = "".join(f"{name}: {value}\r\n" for name, value in answer.headers.items())
                writer.write(
                    f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Status')}\r\nContent-Length: {len(answer.body)}\r\n{extra}\r\n".encode("latin-1")
                    + answer.body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()


def signature_ok(secret: str, received: Received) -> bool:
    """Whether one of the request's `v1,` signatures is the secret's, per the Standard Webhooks specification."""
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret[len("whsec_") :])
    signed = b".".join([received.headers["webhook-id"].encode(), received.headers["webhook-timestamp"].encode(), received.body])
    expected = base64.b64encode(hmac.digest(key, signed, hashlib.sha256))
    offered = [part.encode()[3:] for part in received.headers["webhook-signature"].split(" ") if part.startswith("v1,")]
    return any(hmac.compare_digest(candidate, expected) for candidate in offered)
