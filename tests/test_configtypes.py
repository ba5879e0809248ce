"""Host names, labels and DKIM selectors in the stack config: the one-match fast path for
well-formed names accepts exactly what the label-by-label check accepts."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sendlanes.lanes.hostnames import _a_label, a_labels

NAMES = st.text(alphabet="ab09-_.\n\u00e9", max_size=70) | st.builds(
    ".".join, st.lists(st.text(alphabet="az9-_", min_size=0, max_size=66), max_size=4)
)


def _outcome(call: object) -> tuple[str, object]:
    assert callable(call)
    try:
        return "ok", call()
    except ValueError:
        return "error", None


@given(NAMES, st.booleans())
@example("a" * 63 + ".example", False)
@example("a" * 64 + ".example", False)
@example("-a.example", False)
@example("a-.example", False)
@example("_dmarc.example", True)
@example("_dmarc.example", False)
@example("a\n.example", False)
def test_the_fast_path_agrees_with_the_label_by_label_check(name: str, underscore: bool) -> None:
    lowered = name.removesuffix(".").lower()
    fast = _outcome(lambda: a_labels(name, allow_underscore=underscore))
    if not lowered:
        assert fast[0] == "error"
        return
    slow = _outcome(lambda: [_a_label(name, label, underscore) for label in lowered.split(".")])
    assert fast == slow


@pytest.mark.parametrize("name", ["a\n.example", "mail.example\n.com", "x.example\t"])
def test_a_control_character_inside_a_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="may hold only"):
        a_labels(name, allow_underscore=False)


def test_an_idn_label_becomes_its_a_label() -> None:
    assert a_labels("bücher.example", allow_underscore=False) == [
        "xn--bcher-kva",
        "example",
    ]
