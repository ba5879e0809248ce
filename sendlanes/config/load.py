"""Reading ``Pulumi.<stack>.yaml`` into a :class:`~sendlanes.config.schema.StackConfig`.

Every problem is reported, at once, as ``FILE:LINE: path.to.field: what is wrong`` and raised
as one :class:`~sendlanes.errors.UsageError` (exit code 2). Secret values (``secure:``) are
never read, echoed or kept: only which lanes have one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sendlanes.config.checks import Path_, Problem, raw_problems, typed_problems
from sendlanes.config.inputfile import read_input
from sendlanes.config.schema import StackConfig
from sendlanes.config.yamlpos import Positions, YamlSyntaxError, load_with_positions
from sendlanes.errors import UsageError, capped, quoted

NAMESPACE = "sendlanes"
KEY_BRANDS = f"{NAMESPACE}:brands"
KEY_CATEGORIES = f"{NAMESPACE}:categories"
KEY_PASSWORDS = f"{NAMESPACE}:smtpPasswords"
KNOWN_KEYS = {KEY_BRANDS: "brands", KEY_CATEGORIES: "categories", KEY_PASSWORDS: "smtpPasswords"}


def display_path(path: Sequence[str | int]) -> str:
    """``("brands", 0, "lanes", 2, "smtp")`` → ``brands[0].lanes[2].smtp``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class _Report:
    """Collects problems with their lines; raises them all together."""

    def __init__(self, source: str, positions: Positions, file_paths: Mapping[str, Path_]) -> None:
        self.source = source
        self.positions = positions
        # model field -> its path in the file: "brands" -> ("config", "sendlanes:brands")
        self.file_paths = file_paths
        self.problems: list[Problem] = []

    def add(self, path: Sequence[str | int], message: str) -> None:
        self.problems.append(Problem(tuple(path), message))

    def line_of(self, path: Path_) -> int | None:
        if path and isinstance(path[0], str) and path[0] in self.file_paths:
            return self.positions.line_of((*self.file_paths[path[0]], *path[1:]))
        return self.positions.line_of(("config",))

    def raise_if_any(self) -> None:
        if not self.problems:
            return
        lines = []
        for problem in self.problems:
            line = self.line_of(problem.path)
            where = f"{self.source}:{line}" if line is not None else self.source
            field = display_path(problem.path)
            line_text = (
                f"{where}: {field}: {problem.message}" if field else f"{where}: {problem.message}"
            )
            lines.append(line_text if len(line_text) <= _MAX_LINE else line_text[:_MAX_LINE] + "…")
        raise UsageError(capped(lines))


def load_stack_config(path: Path | str) -> StackConfig:
    """Read and validate *path*; raise :class:`UsageError` listing every problem."""
    return parse_stack_config(read_input(path, "stack config"), str(path))


def load_stack_document(path: Path | str) -> tuple[StackConfig, Any, Positions]:
    """Like :func:`load_stack_config`, with the parsed document and its line positions (for
    output that points at lines, such as lint's)."""
    return _parse(read_input(path, "stack config"), str(path))


def parse_stack_config(text: str, source: str = "<config>") -> StackConfig:
    """Validate the text of a stack file; *source* names it in messages."""
    return _parse(text, source)[0]


def _parse(text: str, source: str) -> tuple[StackConfig, Any, Positions]:
    try:
        document, positions = load_with_positions(text)
    except YamlSyntaxError as error:
        raise UsageError(f"{error.where(source)}: {error.message}") from None
    report = _Report(source, positions, {})
    data = _extract(document, report)
    report.raise_if_any()
    return _validate(data, report), document, positions


def field_locations(source: str, paths: Iterable[Path_]) -> dict[Path_, str]:
    """``FILE:LINE`` of each config path of the stack file *source*, read again (only a
    config that failed a later check asks); ``FILE`` alone where no line is known."""
    try:
        _, positions = load_with_positions(read_input(source, "stack config"))
    except (UsageError, YamlSyntaxError):
        positions = Positions()  # the config came from elsewhere (a text, the engine)
    report = _Report(source, positions, {f: ("config", k) for k, f in KNOWN_KEYS.items()})
    located = {}
    for path in paths:
        line = report.line_of(path)
        located[path] = f"{source}:{line}" if line is not None else source
    return located


def stack_config_from_values(
    brands: Any,
    categories: Any = None,
    password_keys: Iterable[str] = (),
    stack_file: Path | None = None,
) -> StackConfig:
    """Validate config values handed over by the Pulumi engine.

    The engine passes values, not the file; when *stack_file* exists, its lines are used so
    errors still read ``Pulumi.prod.yaml:42: brands[0]...``.
    """
    positions = Positions()
    file_paths: dict[str, Path_] = {}
    source = "stack config"
    if stack_file is not None:
        source = str(stack_file)
        try:
            _, positions = load_with_positions(read_input(stack_file, "stack config"))
            file_paths = {field: ("config", key) for key, field in KNOWN_KEYS.items()}
        except (UsageError, YamlSyntaxError):
            positions = Positions()  # values may come from elsewhere (ESC, --config)
    report = _Report(source, positions, file_paths)
    data: dict[str, Any] = {"brands": brands, "smtpPasswords": sorted(password_keys)}
    if categories is not None:
        data["categories"] = categories
    return _validate(data, report)


def _validate(data: dict[str, Any], report: _Report) -> StackConfig:
    # Cross-object rules run on the raw data too, so a type error elsewhere does not hide
    # an unknown category: every problem is reported in one go.
    problems = list(raw_problems(data))
    config: StackConfig | None = None
    try:
        config = StackConfig.model_validate({**data, "source": report.source})
    except ValidationError as error:
        problems += _pydantic_problems(error)
    else:
        problems += typed_problems(config)
    for problem in sorted(problems, key=lambda p: report.line_of(p.path) or 0):
        report.add(problem.path, problem.message)
    report.raise_if_any()
    if config is None:  # pragma: no cover - a failed validation always adds a problem
        raise UsageError(f"{report.source}: invalid stack config")
    return config


def _extract(document: Any, report: _Report) -> dict[str, Any]:
    """Pick the ``sendlanes:*`` keys out of a Pulumi stack file."""
    if not isinstance(document, dict):
        report.add((), "a stack config file is a YAML mapping with a `config:` key")
        return {}
    config = document.get("config")
    if not isinstance(config, dict):
        report.add((), "missing `config:` mapping (the stack's configuration)")
        return {}
    data: dict[str, Any] = {}
    file_paths: dict[str, Path_] = {}
    for key, value in config.items():
        if not isinstance(key, str) or not key.startswith(f"{NAMESPACE}:"):
            continue  # other namespaces (cloudflare:apiToken, ...) are not ours to judge
        field = KNOWN_KEYS.get(key)
        file_paths[field or key] = ("config", key)
        report.file_paths = file_paths
        if field is None:
            hint = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            suggestion = f" (did you mean {hint[0]}?)" if hint else ""
            report.add((key,), f"unknown sendlanes config key{suggestion}")
        elif field == "smtpPasswords":
            data[field] = list(_secret_keys(value, report))
        else:
            data[field] = value
    if KEY_BRANDS not in config:
        report.add((), f"missing `{KEY_BRANDS}` (the brands and their lanes)")
    return data


def _secret_keys(value: Any, report: _Report) -> Iterator[str]:
    if not isinstance(value, dict):
        report.add(("smtpPasswords",), 'a map of "brand/lane" to a secret password')
        return
    for lane, secret in value.items():
        if (
            isinstance(secret, dict)
            and set(secret) == {"secure"}
            and isinstance(secret["secure"], str)
        ):
            yield str(lane)
        else:
            # Never echo the value: it may be a password typed in plain text.
            report.add(
                ("smtpPasswords", str(lane)),
                "must be a secret: pulumi config set --path --secret "
                f"'{KEY_PASSWORDS}.{lane}' (a plain value would sit unencrypted in the file)",
            )


#: A problem line longer than this is cut: a message should never carry a whole value.
_MAX_LINE = 400
_FIELD_ALIASES: set[str] = set()


def _all_aliases(model: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    for name, field in model.model_fields.items():
        names.add(field.alias or name)
        for arg in (*getattr(field.annotation, "__args__", ()), field.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                names |= _all_aliases(arg)
            for inner in getattr(arg, "__args__", ()):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    names |= _all_aliases(inner)
    return names


def _pydantic_problems(error: ValidationError) -> Iterator[Problem]:
    if not _FIELD_ALIASES:
        _FIELD_ALIASES.update(_all_aliases(StackConfig))
    items = [
        (tuple(p for p in item["loc"] if not (isinstance(p, str) and p.startswith("["))), item)
        for item in error.errors(include_url=False)
    ]
    for path, item in items:
        kind = item["type"]
        if kind == "too_short" and any(
            len(other) > len(path) and other[: len(path)] == path for other, _ in items
        ):
            continue  # pydantic also counts the items that failed as missing: noise
        if kind == "extra_forbidden":
            key = str(path[-1]) if path else ""
            hint = difflib.get_close_matches(key, _FIELD_ALIASES, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            yield Problem(path, f"unknown key{suggestion}")
            continue
        message = str(item["msg"]).removeprefix("Value error, ")
        if kind == "missing":
            message = "required, but missing"
        elif kind.startswith(("date_", "datetime_")):
            message = "not a valid date (YYYY-MM-DD)"
        if kind not in ("value_error", "assertion_error", "missing") and _is_scalar(
            item.get("input")
        ):
            message = f"{message} (got {quoted(item['input'])})"
        yield Problem(path, message)


def _is_scalar(value: object) -> bool:
    return isinstance(value, str | int | float | bool)
