"""Talk to the component package the way the Pulumi engine does.

Start ``provider/`` as the engine would (``python provider <engine address>``; it prints its
port), then call the ResourceProvider gRPC service: ``GetSchema`` and ``Construct``. For
``Construct`` the provider registers its resources with a resource monitor and logs to the
engine: both are served here, in the test process, by :class:`RecordingHost`, which records
every RegisterResource call (as the engine would receive it) and every log message, and
answers URNs by the engine's rule (the parents' whole type chain, the root Stack left out).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import threading
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)

from tests.support.pulumi_mocks import RegisteredResource, from_wire

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROVIDER_DIR = PROJECT_ROOT / "provider"
STACK_TYPE = "pulumi:pulumi:Stack"
_FEATURES = {"secrets", "resourceReferences", "outputValues", "aliasSpecs", "deletedWith"}


def make_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    if parent:
        qualified = parent.split("::")[2]
        if qualified != STACK_TYPE:
            type_ = f"{qualified}${type_}"
    return "urn:pulumi:" + "::".join([stack, project, type_, name])


@dataclass
class RecordingHost(resource_pb2_grpc.ResourceMonitorServicer, engine_pb2_grpc.EngineServicer):
    """A resource monitor and engine log sink that record what a provider sends them."""

    stack: str = "prod"
    project: str = "sendlanes"
    registered: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    logs: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- ResourceMonitor --------------------------------------------------------------------

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in _FEATURES)

    def RegisterResource(self, request: Any, context: Any) -> Any:
        urn = make_urn(self.stack, self.project, request.parent, request.type, request.name)
        with self.lock:
            self.registered.append(
                {
                    "type": request.type,
                    "name": request.name,
                    "urn": urn,
                    "parent": request.parent,
                    "custom": bool(request.custom),
                    "object": json_format.MessageToDict(request.object),
                    "aliases": [json_format.MessageToDict(a) for a in request.aliases],
                    "provider": request.provider,
                }
            )
        resource_id = f"{request.name}-id" if request.custom else ""
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=request.object)

    def RegisterResourceOutputs(self, request: Any, context: Any) -> Any:
        with self.lock:
            self.outputs[request.urn] = json_format.MessageToDict(request.outputs)
        return empty_pb2.Empty()

    # -- Engine -----------------------------------------------------------------------------

    def Log(self, request: Any, context: Any) -> Any:
        with self.lock:
            self.logs.append((request.severity, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn="")

    def SetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.SetRootResourceResponse()

    # -- what was recorded ------------------------------------------------------------------

    def resources(self) -> list[RegisteredResource]:
        with self.lock:
            items = list(self.registered)
        return [
            RegisteredResource(
                type=item["type"],
                name=item["name"],
                urn=item["urn"],
                parent=item["parent"],
                custom=item["custom"],
                inputs=from_wire(item["object"]),
                wire_inputs=item["object"],
                outputs=None,
                wire_outputs=None,
                aliases=tuple(item["aliases"]),
                dependencies=(),
                property_dependencies={},
                delete_before_replace=False,
                protect=False,
                replace_on_changes=(),
                provider=item["provider"],
            )
            for item in items
        ]

    def warnings(self) -> list[str]:
        return [message for severity, message in self.logs if severity == engine_pb2.WARNING]


@dataclass
class RunningProvider:
    process: subprocess.Popen[bytes]
    stub: provider_pb2_grpc.ResourceProviderStub
    channel: grpc.Channel
    server: grpc.Server
    host: RecordingHost
    address: str
    stderr_path: Path

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def schema(self) -> str:
        reply = self.stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=30)
        return str(reply.schema)

    def construct(
        self,
        type_: str,
        name: str,
        inputs: dict[str, Any],
        parent: str = "",
        config: dict[str, str] | None = None,
        secret_keys: tuple[str, ...] = (),
        providers: dict[str, str] | None = None,
    ) -> Any:
        struct = struct_pb2.Struct()
        json_format.ParseDict(inputs, struct)
        request = provider_pb2.ConstructRequest(
            project=self.host.project,
            stack=self.host.stack,
            config=config or {},
            configSecretKeys=list(secret_keys),
            dryRun=False,
            parallel=4,
            monitorEndpoint=self.address,
            type=type_,
            name=name,
            parent=parent,
            inputs=struct,
            providers=providers or {},
        )
        return self.stub.Construct(request, timeout=120)

    def stop(self) -> None:
        self.channel.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.server.stop(grace=None)


def start_provider(host: RecordingHost, timeout: float = 60) -> RunningProvider:
    """Serve *host* on 127.0.0.1, start the component package and connect to it."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(host, server)
    engine_pb2_grpc.add_EngineServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    address = f"127.0.0.1:{port}"
    stderr_path = Path(tempfile.mkstemp(prefix="sendlanes-provider-", suffix=".log")[1])
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-u", str(PROVIDER_DIR), address],
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=PROVIDER_DIR,
        )
    assert process.stdout is not None
    line = _read_line(process, timeout)
    if not line.strip().isdigit():
        process.kill()
        server.stop(grace=None)
        raise RuntimeError(f"provider printed {line!r}:\n{stderr_path.read_text()[-4000:]}")
    channel = grpc.insecure_channel(f"127.0.0.1:{int(line)}")
    stub = provider_pb2_grpc.ResourceProviderStub(channel)
    return RunningProvider(process, stub, channel, server, host, address, stderr_path)


def _read_line(process: subprocess.Popen[bytes], timeout: float) -> str:
    result: list[bytes] = []
    reader = threading.Thread(
        target=lambda: result.append(process.stdout.readline() if process.stdout else b""),
        daemon=True,
    )
    reader.start()
    reader.join(timeout)
    return result[0].decode() if result else ""
