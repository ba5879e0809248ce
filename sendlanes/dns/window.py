"""How many questions a run keeps in flight: a budget, adapted to loss (AIMD).

A window that is too small leaves a long round trip idle; one that is too large overflows a
server's (or our own socket's) queue, and every lost datagram costs a whole timeout. The
window starts at the run's budget, grows back by one question per window of clean answers
and halves when a query times out, as TCP's congestion control does (RFC 5681 §3.1).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Questions in flight when a process starts asking: it doubles each round trip from here.
INITIAL = 32


@dataclass
class Window:
    """Questions in flight at once: slow start, then additive increase, halved on a timeout.

    *limit* is the run's budget (``--concurrency``, divided among worker processes by
    :meth:`divide`); the window never leaves ``[floor, limit]``. It starts at
    :data:`INITIAL` (so a process does not open with its whole budget in one burst) and
    grows by one per clean answer — doubling each round trip — up to *threshold* (at first
    the budget), then by one per window of answers. A timeout halves it and sets the
    threshold there, once per round: timeouts of queries sent before the last halving do
    not halve it again.
    """

    limit: int = 64
    floor: int = 8
    size: float = 0.0
    threshold: float = 0.0
    halvings: int = 0
    _epoch: int = 0

    def __post_init__(self) -> None:
        self.limit = max(1, self.limit)
        self.floor = max(1, min(self.floor, self.limit))
        self._restart()

    def _restart(self) -> None:
        self.size = float(min(self.limit, max(self.floor, INITIAL)))
        self.threshold = float(self.limit)

    @property
    def current(self) -> int:
        return max(self.floor, min(self.limit, int(self.size)))

    def divide(self, workers: int) -> None:
        """Take one share of the budget, for one of *workers* processes."""
        self.limit = max(1, -(-self.limit // max(1, workers)))
        self.floor = min(self.floor, self.limit)
        self._restart()

    def answered(self) -> None:
        grow = 1.0 if self.size < self.threshold else 1.0 / max(1.0, self.size)
        self.size = min(float(self.limit), self.size + grow)

    def timed_out(self, epoch: int) -> None:
        if epoch >= self._epoch:
            self.size = self.threshold = max(float(self.floor), self.size / 2)
            self._epoch += 1
            self.halvings += 1

    @property
    def epoch(self) -> int:
        return self._epoch
