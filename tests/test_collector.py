"""collector_paused: the collector is off inside the block and back on after it; with
settle, what the block built is frozen before the collector resumes."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from sendlanes.collector import THRESHOLD, collector_paused


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    if enabled:
        gc.enable()


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused(settle=True):
        pass
    assert not gc.isenabled()


def test_settle_freezes_what_the_block_built_before_resuming() -> None:
    gc.enable()
    gc.unfreeze()
    with collector_paused(settle=True):
        built = [[index] for index in range(1000)]
        assert gc.get_freeze_count() == 0
    assert gc.get_freeze_count() >= len(built)
    assert gc.get_threshold()[0] == THRESHOLD
    assert gc.isenabled()


def test_a_block_that_fails_is_not_settled() -> None:
    gc.enable()
    gc.unfreeze()
    threshold = gc.get_threshold()
    with pytest.raises(RuntimeError), collector_paused(settle=True):
        raise RuntimeError("config problem")
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == threshold
    assert gc.isenabled()
