"""Bounds on one SMTP session whatever the server does: a whole-session deadline and reply caps.

A socket timeout bounds one read, not a conversation: a server that sends ``220-`` every few
seconds, or one byte of a TLS record at a time, keeps every read short and the session
endless. :class:`SessionDeadline` shuts every socket of the session down when its time is up,
so whatever read is blocked returns at once; :class:`BoundedSMTP` caps the lines of one reply
and their length, which smtplib does not (it caps a line at 8,192 octets but reads any
number of continuation lines).
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import threading
import time
from collections.abc import Callable

# RFC 5321 §4.5.3.1.5 limits a reply line to 512 octets; servers exceed it in the wild, so
# allow four times that. An EHLO reply lists a few dozen extensions at most.
MAX_REPLY_LINE_OCTETS = 2048
MAX_REPLY_LINES = 100

Connect = Callable[[str, int, float], socket.socket]
"""``(host, port, timeout) -> socket``: how a session opens its TCP connections."""


class ReplyTooLong(smtplib.SMTPException):
    """The server's reply broke a cap; the session cannot trust what follows."""


class BoundedSMTP(smtplib.SMTP):
    """:class:`smtplib.SMTP` whose replies have at most ``MAX_REPLY_LINES`` lines of at most
    ``MAX_REPLY_LINE_OCTETS`` octets each."""

    def getreply(self) -> tuple[int, bytes]:
        lines: list[bytes] = []
        if self.file is None:
            if self.sock is None:
                raise smtplib.SMTPServerDisconnected("not connected")
            self.file = self.sock.makefile("rb")
        while True:
            try:
                line = self.file.readline(MAX_REPLY_LINE_OCTETS + 1)
            except OSError as error:
                self.close()
                raise smtplib.SMTPServerDisconnected(
                    f"Connection unexpectedly closed: {error}"
                ) from error
            if not line:
                self.close()
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            if len(line) > MAX_REPLY_LINE_OCTETS:
                self.close()
                raise ReplyTooLong(
                    f"a reply line is longer than {MAX_REPLY_LINE_OCTETS} octets "
                    "(RFC 5321 §4.5.3.1.5 allows 512)"
                )
            if not line.endswith(b"\n"):
                # Cut off mid-line (by the server, or by the deadline): a partial reply
                # must never be read as a complete one.
                self.close()
                raise smtplib.SMTPServerDisconnected("Connection closed in the middle of a reply")
            lines.append(line[4:].strip(b" \t\r\n"))
            try:
                code = int(line[:3])
            except ValueError:
                code = -1
                break
            if line[3:4] != b"-":
                break
            if len(lines) >= MAX_REPLY_LINES:
                self.close()
                raise ReplyTooLong(f"the reply goes on past {MAX_REPLY_LINES} lines without ending")
        return code, b"\n".join(lines)


class SessionDeadline:
    """Ends every socket of one session at a fixed moment.

    Sockets opened through :meth:`connect` are remembered (as duplicates of their file
    descriptors, which survive ``ssl.wrap_socket`` detaching the original); at the deadline,
    or on :meth:`expire`, each is shut down, so a blocked read or TLS handshake ends at once.
    """

    def __init__(
        self, seconds: float, reason: str, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.reason = reason
        self._clock = clock
        self._ends = clock() + max(0.0, seconds)
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._expired = False
        self._closed = False
        self._timer = threading.Timer(max(0.0, seconds), self.expire)
        self._timer.daemon = True

    @property
    def expired(self) -> bool:
        return self._expired

    def remaining(self) -> float:
        return max(0.0, self._ends - self._clock())

    def start(self) -> None:
        self._timer.start()

    def connect(self, inner: Connect) -> Connect:
        """*inner* with each new socket bounded by the deadline and remembered."""

        def bounded(host: str, port: int, timeout: float) -> socket.socket:
            if self._expired:
                raise TimeoutError(self.reason)
            sock = inner(host, port, max(0.001, min(timeout, self.remaining())))
            self.watch(sock)
            return sock

        return bounded

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            duplicate = sock.dup()
            if self._expired or self._closed:
                _shut(duplicate)
                duplicate.close()
                return
            self._sockets.append(duplicate)

    def expire(self, reason: str | None = None) -> None:
        """End the session now (at the deadline, or earlier for an overall deadline)."""
        with self._lock:
            if reason is not None and not self._expired:
                self.reason = reason
            self._expired = True
            for sock in self._sockets:
                _shut(sock)

    def close(self) -> None:
        """Stop the timer and release the duplicates (the session is over)."""
        self._timer.cancel()
        with self._lock:
            self._closed = True
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
