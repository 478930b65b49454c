"""Unchanged feeds answer on kept-alive connections: a 304 does not cost a TCP handshake and close."""

from __future__ import annotations

import asyncio

import httpx

from bot.reader.fetcher import Fetcher
from bot.reader.host_pools import HostPools

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3")


class KeepAliveServer:
    """HTTP/1.1 on loopback addresses, every path answering 304 (or 200 the first time; /slow
    sends its body after a pause); counts the connections it accepted."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
                self.requests += 1
                if head.startswith("get /slow"):  # the body comes after a pause, from the socket
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n")
                    await writer.drain()
                    await asyncio.sleep(0.3)
                    writer.write(b"<rss/>")
                elif 'if-none-match: "v1"' in head:
                    writer.write(b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 0\r\n\r\n')
                else:
                    writer.write(b'HTTP/1.1 200 OK\r\nETag: "v1"\r\nContent-Length: 6\r\n\r\n<rss/>')
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def test_conditional_requests_to_a_few_hosts_reuse_their_connections():
    server = KeepAliveServer()
    first = await asyncio.start_server(server.serve, HOSTS[0], 0)
    port = first.sockets[0].getsockname()[1]
    others = [await asyncio.start_server(server.serve, host, port) for host in HOSTS[1:]]
    urls = [f"http://{HOSTS[n % len(HOSTS)]}:{port}/feed/{n}.xml" for n in range(30)]
    try:
        async with Fetcher(allow_private=True, timeout=5.0) as fetcher:
            fetched = await asyncio.gather(*(fetcher.fetch(url) for url in urls))
            assert {result.status for result in fetched} == {200}
            opened = server.connections
            answers = await asyncio.gather(*(fetcher.fetch(url, etag='"v1"') for url in urls))
        assert {answer.status for answer in answers} == {304}
        assert all(answer.etag == '"v1"' for answer in answers)
        assert server.requests == 60
        # at most per_host connections per host, opened for the first round and kept
        assert opened <= 2 * len(HOSTS)
        assert server.connections == opened, "a 304 closed its connection"
    finally:
        for listening in (first, *others):
            listening.close()


async def _serving_on_every_host(server: KeepAliveServer) -> tuple[int, list[asyncio.Server]]:
    first = await asyncio.start_server(server.serve, HOSTS[0], 0)
    port = first.sockets[0].getsockname()[1]
    return port, [first, *[await asyncio.start_server(server.serve, host, port) for host in HOSTS[1:]]]


async def test_the_least_recently_used_host_is_closed_beyond_the_cap():
    server = KeepAliveServer()
    port, listening = await _serving_on_every_host(server)
    try:
        async with httpx.AsyncClient(transport=HostPools(per_host=2, max_origins=2)) as client:
            for host in (*HOSTS, HOSTS[2]):  # the third host closes the first's pool
                assert (await client.get(f"http://{host}:{port}/feed.xml")).status_code == 200
            assert server.connections == 3
            assert (await client.get(f"http://{HOSTS[0]}:{port}/feed.xml")).status_code == 200
            assert server.connections == 4, "the first host's connection was not closed and opened again"
            assert (await client.get(f"http://{HOSTS[2]}:{port}/feed.xml")).status_code == 200
            assert server.connections == 4, "a recently used host lost its connection"
    finally:
        for each in listening:
            each.close()


async def test_a_host_with_an_answer_being_read_is_not_closed():
    server = KeepAliveServer()
    port, listening = await _serving_on_every_host(server)
    try:
        client = httpx.AsyncClient(transport=HostPools(per_host=2, max_origins=1))
        async with client, client.stream("GET", f"http://{HOSTS[0]}:{port}/slow") as reading:
            for host in HOSTS[1:]:
                assert (await client.get(f"http://{host}:{port}/feed.xml")).status_code == 200
            assert await reading.aread() == b"<rss/>"
    finally:
        for each in listening:
            each.close()
