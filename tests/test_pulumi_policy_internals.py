"""Canary for the private ``pulumi_policy`` internals the policy pack builds on.

``policies/`` subclasses the library's analyzer servicer and reads its proxies and
deserializer, none of which is public API. pyproject.toml pins the range tested; when a new
version moves one of them, the test below fails naming exactly what is missing and where it
is used, instead of the pack misbehaving.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from policies import _servicer

ROOT = Path(__file__).resolve().parents[1]

#: (module, attribute, the pack's module that uses it)
INTERNALS = [
    ("pulumi_policy.policy", "_PolicyAnalyzerServicer", "policies/_servicer.py"),
    *(
        ("pulumi_policy.policy", f"_PolicyAnalyzerServicer.{helper}", "policies/_servicer.py")
        for helper in _servicer.REQUIRED_HELPERS
    ),
    ("pulumi_policy.deserialize", "deserialize_properties", "policies/_servicer.py"),
    ("pulumi_policy.proxy", "unknown_checking_proxy", "policies/_servicer.py"),
    ("pulumi_policy.proxy", "UnknownValueError", "policies/_wire.py"),
    ("pulumi_policy.proxy", "_DictProxy", "policies/_wire.py"),
    ("pulumi_policy.proxy", "_ListProxy", "policies/_wire.py"),
    *(
        ("pulumi_policy.proxy", f"UNKNOWN_{kind}_VALUE", "policies/_wire.py")
        for kind in ("ARCHIVE", "ARRAY", "ASSET", "BOOLEAN", "NUMBER", "OBJECT", "STRING")
    ),
]


@pytest.mark.parametrize(
    ("module", "attribute", "used_in"), INTERNALS, ids=[f"{m}.{a}" for m, a, _ in INTERNALS]
)
def test_the_private_internal_the_pack_uses_is_still_there(
    module: str, attribute: str, used_in: str
) -> None:
    version = importlib.metadata.version("pulumi-policy")
    found: object = importlib.import_module(module)
    for part in attribute.split("."):
        assert hasattr(found, part), (
            f"pulumi-policy {version} has no {module}.{attribute}, which {used_in} uses: adapt "
            "the pack, or keep pyproject.toml's pulumi-policy pin below this version"
        )
        found = getattr(found, part)


#: servicer helper → how many arguments policies/_servicer.py passes it (besides self)
HELPER_ARITY = {
    "_configure_runtime_settings": 0,
    "_get_enforcement_level": 1,
    "_create_report_violation": 5,
    "_map_enforcement_level": 1,
    "_get_policy_config": 1,
    "_get_resource_options": 1,
    "_get_provider_resource": 1,
}


@pytest.mark.parametrize(("helper", "arity"), sorted(HELPER_ARITY.items()))
def test_the_servicer_helpers_take_the_arguments_the_pack_passes(helper: str, arity: int) -> None:
    version = importlib.metadata.version("pulumi-policy")
    library = importlib.import_module("pulumi_policy.policy")._PolicyAnalyzerServicer
    function = getattr(library, helper, None)
    assert function is not None, f"pulumi-policy {version} has no _PolicyAnalyzerServicer.{helper}"
    try:
        inspect.signature(function).bind(None, *([None] * arity))
    except TypeError as error:
        raise AssertionError(
            f"pulumi-policy {version}: _PolicyAnalyzerServicer.{helper} no longer takes the "
            f"{arity} argument(s) policies/_servicer.py passes ({error})"
        ) from None


def test_the_servicer_itself_answers_configure_stack() -> None:
    # Inherited from the generated gRPC base, it would only answer "unimplemented".
    library = importlib.import_module("pulumi_policy.policy")._PolicyAnalyzerServicer
    assert "ConfigureStack" in vars(library), (
        f"pulumi-policy {importlib.metadata.version('pulumi-policy')}: "
        "_PolicyAnalyzerServicer.ConfigureStack is gone, which policies/_servicer.py extends"
    )


def test_the_installed_pulumi_policy_is_in_the_pinned_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (pin,) = [
        Requirement(r)
        for r in project["project"]["optional-dependencies"]["pulumi"]
        if r.startswith("pulumi-policy")
    ]
    assert pin.specifier.contains(importlib.metadata.version("pulumi-policy"))
    assert any(s.operator == "<" for s in pin.specifier), "the pin needs an upper bound"
    lines = (ROOT / "policies" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    (pack_pin,) = [
        Requirement(line.split("#")[0]) for line in lines if line.startswith("pulumi-policy")
    ]
    assert pack_pin.specifier == pin.specifier
