"""mypy checks the components' calls against pulumi_cloudflare's typed signatures.

The check is only worth something if it can fail: the second test feeds mypy the two mistakes
it must catch (a misspelt argument, a missing ``ttl``) and expects both reported.
Uses the project's mypy cache; a cold cache costs ~16 s, a warm one well under a second.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _mypy(*paths: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_components_and_program_type_check() -> None:
    result = _mypy("components", "__main__.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_mypy_rejects_a_wrong_argument_and_a_missing_ttl(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong_record.py"
    wrong.write_text(
        "import pulumi_cloudflare as cloudflare\n"
        "\n"
        "cloudflare.DnsRecord(\n"
        '    "acme-receipts-spf",\n'
        "    cloudflare.DnsRecordArgs(\n"
        '        zone_id="0123456789abcdef0123456789abcdef",\n'
        '        name="receipts.acme.example",\n'
        '        type="TXT",\n'
        '        value="v=spf1 -all",\n'
        "        ttl=3600,\n"
        "    ),\n"
        ")\n"
        "cloudflare.DnsRecord(\n"
        '    "acme-receipts-dmarc",\n'
        "    cloudflare.DnsRecordArgs(\n"
        '        zone_id="0123456789abcdef0123456789abcdef",\n'
        '        name="_dmarc.receipts.acme.example",\n'
        '        type="TXT",\n'
        '        content="v=DMARC1; p=reject",\n'
        "    ),\n"
        ")\n",
        encoding="utf-8",
    )
    result = _mypy(str(wrong))
    assert result.returncode == 1
    assert 'Unexpected keyword argument "value" for "DnsRecordArgs"' in result.stdout
    assert 'Missing named argument "ttl" for "DnsRecordArgs"' in result.stdout
