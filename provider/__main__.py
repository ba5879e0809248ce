"""Entry point of the sendlanes component package (PulumiPlugin.yaml beside it).

The engine starts this as a provider plugin; ``component_provider_host`` infers the package
schema from the components' annotations and serves ``GetSchema`` and ``Construct`` over gRPC.
The components live at the repository root (``components/``, ``sendlanes/``), one level up.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pulumi.provider.experimental import component_provider_host

from components.package import COMPONENTS, PACKAGE, VERSION

if __name__ == "__main__":
    component_provider_host(list(COMPONENTS), PACKAGE, version=VERSION)
