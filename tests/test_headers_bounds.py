"""``headers`` on a message built to waste time: many signatures and a silent name server.
It ends within its deadline with ``error`` and the reason, never a wrong verdict."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sendlanes.headers.budget import MAX_SIGNATURES_CHECKED


@contextmanager
def silent_dns() -> Iterator[int]:
    """A UDP port on 127.0.0.1 that takes every question and answers none."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def many_signatures(count: int) -> bytes:
    fields = [
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=signer{i}.example; s=s1;\r\n"
        " h=from:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n"
        for i in range(count)
    ]
    return (
        "".join(fields) + "From: News <news@acme.example>\r\nTo: someone@example.com\r\n"
        "Subject: hello\r\nMessage-ID: <1@acme.example>\r\n\r\nbody\r\n"
    ).encode()


def headers(eml: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sendlanes", "headers", str(eml), *args],
        capture_output=True,
        text=True,
        timeout=90,  # generous: the deadline under test is 2 s
        check=False,
        cwd=eml.parent,  # outside a project: no stack
    )


def test_three_hundred_signatures_and_silent_dns_end_at_the_deadline(tmp_path: Path) -> None:
    eml = tmp_path / "many.eml"
    eml.write_bytes(many_signatures(300))
    with silent_dns() as port:
        result = headers(
            eml,
            "--nameserver",
            f"127.0.0.1:{port}",
            "--dns-timeout",
            "0.5",
            "--deadline",
            "2",
            "--format",
            "json",
        )
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    document = json.loads(result.stdout)
    results = [d["result"] for d in document["message"]["dkim"]]
    assert len(results) == 300
    assert results[MAX_SIGNATURES_CHECKED:] == ["not checked"] * (300 - MAX_SIGNATURES_CHECKED)
    assert set(results[:MAX_SIGNATURES_CHECKED]) == {"temperror"}
    details = [d["detail"] for d in document["message"]["dkim"][:MAX_SIGNATURES_CHECKED]]
    assert any("not asked: the --deadline of 2 s passed" in d for d in details)
    dkim = [c for c in document["checks"] if c["check"] == "dkim"]
    assert dkim[-1] == {
        "check": "dkim",
        "status": "warn",
        "detail": f"{300 - MAX_SIGNATURES_CHECKED} more signature(s) not checked: only the "
        f"first {MAX_SIGNATURES_CHECKED} are verified",
    }
    assert {c["status"] for c in document["checks"] if c["check"] == "dmarc"} == {"error"}


def test_signature_past_the_cap_never_makes_dmarc_fail(tmp_path: Path) -> None:
    eml = tmp_path / "many.eml"
    eml.write_bytes(many_signatures(MAX_SIGNATURES_CHECKED + 1))
    with silent_dns() as port:
        result = headers(
            eml, "--nameserver", f"127.0.0.1:{port}", "--dns-timeout", "0.2", "--format", "table"
        )
    assert result.returncode == 3, result.stderr
    assert "DKIM:        1 more signature(s) not checked" in result.stdout
    assert "Verdict: NO VERDICT" in result.stdout
