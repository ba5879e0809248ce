"""Run the Pulumi program (``__main__.py``) under Pulumi's mock runtime; get back what it did.

The program runs in a fresh interpreter, the way the Python language host runs it
(``run_in_stack(runpy.run_path(project_dir))``, working directory = where the stack file is),
against a recording mock resource monitor. Nothing is deployed and no engine is involved: the
Pulumi CLI is not installed here, so this is the closest we get.

API::

    from tests.support.pulumi_mocks import ProgramConfig, ProgramRequest, run_program

    config = ProgramConfig.from_stack_file(
        Path("Pulumi.prod.yaml"), passwords={"acme/receipts": "pw-receipts"}
    )                                     # or ProgramConfig.from_values(brands=[...], ...)
    run = run_program(ProgramRequest(config))          # one subprocess
    runs = run_programs([request_a, request_b])        # several, one subprocess, fresh runtime each

    run.error          # None, or what the language host would print (a pulumi.RunError's text;
                       # a traceback for any other exception, in run.traceback)
    run.resources      # tuple[RegisteredResource, ...] in registration order, Stack excluded
    run.custom()       # only provider resources (DnsRecords)
    run.of_type(tok)   # by type token (see components/tokens.py)
    run.outputs        # stack outputs {name: value}; secrets appear as Secret(value)
    run.wire_outputs   # the same as the engine receives them (secret signature objects)
    run.logs           # ((severity, message), ...) from pulumi.log, info and above
    run.warnings()     # just the warning messages
    run.by_urn(), run.children_of(resource), run.stack_urn
    ProgramRequest(config, stack="prod", project="sendlanes", work_dir=..., program_dir=...,
                   preview=False)   # work_dir: where Pulumi.<stack>.yaml is read

    RegisteredResource: type, name, urn (the engine's form: the parents' whole type chain,
      root Stack left out), parent (URN; the Stack's for top-level resources),
      custom, inputs (plain, Secret(...) where the engine sees a secret), wire_inputs (the
      RegisterResource ``object`` Struct as JSON, as the engine and analyzers receive it:
      ``google.protobuf.json_format.ParseDict(r.wire_inputs, Struct())`` rebuilds it),
      outputs / wire_outputs (what a component passed to register_outputs), aliases (alias
      specs as dicts: name, type, parentUrn, noParent, ...), dependencies,
      property_dependencies, delete_before_replace, protect, replace_on_changes, provider (the
      explicit provider reference, "" for the default provider).

    Secret(value) wraps secrets; reveal(x) unwraps recursively; contains_text(x, text) searches
    plain and secret parts alike; secret_free_text(x) is x as JSON with secrets left out.

Config: :class:`ProgramConfig` carries what the engine would pass (``{"ns:key": "json or
string"}`` plus the keys that hold secrets). ``from_stack_file`` replaces each ``secure:`` value
by the plaintext you give (``"pw-<brand/lane>"`` when not given), as the engine decrypts them.
Providers are mocked to answer with their inputs plus an id (``<name>-id``).

Cost: a run starts a Python interpreter and imports pulumi_cloudflare (about 3 s here);
``run_programs`` pays that once for several runs.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


# -- data handed back ------------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """A value the engine receives marked secret."""

    value: Any

    def __repr__(self) -> str:  # never print the value by accident
        return "Secret(…)"


def from_wire(value: Any) -> Any:
    """Wire JSON (with secret signature objects) → plain values with :class:`Secret`."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG_KEY) == SECRET_SIG:
            return Secret(from_wire(value.get("value")))
        return {k: from_wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_wire(v) for v in value]
    return value


def reveal(value: Any) -> Any:
    """*value* with every :class:`Secret` replaced by what it holds."""
    if isinstance(value, Secret):
        return reveal(value.value)
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [reveal(v) for v in value]
    return value


def secret_free_text(value: Any) -> str:
    """*value* as JSON with every secret part replaced by ``"[secret]"``."""

    def strip(item: Any) -> Any:
        if isinstance(item, Secret):
            return "[secret]"
        if isinstance(item, dict):
            return {k: strip(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [strip(v) for v in item]
        return item

    return json.dumps(strip(value), sort_keys=True, default=str)


def contains_text(value: Any, text: str) -> bool:
    """Whether *text* occurs anywhere in *value*, secret parts included."""
    return text in json.dumps(reveal(value), default=str)


@dataclass(frozen=True)
class RegisteredResource:
    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    wire_inputs: dict[str, Any]
    outputs: dict[str, Any] | None
    wire_outputs: dict[str, Any] | None
    aliases: tuple[dict[str, Any], ...]
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]]
    delete_before_replace: bool
    protect: bool
    replace_on_changes: tuple[str, ...]
    #: the explicit provider reference (``<provider urn>::<id>``), "" for the default one
    provider: str = ""

    def identity(self) -> tuple[str, str, str, str]:
        """(type, name, parent, inputs as canonical JSON): what a second run must repeat."""
        return (self.type, self.name, self.parent, json.dumps(self.wire_inputs, sort_keys=True))


@dataclass(frozen=True)
class ProgramRun:
    error: str | None
    traceback: str | None
    resources: tuple[RegisteredResource, ...]
    outputs: dict[str, Any]
    wire_outputs: dict[str, Any]
    logs: tuple[tuple[str, str], ...]
    stack_urn: str

    def custom(self) -> tuple[RegisteredResource, ...]:
        return tuple(r for r in self.resources if r.custom)

    def of_type(self, type_token: str) -> tuple[RegisteredResource, ...]:
        return tuple(r for r in self.resources if r.type == type_token)

    def by_urn(self) -> dict[str, RegisteredResource]:
        return {r.urn: r for r in self.resources}

    def children_of(self, parent: RegisteredResource) -> tuple[RegisteredResource, ...]:
        return tuple(r for r in self.resources if r.parent == parent.urn)

    def warnings(self) -> tuple[str, ...]:
        return tuple(message for severity, message in self.logs if severity == "warning")


# -- config the engine would pass ------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()  # the engine passes YAML dates as strings
    raise TypeError(f"cannot pass {type(value).__name__} as config")


def _config_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=_json_default)


@dataclass(frozen=True)
class ProgramConfig:
    values: dict[str, str] = field(default_factory=dict)
    secret_keys: tuple[str, ...] = ()

    @classmethod
    def from_values(
        cls,
        brands: Any = None,
        categories: Any = None,
        passwords: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> ProgramConfig:
        """Config from Python values; *passwords* becomes the secret ``sendlanes:smtpPasswords``."""
        values: dict[str, str] = {}
        secret_keys: list[str] = []
        if brands is not None:
            values["sendlanes:brands"] = _config_text(brands)
        if categories is not None:
            values["sendlanes:categories"] = _config_text(categories)
        if passwords is not None:
            values["sendlanes:smtpPasswords"] = _config_text(dict(passwords))
            secret_keys.append("sendlanes:smtpPasswords")
        for key, value in (extra or {}).items():
            values[key] = _config_text(value)
        return cls(values, tuple(secret_keys))

    @classmethod
    def from_stack_file(
        cls, path: Path, passwords: Mapping[str, str] | None = None
    ) -> ProgramConfig:
        """The config of a ``Pulumi.<stack>.yaml``, as the engine would pass it.

        ``secure:`` values under ``sendlanes:smtpPasswords`` are replaced by *passwords*
        (lane key → plaintext); a lane listed there but missing from *passwords* gets
        ``"pw-<lane key>"``.
        """
        from sendlanes.config.yamlpos import load_with_positions

        # Dates stay text, as the engine passes them (its YAML reader keeps a date-like
        # value a string unless a typed field asks for a time).
        document = load_with_positions(path.read_text(encoding="utf-8"))[0] or {}
        values: dict[str, str] = {}
        secret_keys: list[str] = []
        for key, value in (document.get("config") or {}).items():
            if key == "sendlanes:smtpPasswords" and isinstance(value, dict):
                plain = {
                    lane: (passwords or {}).get(lane, f"pw-{lane}")
                    if isinstance(secret, dict) and "secure" in secret
                    else secret
                    for lane, secret in value.items()
                }
                values[key] = _config_text(plain)
                secret_keys.append(key)
            else:
                values[key] = _config_text(value)
        return cls(values, tuple(secret_keys))


@dataclass(frozen=True)
class ProgramRequest:
    config: ProgramConfig
    stack: str = "prod"
    project: str = "sendlanes"
    #: where Pulumi.<stack>.yaml is looked up (the language host's working directory)
    work_dir: Path = PROJECT_ROOT
    #: the directory holding __main__.py and components/
    program_dir: Path = PROJECT_ROOT
    preview: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config.values,
            "secret_keys": list(self.config.secret_keys),
            "stack": self.stack,
            "project": self.project,
            "work_dir": str(self.work_dir),
            "program_dir": str(self.program_dir),
            "preview": self.preview,
        }


def run_program(request: ProgramRequest, timeout: float = 300) -> ProgramRun:
    """Run one program in a fresh interpreter."""
    return run_programs([request], timeout)[0]


def run_programs(requests: Sequence[ProgramRequest], timeout: float = 300) -> list[ProgramRun]:
    """Run several programs one after another in one interpreter (fresh runtime state each)."""
    with tempfile.TemporaryDirectory(prefix="sendlanes-mocks-") as scratch:
        request_file = Path(scratch, "request.json")
        result_file = Path(scratch, "result.json")
        request_file.write_text(json.dumps([r.to_json() for r in requests]), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        completed = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), str(request_file), str(result_file)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
        if completed.returncode != 0 or not result_file.exists():
            raise RuntimeError(
                f"mock runner failed (exit {completed.returncode}):\n{completed.stderr[-4000:]}"
            )
        results = json.loads(result_file.read_text(encoding="utf-8"))
    return [_program_run(result) for result in results]


def _program_run(result: dict[str, Any]) -> ProgramRun:
    outputs_by_urn: dict[str, dict[str, Any]] = result["outputs_by_urn"]
    resources = []
    for item in result["resources"]:
        wire_outputs = outputs_by_urn.get(item["urn"])
        resources.append(
            RegisteredResource(
                type=item["type"],
                name=item["name"],
                urn=item["urn"],
                parent=item["parent"],
                custom=item["custom"],
                inputs=from_wire(item["object"]),
                wire_inputs=item["object"],
                outputs=from_wire(wire_outputs) if wire_outputs is not None else None,
                wire_outputs=wire_outputs,
                aliases=tuple(item["aliases"]),
                dependencies=tuple(item["dependencies"]),
                property_dependencies={
                    k: tuple(v) for k, v in item["property_dependencies"].items()
                },
                delete_before_replace=item["delete_before_replace"],
                protect=item["protect"],
                replace_on_changes=tuple(item["replace_on_changes"]),
                provider=item["provider"],
            )
        )
    stack_outputs = outputs_by_urn.get(result["stack_urn"], {})
    return ProgramRun(
        error=result["error"],
        traceback=result["traceback"],
        resources=tuple(resources),
        outputs=from_wire(stack_outputs),
        wire_outputs=stack_outputs,
        logs=tuple((severity, message) for severity, message in result["logs"]),
        stack_urn=result["stack_urn"],
    )


# -- the runner (executed in the child interpreter) ------------------------------------------


def _child_main(request_path: str, result_path: str) -> None:
    import asyncio
    import logging
    import runpy
    import traceback as tb

    import pulumi
    import pulumi.runtime
    from google.protobuf import json_format
    from pulumi.runtime import mocks as pulumi_mocks
    from pulumi.runtime import settings as pulumi_settings
    from pulumi.runtime.settings import get_project, get_stack
    from pulumi.runtime.stack import run_in_stack

    class EchoMocks(pulumi.runtime.Mocks):
        """Providers answer with their inputs (as a real create would, plus an id)."""

        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
            return (f"{args.name}-id" if args.custom else "", dict(args.inputs))

        def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, None]:
            return {}, None

    class RecordingMonitor(pulumi_mocks.MockMonitor):
        def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
            super().__init__(mocks)
            self.registered: list[dict[str, Any]] = []
            self.outputs: dict[str, Any] = {}

        def make_urn(self, parent: str, type_: str, name: str) -> str:
            # The engine's rule (the stock mock keeps only the parent's last type): the
            # parent's whole type chain, except for the root Stack, which never appears.
            if parent:
                qualified = parent.split("::")[2]
                if qualified != "pulumi:pulumi:Stack":
                    type_ = f"{qualified}${type_}"
            return "urn:pulumi:" + "::".join([get_stack(), get_project(), type_, name])

        def RegisterResource(self, request: Any) -> Any:  # gRPC method name
            if request.type != "pulumi:pulumi:Stack":
                self.registered.append(
                    {
                        "type": request.type,
                        "name": request.name,
                        "urn": self.make_urn(request.parent, request.type, request.name),
                        "parent": request.parent,
                        "custom": bool(request.custom),
                        "object": json_format.MessageToDict(request.object),
                        "aliases": [json_format.MessageToDict(a) for a in request.aliases],
                        "dependencies": list(request.dependencies),
                        "property_dependencies": {
                            key: list(deps.urns)
                            for key, deps in request.propertyDependencies.items()
                        },
                        "delete_before_replace": bool(request.deleteBeforeReplace),
                        "protect": bool(request.protect),
                        "replace_on_changes": list(request.replaceOnChanges),
                        "provider": request.provider,
                    }
                )
            return super().RegisterResource(request)

        def RegisterResourceOutputs(self, request: Any) -> Any:
            self.outputs[request.urn] = json_format.MessageToDict(request.outputs)
            return super().RegisterResourceOutputs(request)

    class ListHandler(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.INFO)
            self.records: list[tuple[str, str]] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.records.append((record.levelname.lower(), record.getMessage()))

    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # as the language host does
    requests = json.loads(Path(request_path).read_text(encoding="utf-8"))
    results = []
    for request in requests:
        handler = ListHandler()
        logger = logging.getLogger(f"sendlanes.mocks.{len(results)}")
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        # A fresh loop per run, installed before set_mocks (which schedules on it).
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        pulumi_settings.reset_options()
        pulumi.runtime.set_all_config(request["config"], request["secret_keys"])
        monitor = RecordingMonitor(EchoMocks())
        pulumi.runtime.set_mocks(
            EchoMocks(),
            project=request["project"],
            stack=request["stack"],
            preview=request["preview"],
            logger=logger,
            monitor=monitor,
        )
        # Like the language host: the program runs inside run_in_stack, whose Stack registers
        # the stack outputs at the end (set_mocks' own Stack has already registered none).
        pulumi_settings.ROOT.set(None)
        stack_urn = monitor.make_urn(
            "", "pulumi:pulumi:Stack", f"{request['project']}-{request['stack']}"
        )
        os.chdir(request["work_dir"])
        error: str | None = None
        trace: str | None = None
        program_dir = request["program_dir"]
        try:
            loop.run_until_complete(
                run_in_stack(
                    lambda program_dir=program_dir: runpy.run_path(program_dir, run_name="__main__")
                )
            )
        except pulumi.RunError as exc:
            error = str(exc)
        except Exception as exc:  # reported to the test, as the language host does
            error = f"{type(exc).__name__}: {exc}"
            trace = tb.format_exc()
        finally:
            loop.close()
        results.append(
            {
                "error": error,
                "traceback": trace,
                "resources": monitor.registered,
                "outputs_by_urn": monitor.outputs,
                "logs": handler.records,
                "stack_urn": stack_urn,
            }
        )
    Path(result_path).write_text(json.dumps(results), encoding="utf-8")


if __name__ == "__main__":
    _child_main(sys.argv[1], sys.argv[2])
