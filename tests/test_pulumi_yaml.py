"""Pulumi.yaml's config schema against the stack files we ship and the loader's own model.

The engine validates stack config against the project's ``config`` block; the program and
``sendlanes`` validate it against :class:`sendlanes.config.StackConfig`. These tests keep the
two from drifting apart: same keys, matching types, secrets declared secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sendlanes.config.load import KNOWN_KEYS
from sendlanes.config.schema import StackConfig

ROOT = Path(__file__).resolve().parents[1]
#: JSON-schema type of each StackConfig field → the project-config type that carries it
_PROJECT_TYPES = {"array": "array", "object": "object", "string": "string", "integer": "integer"}
#: Pulumi's project config: these are its only types and keys (sdk/go/common/workspace)
_ALLOWED_TYPES = {"string", "integer", "boolean", "array", "object"}
_ALLOWED_KEYS = {"type", "items", "description", "secret", "default"}


def _project_config() -> dict[str, Any]:
    """The declarations by full key: the project's own keys are written without namespace."""
    document = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    name = document["name"]
    return {
        key if ":" in key else f"{name}:{key}": declaration
        for key, declaration in document["config"].items()
    }


def _stack_files() -> list[Path]:
    files = sorted(ROOT.glob("Pulumi.*.yaml")) + sorted(ROOT.glob("examples/**/Pulumi.*.yaml"))
    return [f for f in files if f.name != "Pulumi.yaml"]


def test_every_declaration_uses_only_what_pulumi_project_files_allow() -> None:
    for key, declaration in _project_config().items():
        assert set(declaration) <= _ALLOWED_KEYS, key
        assert declaration["type"] in _ALLOWED_TYPES, key
        if declaration["type"] == "array":
            assert declaration["items"]["type"] in _ALLOWED_TYPES, key
        assert declaration.get("description"), key


def test_the_declared_keys_are_the_models_config_keys() -> None:
    declared = set(_project_config())
    assert declared == set(KNOWN_KEYS)
    fields = {name for name in StackConfig.model_fields if name != "source"}
    assert {KNOWN_KEYS[key] for key in declared} == {
        StackConfig.model_fields[name].alias or name for name in fields
    }


def test_the_declared_types_are_the_models_types() -> None:
    schema = StackConfig.model_json_schema(by_alias=True)
    properties = schema["properties"]
    config = _project_config()
    for key, field in KNOWN_KEYS.items():
        model = properties[field]
        declared = config[key]
        if field == "smtpPasswords":
            # The model keeps only the lane keys (a set); the config holds the secret map.
            assert model["type"] == "array" and model["uniqueItems"] is True
            assert declared["type"] == "object"
            continue
        assert declared["type"] == _PROJECT_TYPES[model["type"]], key
        if model["type"] == "array":
            assert declared["items"]["type"] == "object", key  # each item: a $ref'd model


def test_secrets_are_declared_secret_and_only_they() -> None:
    secret = {key for key, d in _project_config().items() if d.get("secret")}
    assert secret == {"sendlanes:smtpPasswords"}


def _conforms(value: Any, declaration: dict[str, Any]) -> bool:
    kind = declaration["type"]
    if kind == "array":
        return isinstance(value, list) and all(_conforms(v, declaration["items"]) for v in value)
    if kind == "object":
        return isinstance(value, dict)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return isinstance(value, str)


def test_every_shipped_stack_file_conforms_to_the_declarations() -> None:
    files = _stack_files()
    assert files, "no stack file shipped?"
    config = _project_config()
    for path in files:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))["config"]
        for key, value in values.items():
            if not key.startswith("sendlanes:"):
                continue
            assert key in config, f"{path.name}: {key} is not declared in Pulumi.yaml"
            declaration = config[key]
            assert _conforms(value, declaration), f"{path.name}: {key}"
            if declaration.get("secret"):
                leaves = value.values() if isinstance(value, dict) else [value]
                assert all(isinstance(v, dict) and "secure" in v for v in leaves), path.name
