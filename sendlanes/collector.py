"""Keeping CPython's cycle collector out of the way of long, allocation-heavy runs.

Both ``sendlanes verify`` and the Pulumi program build a large, long-lived structure (the
plan) and then allocate many short-lived objects (DNS answers; the SDK's futures, tasks and
Outputs, several per property of every resource). With CPython's default threshold of 700
allocations the collector runs thousands of times and walks everything still alive each
time it reaches the older generations: on a 100-brand program under Pulumi's mock runtime,
close to half of the run. Objects that live until exit are frozen (never walked again) and
young collections come every :data:`THRESHOLD` allocations instead of every 700. Garbage
cycles are still collected, only in larger batches.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations between young-generation collections (CPython's default is 700).
THRESHOLD = 50_000


def settle_collector(threshold: int = THRESHOLD) -> None:
    """Freeze every object alive now and collect young objects every *threshold* allocations."""
    gc.freeze()
    gc.set_threshold(threshold, *gc.get_threshold()[1:])


@contextmanager
def collector_paused(*, settle: bool = False) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building a large tree of live objects.

    Each burst of allocations triggers a collection that traverses every object built so far,
    so a stack file with thousands of lanes spent most of its parse time in the collector. The
    trees built here hold no reference cycles (reference counting frees them), so pausing
    changes nothing but the time.

    With *settle*, a block that completes ends with :func:`settle_collector`, before the
    collector resumes: what it built stays in the youngest generation otherwise, and the next
    collection (and the one at interpreter exit) walks all of it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if settle:
            settle_collector()
    finally:
        if enabled:
            gc.enable()
