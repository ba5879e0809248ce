"""The analyzer service with one change: AnalyzeStack reads the stack once for all policies.

``pulumi_policy`` turns every resource of an ``AnalyzeStack`` request into a
``PolicyResource`` again for each stack policy: with this pack's stack policies that
conversion, not the rules, was most of the call's time (on 2,340 resources, 11 passes of
about 0.15 s each). :class:`SharedStackServicer` converts once, hands every stack policy the
same read-only list, and otherwise answers exactly as the library's servicer: same
enforcement levels and config, same diagnostics, same "can't run during preview" message.

:func:`install` puts it in place before ``PolicyPack`` builds its server. It relies on
helpers of ``pulumi_policy``'s servicer that are not public API; when an installed version no
longer has them, :func:`install` leaves the library's own servicer in place (correct, only
slower), and ``tests/test_policy_pack.py`` fails so the change is noticed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from inspect import isawaitable
from types import MappingProxyType
from typing import Any

import pulumi_policy.policy as library
from google.protobuf import json_format
from pulumi.runtime import proto
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

LIBRARY_SERVICER: Any = library._PolicyAnalyzerServicer
#: What a policy raises to say it does not apply (no exception type: ``except ()`` catches none).
_NOT_APPLICABLE: Any = getattr(library, "_NotApplicableError", ())

REQUIRED_HELPERS = (
    "_configure_runtime_settings",
    "_get_enforcement_level",
    "_create_report_violation",
    "_map_enforcement_level",
    "_get_policy_config",
    "_get_resource_options",
    "_get_provider_resource",
    "ConfigureStack",
)


def supported() -> bool:
    """Whether the installed ``pulumi_policy`` has every helper the shared servicer calls."""
    return isinstance(LIBRARY_SERVICER, type) and all(
        hasattr(LIBRARY_SERVICER, name) for name in REQUIRED_HELPERS
    )


class SharedStackServicer(LIBRARY_SERVICER):  # type: ignore[misc]
    """``pulumi_policy``'s analyzer servicer, converting AnalyzeStack's resources once."""

    def __init__(self, name: str, version: str, policies: list[Any], *args: Any, **kw: Any):
        super().__init__(name, version, policies, *args, **kw)
        self._pack_name = name
        self._pack_version = version
        self._stack_policies = [p for p in policies if isinstance(p, StackValidationPolicy)]
        self._tags: Mapping[str, str] = MappingProxyType({})

    def ConfigureStack(self, request: Any, context: Any) -> Any:
        self._tags = MappingProxyType(dict(request.tags))
        return super().ConfigureStack(request, context)

    def AnalyzeStack(self, request: Any, _context: Any) -> Any:
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        resources: list[PolicyResource] | None = None
        for policy in self._stack_policies:
            level = self._get_enforcement_level(policy)
            if level == EnforcementLevel.DISABLED:
                continue
            if level == EnforcementLevel.REMEDIATE:
                level = EnforcementLevel.MANDATORY  # stack policies cannot remediate
            report = self._create_report_violation(
                response, policy.name, policy.description, level, policy.severity
            )
            if resources is None:
                resources = self._resources(request)
            args = StackValidationArgs(resources, self._get_policy_config(policy.name), self._tags)
            try:
                result = policy.validate(args, report)
                if isawaitable(result):
                    asyncio.run(_awaited(result))
            except UnknownValueError as error:
                response.diagnostics.append(self._cannot_run(policy, error))
            except _NOT_APPLICABLE as error:
                response.not_applicable.append(
                    proto.PolicyNotApplicable(
                        policy_name=policy.name, reason=getattr(error, "reason", None) or ""
                    )
                )
        return response

    def _resources(self, request: Any) -> list[PolicyResource]:
        """Every resource of *request* as a ``PolicyResource``, parents and dependencies
        linked, the way ``pulumi_policy`` builds them."""
        by_urn: dict[str, PolicyResource] = {}
        links: list[tuple[PolicyResource, Any]] = []
        for r in request.resources:
            props = unknown_checking_proxy(
                deserialize_properties(json_format.MessageToDict(r.properties))
            )
            resource = PolicyResource(
                r.type,
                props,
                r.urn,
                r.name,
                self._get_resource_options(r),
                self._get_provider_resource(r),
                None,
                [],
                {},
            )
            by_urn[resource.urn] = resource
            links.append((resource, r))
        for resource, r in links:
            if r.parent and r.parent in by_urn:
                resource.parent = by_urn[r.parent]
            resource.dependencies.extend(by_urn[d] for d in r.dependencies if d in by_urn)
            for key, urns in r.propertyDependencies.items():
                resource.property_dependencies[key] = [by_urn[u] for u in urns.urns if u in by_urn]
        return [resource for resource, _ in links]

    def _cannot_run(self, policy: Any, error: UnknownValueError) -> Any:
        return proto.AnalyzeDiagnostic(
            policyName=policy.name,
            policyPackName=self._pack_name,
            policyPackVersion=self._pack_version,
            message=(
                f"can't run policy '{policy.name}' from policy pack "
                f"'{self._pack_name}@v{self._pack_version}' during preview: {error.message}"
            ),
            urn="",
            description=policy.description,
            enforcementLevel=self._map_enforcement_level(EnforcementLevel.ADVISORY),
        )


async def _awaited(result: Any) -> None:
    await result


def install() -> bool:
    """Make ``PolicyPack`` serve with :class:`SharedStackServicer`; False (and nothing
    changed) when the installed ``pulumi_policy`` lacks a helper it needs."""
    if not supported():
        return False
    setattr(library, "_PolicyAnalyzerServicer", SharedStackServicer)  # noqa: B010
    return True
