"""TCP servers on 127.0.0.1 that misbehave on purpose: they trickle, never end, or answer
in the wrong protocol. Each connection runs a *behaviour* in its own thread until the
client leaves or the server stops."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

Behaviour = Callable[[socket.socket, threading.Event], None]


@contextmanager
def hostile_server(behaviour: Behaviour) -> Iterator[int]:
    """Serve *behaviour* on a free port of 127.0.0.1; yield the port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve_one(conn: socket.socket) -> None:
        # OSError: the client hung up, which is what a bounded client does.
        with conn, suppress(OSError):
            behaviour(conn, stop)

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def trickling_banner(interval: float = 0.2) -> Behaviour:
    """``220-`` continuation lines, one every *interval* seconds, never the last line."""

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        while not stop.wait(interval):
            conn.sendall(b"220-still here\r\n")

    return behave


def trickling_bytes(interval: float = 0.2) -> Behaviour:
    """One byte of a banner line every *interval* seconds: every read succeeds."""

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        while not stop.wait(interval):
            conn.sendall(b"2")

    return behave


def endless_ehlo() -> Behaviour:
    """A proper banner, then an EHLO reply of ``250-`` lines as fast as the client reads."""

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"220 hostile.example ESMTP\r\n")
        conn.recv(1024)
        chunk = b"250-PIPELINING\r\n" * 256
        while not stop.is_set():
            conn.sendall(chunk)

    return behave


def long_line() -> Behaviour:
    """A banner line that never reaches its end of line."""

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"220 ")
        while not stop.is_set():
            conn.sendall(b"x" * 4096)

    return behave


def garbage(payload: bytes) -> Behaviour:
    """Read the request, answer *payload* (anything but HTTP), and close."""

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.settimeout(2)
        with suppress(TimeoutError):
            conn.recv(65536)
        conn.sendall(payload)
        time.sleep(0.05)

    return behave


def silent() -> Behaviour:
    """Accept and say nothing until the client leaves."""

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        stop.wait()

    return behave
