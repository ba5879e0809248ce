"""Write ``provider/schema.json``: the schema the package serves (what ``GetSchema`` returns).

    python provider/write_schema.py

Run it after changing a component's arguments or outputs; tests/test_component_package.py
fails while the checked-in file differs from what the provider serves.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pulumi.provider.experimental.component import ComponentProvider  # noqa: E402

from components.package import COMPONENTS, PACKAGE, VERSION  # noqa: E402

if __name__ == "__main__":
    provider = ComponentProvider(list(COMPONENTS), PACKAGE, None, VERSION)
    schema = json.loads(provider.schema or "{}")
    (HERE / "schema.json").write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
