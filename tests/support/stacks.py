"""Stack configs for tests: the bundled example as data, and ways to mutate and write it."""

from __future__ import annotations

import base64
import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

REPO = Path(__file__).resolve().parents[2]
BUNDLED_STACK = REPO / "Pulumi.prod.yaml"


def bundled_config() -> dict[str, Any]:
    """The bundled example stack file as plain data (a fresh copy each call)."""
    return copy.deepcopy(_bundled())


@cache
def _bundled() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BUNDLED_STACK.read_text())
    return data


def brands(document: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = document["config"]["sendlanes:brands"]
    return result


def lane(document: dict[str, Any], name: str, brand: int = 0) -> dict[str, Any]:
    for item in brands(document)[brand]["lanes"]:
        if item["name"] == name:
            found: dict[str, Any] = item
            return found
    raise KeyError(name)


def write_stack(directory: Path, document: dict[str, Any], name: str = "Pulumi.test.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


@cache
def rsa_public_key(bits: int = 2048) -> str:
    """Base64 SubjectPublicKeyInfo of a fresh RSA key (cached per size: key generation is slow)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


@cache
def ed25519_public_key() -> str:
    raw = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()
