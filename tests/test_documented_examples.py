"""Every ``sendlanes …`` command shown in README.md and docs/*.md runs as written.

Commands are taken from the fenced code blocks of every document (new documents are picked up
as they appear): a line that is a ``sendlanes`` command (after an optional ``$ `` prompt and
``VAR=value`` assignments), or that hands over to one with ``&&`` or ``|``. Usage synopses
(``[--option …]``, ``A | B``) are not commands. Each runs from the repository root with the
example zone (``examples/serve-zone.sh``: the bundled stack's zones on Knot) answering on the
address the documents give, ``127.0.0.1:5300`` (here a free port, substituted). Output
redirections go to a temporary directory. A command that needs the internet, a real SMTP
server or the Pulumi CLI is in :data:`NEEDS_OUTSIDE` with the reason; every entry there must
still appear in a document, so the list cannot outlive its commands.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.knot import KnotServer
from tests.support.serve_example_zone import DEFAULT_PORT, example_zones

REPO = Path(__file__).resolve().parents[1]
DOCUMENTED_NAMESERVER = f"127.0.0.1:{DEFAULT_PORT}"
# Exit codes a documented example may end with (README, "Exit codes"): ok, findings, no
# verdict. 2 would mean the example itself is wrong; 4 is a defect.
DOCUMENTED_OUTCOMES = {0, 1, 3}

NEEDS_OUTSIDE: dict[str, str] = {
    "sendlanes verify --stack prod": "asks the zones' own name servers on the internet",
    "sendlanes smtp-check": "connects to the bundled lanes' real SMTP servers",
    "sendlanes smtp-check --stack staging --lane acme/receipts --lane acme/promos": (
        "needs a staging stack and its SMTP servers"
    ),
    "sendlanes smtp-check --config Pulumi.prod.yaml --cafile internal-ca.pem --timeout 5 "
    "--deadline 60": "needs an internal CA and the lanes' SMTP servers",
    "SENDLANES_SMTP_PASSWORD_ACME_RECEIPTS=… sendlanes smtp-check --lane acme/receipts": (
        "needs a real password and SMTP server"
    ),
    "pulumi stack output --json --show-secrets | sendlanes smtp-check --passwords-from-stdin": (
        "needs the Pulumi CLI, a deployed stack and its SMTP servers"
    ),
    "sendlanes smtp-check --lane acme/receipts --format table": (
        "connects to the receipts lane's real SMTP server"
    ),
    "CUSTOMERIO_APP_API_KEY=… sendlanes allowlist --region eu --refresh": (
        "asks Customer.io's App API on the internet with a real key"
    ),
    "CUSTOMERIO_APP_API_KEY=… sendlanes allowlist --region us --refresh": (
        "asks Customer.io's App API on the internet with a real key"
    ),
}

_FENCE = re.compile(r"^\s*(```|~~~)")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*\s+")
_HANDOVER = re.compile(r"(?:&&|\|)\s*(?=sendlanes\s)")


@dataclass(frozen=True)
class Example:
    document: str
    line: int
    text: str  # the command as shown, prompt and comment removed

    @property
    def id(self) -> str:
        return f"{self.document}:{self.line}"


def documents() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _without_comment(line: str) -> str:
    # A shell comment starts at a '#' after whitespace (never inside a word like '#L12').
    match = re.search(r"\s#", line)
    return (line[: match.start()] if match else line).strip()


def _is_command(line: str) -> bool:
    bare = line
    while _ASSIGNMENT.match(bare):
        bare = _ASSIGNMENT.sub("", bare, count=1)
    return bare.startswith("sendlanes ") or bare == "sendlanes" or bool(_HANDOVER.search(line))


def _is_synopsis(line: str) -> bool:
    return bool(re.search(r"\[--|\[[A-Z]|\]\.\.\.|\{|\|\s*--", line)) or " DOMAIN" in line


def examples() -> list[Example]:
    found: list[Example] = []
    for path in documents():
        inside = False
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if _FENCE.match(raw):
                inside = not inside
                continue
            if not inside:
                continue
            line = _without_comment(raw.strip().removeprefix("$ "))
            if _is_command(line) and not _is_synopsis(line):
                found.append(Example(str(path.relative_to(REPO)), number, line))
    return found


EXAMPLES = examples()


def test_the_documents_show_commands_at_all() -> None:
    # A broken extractor would otherwise pass every document by finding nothing.
    assert len(EXAMPLES) >= 25
    assert {e.document for e in EXAMPLES} >= {"README.md", "docs/headers.md", "docs/spf.md"}


def test_every_command_kept_off_the_run_is_still_documented() -> None:
    shown = {e.text for e in EXAMPLES}
    assert set(NEEDS_OUTSIDE) <= shown, set(NEEDS_OUTSIDE) - shown


@pytest.fixture(scope="module")
def example_zone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnotServer]:
    zones = example_zones(REPO / "Pulumi.prod.yaml")
    with KnotServer.start(tmp_path_factory.mktemp("example-zone"), zones) as server:
        yield server


@dataclass(frozen=True)
class Invocation:
    argv: list[str]
    env: dict[str, str]
    stdin: Path | None
    stdout: Path | None


def invocation(text: str, nameserver: str, scratch: Path) -> Invocation:
    """The ``sendlanes`` part of *text* as an argument list, with its environment and files."""
    segment = _HANDOVER.split(text)[-1]
    words = shlex.split(segment.replace(DOCUMENTED_NAMESERVER, nameserver))
    env: dict[str, str] = {}
    while words and _ASSIGNMENT.match(words[0] + " "):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    assert words[0] == "sendlanes", text
    argv: list[str] = []
    stdin = stdout = None
    items = iter(words[1:])
    for word in items:
        if word == "<":
            stdin = REPO / next(items)
        elif word == ">":
            stdout = scratch / Path(next(items)).name
        else:
            argv.append(word)
    return Invocation(argv, env, stdin, stdout)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_documented_command_runs(
    example: Example, example_zone: KnotServer, tmp_path: Path
) -> None:
    if example.text in NEEDS_OUTSIDE:
        pytest.skip(NEEDS_OUTSIDE[example.text])
    assert "…" not in example.text, "a placeholder: give a runnable value or list it above"
    run = invocation(example.text, example_zone.nameserver, tmp_path)
    with (
        open(run.stdin, "rb") if run.stdin else open(os.devnull, "rb") as stdin,
        open(run.stdout, "wb") if run.stdout else open(os.devnull, "wb") as stdout,
    ):
        result = subprocess.run(
            [sys.executable, "-m", "sendlanes", *run.argv],
            cwd=REPO,
            stdin=stdin,
            stdout=stdout if run.stdout else subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **run.env},
            timeout=120,
            check=False,
        )
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    assert result.returncode in DOCUMENTED_OUTCOMES, f"exit {result.returncode}: {stderr}"
    if run.stdout:
        assert run.stdout.stat().st_size > 0


@pytest.mark.parametrize(
    ("message", "code", "dkim"), [("receipt.eml", 0, "pass"), ("receipt-tampered.eml", 1, "fail")]
)
def test_sample_messages_verify_against_the_example_zone(
    example_zone: KnotServer, message: str, code: int, dkim: str
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sendlanes",
            "headers",
            f"examples/messages/{message}",
            "--stack",
            "prod",
            "--nameserver",
            example_zone.nameserver,
            "--format",
            "json",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == code, result.stderr
    document = json.loads(result.stdout)
    assert [d["result"] for d in document["message"]["dkim"]] == [dkim]
    assert document["lane"] == {"brand": "acme", "lane": "receipts", "kind": "transactional"}
