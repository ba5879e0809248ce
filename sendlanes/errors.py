"""Exit codes and the errors the command line turns into them (ARCHITECTURE.md §4)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_NO_VERDICT = 3
# A defect in sendlanes itself (an exception nothing expected): not 1, which means findings.
EXIT_INTERNAL = 4


class UsageError(Exception):
    """Bad usage or bad configuration: exit code 2, one line per problem, no traceback.

    Each problem line should name where it is: ``file:line: path: what is wrong``, an FQDN,
    or a URN.
    """

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))

    def lines(self) -> list[str]:
        return list(self.problems)


#: Problems shown before the rest are summed up in one line: 1,000 broken lanes should not
#: bury the first mistake under 4,000 lines.
MAX_PROBLEMS_SHOWN = 50
#: The longest stretch of a value an error message quotes (a 10 MB value is never echoed).
MAX_QUOTED_CHARS = 60


def quoted(value: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """``repr(value)`` cut to about *limit* characters, saying how long the whole was."""
    if isinstance(value, str | bytes) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


def capped(problems: Sequence[str], limit: int = MAX_PROBLEMS_SHOWN) -> list[str]:
    """The first *limit* problems, then one line counting the rest."""
    if len(problems) <= limit:
        return list(problems)
    rest = len(problems) - limit
    return [*problems[:limit], f"… and {rest:,} more problem{'s' if rest != 1 else ''}"]
