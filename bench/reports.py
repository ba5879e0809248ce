"""Benchmark: `sendlanes reports` against parsedmarc's parser, on one generated corpus.

    python bench/reports.py                       # 10,000 reports (~50 MB XML) and 2,500
    python bench/reports.py --reports 1000        # a quicker run: 1,000 and 250
    python bench/reports.py --parsedmarc-python /path/to/venv/bin/python

Steps:

1. A corpus of N aggregate reports is written to a temporary directory: four receivers'
   styles (Google-like pretty XML, Yahoo-like upper-case results without <version>,
   Microsoft-like with envelope_to, and the RFC 9990 namespace), ~5 KB of XML each (10 rows:
   the bundled stack's three lanes, a shared-domain DKIM signer, strangers), every other one
   gzip-compressed and the rest zipped, as receivers send them. The same files are used by
   both tools, and a second corpus of N/4 reports shows how peak memory follows size.
2. ``sendlanes reports DIR --config Pulumi.prod.yaml --format json --jobs N`` runs as a whole
   process, with one parsing process and with two.
3. parsedmarc (PyPI, bench-only: ``pip install -e '.[bench]'``, or any interpreter that has
   it, ``--parsedmarc-python``) parses every file with ``parse_report_file(path,
   offline=True, always_use_local_files=True)`` — no DNS, no downloads — in its own process
   whose sockets refuse anything but loopback.

Wall time is from process start to exit (interpreter start and imports included for both);
peak RSS is the process's (``wait4``). Throughput is reports per second; the ratio is
sendlanes' throughput over parsedmarc's on the same corpus in the same run.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STACK = REPO / "Pulumi.prod.yaml"
DEC_1 = 1796083200  # 2026-12-01T00:00:00Z

# Lanes of the bundled stack and how their mail really looks on the wire.
_LANE_ROWS = (
    (
        "receipts.acme.example",
        "receipts.acme.example",
        "20261101pm",
        "pm-bounces.receipts.acme.example",
    ),
    (
        "notify.acme.example",
        "notify.acme.example",
        "exajm5ogzicibxm11fop3ukzlceh1rqr",
        "bounce.notify.acme.example",
    ),
    ("mail.acme.example", "mail.acme.example", "s1", "em5945.mail.acme.example"),
    ("mail.acme.example", "sendgrid.info", "smtpapi", "em5945.mail.acme.example"),
    ("stranger.example", "stranger.example", "default", "stranger.example"),
)

PARSEDMARC_WORKER = r"""
import socket, sys, time
_connect = socket.socket.connect
def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else str(address)
    if not str(host).startswith("127."):
        raise OSError(f"bench: network refused ({host})")
    return _connect(self, address)
socket.socket.connect = _loopback_only
import parsedmarc
paths = [line.strip() for line in open(sys.argv[1]) if line.strip()]
rows = failures = 0
for path in paths:
    try:
        parsed = parsedmarc.parse_report_file(path, offline=True, always_use_local_files=True)
    except Exception as error:
        failures += 1
        continue
    report = parsed["report"] if isinstance(parsed, dict) and "report" in parsed else parsed
    rows += len(report.get("records", [])) if isinstance(report, dict) else 0
print(f"{len(paths) - failures} {rows} {failures}")
"""


def _row(rng: random.Random, style: str) -> str:
    header_from, dkim_domain, selector, envelope = rng.choice(_LANE_ROWS)
    aligned = dkim_domain == header_from
    spoof = header_from == "stranger.example" or rng.random() < 0.03
    dkim = "pass" if aligned and not spoof else "fail"
    spf = "fail" if spoof else "pass"
    if style == "yahoo":
        dkim, spf = dkim.upper(), spf.upper()
    ip = f"192.0.{rng.randrange(2, 3)}.{rng.randrange(1, 255)}"
    disposition = "none" if dkim.lower() == "pass" or spf.lower() == "pass" else "quarantine"
    to = "<envelope_to>example.com</envelope_to>" if style == "microsoft" else ""
    signatures = (
        f"<dkim><domain>{dkim_domain}</domain><selector>{selector}</selector>"
        f"<result>{dkim.lower()}</result><human_result></human_result></dkim>"
    )
    if header_from == "mail.acme.example" and aligned:
        signatures += (
            "<dkim><domain>sendgrid.info</domain><selector>smtpapi</selector>"
            "<result>pass</result></dkim>"
        )
    return f"""
    <record>
      <row>
        <source_ip>{ip}</source_ip>
        <count>{rng.randrange(1, 5000)}</count>
        <policy_evaluated>
          <disposition>{disposition}</disposition>
          <dkim>{dkim}</dkim>
          <spf>{spf}</spf>
        </policy_evaluated>
      </row>
      <identifiers>
        {to}<envelope_from>{envelope}</envelope_from>
        <header_from>{header_from}</header_from>
      </identifiers>
      <auth_results>
        {signatures}
        <spf><domain>{envelope}</domain><scope>mfrom</scope><result>{spf.lower()}</result></spf>
      </auth_results>
    </record>"""


def report_xml(rng: random.Random, number: int, rows: int = 6) -> bytes:
    style = ("google", "yahoo", "microsoft", "dmarc2")[number % 4]
    org = {
        "google": "google.com",
        "yahoo": "Yahoo",
        "microsoft": "Enterprise Outlook",
        "dmarc2": "receiver.example",
    }[style]
    begin = DEC_1 + 86400 * (number % 28)
    root = (
        '<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">' if style == "dmarc2" else "<feedback>"
    )
    version = "" if style == "yahoo" else "<version>1.0</version>"
    body = "".join(_row(rng, style) for _ in range(rows))
    return f"""<?xml version="1.0" encoding="UTF-8" ?>
{root}
  {version}
  <report_metadata>
    <org_name>{org}</org_name>
    <email>noreply-dmarc-support@{org.replace(" ", "").lower()}.example</email>
    <report_id>{number}-{rng.getrandbits(48):x}</report_id>
    <date_range>
      <begin>{begin}</begin>
      <end>{begin + 86399}</end>
    </date_range>
  </report_metadata>
  <policy_published>
    <domain>acme.example</domain>
    <adkim>r</adkim>
    <aspf>r</aspf>
    <p>quarantine</p>
    <sp>quarantine</sp>
    <pct>100</pct>
  </policy_published>{body}
</feedback>
""".encode()


def write_corpus(directory: Path, count: int, seed: int = 7) -> tuple[int, int]:
    """N reports, gzip and zip alternating: (files written, bytes of XML)."""
    rng = random.Random(seed)
    xml_bytes = 0
    for number in range(count):
        xml = report_xml(rng, number)
        xml_bytes += len(xml)
        name = f"acme.example!{number}"
        if number % 2:
            (directory / f"{name}.xml.gz").write_bytes(gzip.compress(xml, 6))
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(f"{name}.xml", xml)
            (directory / f"{name}.zip").write_bytes(buffer.getvalue())
    return count, xml_bytes


def measured(command: list[str]) -> tuple[float, float, float, bytes, int]:
    """(wall s, CPU s, peak RSS MiB, stdout, exit code) of one whole process and its workers."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, out, process.returncode


def run_sendlanes(directory: Path, jobs: int) -> tuple[float, float, float, int]:
    command = [sys.executable, "-m", "sendlanes", "reports", str(directory)]
    command += ["--config", str(STACK), "--format", "json"]
    command += ["--jobs", str(jobs)]
    wall, cpu, peak, out, code = measured(command)
    if code != 0:
        raise SystemExit(f"sendlanes reports exited {code}")
    document = json.loads(out)
    if document["reports"]["rejected"]:
        raise SystemExit(f"sendlanes rejected files: {document['reports']['rejected'][:3]}")
    return wall, cpu, peak, document["reports"]["read"]


def run_parsedmarc(python: str, directory: Path) -> tuple[float, float, float, int]:
    listing = directory.parent / f"{directory.name}.list"
    listing.write_text("\n".join(str(p) for p in sorted(directory.iterdir())))
    wall, cpu, peak, out, code = measured([python, "-c", PARSEDMARC_WORKER, str(listing)])
    if code != 0:
        raise SystemExit(f"parsedmarc worker exited {code}")
    parsed, _rows, failures = (int(x) for x in out.split())
    if failures:
        raise SystemExit(f"parsedmarc failed on {failures} files")
    return wall, cpu, peak, parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10_000, help="reports in the large corpus")
    parser.add_argument(
        "--parsedmarc-python",
        default=sys.executable,
        help="an interpreter with parsedmarc installed (default: this one)",
    )
    parser.add_argument("--skip-parsedmarc", action="store_true", help="time sendlanes only")
    args = parser.parse_args()
    has_parsedmarc = (
        not args.skip_parsedmarc
        and subprocess.run(
            [args.parsedmarc_python, "-c", "import parsedmarc"], capture_output=True, check=False
        ).returncode
        == 0
    )
    if not has_parsedmarc and not args.skip_parsedmarc:
        raise SystemExit(
            "parsedmarc is not importable: pip install -e '.[bench]' or pass --parsedmarc-python"
        )
    version = ""
    if has_parsedmarc:
        version = subprocess.run(
            [args.parsedmarc_python, "-c", "import parsedmarc; print(parsedmarc.__version__)"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    root = Path(tempfile.mkdtemp(prefix="sendlanes-bench-reports-"))
    try:
        lines = [
            f"load average {os.getloadavg()[0]:.2f}; parsedmarc {version or 'not run'}",
            "",
            "| corpus | tool | wall | CPU | reports/s | peak RSS | ratio (wall) | ratio (CPU) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for count in (args.reports, max(1, args.reports // 4)):
            directory = root / f"corpus-{count}"
            directory.mkdir()
            _, xml_bytes = write_corpus(directory, count)
            corpus = f"{count:,} reports, {xml_bytes / 1e6:.1f} MB XML"
            theirs = None
            if has_parsedmarc:
                theirs = run_parsedmarc(args.parsedmarc_python, directory)
                assert theirs[3] == count, (theirs[3], count)
            for jobs in (1, 2):
                wall, cpu, peak, read = run_sendlanes(directory, jobs)
                assert read == count, (read, count)
                tool = f"sendlanes reports --jobs {jobs}"
                ratios = "– | –"
                if theirs is not None:
                    ratios = f"**{theirs[0] / wall:.1f}×** | {theirs[1] / cpu:.1f}×"
                lines.append(
                    f"| {corpus} | {tool} | {wall:.2f} s | {cpu:.2f} s | {count / wall:,.0f} | "
                    f"{peak:.0f} MiB | {ratios} |"
                )
            if theirs is not None:
                lines.append(
                    f"| {corpus} | parsedmarc {version} | {theirs[0]:.2f} s | {theirs[1]:.2f} s | "
                    f"{count / theirs[0]:,.0f} | {theirs[2]:.0f} MiB | 1 | 1 |"
                )
            print(f"{count} reports done", file=sys.stderr)
        print("\n".join(lines))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
