"""dumps_indented writes json.dumps(indent=2)'s text, byte for byte, for every document whose
floats are finite and short of exponent form (all that sendlanes prints); for other floats the
same value in orjson's spelling."""

from __future__ import annotations

import enum
import json
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendlanes.output.jsonout import dumps_indented


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


scalars = (
    st.text()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15).filter(
        lambda f: "e" not in repr(f)
    )
    | st.booleans()
    | st.none()
    | st.sampled_from([Colour.RED, Level.HIGH])
)
keys = st.text() | st.sampled_from([Colour.RED])
documents = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(keys, children, max_size=5)
        | st.dictionaries(keys, children, max_size=3).map(OrderedDict)
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_same_text_as_json_dumps(document: Any) -> None:
    assert dumps_indented(document) == json.dumps(document, indent=2)


@pytest.mark.parametrize(
    "document",
    [
        {},
        [],
        {"a": {}, "b": [], "c": [{}], "d": [[]]},
        {"nested": {"deeper": [1, 2.5, True, None, "x", {"k": "v"}]}},
        {"unicode": "caf\u00e9 \u2192 \U0001f4e7", "control": "tab\there\nnew\u0000"},
        {"big": 2**100, "negative": -0.0},  # beyond 64 bits: json.dumps's fallback
        {1: "an int key", "s": "x"},  # converted by json.dumps: the fallback does it
        {"lone surrogate": "\ud800"},
    ],
)
def test_edge_cases(document: Any) -> None:
    assert dumps_indented(document) == json.dumps(document, indent=2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=5))
def test_any_finite_float_reads_back_as_the_same_number(numbers: list[float]) -> None:
    assert json.loads(dumps_indented(numbers)) == numbers


def test_non_finite_floats_are_null_not_invalid_json() -> None:
    assert json.loads(dumps_indented({"nan": float("nan"), "inf": float("inf")})) == {
        "nan": None,
        "inf": None,
    }


def test_output_is_ascii_with_escapes_a_terminal_cannot_act_on() -> None:
    text = dumps_indented({"banner": "\x1b[2J caf\u00e9 \x9b \U0001f4e7"})
    assert text.isascii()
    assert "\\u001b[2J" in text and "\\u009b" in text and "\\ud83d\\udce7" in text


def test_the_verify_document_shape() -> None:
    check = {"check": "spf", "name": "mail.acme.example", "status": "pass", "detail": '"v=spf1"'}
    document = {
        "lanes": [{"brand": "acme", "lane": "receipts", "checks": [check, dict(check)]}] * 3,
        "summary": {"lanes": 3, "checks": {"pass": 6, "fail": 0}, "seconds": 0.125},
    }
    assert dumps_indented(document) == json.dumps(document, indent=2)


@pytest.mark.parametrize(
    "document",
    [{"a": object()}, [{1, 2}], {("tuple", "key"): 1}],
)
def test_what_json_rejects_is_rejected_the_same_way(document: Any) -> None:
    with pytest.raises(TypeError) as ours:
        dumps_indented(document)
    with pytest.raises(TypeError) as theirs:
        json.dumps(document, indent=2)
    assert str(ours.value) == str(theirs.value)


def test_a_cycle_is_reported_as_json_dumps_reports_it() -> None:
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps_indented(looped)
