#!/bin/sh
# Serve the bundled stack's zones (and the providers' zones they point into) on
# 127.0.0.1:5300 with Knot DNS, so the documented `verify`, `spf` and `headers` examples run
# with `--nameserver 127.0.0.1:5300` and no network. Needs knotd (`apt-get install knot`).
# Usage: examples/serve-zone.sh [--port PORT] [--config STACK_FILE]
cd "$(dirname "$0")/.." && exec python -m tests.support.serve_example_zone "$@"
