"""Fuzz the config loader: thousands of seeded mutations of stack files never end in a
traceback, and each stays within a memory bound.

Every case is reproducible from its seed (shown when it fails). Mutations work on bytes:
flips, deletions, duplicated and swapped lines, inserted YAML syntax (anchors, aliases,
merge keys, tags, flow brackets), dates (possible and impossible), keys that are numbers or
booleans, random Unicode and control characters, alias bombs and deep nesting. A case passes
when the loader returns a config (which then plans) or raises :class:`UsageError`.
``SENDLANES_FUZZ_CASES`` sets how many cases run (default 2,000).
"""

from __future__ import annotations

import functools
import os
import random
import tracemalloc
from collections.abc import Callable

import pytest

from sendlanes.config.inputfile import decode_input
from sendlanes.config.load import parse_stack_config
from sendlanes.errors import UsageError
from sendlanes.plan.build import build_plan
from sendlanes.plan.zone import refuse_cname_collisions
from tests.support.stacks import BUNDLED_STACK, REPO

CASES = int(os.environ.get("SENDLANES_FUZZ_CASES", "2000"))
SHARDS = 8
#: Peak memory one case may take above the text itself (a 1,000-brand stack plans in ~120 MiB;
#: these stacks are far smaller).
MEMORY_BOUND = 48 * 1024 * 1024

SNIPPETS = [
    "&a ",
    "*a",
    "*nope",
    "<<: *a",
    "!!timestamp ",
    "!!binary ",
    "!!python/object:os.system ",
    "!!int ",
    "!!str ",
    "!!set ",
    "!!map ",
    "? ",
    "- ",
    ": ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "#",
    "'",
    '"',
    "|",
    ">",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "\t",
    "\n",
    "  ",
    "2026-11-31",
    "2026-02-29",
    "2026-12-01T25:61:00Z",
    "1: ",
    "true: ",
    "~: ",
    "null",
    ".inf",
    "0x",
    "0o9",
    "9" * 5000,
    "1_000",
    "-0",
    "é",
    "ß",
    "\u202e",
    "\u200b",
    "\ufeff",
    "😀",
    "\x00",
    "\x1b[2J",
    "\x7f",
    "\x85",
    "\ud7ff",
    "\uffff",
    "xn--zz",
    "192.0.2.1",
    "acme.123",
    "bücher",
    "a" * 70,
    "x" * 100_000,
    "secure: ",
    "sendlanes:brands",
    "sendlanes:smtpPasswords",
]


def _bomb(rng: random.Random) -> str:
    width, depth = rng.randint(2, 12), rng.randint(3, 12)
    lines = [f"b0: &b0 [{', '.join(['lol'] * width)}]"]
    lines += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * width)}]" for i in range(1, depth)]
    return "\n".join(lines) + "\n"


def _deep(rng: random.Random) -> str:
    depth = rng.choice([50, 99, 100, 101, 1000, 100_000])
    return rng.choice(["[" * depth, "{a: " * depth, "- " * depth + "x", "[" * depth + "]" * depth])


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _flip(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]


def _delete(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + data[at + rng.randint(1, 40) :]


def _duplicate_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    at = rng.randrange(len(lines))
    lines.insert(rng.randrange(len(lines) + 1), lines[at])
    return b"\n".join(lines)


def _swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


def _insert_snippet(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    snippet = rng.choice(SNIPPETS).encode("utf-8", "surrogatepass")
    return data[:at] + snippet + data[at:]


def _replace_value(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    candidates = [i for i, line in enumerate(lines) if b": " in line]
    at = rng.choice(candidates)
    key = lines[at].split(b": ", 1)[0]
    value = rng.choice([*SNIPPETS, "*a", "&a [x]", "[]", "{}", "''", "2026-11-31"])
    lines[at] = key + b": " + value.encode("utf-8", "surrogatepass")
    return b"\n".join(lines)


def _random_unicode(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    text = "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randint(1, 8)))
    return data[:at] + text.encode("utf-8", "surrogatepass") + data[at:]


def _append_bomb(data: bytes, rng: random.Random) -> bytes:
    return data + b"\n" + _bomb(rng).encode()


def _alias_bomb_in_place(data: bytes, rng: random.Random) -> bytes:
    # The bomb's last anchor used as a lane list: it reaches the schema if it were built.
    bomb = _bomb(rng).encode()
    return bomb + data.replace(b"      lanes:\n", b"      lanes: *b2\n      x:\n", 1)


def _append_deep(data: bytes, rng: random.Random) -> bytes:
    return data + b"\nextra: " + _deep(rng).encode()


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    _flip,
    _delete,
    _duplicate_line,
    _swap_lines,
    _insert_snippet,
    _replace_value,
    _random_unicode,
    _append_bomb,
    _alias_bomb_in_place,
    _append_deep,
]


def _generated_stack(rng: random.Random) -> bytes:
    """A small stack of the bench generator's shape, with 1-4 brands."""
    return _generated(rng.randint(1, 4))


@functools.cache
def _generated(brands: int) -> bytes:
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    try:
        import genstack  # the bench's generator: every provider preset's record shapes
    finally:
        sys.path.remove(str(REPO / "bench"))
    import yaml

    document = genstack.stack(brands)
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()


#: Mutations that aim at memory: every case using one runs under tracemalloc.
EXPANDING = frozenset({_append_bomb, _alias_bomb_in_place, _append_deep})


def _case(seed: int) -> tuple[bytes, bool]:
    """The mutated text of case *seed*, and whether to measure its memory: cases that aim
    at memory and one in ten others (tracemalloc makes a case about six times slower)."""
    rng = random.Random(seed)
    data = BUNDLED_STACK.read_bytes() if seed % 4 else _generated_stack(rng)
    measure = seed % 10 == 0
    for _ in range(rng.randint(1, 4)):
        mutation = rng.choice(MUTATIONS)
        measure = measure or mutation in EXPANDING
        data = mutation(data, rng)
    return data, measure


def _load_and_plan(data: bytes) -> None:
    try:
        config = parse_stack_config(decode_input(data, "fuzz.yaml"), "fuzz.yaml")
        refuse_cname_collisions(build_plan(config))
    except UsageError as error:
        for line in error.lines():
            assert len(line) <= 1000, line[:200]


@pytest.mark.parametrize("shard", range(SHARDS))
def test_mutated_stacks_never_end_in_a_traceback_or_unbounded_memory(shard: int) -> None:
    measured = 0
    for seed in range(shard, CASES, SHARDS):
        data, measure = _case(seed)
        if measure:
            tracemalloc.start()
            measured += 1
        try:
            _load_and_plan(data)
        except Exception as error:
            pytest.fail(f"seed {seed}: {type(error).__name__}: {str(error)[:300]}")
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert peak < MEMORY_BOUND + 4 * len(data), f"seed {seed}: peak {peak:,} bytes"
    assert measured >= CASES // SHARDS // 10
