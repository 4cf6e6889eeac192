"""deploy.sh and cleanup.sh through the real AWS CLI against moto's server on loopback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(script: str, *args: str, env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(ROOT / script), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture()
def env(moto_endpoint: str) -> dict[str, str]:
    e = dict(os.environ)
    e.update(PATH=f"{BIN}:{e['PATH']}", PYTHON=sys.executable, AWS_ENDPOINT_URL=moto_endpoint,
             AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1")
    e.pop("AWS_PROFILE", None)
    return e


def aws(env: dict[str, str], *args: str) -> Any:
    out = subprocess.run([str(BIN / "aws"), *args, "--output", "json"], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout) if out.stdout.strip() else None


@pytest.mark.moto
def test_deploy_then_redeploy_then_cleanup(env: dict[str, str]) -> None:
    # WHEN deploy.sh installs govhook
    first = run("deploy.sh", "--stack-name", "govhook-test", "--failure-mode", "WARN", "--allowed-runtimes", "python3.13,nodejs22.x", env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "govhook is installed" in first.stdout
    size = int(first.stdout.split("bytes")[0].rsplit(",", 1)[1].strip())
    assert size < 2 * 1024 * 1024
    bucket = "govhook-artifacts-123456789012-us-east-1"
    # THEN the bucket (encrypted, private, tagged), the package, the parameter, the roles and the function are as specified
    keys = [o["Key"] for o in aws(env, "s3api", "list-objects-v2", "--bucket", bucket)["Contents"]]
    assert len(keys) == 1 and keys[0].startswith("govhook/") and keys[0].endswith(".zip")
    assert aws(env, "s3api", "get-bucket-tagging", "--bucket", bucket)["TagSet"] == [{"Key": "created-by", "Value": "govhook"}]
    assert aws(env, "s3api", "get-public-access-block", "--bucket", bucket)["PublicAccessBlockConfiguration"]["BlockPublicPolicy"]
    assert aws(env, "s3api", "get-bucket-encryption", "--bucket", bucket)
    param = aws(env, "ssm", "get-parameter", "--name", "/govhook/allowed-runtimes")["Parameter"]
    assert (param["Type"], param["Value"]) == ("StringList", "python3.13,nodejs22.x")
    fn = aws(env, "lambda", "get-function-configuration", "--function-name", "govhook-test-hook")
    assert (fn["Runtime"], fn["Handler"]) == ("python3.13", "hook.handler.lambda_handler")
    assert (fn["MemorySize"], fn["Timeout"]) == (1024, 25)
    assert fn["Environment"]["Variables"]["GOVHOOK_POLICY"] == "policies/active.policy.yaml"
    roles = [r["RoleName"] for r in aws(env, "iam", "list-roles")["Roles"]]
    assert any("HookFunctionRole" in r for r in roles) and any("HookInvokerRole" in r for r in roles)
    deployed = aws(env, "cloudformation", "get-template", "--stack-name", "govhook-test")["TemplateBody"]
    assert "AWS::CloudFormation::LambdaHook" in json.dumps(deployed)  # moto skips the resource; it was submitted
    # moto's CloudFormation drops Architectures when it creates the function; the submitted template has it
    assert "Architectures: [arm64]" in str(deployed)
    # AND a second deploy with nothing changed succeeds
    second = run("deploy.sh", "--stack-name", "govhook-test", "--failure-mode", "WARN", "--allowed-runtimes", "python3.13,nodejs22.x", env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    # WHEN cleanup.sh runs, twice
    for _ in range(2):
        gone = run("cleanup.sh", "--stack-name", "govhook-test", env=env)
        assert gone.returncode == 0, gone.stdout + gone.stderr
    # THEN nothing govhook created remains
    assert bucket not in [b["Name"] for b in aws(env, "s3api", "list-buckets").get("Buckets", [])]
    stacks = aws(env, "cloudformation", "list-stacks")["StackSummaries"]
    assert all(s["StackStatus"] == "DELETE_COMPLETE" for s in stacks if s["StackName"] == "govhook-test")
    assert not (ROOT / "build").exists()


@pytest.mark.moto
def test_dry_run_changes_nothing(env: dict[str, str]) -> None:
    proc = run("deploy.sh", "--dry-run", env=env)
    assert proc.returncode == 0 and "dry run: nothing was changed" in proc.stdout
    assert aws(env, "s3api", "list-buckets").get("Buckets", []) == []


def test_bad_arguments_fail_fast(tmp_path: Path) -> None:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    proc = run("deploy.sh", "--failure-mode", "SOMETIMES", env=env)
    assert proc.returncode == 1 and "--failure-mode must be FAIL or WARN" in proc.stderr
    proc = run("deploy.sh", "--nope", env=env)
    assert proc.returncode == 1 and "unknown argument: --nope" in proc.stderr
    assert run("cleanup.sh", "--help", env=env).returncode == 0


def test_missing_tool_fails_fast(tmp_path: Path) -> None:
    # PATH without the AWS CLI (only bash's own tools)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("dirname", "env"):
        found = shutil.which(tool)
        if found:
            (bindir / tool).symlink_to(found)
    env = dict(os.environ, PATH=str(bindir))
    proc = subprocess.run(["/bin/bash", str(ROOT / "deploy.sh")], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and "'aws' is not installed or not on PATH" in proc.stderr


def test_invalid_policy_fails_before_touching_the_account(tmp_path: Path) -> None:
    bad = tmp_path / "bad.policy.yaml"
    bad.write_text("version: 1\nrules:\n  lambda.nope: {}\n")
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}", AWS_ENDPOINT_URL="http://127.0.0.1:9")
    proc = run("deploy.sh", "--policy", str(bad), env=env)
    assert proc.returncode == 1 and f"the policy {bad} is invalid" in proc.stderr
    assert "unknown rule 'lambda.nope'" in proc.stderr
    assert "checking credentials" not in proc.stdout


def test_every_script_is_shellcheck_clean() -> None:
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "install shellcheck (apt-get install shellcheck); .ci/run does"
    scripts = [str(p) for p in ROOT.rglob("*.sh") if ".venv" not in p.parts and "build" not in p.parts] + [str(ROOT / ".ci" / "run")]
    proc = subprocess.run([shellcheck, *scripts], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout
