"""The fetcher's transport: one small connection pool per origin instead of one shared pool.

httpcore's pool walks every connection it holds on each request and each release, and for
every idle one asks the socket whether it expired and counts the whole pool again: with 32
kept-alive connections spread over many hosts that walk was a third of an unchanged poll's
CPU (is_idle called ~400 times per request). A pool per origin holds the few connections the
fetcher's per-host limit lets it use, so each walk is over one or two. At most
`max_origins` pools stay open; the least recently used one with nothing in flight is closed
to make room, which bounds the idle sockets kept at `max_origins × per_host`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator

import httpx

Origin = tuple[str, bytes, int | None]


class _OriginPool:
    """One origin's pool and how many of its responses are still open."""

    def __init__(self, transport: httpx.AsyncHTTPTransport) -> None:
        self.transport = transport
        self.in_flight = 0


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that tells its origin's pool when it is closed (only then may the
    pool be closed to make room)."""

    def __init__(self, stream: httpx.AsyncByteStream, pool: _OriginPool) -> None:
        self._stream = stream
        self._pool: _OriginPool | None = pool

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._pool is not None:
                self._pool.in_flight -= 1
                self._pool = None


class HostPools(httpx.AsyncBaseTransport):
    """Routes each request to its origin's own pool of at most `per_host` kept-alive connections."""

    def __init__(self, *, per_host: int, max_origins: int) -> None:
        self._limits = httpx.Limits(max_connections=None, max_keepalive_connections=per_host)
        self._max_origins = max_origins
        # One TLS context for every pool: building one reads the CA bundle (tens of ms).
        self._ssl_context = httpx.create_ssl_context(trust_env=False)
        self._pools: OrderedDict[Origin, _OriginPool] = OrderedDict()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin = (url.scheme, url.raw_host, url.port)
        pool = self._pools.get(origin)
        if pool is None:
            pool = self._pools[origin] = _OriginPool(
                httpx.AsyncHTTPTransport(verify=self._ssl_context, trust_env=False, limits=self._limits)
            )
        else:
            self._pools.move_to_end(origin)
        pool.in_flight += 1
        try:
            if len(self._pools) > self._max_origins:
                await self._close_least_recent()
            response = await pool.transport.handle_async_request(request)
        except BaseException:
            pool.in_flight -= 1
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _ReleasingStream(response.stream, pool)
        return response

    async def _close_least_recent(self) -> None:
        """Close idle pools, oldest first, until at most `max_origins` are open."""
        surplus = len(self._pools) - self._max_origins
        idle = [origin for origin, pool in self._pools.items() if pool.in_flight == 0][:surplus]
        closing = [self._pools.pop(origin) for origin in idle]
        for pool in closing:
            await pool.transport.aclose()

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.transport.aclose()
