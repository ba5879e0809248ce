"""A one-line progress bar on stderr for long runs.

Drawn only when stderr is a terminal (or when forced), so pipes, CI logs and JSON consumers
never see control characters. Redraws are throttled: a run of thousands of small steps costs
a few dozen writes.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 30
REDRAW_SECONDS = 0.1


class Progress:
    """``label [#####.....] done/total  elapsed``; call :meth:`update`, then :meth:`close`.

    *enabled*: None draws only when *stream* is a terminal; True or False force it.
    Thread-safe: workers may report concurrently.
    """

    def __init__(
        self,
        total: int,
        label: str = "",
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self._clock = clock
        self._started = clock()
        self._last_draw = float("-inf")
        self._done = 0
        self._drawn = False
        self._lock = threading.Lock()

    def update(self, done: int, total: int | None = None, label: str | None = None) -> None:
        """Record *done* of *total* and the phase *label* (unchanged when None), and redraw
        if it is time to."""
        with self._lock:
            self._done = done
            if total is not None:
                self.total = total
            if label is not None and label != self.label:
                self.label = label
                self._last_draw = float("-inf")  # a new phase is shown at once
            now = self._clock()
            if self.enabled and (now - self._last_draw >= REDRAW_SECONDS or done >= self.total):
                self._last_draw = now
                self._draw(now)

    def close(self) -> None:
        """Draw the final state and end the line (nothing when disabled)."""
        with self._lock:
            if self.enabled and self._drawn:
                self._draw(self._clock())
                self.stream.write("\n")
                self.stream.flush()

    def line(self, now: float) -> str:
        """The text of the bar at time *now* (without the carriage return)."""
        fraction = self._done / self.total if self.total else 1.0
        filled = round(BAR_WIDTH * min(1.0, fraction))
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        prefix = f"{self.label} " if self.label else ""
        # Pad so a shorter line fully covers the previous one after the carriage return.
        return f"{prefix}[{bar}] {self._done}/{self.total}  {now - self._started:.1f}s".ljust(72)

    def _draw(self, now: float) -> None:
        self.stream.write("\r" + self.line(now))
        self.stream.flush()
        self._drawn = True

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False
