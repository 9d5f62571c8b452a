"""Outbound HTTP to URLs that users typed (webhook endpoints), safe against server-side request forgery.

A webhook URL is chosen by an HR account, so the app must never become a way into its own network:
- https only (http only with WEBHOOK_ALLOW_HTTP, development and tests);
- the host is resolved here, every address it resolves to is checked (loopback, private, link-local, CGNAT,
  multicast, reserved, unspecified, IPv6 unique-local and site-local, IPv4 inside IPv6, cloud metadata), and
  the socket is opened to the address that was checked: nothing resolves the name a second time, so a DNS
  answer cannot change between the check and the connect (DNS rebinding). TLS still checks the certificate
  against the host name (SNI), and the Host header is the name;
- redirects are never followed (a 3xx is the answer), connect/read/total timeouts, at most 64 KiB of the
  response read and 500 characters kept.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES lets loopback and private addresses through (a local receiver in tests);
metadata, multicast and unspecified addresses stay refused even then.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

from events.settings import Settings

#: Host name → the addresses it resolves to. Injected in tests; the default asks the system resolver.
Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2000
#: Bytes of a response read at most; the rest is never downloaded.
MAX_RESPONSE_BYTES = 64 * 1024
#: Characters of a response kept for the delivery log.
KEPT_RESPONSE_CHARS = 500
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
#: A receiver that drips its answer a byte every few seconds is cut off here, whatever the read timeout.
TOTAL_TIMEOUT = 15.0
#: An idle connection is reused only this soon: most servers drop idle ones at 5 s (STACK-NOTES).
KEEPALIVE_SECONDS = 4.0

#: Instance metadata services (AWS/GCP/Azure/OpenStack, AWS IPv6, ECS tasks, Alibaba Cloud, Tencent Cloud): never, in any setting.
METADATA = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200", "169.254.0.23")
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(Exception):
    """The URL, or an address its host resolves to, is not one the app may call."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """An IPv4 address carried inside an IPv6 one (mapped, 6to4, Teredo, NAT64): it is where the packets really go."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why the app may not connect to `address` (a short reason), or None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            reason = address_refusal(inner, allow_private=allow_private)
            return f"{reason} (inside IPv6)" if reason else None
        if address.scope_id:
            return "link-local (scoped)"
    if address in METADATA:
        return "cloud metadata"
    if address.is_unspecified:
        return "unspecified"
    if address.is_multicast:
        return "multicast"
    if allow_private:
        return None
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if isinstance(address, ipaddress.IPv4Address) and address in CGNAT:
        return "carrier-grade NAT (100.64.0.0/10)"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:
        return "not globally routable"
    return None


@dataclass(frozen=True)
class Target:
    """A URL that passed the syntax checks, taken apart."""

    scheme: str
    host: str
    port: int
    target: str  # path and query, as sent on the request line


def parse_url(url: str, *, config: Settings) -> Target:
    """Check a URL's form (scheme, host, no credentials, port) without resolving it; raise AddressRefused."""
    return _parse(url, allow_http=config.webhook_allow_http)


_UNSAFE = re.compile(r"[\x00-\x20\x7f\s]")


@functools.lru_cache(maxsize=1024)  # every delivery parses its endpoint's URL; there are few endpoints and many deliveries
def _parse(url: str, *, allow_http: bool) -> Target:
    if len(url) > MAX_URL_LENGTH:
        raise AddressRefused(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise AddressRefused(f"the URL cannot be read: {error}") from error
    allowed = {"https", "http"} if allow_http else {"https"}
    if parts.scheme not in allowed:
        raise AddressRefused("the URL must start with https://")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("the URL may not carry a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise AddressRefused("the URL has no host")
    if _UNSAFE.search(url):
        raise AddressRefused("the URL contains spaces or control characters")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        try:
            ipaddress.ip_address(host)
        except ValueError as error:
            raise AddressRefused("the host name is not valid") from error
    path = parts.path or "/"
    return Target(scheme=parts.scheme, host=host, port=port or (443 if parts.scheme == "https" else 80), target=path + (f"?{parts.query}" if parts.query else ""))


async def system_resolve(host: str, port: int) -> list[str]:
    """The host's addresses, from the system resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def checked_addresses(host: str, port: int, *, config: Settings, resolve: Resolver = system_resolve) -> list[IPAddress]:
    """Resolve the host once and check every address; refuse all if any one is refused (a name must not mix in an inside address)."""
    try:
        addresses = [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        try:
            found = await resolve(host, port)
        except OSError as error:
            raise AddressRefused(f"{host} does not resolve") from error
        addresses = [ipaddress.ip_address(address) for address in found]
    if not addresses:
        raise AddressRefused(f"{host} does not resolve")
    for address in addresses:
        reason = address_refusal(address, allow_private=config.webhook_allow_private_addresses)
        if reason:
            raise AddressRefused(f"{host} resolves to a {reason} address")
    return addresses


async def check_url(url: str, *, config: Settings, resolve: Resolver = system_resolve) -> Target:
    """The registration-time check: the URL's form, then where its host resolves to now."""
    target = parse_url(url, config=config)
    await checked_addresses(target.host, target.port, config=config, resolve=resolve)
    return target


@dataclass(frozen=True)
class Reply:
    status: int
    #: The first KEPT_RESPONSE_CHARS characters of the body (at most MAX_RESPONSE_BYTES read).
    text: str
    #: Seconds, from a numeric Retry-After header.
    retry_after: float | None = None


class TransportError(Exception):
    """The connection broke, or the other side does not speak HTTP/1.1."""


class _Connection:
    """One HTTP/1.1 connection to an address this module checked, with h11 keeping the protocol's state."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.protocol = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_RESPONSE_BYTES)
        self.idle_since = 0.0

    def close(self) -> None:
        self.writer.close()

    def is_reusable(self, now: float) -> bool:
        return now - self.idle_since < KEEPALIVE_SECONDS and not self.reader.at_eof() and not self.writer.is_closing()


class SafeClient:
    """POSTs to untrusted URLs over kept-alive connections; one per event loop, shared by every delivery.

    Written on asyncio streams and h11 rather than on an HTTP library's pool: the connection must go to the
    address checked here (no second resolution), and httpcore's pool cost more CPU than the requests themselves
    at a few hundred deliveries a second (it polls every pooled socket on every request).
    """

    def __init__(
        self,
        *,
        config: Settings,
        resolve: Resolver = system_resolve,
        max_idle_per_host: int = 64,
        ssl_context: ssl.SSLContext | None = None,
        read_timeout: float = READ_TIMEOUT,
        total_timeout: float = TOTAL_TIMEOUT,
    ) -> None:
        self.config = config
        self._read_timeout, self._total_timeout = read_timeout, total_timeout
        self._resolve = resolve
        self._ssl = ssl_context or ssl.create_default_context()
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._max_idle = max_idle_per_host

    async def post(self, url: str, *, body: bytes, headers: dict[str, str]) -> Reply:
        """POST `body`; raises AddressRefused, TimeoutError or TransportError. Redirects are answers, never followed."""
        target = parse_url(url, config=self.config)
        default_port = 443 if target.scheme == "https" else 80
        name = f"[{target.host}]" if ":" in target.host else target.host
        host_header = name if target.port == default_port else f"{name}:{target.port}"
        request = h11.Request(
            method="POST",
            target=target.target,
            headers=[("Host", host_header), ("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("User-Agent", "events-webhooks/1"), *headers.items()],
        )
        key = (target.scheme, target.host, target.port)
        async with asyncio.timeout(self._total_timeout):
            connection = self._take_idle(key)
            if connection is not None:
                try:
                    return await self._exchange(key, connection, request, body)
                except _StaleConnection:
                    pass  # the server closed the idle connection as we reused it: nothing was received, send on a new one
            return await self._exchange(key, await self._connect(target), request, body)

    def _take_idle(self, key: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(key)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.is_reusable(now):
                return connection
            connection.close()
        return None

    async def _connect(self, target: Target) -> _Connection:
        addresses = await checked_addresses(target.host, target.port, config=self.config, resolve=self._resolve)
        tls = target.scheme == "https"
        error: Exception | None = None
        for address in addresses:
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    # The checked address, never the name: no second resolution. TLS still checks the certificate against the name (SNI).
                    reader, writer = await asyncio.open_connection(
                        str(address), target.port, ssl=self._ssl if tls else None, server_hostname=target.host if tls else None
                    )
                return _Connection(reader, writer)
            except (OSError, TimeoutError) as failed:
                error = failed
        assert error is not None
        raise error

    async def _exchange(self, key: tuple[str, str, int], connection: _Connection, request: h11.Request, body: bytes) -> Reply:
        protocol = connection.protocol
        received_any = False
        try:
            connection.writer.write(protocol.send(request) + protocol.send(h11.Data(data=body)) + protocol.send(h11.EndOfMessage()))
            await connection.writer.drain()
            status, retry_after, kept, complete = 0, None, bytearray(), False
            while True:
                event = protocol.next_event()
                if event is h11.NEED_DATA:
                    async with asyncio.timeout(self._read_timeout):
                        chunk = await connection.reader.read(MAX_RESPONSE_BYTES)
                    received_any = received_any or bool(chunk)
                    protocol.receive_data(chunk)  # b"": the other side closed
                    continue
                if isinstance(event, h11.Response):
                    status = event.status_code
                    for header, value in event.headers:
                        if header == b"retry-after" and value.strip().isdigit():
                            retry_after = float(value.strip())
                elif isinstance(event, h11.Data):
                    kept += event.data[: MAX_RESPONSE_BYTES - len(kept)]
                    if len(kept) >= MAX_RESPONSE_BYTES:
                        break  # the rest is never downloaded: the connection is dropped below
                elif isinstance(event, h11.EndOfMessage):
                    complete = True
                    break
                elif isinstance(event, h11.ConnectionClosed):
                    if status == 0:
                        raise (_StaleConnection if not received_any else TransportError)("the connection closed before an answer")
                    break
        except (ConnectionError, h11.ProtocolError) as error:
            connection.close()
            if not received_any and isinstance(error, ConnectionError):
                raise _StaleConnection from error
            raise TransportError(f"{type(error).__name__}: {error}") from error
        except BaseException:
            connection.close()
            raise
        if complete and protocol.our_state is h11.DONE and protocol.their_state is h11.DONE and len(self._idle.get(key, ())) < self._max_idle:
            protocol.start_next_cycle()
            connection.idle_since = time.monotonic()
            self._idle.setdefault(key, []).append(connection)
        else:
            connection.close()
        return Reply(status=status, text=bytes(kept).decode("utf-8", "replace")[:KEPT_RESPONSE_CHARS], retry_after=retry_after)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()


class _StaleConnection(TransportError):
    """A kept-alive connection the server had closed: nothing was received, so the request may go again."""
