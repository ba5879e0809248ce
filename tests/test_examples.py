"""The example programs against the component package's schema (provider/schema.json).

No Pulumi CLI here, so the YAML program is not run; this checks what the engine would check
first: every resource type exists in the package, every property is one of its inputs (nested
objects included), every required input is given, and every output it reads exists.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "provider" / "schema.json").read_text(encoding="utf-8"))
PROGRAM = ROOT / "examples" / "yaml" / "Pulumi.yaml"


def _type(ref: str) -> dict[str, Any]:
    found: dict[str, Any] = SCHEMA["types"][ref.removeprefix("#/types/")]
    return found


def _problems(value: Any, spec: dict[str, Any], path: str) -> list[str]:
    if isinstance(value, str) and value.startswith("${"):
        return []  # an interpolation: its type is the engine's to check
    if "$ref" in spec:
        shape = _type(spec["$ref"])
        return _object_problems(value, shape.get("properties", {}), shape.get("required", []), path)
    kind = spec.get("type")
    if kind == "array":
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [p for i, v in enumerate(value) for p in _problems(v, spec["items"], f"{path}[{i}]")]
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{path}: expected an object"]
        item = spec.get("additionalProperties", {})
        return [p for k, v in value.items() for p in _problems(v, item, f"{path}.{k}")]
    expected = {"string": str, "integer": int, "boolean": bool, "number": (int, float)}
    if kind in expected and not isinstance(value, expected[kind]):
        return [f"{path}: expected {kind}, got {value!r}"]
    return []


def _object_problems(
    value: Any, properties: dict[str, Any], required: list[str], path: str
) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected an object"]
    problems = [f"{path}.{key}: no such input" for key in value if key not in properties]
    problems += [f"{path}.{key}: required" for key in required if key not in value]
    for key, item in value.items():
        if key in properties:
            problems += _problems(item, properties[key], f"{path}.{key}")
    return problems


def test_the_yaml_example_matches_the_package_schema() -> None:
    program = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
    assert program["runtime"] == "yaml"
    assert program["packages"] == {"sendlanes": "../../provider"}
    problems: list[str] = []
    for name, resource in program["resources"].items():
        schema = SCHEMA["resources"].get(resource["type"])
        assert schema is not None, f"{name}: no resource type {resource['type']}"
        problems += _object_problems(
            resource["properties"],
            schema["inputProperties"],
            schema.get("requiredInputs", []),
            name,
        )
    assert problems == []


def test_the_yaml_example_reads_outputs_the_package_has() -> None:
    program = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
    for expression in program["outputs"].values():
        resource, output = re.fullmatch(r"\$\{(\w+)\.(\w+)\}", expression).groups()  # type: ignore[union-attr]
        token = program["resources"][resource]["type"]
        assert output in SCHEMA["resources"][token]["properties"], expression


def test_a_wrong_property_in_the_example_would_be_caught() -> None:
    program = yaml.safe_load(PROGRAM.read_text(encoding="utf-8"))
    brand = program["resources"]["acme"]
    brand["properties"]["lanes"][0]["smtp"]["prot"] = 587
    del brand["properties"]["zoneId"]
    schema = SCHEMA["resources"][brand["type"]]
    problems = _object_problems(
        brand["properties"], schema["inputProperties"], schema["requiredInputs"], "acme"
    )
    assert problems == ["acme.zoneId: required", "acme.lanes[0].smtp.prot: no such input"]


def test_the_esc_environment_supplies_the_keys_the_program_reads() -> None:
    environment = yaml.safe_load(
        (ROOT / "examples" / "esc" / "sendlanes-prod.env.yaml").read_text(encoding="utf-8")
    )
    config = environment["values"]["pulumiConfig"]
    assert set(config) == {"sendlanes:smtpPasswords", "cloudflare:apiToken"}
    assert all(v.startswith("${secrets.") for v in config["sendlanes:smtpPasswords"].values())
