"""Positions: the line of every key path of a loaded document, or of its closest ancestor."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sendlanes.config.yamlpos import YamlSyntaxError, load_with_positions

DOCUMENT = """\
config:
  sendlanes:brands:
  - name: acme
    domain: acme.example
    lanes:
    - name: receipts
      smtp: &smtp
        port: 587
        host: smtp.example.com
    - name: promos
      smtp:
        <<: *smtp
        port: 2525
    tags: [a, b,
      c]
  other:key: 1
  "quoted key": yes
  7: seven
"""


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ((), 1),
        (("config",), 1),
        (("config", "sendlanes:brands"), 2),
        (("config", "sendlanes:brands", 0), 3),  # a sequence item: its own line
        (("config", "sendlanes:brands", 0, "domain"), 4),  # a mapping entry: its key's line
        (("config", "sendlanes:brands", 0, "lanes", 0, "smtp", "port"), 8),
        (("config", "sendlanes:brands", 0, "lanes", 1, "smtp", "port"), 13),
        # Merged from the anchor: the line where the value is written.
        (("config", "sendlanes:brands", 0, "lanes", 1, "smtp", "host"), 9),
        (("config", "sendlanes:brands", 0, "tags", 2), 15),
        (("config", "quoted key"), 17),
        (("config", "7"), 18),  # keys are matched by their text, as written
    ],
)
def test_the_line_of_each_path(path: tuple[str | int, ...], line: int) -> None:
    _, positions = load_with_positions(DOCUMENT)
    assert positions.line_of(path) == line


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (("config", "sendlanes:brands", 0, "lanes", 5, "name"), 5),  # no lane 5: "lanes:"
        (("config", "sendlanes:brands", 0, "domain", "deeper"), 4),  # into a scalar
        (("config", "sendlanes:brands", -1), 2),  # negative indexes are not positions
        (("config", "sendlanes:brands", True), 2),  # nor booleans
        (("config", "missing", "x"), 1),
        (("nothing",), 1),
    ],
)
def test_a_path_that_does_not_exist_gives_its_closest_ancestor(
    path: tuple[str | int, ...], line: int
) -> None:
    _, positions = load_with_positions(DOCUMENT)
    assert positions.line_of(path) == line


def test_the_data_is_plain_and_merged() -> None:
    data, _ = load_with_positions(DOCUMENT)
    promos = data["config"]["sendlanes:brands"][0]["lanes"][1]
    assert promos["smtp"] == {"port": 2525, "host": "smtp.example.com"}
    assert data["config"]["7"] == "seven" and data["config"]["quoted key"] is True


def test_an_empty_document_has_no_lines() -> None:
    data, positions = load_with_positions("")
    assert data is None and positions.line_of(("config",)) is None


def test_a_duplicate_key_is_a_syntax_error_with_its_line() -> None:
    with pytest.raises(YamlSyntaxError) as raised:
        load_with_positions("config:\n  a: 1\n  a: 2\n")
    assert raised.value.line == 3 and "duplicate key" in raised.value.message


def test_a_key_written_twice_beside_a_merge_key_is_still_a_duplicate() -> None:
    text = "base: &b {port: 1}\nlane:\n  <<: *b\n  port: 2\n  port: 3\n"
    with pytest.raises(YamlSyntaxError) as raised:
        load_with_positions(text)
    assert raised.value.line == 5 and "duplicate key 'port'" in raised.value.message


def test_a_mapping_with_a_merge_key_can_be_reused_through_its_alias() -> None:
    text = (
        "relay: &relay {host: smtp.example.com, port: 587}\n"
        "alt: &alt\n  <<: *relay\n  port: 2525\n"
        "lanes:\n  - smtp: *alt\n  - smtp: {<<: [*alt, *relay], user: u}\n"
    )
    data, _ = load_with_positions(text)
    assert data["lanes"][0]["smtp"] == {"host": "smtp.example.com", "port": 2525}
    # In a list of merged mappings the earlier one wins (the YAML merge-key type).
    assert data["lanes"][1]["smtp"] == {"host": "smtp.example.com", "port": 2525, "user": "u"}


def test_a_duplicate_inside_a_merged_mapping_written_in_place_is_reported() -> None:
    with pytest.raises(YamlSyntaxError) as raised:
        load_with_positions("m: {<<: {x: 1, x: 2}, y: 3}\n")
    assert "duplicate key 'x'" in raised.value.message


def test_keys_are_the_text_written_so_1_and_true_are_two_keys() -> None:
    # As values, 1 and True are one dict key; as config keys they are two names.
    data, _ = load_with_positions("m:\n  1: a\n  true: b\n  ~: c\n  2.5: d\n")
    assert data == {"m": {"1": "a", "true": "b", "~": "c", "2.5": "d"}}


def test_a_key_written_twice_is_reported_as_written() -> None:
    with pytest.raises(YamlSyntaxError) as raised:
        load_with_positions("m:\n  1: a\n  true: b\n  1: c\n")
    assert raised.value.line == 4 and "duplicate key '1'" in raised.value.message


def test_dates_stay_text() -> None:
    data, _ = load_with_positions("start: 2026-12-01\nbad: 2026-11-31\nat: 2026-12-01T10:00:00Z\n")
    assert data == {"start": "2026-12-01", "bad": "2026-11-31", "at": "2026-12-01T10:00:00Z"}


def test_an_explicit_timestamp_that_is_no_date_is_reported_at_its_line() -> None:
    with pytest.raises(YamlSyntaxError) as raised:
        load_with_positions("a: 1\nb: !!timestamp 2026-11-31\n")
    assert (raised.value.line, raised.value.column) == (2, 4)
    assert "not a valid date" in raised.value.message


# Documents without duplicate keys, dates or non-text keys load exactly as PyYAML's safe
# loader loads them.
SAFE_LOAD_CASES = [
    "= : value key\nplain: [1, two, 3.5, null, true, '007', 0o7, 010]\n",
    "base: &b {a: 1, b: [x, y]}\nlist: [*b, *b]\nover: {<<: *b, b: z}\n",
    "m: {<<: [{a: 1}, {a: 2, c: 3}], d: {e: {f: [g, {h: i}]}}}\n",
    "text: |\n  line one\n  line two\nfolded: >\n  a\n  b\n",
    "tagged: !!str 123\nset: !!set {a, b}\nbinary: !!binary aGk=\n",
    "",
]


@pytest.mark.parametrize("text", SAFE_LOAD_CASES)
def test_data_is_what_pyyaml_safe_load_gives(text: str) -> None:
    data, _ = load_with_positions(text)
    assert data == yaml.safe_load(text)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=6), children, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_dumped_structure_loads_back_as_pyyaml_loads_it(value: object) -> None:
    text = yaml.safe_dump({"config": value})
    data, _ = load_with_positions(text)
    assert data == yaml.safe_load(text)
