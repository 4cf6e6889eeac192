"""deploy.sh and cleanup.sh through the real AWS CLI against moto's server on loopback."""

from __future__ import annotations

import ast
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


def role_policy(env: dict[str, str], marker: str) -> dict[str, Any]:
    """The inline policy of the stack's role whose name contains ``marker`` (moto returns a Python repr)."""
    name = next(r["RoleName"] for r in aws(env, "iam", "list-roles")["Roles"] if marker in r["RoleName"])
    doc = aws(env, "iam", "get-role-policy", "--role-name", name, "--policy-name", "govhook-least-privilege")["PolicyDocument"]
    doc = doc if isinstance(doc, dict) else ast.literal_eval(doc)
    # moto keeps an AWS::NoValue list item as null where CloudFormation drops it
    return {**doc, "Statement": [s for s in doc["Statement"] if s is not None]}


def parameter_names(env: dict[str, str]) -> set[str]:
    return {p["Name"] for p in aws(env, "ssm", "describe-parameters")["Parameters"]}


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
    # AND the policy is published to SSM, Advanced tier (the default policy is over 4 KB), tagged, as the file says
    published = aws(env, "ssm", "get-parameter", "--name", "/govhook/policy")["Parameter"]
    assert published["Value"] == (ROOT / "policies" / "default.policy.yaml").read_text()
    assert len(published["Value"].encode()) > 4096
    tiers = {p["Name"]: p["Tier"] for p in aws(env, "ssm", "describe-parameters")["Parameters"]}
    assert tiers["/govhook/policy"] == "Advanced"
    tags = aws(env, "ssm", "list-tags-for-resource", "--resource-type", "Parameter", "--resource-id", "/govhook/policy")["TagList"]
    assert {"Key": "created-by", "Value": "govhook"} in tags
    fn = aws(env, "lambda", "get-function-configuration", "--function-name", "govhook-test-hook")
    assert (fn["Runtime"], fn["Handler"]) == ("python3.13", "hook.handler.lambda_handler")
    assert (fn["MemorySize"], fn["Timeout"]) == (1024, 25)
    assert fn["Environment"]["Variables"]["GOVHOOK_POLICY"] == "ssm:/govhook/policy"
    roles = [r["RoleName"] for r in aws(env, "iam", "list-roles")["Roles"]]
    assert any("HookFunctionRole" in r for r in roles) and any("HookInvokerRole" in r for r in roles)
    # AND the function may read exactly that parameter
    reads = [s["Resource"] for s in role_policy(env, "HookFunctionRole")["Statement"] if s["Action"] == "ssm:GetParameter"]
    assert sorted(reads) == ["arn:aws:ssm:us-east-1:123456789012:parameter/govhook/allowed-runtimes",
                             "arn:aws:ssm:us-east-1:123456789012:parameter/govhook/policy"]
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
    assert parameter_names(env) == set()
    assert not (ROOT / "build").exists()


@pytest.mark.moto
def test_policy_parameter_without_a_leading_slash_and_a_small_policy(env: dict[str, str], tmp_path: Path) -> None:
    # GIVEN a policy under 4 KB and a parameter name without a leading slash
    small = tmp_path / "small.policy.yaml"
    small.write_text("version: 1\nrules:\n  lambda.runtime-allowed:\n    params: {allowed: [python3.13, nodejs22.x]}\n")
    # WHEN deploy.sh publishes it there
    proc = run("deploy.sh", "--stack-name", "govhook-flat", "--policy", str(small), "--policy-parameter", "govhook-flat-policy", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # THEN it is a Standard parameter, the function reads it, and the role's ARN has exactly one slash before the name
    assert {p["Name"]: p["Tier"] for p in aws(env, "ssm", "describe-parameters")["Parameters"]}["govhook-flat-policy"] == "Standard"
    assert aws(env, "ssm", "get-parameter", "--name", "govhook-flat-policy")["Parameter"]["Value"] == small.read_text()
    fn = aws(env, "lambda", "get-function-configuration", "--function-name", "govhook-flat-hook")
    assert fn["Environment"]["Variables"]["GOVHOOK_POLICY"] == "ssm:govhook-flat-policy"
    reads = [s["Resource"] for s in role_policy(env, "HookFunctionRole")["Statement"] if s["Action"] == "ssm:GetParameter"]
    assert "arn:aws:ssm:us-east-1:123456789012:parameter/govhook-flat-policy" in reads
    # WHEN cleanup.sh runs, it deletes the parameter the stack was deployed with
    gone = run("cleanup.sh", "--stack-name", "govhook-flat", env=env)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "deleting the policy parameter govhook-flat-policy" in gone.stdout
    assert parameter_names(env) == set()


@pytest.mark.moto
def test_bundled_policy_publishes_nothing_and_needs_no_ssm_grant(env: dict[str, str]) -> None:
    proc = run("deploy.sh", "--stack-name", "govhook-bundled", "--bundled-policy", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert parameter_names(env) == {"/govhook/allowed-runtimes"}
    fn = aws(env, "lambda", "get-function-configuration", "--function-name", "govhook-bundled-hook")
    assert fn["Environment"]["Variables"]["GOVHOOK_POLICY"] == "policies/active.policy.yaml"
    reads = [s["Resource"] for s in role_policy(env, "HookFunctionRole")["Statement"] if s["Action"] == "ssm:GetParameter"]
    assert reads == ["arn:aws:ssm:us-east-1:123456789012:parameter/govhook/allowed-runtimes"]
    assert run("cleanup.sh", "--stack-name", "govhook-bundled", env=env).returncode == 0


@pytest.mark.moto
def test_a_parameter_govhook_did_not_publish_is_never_overwritten(env: dict[str, str]) -> None:
    # GIVEN someone else's parameter under the policy name
    aws(env, "ssm", "put-parameter", "--name", "/govhook/policy", "--type", "String", "--value", "theirs")
    # WHEN deploy.sh would publish there
    proc = run("deploy.sh", "--stack-name", "govhook-theirs", env=env)
    # THEN it stops before changing anything, says why, and leaves the value alone
    assert proc.returncode == 1 and "was not published by govhook" in proc.stderr
    assert aws(env, "ssm", "get-parameter", "--name", "/govhook/policy")["Parameter"]["Value"] == "theirs"
    assert aws(env, "s3api", "list-buckets").get("Buckets", []) == []
    assert aws(env, "cloudformation", "list-stacks")["StackSummaries"] == []
    # AND cleanup.sh leaves it alone too
    gone = run("cleanup.sh", "--stack-name", "govhook-theirs", env=env)
    assert gone.returncode == 0 and "was not published by govhook: left alone" in gone.stdout
    assert aws(env, "ssm", "get-parameter", "--name", "/govhook/policy")["Parameter"]["Value"] == "theirs"


@pytest.mark.moto
def test_dry_run_prints_the_plan_and_changes_nothing(env: dict[str, str]) -> None:
    # WHEN deploy.sh --dry-run runs against an empty account
    proc = run("deploy.sh", "--dry-run", "--stack-name", "govhook-dry", "--failure-mode", "WARN",
               "--allowed-runtimes", "python3.13,nodejs22.x", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    # THEN the plan names the stack, region, bucket, package key, policy parameter and failure mode
    assert "(dry run: nothing is changed)" in out
    assert "account/region:   123456789012 / us-east-1" in out
    assert "stack:            govhook-dry from template.yml (created)" in out
    assert "artifact bucket:  s3://govhook-artifacts-123456789012-us-east-1 (created:" in out
    key = out.split("package key:      s3://govhook-artifacts-123456789012-us-east-1/", 1)[1].split()[0]
    assert key.startswith("govhook/") and key.endswith(".zip") and len(key) == len("govhook/.zip") + 64
    assert "policy:           ssm:/govhook/policy (Advanced tier" in out
    assert "failure mode:     WARN" in out
    # AND the exact calls that would change the account
    would = [ln.strip() for ln in out.splitlines() if ln.strip().startswith("would run:")]
    assert any("s3api create-bucket --bucket govhook-artifacts-123456789012-us-east-1" in w for w in would)
    assert any("ssm put-parameter --name /govhook/policy --type String --tier Advanced" in w for w in would)
    assert any("cloudformation deploy --template-file template.yml --stack-name govhook-dry" in w
               and "FailureMode=WARN" in w and "PolicyParameterName=/govhook/policy" in w
               and "AllowedRuntimes=python3.13\\,nodejs22.x" in w for w in would), would
    # AND nothing exists: no bucket, no parameter, no stack, no build directory
    assert aws(env, "s3api", "list-buckets").get("Buckets", []) == []
    assert parameter_names(env) == set()
    assert aws(env, "cloudformation", "list-stacks")["StackSummaries"] == []
    assert not (ROOT / "build").exists()


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
