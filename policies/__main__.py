"""The sendlanes policy pack, as the Pulumi engine starts it.

    pulumi preview --policy-pack policies [--policy-pack-config policy-config.json]

The engine runs this file (``python -u -m pulumi.policy ADDRESS policies``); it prints the
gRPC port and serves the analyzer protocol until stopped. This file only assembles the pack:
the policies are the modules beside it, the rules are in :mod:`sendlanes.rules`.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

# The engine puts this directory on sys.path, not the project root; the pack imports the
# project's `sendlanes` and `components` packages from there unless they are installed.
_PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(_PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(_PROJECT_ROOT))

from pulumi_policy import PolicyPack  # noqa: E402

from policies import _pack, _servicer  # noqa: E402

# AnalyzeStack reads the stack's resources once for all stack policies (see _servicer).
_servicer.install()
# Keep the collector from walking the modules and protobuf descriptors loaded so far each
# time a large request's objects trigger a collection.
gc.freeze()

PolicyPack(
    name=_pack.NAME,
    description=_pack.DESCRIPTION,
    enforcement_level=_pack.ENFORCEMENT_LEVEL,
    policies=_pack.POLICIES,
)
