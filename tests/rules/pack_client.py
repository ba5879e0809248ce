"""Talk to the policy pack the way the Pulumi engine does: start it, read its port, and call
the analyzer gRPC service (GetAnalyzerInfo, Configure, Analyze, AnalyzeStack)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from components import tokens
from tests.support.pulumi_mocks import ProgramRun, RegisteredResource

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = PROJECT_ROOT / "policies"
LEVEL_NAMES = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.DISABLED: "disabled",
}
LEVEL_VALUES = {name: value for value, name in LEVEL_NAMES.items()}


@dataclass
class RunningPack:
    process: subprocess.Popen[bytes]
    port: int
    stub: analyzer_pb2_grpc.AnalyzerStub
    channel: grpc.Channel
    stderr_path: Path
    started_in: float

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        self.channel.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    # -- calls ------------------------------------------------------------------------------

    def info(self) -> analyzer_pb2.AnalyzerInfo:
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=10)

    def configure(self, config: Mapping[str, Any] | None = None) -> None:
        """Send a policy-pack config the way the CLI does (levels resolved per policy)."""
        self.stub.Configure(configure_request(config, _default_levels(self)), timeout=10)

    def analyze(
        self, resource: RegisteredResource, properties: Any = None, with_parent: bool = True
    ) -> list[Diagnostic]:
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            name=resource.name,
            urn=resource.urn,
            properties=_struct(resource.wire_inputs if properties is None else properties),
            options=analyzer_pb2.AnalyzerResourceOptions(
                parent=resource.parent if with_parent else ""
            ),
        )
        return [Diagnostic.of(d) for d in self.stub.Analyze(request, timeout=30).diagnostics]

    def analyze_stack(
        self, resources: Sequence[RegisteredResource], properties: Mapping[str, Any] | None = None
    ) -> list[Diagnostic]:
        """AnalyzeStack over *resources*; *properties* (URN → dict) replaces some properties."""
        request = stack_request(resources, properties)
        response = self.stub.AnalyzeStack(request, timeout=60)
        return [Diagnostic.of(d) for d in response.diagnostics]

    def analyze_everything(self, run: ProgramRun) -> list[Diagnostic]:
        """What a preview shows: every resource through Analyze, then AnalyzeStack."""
        found: list[Diagnostic] = []
        for resource in run.resources:
            found += self.analyze(resource)
        return found + self.analyze_stack(run.resources)


def configure_request(
    config: Mapping[str, Any] | None, default_levels: Mapping[str, str]
) -> analyzer_pb2.ConfigureAnalyzerRequest:
    """A policy-pack config as the CLI sends it: every named policy with a resolved level."""
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, value in (config or {}).items():
        policy = analyzer_pb2.PolicyConfig()
        settings = value if isinstance(value, Mapping) else {"enforcementLevel": value}
        properties = {k: v for k, v in settings.items() if k != "enforcementLevel"}
        level = settings.get("enforcementLevel") or default_levels[name]
        policy.enforcementLevel = LEVEL_VALUES[level]
        policy.properties.update(properties)
        request.policyConfig[name].CopyFrom(policy)
    return request


def stack_request(
    resources: Sequence[RegisteredResource], properties: Mapping[str, Any] | None = None
) -> analyzer_pb2.AnalyzeStackRequest:
    """The AnalyzeStack request for *resources*; *properties* (URN → dict) replaces some."""
    overrides = properties or {}
    return analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=r.type,
                name=r.name,
                urn=r.urn,
                properties=_struct(overrides.get(r.urn, r.wire_inputs)),
                parent=r.parent,
                dependencies=list(r.dependencies),
            )
            for r in resources
        ]
    )


_LEVEL_CACHE: dict[int, dict[str, str]] = {}


def _default_levels(pack: RunningPack) -> dict[str, str]:
    key = id(pack)
    if key not in _LEVEL_CACHE:
        _LEVEL_CACHE[key] = {p.name: LEVEL_NAMES[p.enforcementLevel] for p in pack.info().policies}
    return _LEVEL_CACHE[key]


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    return json_format.ParseDict(dict(value), struct_pb2.Struct())


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    level: str
    urn: str
    message: str
    description: str

    @classmethod
    def of(cls, diagnostic: analyzer_pb2.AnalyzeDiagnostic) -> Diagnostic:
        return cls(
            diagnostic.policyName,
            LEVEL_NAMES[diagnostic.enforcementLevel],
            diagnostic.urn,
            diagnostic.message,
            diagnostic.description,
        )


def start_pack(
    work_dir: Path, command: Sequence[str] | None = None, timeout: float = 20
) -> RunningPack:
    """Start the pack like the engine does and wait for the port it prints on stdout."""
    argv = list(command or [sys.executable, "-u", str(PACK_DIR / "__main__.py")])
    stderr_path = work_dir / "policy-pack.stderr"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    started = time.perf_counter()
    stderr_file: IO[bytes] = stderr_path.open("wb")
    process = subprocess.Popen(
        argv, cwd=work_dir, stdout=subprocess.PIPE, stderr=stderr_file, env=env
    )
    stderr_file.close()
    assert process.stdout is not None
    line = process.stdout.readline().decode().strip()
    if not line.isdigit():
        process.kill()
        raise RuntimeError(
            f"policy pack printed {line!r} instead of a port:\n{stderr_path.read_text()}"
        )
    port = int(line)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    grpc.channel_ready_future(channel).result(timeout=timeout)
    return RunningPack(
        process,
        port,
        analyzer_pb2_grpc.AnalyzerStub(channel),
        channel,
        stderr_path,
        time.perf_counter() - started,
    )


# -- who a URN is about -------------------------------------------------------------------------


Subject = tuple[str | None, str | None, str | None]
"""(brand, lane, record FQDN)."""


def subjects(run: ProgramRun) -> dict[str, Subject]:
    """URN → (brand, lane, record name) for every resource of *run*."""
    by_urn = run.by_urn()
    found: dict[str, Subject] = {}
    for resource in run.resources:
        if resource.type == tokens.BRAND:
            found[resource.urn] = (resource.inputs[tokens.BRAND_NAME], None, None)
        elif resource.type == tokens.SENDING_LANE:
            inputs = resource.inputs
            found[resource.urn] = (inputs[tokens.LANE_BRAND], inputs[tokens.LANE_NAME], None)
    for resource in run.resources:
        if resource.type == tokens.DNS_RECORD:
            parent = by_urn.get(resource.parent)
            brand, lane, _ = found.get(parent.urn, (None, None, None)) if parent else (None,) * 3
            found[resource.urn] = (brand, lane, resource.inputs[tokens.RECORD_NAME])
    return found


def pack_results(diagnostics: Iterable[Diagnostic], run: ProgramRun) -> list[tuple[Any, ...]]:
    """Diagnostics as sorted (rule, level, brand, lane, record) tuples."""
    where = subjects(run)
    return sorted((d.policy, d.level, *where.get(d.urn, (None, None, None))) for d in diagnostics)
