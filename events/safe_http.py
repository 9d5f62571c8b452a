"""Outbound HTTP to URLs that users typed (webhook endpoints), safe against server-side request forgery.

A webhook URL is chosen by an HR account, so the app must never become a way into its own network:
- https only (http only with WEBHOOK_ALLOW_HTTP, development and tests);
- the host is resolved here, every address it resolves to is checked (loopback, private, link-local, CGNAT,
  multicast, reserved, unspecified, IPv6 unique-local and site-local, IPv4 inside IPv6, cloud metadata), and
  the connection goes to the address that was checked: the HTTP library never resolves the name a second time,
  so a DNS answer cannot change between the check and the connect (DNS rebinding). The URL keeps its host
  name, so TLS checks the certificate against it (SNI) and the Host header is the name;
- redirects are never followed (a 3xx is the answer), connect/read/total timeouts, at most 64 KiB of the
  response read and 500 characters kept.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES lets loopback and private addresses through (a local receiver in tests);
metadata, multicast and unspecified addresses stay refused even then.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore

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
    if len(url) > MAX_URL_LENGTH:
        raise AddressRefused(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise AddressRefused(f"the URL cannot be read: {error}") from error
    allowed = {"https", "http"} if config.webhook_allow_http else {"https"}
    if parts.scheme not in allowed:
        raise AddressRefused("the URL must start with https://")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("the URL may not carry a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise AddressRefused("the URL has no host")
    if any(character.isspace() or ord(character) < 0x20 for character in url):
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


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses this module resolved and checked itself.

    httpcore hands the URL's host name to `connect_tcp`; the name is resolved and checked here, once, and the
    socket opened to the checked address. TLS then runs on that socket with the name as SNI (httpcore's doing),
    so certificate checks and the connection pool stay keyed by the name.
    """

    def __init__(self, *, config: Settings, resolve: Resolver) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._config = config
        self._resolve = resolve

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # noqa: ASYNC109 - httpcore's interface
        addresses = await checked_addresses(host, port, config=self._config, resolve=self._resolve)
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(str(address), port, timeout=timeout, local_address=local_address, socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as failed:
                error = failed
        assert error is not None
        raise error

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # noqa: ASYNC109 - httpcore's interface
        raise AddressRefused("unix sockets are never called")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@dataclass(frozen=True)
class Reply:
    status: int
    #: The first KEPT_RESPONSE_CHARS characters of the body (at most MAX_RESPONSE_BYTES read).
    text: str
    #: Seconds, from a numeric Retry-After header.
    retry_after: float | None = None


class SafeClient:
    """A connection pool for POSTs to untrusted URLs; one per event loop, shared by every delivery."""

    def __init__(self, *, config: Settings, resolve: Resolver = system_resolve, max_connections: int = 100) -> None:
        self.config = config
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl.create_default_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=4.0,  # under the 5 s most servers keep an idle connection (STACK-NOTES)
            http1=True,
            http2=False,
            retries=0,
            network_backend=_PinnedBackend(config=config, resolve=resolve),
        )

    async def post(self, url: str, *, body: bytes, headers: dict[str, str]) -> Reply:
        """POST `body`; raises AddressRefused, or httpcore's timeout and network errors. Redirects are answers, never followed."""
        target = parse_url(url, config=self.config)
        default_port = 443 if target.scheme == "https" else 80
        name = f"[{target.host}]" if ":" in target.host else target.host
        host_header = name if target.port == default_port else f"{name}:{target.port}"
        request_headers = [("Host", host_header), ("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("User-Agent", "events-webhooks/1")]
        request_headers += list(headers.items())
        timeouts = {"connect": CONNECT_TIMEOUT, "read": READ_TIMEOUT, "write": READ_TIMEOUT, "pool": TOTAL_TIMEOUT}
        async with asyncio.timeout(TOTAL_TIMEOUT):
            async with self._pool.stream(
                "POST",
                httpcore.URL(scheme=target.scheme, host=target.host, port=target.port, target=target.target),
                headers=request_headers,
                content=body,
                extensions={"timeout": timeouts},
            ) as response:
                kept = bytearray()
                async for chunk in response.aiter_stream():
                    kept += chunk
                    if len(kept) >= MAX_RESPONSE_BYTES:
                        break  # closing the stream unread drops the connection instead of downloading the rest
                retry_after = None
                for name, value in response.headers:
                    if name.lower() == b"retry-after" and value.strip().isdigit():
                        retry_after = float(value.strip())
                return Reply(
                    status=response.status,
                    text=bytes(kept[:MAX_RESPONSE_BYTES]).decode("utf-8", "replace")[:KEPT_RESPONSE_CHARS],
                    retry_after=retry_after,
                )

    async def aclose(self) -> None:
        await self._pool.aclose()
