"""A real webhook receiver for tests: an HTTP/1.1 server on 127.0.0.1 (asyncio streams, keep-alive) that records what it gets.

It verifies Standard Webhooks signatures with its own code, written from the specification, independent of
events.webhooks: `v1,` + base64(HMAC-SHA256(base64-decoded secret, "{webhook-id}.{webhook-timestamp}.{body}")).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ssl
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
    #: 0: never answer.
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)


_REASONS = {200: "OK", 204: "No Content", 302: "Found", 410: "Gone", 500: "Internal Server Error", 503: "Service Unavailable"}


class Receiver:
    """`async with Receiver() as hooks:` then POST to `hooks.url`; `answer` decides each reply."""

    def __init__(self, answer: Callable[[Received], Answer] | None = None, *, tls: ssl.SSLContext | None = None, close_after_each: bool = False) -> None:
        self.answer = answer or (lambda _: Answer())
        self.tls = tls
        #: Drop the connection after each answer, without saying so: a client reusing it must notice and reconnect.
        self.close_after_each = close_after_each
        self.connections = 0
        self.received: list[Received] = []
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
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
        self.connections += 1
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
                if answer.status == 0:
                    await reader.read()  # never answer: wait for the client to give up and hang up
                    return
                extra = "".join(f"{name}: {value}\r\n" for name, value in answer.headers.items())
                writer.write(
                    f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Status')}\r\nContent-Length: {len(answer.body)}\r\n{extra}\r\n".encode("latin-1")
                    + answer.body
                )
                await writer.drain()
                if self.close_after_each:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
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


def certificate(directory, host: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for `host`: (the server's TLS context, a client context that trusts only it)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client
