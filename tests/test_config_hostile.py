"""Hostile config files end in one clear line per problem, within bounded time and memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from sendlanes.config.inputfile import MAX_INPUT_BYTES
from sendlanes.config.load import load_stack_config, parse_stack_config
from sendlanes.errors import UsageError
from sendlanes.rules.policy_config import PolicyConfigError, load_policy_config
from sendlanes.rules.registry import RULES
from tests.support.pulumi_mocks import PROJECT_ROOT

PROD = PROJECT_ROOT / "Pulumi.prod.yaml"
# Peak memory any of these may take to be refused (the bomb below expands to 10^9 values).
MEMORY_BOUND = 64 * 1024 * 1024


def _problems(text: str, source: str = "s.yaml") -> list[str]:
    with pytest.raises(UsageError) as raised:
        parse_stack_config(text, source)
    return raised.value.lines()


def _laughs(levels: int = 9) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def _bounded(text: str) -> list[str]:
    tracemalloc.start()
    try:
        problems = _problems(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND + 3 * len(text)
    return problems


def test_a_billion_laughs_is_refused_before_it_is_built() -> None:
    text = _laughs()
    assert len(text) < 1000
    (problem,) = _bounded(text)
    assert problem.startswith("s.yaml:")
    assert "expands to more than 2,000,000 values" in problem


def test_a_long_string_repeated_by_aliases_is_refused() -> None:
    text = "s: &s " + "x" * 1_000_000 + "\n" + "l: [" + ", ".join(["*s"] * 100) + "]\n"
    (problem,) = _bounded(text)
    assert "characters (aliases repeating aliases?)" in problem


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    (problem,) = _bounded("config: &c {sendlanes:brands: [*c]}\n")
    assert problem.startswith("s.yaml:1:") and "alias *c refers to itself" in problem


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "{a: " * 100_000,
        "- " * 100_000 + "x",
        "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 2000)),
    ],
    ids=["flow-sequences", "flow-mappings", "block-sequences", "block-mappings"],
)
def test_deep_nesting_is_refused_without_recursion(text: str) -> None:
    (problem,) = _bounded(text)
    assert "nested more than 100 levels deep" in problem


def test_dev_zero_ends_quickly_with_a_clear_error() -> None:
    with pytest.raises(UsageError, match=r"^/dev/zero: larger than 16 MiB; not a stack config"):
        load_stack_config("/dev/zero")


def test_a_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (MAX_INPUT_BYTES + 1))
    with pytest.raises(UsageError, match="larger than 16 MiB"):
        load_stack_config(path)


@pytest.mark.parametrize(
    ("data", "where", "what"),
    [
        (b"config:\n  x: caf\xe9\n", "2:9", "not UTF-8 text (byte 0xe9)"),
        (b"config:\n  x: \xc3\xa9t\xc3\xa9\xff\n", "2:9", "not UTF-8 text (byte 0xff)"),
        (b"config:\n  x: a\x00b\n", "2:7", "control character U+0000"),
        (b"config:\n  x: \x1b[2J\n", "2:6", "control character U+001B"),
    ],
    ids=["latin-1", "after-multibyte", "nul", "escape"],
)
def test_bad_bytes_are_reported_by_line_and_column(
    tmp_path: Path, data: bytes, where: str, what: str
) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(data)
    with pytest.raises(UsageError) as raised:
        load_stack_config(path)
    (problem,) = raised.value.lines()
    assert problem.startswith(f"{path}:{where}: {what}")


def _prod_with(old: str, new: str) -> str:
    text = PROD.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_an_impossible_warmup_date_names_the_field() -> None:
    text = _prod_with("start: 2026-12-01", "start: 2026-11-31")
    line = _line_of(text, "start: 2026-11-31")
    assert _problems(text) == [
        f"s.yaml:{line}: brands[0].lanes[1].warmup.start: not a valid date (YYYY-MM-DD) "
        "(got '2026-11-31')"
    ]


def test_a_date_as_a_lane_name_is_a_name() -> None:
    config = parse_stack_config(_prod_with("- name: receipts", "- name: 2026-11-31"), "s.yaml")
    assert config.brands[0].lanes[0].name == "2026-11-31"


def test_number_and_boolean_keys_are_reported_as_written() -> None:
    text = _prod_with("      lanes:\n", "      1: one\n      true: yes\n      lanes:\n")
    problems = _problems(text)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "brands[0].1: unknown key",
        "brands[0].true: unknown key",
    ]


def test_a_huge_value_is_never_echoed() -> None:
    huge = "x" * 10_000_000
    problems = _problems(_prod_with("domain: acme.example", f"domain: {huge}"))
    assert problems and all(len(line) < 500 for line in problems)
    assert "10,000,000 characters" in problems[0]


def test_a_thousand_broken_lanes_give_fifty_problems_and_a_count() -> None:
    lanes = "".join(f"        - name: l{i}\n          kind: bulk\n" for i in range(1000))
    text = _prod_with("      lanes:\n", "      lanes:\n" + lanes)
    problems = _problems(text)
    assert len(problems) == 51
    assert problems[-1].startswith("… and ") and problems[-1].endswith(" more problems")
    assert all(line.startswith("s.yaml:") for line in problems[:50])


def test_an_impossible_date_in_a_policy_config_is_text(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("new-lane-has-warmup: 2026-11-31\n")
    with pytest.raises(PolicyConfigError) as raised:
        load_policy_config(path, RULES)
    assert raised.value.lines() == [
        f"{path}:1: new-lane-has-warmup: '2026-11-31' is not a level "
        "(use one of: mandatory, advisory, disabled)"
    ]


def test_a_json_policy_config_error_is_reported_as_json(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{\n  "all": "advisory",\n  "smtp-port-allowed": [587,,]\n}\n')
    with pytest.raises(PolicyConfigError) as raised:
        load_policy_config(path, RULES)
    assert raised.value.lines() == [f"{path}:3:29: JSON syntax error: Expecting value"]


def test_a_json_policy_config_is_read_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{\n  "all": "advisory",\n  "nope": "mandatory"\n}\n')
    with pytest.raises(PolicyConfigError) as raised:
        load_policy_config(path, RULES)
    assert raised.value.lines() == [f"{path}:3: nope: no such rule; `sendlanes rules` lists them"]


def test_a_deep_json_policy_config_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("[" * 100_000)
    with pytest.raises(PolicyConfigError, match="JSON nesting is too deep"):
        load_policy_config(path, RULES)


def test_a_policy_config_alias_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(_laughs())
    with pytest.raises(PolicyConfigError, match="expands to more than"):
        load_policy_config(path, RULES)
