"""A DNS proxy that adds a fixed delay to every answer, for benchmarks behind a slow link.

    proxy = LatencyProxy(("127.0.0.1", knot_port), delay=0.030)
    proxy.start()            # serves UDP and TCP on proxy.port, in a thread of its own
    ...
    proxy.stop()

UDP queries are forwarded at once through one upstream socket (each gets a fresh upstream ID,
restored on the way back) and each answer is sent on *delay* seconds after it arrived, so
every question sees the server's time plus *delay*, however many are in flight. A TCP
connection is relayed to its own upstream connection, each answer held back *delay* seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from typing import Any

Address = tuple[str, int]
PROXY_BUFFER = 4 * 1024 * 1024


class _Downstream(asyncio.DatagramProtocol):
    def __init__(self, proxy: LatencyProxy) -> None:
        self.proxy = proxy

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Address) -> None:
        self.proxy.forward(data, addr)


class _Upstream(asyncio.DatagramProtocol):
    def __init__(self, proxy: LatencyProxy) -> None:
        self.proxy = proxy

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Address) -> None:
        self.proxy.answer(data)


class LatencyProxy:
    def __init__(self, upstream: Address, delay: float) -> None:
        self.upstream = upstream
        self.delay = delay
        self.port = 0
        self._pending: dict[int, tuple[int, Address]] = {}
        self._next = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._down: Any = None
        self._up: Any = None
        self._stop: asyncio.Event | None = None

    def start(self) -> LatencyProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        tcp = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = tcp.sockets[0].getsockname()[1]
        self._down, _ = await loop.create_datagram_endpoint(
            lambda: _Downstream(self), local_addr=("127.0.0.1", self.port)
        )
        self._up, _ = await loop.create_datagram_endpoint(
            lambda: _Upstream(self), remote_addr=self.upstream
        )
        for endpoint in (self._down, self._up):
            # A burst of a whole window must not overflow the proxy's own queues.
            sock = endpoint.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, PROXY_BUFFER)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, PROXY_BUFFER)
        self._ready.set()
        await self._stop.wait()
        tcp.close()
        self._down.close()
        self._up.close()

    # -- UDP -----------------------------------------------------------------------------

    def forward(self, data: bytes, client: Address) -> None:
        if len(data) < 12:
            return
        for _ in range(0x10000):
            self._next = (self._next + 1) & 0xFFFF
            if self._next not in self._pending:
                break
        else:
            return  # 65,536 questions in flight: drop, as a full queue would
        self._pending[self._next] = (struct.unpack_from("!H", data)[0], client)
        self._up.sendto(struct.pack("!H", self._next) + data[2:])

    def answer(self, data: bytes) -> None:
        if len(data) < 12:
            return
        found = self._pending.pop(struct.unpack_from("!H", data)[0], None)
        if found is None:
            return
        original, client = found
        reply = struct.pack("!H", original) + data[2:]
        self._loop.call_later(self.delay, self._down.sendto, reply, client)

    # -- TCP -----------------------------------------------------------------------------

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return

        async def to_server() -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while True:
                    size = await reader.readexactly(2)
                    up_writer.write(size + await reader.readexactly(struct.unpack("!H", size)[0]))
            up_writer.close()

        async def to_client() -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while True:
                    size = await up_reader.readexactly(2)
                    body = await up_reader.readexactly(struct.unpack("!H", size)[0])
                    await asyncio.sleep(self.delay)
                    writer.write(size + body)
            writer.close()

        await asyncio.gather(to_server(), to_client())
