"""Exit codes and the errors the command line turns into them (ARCHITECTURE.md §4)."""

from __future__ import annotations

from collections.abc import Iterable

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
