"""The window of DNS questions in flight: AIMD within its bounds, one budget per run."""

from __future__ import annotations

import threading
import time

from sendlanes.dns.resolver import Resolver
from sendlanes.dns.window import INITIAL, Window
from sendlanes.verify.jobs import verify_in_processes
from sendlanes.verify.servers import DirectRoute
from tests.support.hostile_dns import Address, HostileServer
from tests.support.provider_zones import dict_zone, generated_plan


def test_the_window_starts_small_and_doubles_each_round_of_clean_answers() -> None:
    window = Window(256)
    assert window.current == INITIAL
    for _ in range(INITIAL):  # one round trip's answers
        window.answered()
    assert window.current == 2 * INITIAL
    for _ in range(1000):
        window.answered()
    assert window.current == 256  # never above the budget


def test_a_timeout_halves_the_window_once_per_round_and_answers_grow_it_back() -> None:
    window = Window(64, floor=8)
    for _ in range(64):
        window.answered()
    assert window.current == 64
    epoch = window.epoch
    window.timed_out(epoch)
    window.timed_out(epoch)  # sent before the halving: the same loss, not halved again
    assert window.current == 32
    for _ in range(40):  # past the threshold: about one more per window of answers
        window.answered()
    assert window.current == 33
    for _ in range(5):
        window.timed_out(window.epoch)
    assert window.current == 8  # never below the floor
    for _ in range(5000):
        window.answered()
    assert window.current == 64


def test_the_budget_is_divided_among_workers() -> None:
    window = Window(256)
    window.divide(3)
    assert (window.limit, window.current) == (86, INITIAL)
    small = Window(4, floor=8)
    small.divide(2)
    assert (small.limit, small.floor, small.current) == (2, 2, 2)


def test_forked_workers_share_one_budget_of_questions_in_flight() -> None:
    """A server that holds each answer for 30 ms sees at most the run's budget at once."""
    plan = generated_plan(6)
    outstanding = 0
    most = 0
    lock = threading.Lock()

    def held(server: HostileServer, query: bytes, client: Address) -> None:
        nonlocal outstanding, most
        with lock:
            outstanding += 1
            most = max(most, outstanding)
        time.sleep(0.03)
        with lock:
            outstanding -= 1
        server.send(server.real(query), client)

    with HostileServer.start(dict_zone(plan), udp=held) as server:
        resolver = Resolver(nameservers=[server.address], timeout=2.0, max_in_flight=6)
        report = verify_in_processes(
            plan, plan.lanes(), DirectRoute(resolver), jobs=2, window=resolver.window
        )
    assert report.queries["queries"] > 50
    assert 3 <= most <= 6, most
