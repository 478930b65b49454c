"""FETCH stage: one conditional GET per source, bounded in time, size, redirects and reach.

Feed URLs come from a watchlist and from whatever their servers redirect to, so every hop
is treated as untrusted: only http/https, at most five redirects, and no loopback,
private or otherwise non-public address unless `LADDERWATCH_ALLOW_PRIVATE_URLS=1`.
The caller stores the ETag / Last-Modified we return and hands them back next time; a
304 means nothing new. Every failure is a `FetchError` whose text is one actionable line.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, Self

import httpx

import bot
from bot.reader.decoding import ACCEPT_ENCODING, BodyDecoder, DecodedTooLarge, DecodeError
from bot.reader.fetch_errors import FetchError, status_error, too_large, transport_problem, unsafe_address
from bot.reader.host_pools import HostPools

USER_AGENT = (
    f"Ladderwatch/{getattr(bot, '__version__', '0.1')} (+https://github.com/ladderwatch/ladderwatch; statement monitor)"
)
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)
MAX_REDIRECTS = 5
# Hosts whose connections are kept alive, up to `per_host` each (the semaphores, not the
# pools, bound requests in flight): a bridge or a ministry serving many feeds answers them
# on kept-alive connections, where fewer kept would close one host's connection to open
# another's, a TCP handshake and close per conditional request (bot/reader/host_pools.py).
KEPT_HOSTS = 32
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_SIZE = 65_536

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class FetchResult:
    """What a source answered: a body (200) or "nothing new" (304), plus caching hints."""

    status: int
    body: bytes
    content_type: str
    url: str
    etag: str | None
    last_modified: str | None


class Fetcher:
    """Shared HTTP client for all sources, with concurrency bounded overall and per host."""

    def __init__(
        self,
        *,
        allow_private: bool,
        max_bytes: int = 5_000_000,
        timeout: float = 20.0,
        connect_timeout: float = 5.0,
        max_connections: int = 8,
        per_host: int = 2,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.per_host = per_host
        self._slots = asyncio.Semaphore(max_connections)
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        # Requests go straight to the transport, not through an httpx.Client: we follow
        # redirects by hand and send no credentials, so its auth, redirect and cookie-jar
        # layers were pure cost (a fifth of an unchanged poll), and no cookie one feed's
        # host sets is replayed to it. The transport reads no proxy or .netrc settings from
        # the environment: every hop goes straight to the address we checked.
        self._transport = transport or HostPools(per_host=per_host, max_origins=KEPT_HOSTS)
        # Only encodings we inflate ourselves, with a cap (bot/reader/decoding.py).
        self._headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}
        self._timeouts = httpx.Timeout(timeout, connect=connect_timeout).as_dict()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET `url`, following up to five redirects by hand so each hop is checked."""
        conditional: dict[str, str] = {}
        if etag := _validator(etag):
            conditional["If-None-Match"] = etag
        if last_modified := _validator(last_modified):
            conditional["If-Modified-Since"] = last_modified
        loop = asyncio.get_running_loop()
        budget = self.timeout  # seconds of talking to servers left, over all the hops
        current = url
        for hops in range(MAX_REDIRECTS + 1):
            try:
                target = _parse_url(current)
                async with self._slots, self._host_slot(target.host):
                    # The clock runs while we talk to a server, not while a hop is queued
                    # behind other sources on its host (a bridge serving many accounts).
                    began = loop.time()
                    try:
                        step = await self._fetch_hop(target, conditional, began + budget)
                    finally:
                        budget -= loop.time() - began
            except FetchError as error:
                raise _for_source(url, current if hops else None, error) from None
            if isinstance(step, FetchResult):
                return step
            current = step
        raise FetchError(
            url,
            f"more than {MAX_REDIRECTS} redirects (last to {current}); put the final feed address in the watchlist",
            kind="too_many_redirects",
        )

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        return self._host_slots.setdefault(host, asyncio.Semaphore(self.per_host))

    async def _fetch_hop(self, target: httpx.URL, conditional: dict[str, str], deadline: float) -> FetchResult | str:
        """One request: a result, or the next URL when the server redirects."""
        url = str(target)
        extensions: dict[str, Any] = {"timeout": self._timeouts}
        if not self.allow_private:
            extensions["trace"] = _PeerGuard(target)
        try:
            async with asyncio.timeout_at(deadline):
                if not self.allow_private:
                    await _check_host_is_public(target)
                async with self._exchange(target, conditional, extensions) as response:
                    if response.status_code in REDIRECT_STATUSES:
                        return _redirect_target(target, response)
                    if response.status_code == 304:
                        # A 304 has no body by definition: reading its (empty) end, raw, lets
                        # the connection go back to the pool instead of being closed.
                        if not response.is_stream_consumed:
                            async for _ in response.aiter_raw():
                                pass
                        return _not_modified(response, conditional)
                    if not response.is_success:
                        raise status_error(url, response)
                    return _result(response, await self._read_capped(url, response))
        except TimeoutError:
            raise FetchError(
                url,
                f"no complete answer within {self.timeout:g} s; the server is slow or stuck, will retry later",
                kind="timeout",
            ) from None
        except httpx.ConnectTimeout:
            raise FetchError(
                url,
                "could not connect in time; check that the site is up, will retry later",
                kind="timeout",
            ) from None
        except httpx.TimeoutException as exc:
            raise FetchError(
                url,
                f"the server stopped answering ({type(exc).__name__}); will retry later",
                kind="timeout",
            ) from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise FetchError(url, f"invalid address ({exc}); fix it in the watchlist", kind="bad_url") from None
        except httpx.TransportError as exc:
            raise FetchError(url, transport_problem(exc), kind="network") from None

    @asynccontextmanager
    async def _exchange(
        self, target: httpx.URL, conditional: dict[str, str], extensions: dict[str, Any]
    ) -> AsyncIterator[httpx.Response]:
        """One GET on the transport; the response is closed (its connection released) on exit."""
        headers = self._headers | conditional | _basic_auth(target)
        request = httpx.Request("GET", target, headers=headers, extensions=extensions)
        response = await self._transport.handle_async_request(request)
        response.request = request
        try:
            yield response
        finally:
            await response.aclose()

    async def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        """Read and decode the body, stopping as soon as it passes `max_bytes`.

        The raw bytes are inflated here, layer by layer with a cap (not by httpx, which
        would inflate a whole chunk at once): a decompression bomb costs at most the cap.
        """
        declared = response.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared[:20]) > self.max_bytes:
            raise too_large(url, self.max_bytes, f"declares {int(declared):,} bytes")
        body = bytearray()
        try:
            decoder = BodyDecoder(response.headers.get("Content-Encoding", ""), self.max_bytes)
            async for chunk in response.aiter_raw(CHUNK_SIZE):
                body += decoder.decode(chunk)
        except DecodedTooLarge:
            raise too_large(url, self.max_bytes, "kept sending, or more than that once decompressed") from None
        except DecodeError as exc:
            raise FetchError(
                url, f"the body could not be decoded ({exc}); the server sent a broken answer", kind="network"
            ) from None
        return bytes(body)


def _for_source(source_url: str, hop_url: str | None, error: FetchError) -> FetchError:
    """Name the URL the caller asked for and, when a redirect hop failed, that hop."""
    problem = error.problem if hop_url is None else f"redirected to {hop_url}: {error.problem}"
    return FetchError(source_url, problem, kind=error.kind, status=error.status, retry_after=error.retry_after)


def _parse_url(url: str) -> httpx.URL:
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(url, f"invalid address ({exc}); fix it in the watchlist", kind="bad_url") from None
    if target.scheme not in ("http", "https"):
        raise FetchError(
            url,
            f"scheme {target.scheme or '(none)'!r} is not allowed; use an http:// or https:// URL",
            kind="bad_url",
        )
    if not target.host:
        raise FetchError(url, "the address has no host name; fix it in the watchlist", kind="bad_url")
    return target


def is_public_address(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses, looking inside IPv6 wrappers."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo is not None:
            embedded = address.teredo[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


async def _check_host_is_public(target: httpx.URL) -> None:
    """Resolve without blocking the loop; refuse if any address the name has is not public."""
    url = str(target)
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            target.raw_host.decode("ascii"), port, type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(
            url,
            f"could not resolve {target.host!r} (no network or wrong host name: {exc}); will retry later",
            kind="network",
        ) from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not is_public_address(address):
            raise unsafe_address(url, target.host, address)


class _PeerGuard:
    """httpx trace hook: refuse a fresh connection to a non-public peer before sending.

    Catches DNS answers that change between our check and httpx's own lookup (rebinding).
    """

    def __init__(self, target: httpx.URL) -> None:
        self.target = target

    async def __call__(self, event: str, info: dict[str, Any]) -> None:
        if event != "connection.connect_tcp.complete":
            return
        stream = info["return_value"]
        peer = stream.get_extra_info("server_addr")
        if peer is None:  # not a TCP socket we can inspect; the resolver check still applied
            return
        address = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
        if not is_public_address(address):
            await stream.aclose()
            raise unsafe_address(str(self.target), self.target.host, address)


def _basic_auth(target: httpx.URL) -> dict[str, str]:
    """Credentials in a feed's address (`https://user:pass@host/feed`) as Basic auth, as
    httpx.Client sent them: for that address's own hops only, since a redirect to another
    origin carries no user part."""
    if not (target.username or target.password):
        return {}
    token = base64.b64encode(f"{target.username}:{target.password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


def _redirect_target(target: httpx.URL, response: httpx.Response) -> str:
    location = response.headers.get("Location", "").strip()
    if not location:
        raise FetchError(
            str(target),
            f"HTTP {response.status_code} redirect without a Location header; "
            "the server is misconfigured, check the feed address",
            kind="http_status",
            status=response.status_code,
        )
    try:
        parsed = httpx.URL(location)
    except httpx.InvalidURL as exc:
        # Not a URL at all (too long, control characters): the answer itself is broken.
        broken = httpx.RemoteProtocolError(f"Invalid URL in location header: {exc}.")
        raise FetchError(str(target), transport_problem(broken), kind="network") from None
    try:
        return str(target.join(parsed))
    except httpx.InvalidURL as exc:
        raise FetchError(str(target), f"redirect to an invalid address {location!r} ({exc})", kind="bad_url") from None


def _result(response: httpx.Response, body: bytes) -> FetchResult:
    headers = response.headers
    return FetchResult(
        status=response.status_code,
        body=body,
        content_type=headers.get("Content-Type", ""),
        url=str(response.url),
        etag=_validator(headers.get("ETag")),
        last_modified=_validator(headers.get("Last-Modified")),
    )


def _validator(value: str | None) -> str | None:
    """A cache validator we can send back: printable ASCII only (httpx refuses the rest).

    A server's `ETag: "été"` must not be stored and replayed, or every later request
    of that source would fail before it is sent.
    """
    if value and value.isascii() and value.isprintable():
        return value
    return None


def _not_modified(response: httpx.Response, conditional: dict[str, str]) -> FetchResult:
    """A 304; validators the server did not repeat stay as the caller sent them."""
    result = _result(response, b"")
    return replace(
        result,
        etag=result.etag or conditional.get("If-None-Match"),
        last_modified=result.last_modified or conditional.get("If-Modified-Since"),
    )
