"""Serve the bundled stack's zones on 127.0.0.1 with Knot DNS, for the documented examples.

    python -m tests.support.serve_example_zone [--port 5300] [--config Pulumi.prod.yaml]

(or ``examples/serve-zone.sh``). Serves what ``sendlanes plan --format zone`` prints for each
brand, plus the providers' zones its records point into (:mod:`tests.support.provider_zones`),
so ``sendlanes verify``, ``spf`` and ``headers`` with ``--nameserver 127.0.0.1:5300`` run
with no network beyond loopback. Runs until interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import datetime
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sendlanes.config.load import load_stack_config
from sendlanes.plan.build import build_plan
from tests.support.knot import KnotServer, knotd_path
from tests.support.provider_zones import all_zones

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PORT = 5300
# The day the bundled stack's examples describe (its warm-ups start on 2026-12-01).
EXAMPLE_DAY = datetime.date(2026, 12, 1)


def example_zones(config: Path) -> dict[str, str]:
    """Zone-file text by origin: the stack's brand zones and the providers' zones."""
    return all_zones(build_plan(load_stack_config(config), today=EXAMPLE_DAY))


@contextmanager
def serving(config: Path, port: int | None, directory: Path) -> Iterator[KnotServer]:
    """Knot serving the example zones of *config* on 127.0.0.1:*port*."""
    with KnotServer.start(directory, example_zones(config), port=port) as server:
        yield server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--config", type=Path, default=REPO / "Pulumi.prod.yaml")
    args = parser.parse_args(argv)
    if knotd_path() is None:
        print("serve-zone: knotd not found: apt-get install knot", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with tempfile.TemporaryDirectory() as directory:
        try:
            with serving(args.config, args.port, Path(directory)) as server:
                print(f"serving {', '.join(sorted(server.zones))} on {server.nameserver}")
                print("press Ctrl-C to stop", flush=True)
                with suppress(KeyboardInterrupt):
                    stop.wait()
        except RuntimeError as error:
            print(f"serve-zone: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
