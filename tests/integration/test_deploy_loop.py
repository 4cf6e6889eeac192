"""deploy.sh and cleanup.sh: the S3 buckets' expected owner, and the management account StackSets skip.

The real AWS CLI against moto's server on loopback, with a recording ``aws`` first on PATH that
logs each call and runs the real CLI. moto does not enforce ``x-amz-expected-bucket-owner`` (S3
answers 403 when the owner differs), so what is checked is that every S3 call sends it.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import aws  # the real CLI, in this process (the scripts run it as processes)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ACCOUNT = "123456789012"  # moto's default account: the organization's management account here

# Every scenario runs deploy.sh/cleanup.sh, dozens of AWS CLI processes each.
pytestmark = pytest.mark.slow


def run(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(ROOT / script), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900, check=False)


@pytest.fixture()
def env(moto_endpoint: str, tmp_path: Path) -> dict[str, str]:
    # A recording aws first on PATH: every call the scripts make is logged, then run for real.
    shim = tmp_path / "shim"
    shim.mkdir()
    log = tmp_path / "aws-calls.log"
    (shim / "aws").write_text(f'#!/bin/bash\nprintf "%q " "$@" >> {shlex.quote(str(log))}\n'
                              f'echo >> {shlex.quote(str(log))}\nexec {shlex.quote(str(BIN / "aws"))} "$@"\n')
    (shim / "aws").chmod(0o755)
    e = dict(os.environ)
    e.update(PATH=f"{shim}:{BIN}:{e['PATH']}", PYTHON=sys.executable, AWS_ENDPOINT_URL=moto_endpoint,
             AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1", AWS_CALL_LOG=str(log),
             GOVHOOK_BUILD_DIR=str(tmp_path / "build"))
    e.pop("AWS_PROFILE", None)
    return e


def calls(env: dict[str, str]) -> list[list[str]]:
    path = Path(env["AWS_CALL_LOG"])
    return [shlex.split(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def would_run(stdout: str) -> list[list[str]]:
    return [shlex.split(ln.strip().removeprefix("would run: ")) for ln in stdout.splitlines()
            if ln.strip().startswith("would run:")]


def s3_calls(commands: list[list[str]]) -> list[list[str]]:
    return [c for c in commands if "s3" in c or "s3api" in c]


def owner_of(command: list[str]) -> str | None:
    return command[command.index("--expected-bucket-owner") + 1] if "--expected-bucket-owner" in command else None


def organization(env: dict[str, str]) -> str:
    """An organization in moto (this account manages it) with one OU holding one member: the OU id."""
    aws(env, "organizations", "create-organization", "--feature-set", "ALL")
    root = aws(env, "organizations", "list-roots")["Roots"][0]["Id"]
    ou = aws(env, "organizations", "create-organizational-unit", "--parent-id", root, "--name", "workloads")[
        "OrganizationalUnit"]["Id"]
    member = aws(env, "organizations", "create-account", "--email", "m@example.com", "--account-name", "m")[
        "CreateAccountStatus"]["AccountId"]
    aws(env, "organizations", "move-account", "--account-id", member, "--source-parent-id", root,
        "--destination-parent-id", ou)
    return str(ou)


@pytest.mark.moto
def test_org_rollout_names_the_management_account_and_can_include_it(env: dict[str, str]) -> None:
    # GIVEN an organization managed by this account
    ou = organization(env)
    # WHEN deploy.sh plans a rollout to an OU
    plain = run("deploy.sh", "--dry-run", "--org-units", ou, "--regions", "us-east-1", "eu-west-1", env=env)
    assert plain.returncode == 0, plain.stdout + plain.stderr
    # THEN the plan says the management account is not governed by it, and how to govern it
    assert (f"management acct:  {ACCOUNT} (this account): NOT GOVERNED: a service-managed StackSet never "
            "deploys to the management account; add --include-management-account") in plain.stdout
    assert not [c for c in would_run(plain.stdout) if "deploy" in c and "cloudformation" in c]
    # WHEN the management account is included
    proc = run("deploy.sh", "--dry-run", "--org-units", ou, "--regions", "us-east-1", "eu-west-1",
               "--include-management-account", "--failure-mode", "WARN", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (f"management acct:  {ACCOUNT} (this account): never a StackSet target; the plain stack govhook is "
            "deployed here in us-east-1 eu-west-1 (--include-management-account)") in proc.stdout
    would = would_run(proc.stdout)
    key = next(c for c in would if "put-object" in c and "--key" in c)
    key = key[key.index("--key") + 1]
    # THEN after the StackSet's calls, the plain stack is deployed in each region, reading the
    # package from that region's bucket and the bundled policy, exactly so
    deploys = [c for c in would if c[3:5] == ["cloudformation", "deploy"]]
    assert deploys == [
        ["aws", "--region", region, "cloudformation", "deploy", "--template-file", "template.yml",
         "--stack-name", "govhook", "--capabilities", "CAPABILITY_IAM", "--no-fail-on-empty-changeset",
         "--tags", "created-by=govhook", "--parameter-overrides", f"CodeBucket=govhook-artifacts-{ACCOUNT}",
         f"CodeKey={key}", "CodeBucketRegionSuffix=true", "FailureMode=WARN",
         "PolicyLocation=policies/active.policy.json", "PolicyParameterName=", "PolicyS3Object="]
        for region in ("us-east-1", "eu-west-1")]
    assert would.index(deploys[0]) > max(i for i, c in enumerate(would) if "create-stack-instances" in c)
    # AND every S3 call, the ones run (head-bucket) and the ones planned, names this account as the
    # bucket's owner, except create-bucket (which fails when the name is taken) and no high-level
    # `aws s3` command (it cannot send the owner)
    for command in s3_calls(calls(env)) + s3_calls(would):
        assert "s3" not in command, command
        if "create-bucket" not in command:
            assert owner_of(command) == ACCOUNT, command
    assert {c[c.index("s3api") + 1] for c in s3_calls(would)} >= {
        "create-bucket", "put-bucket-encryption", "put-public-access-block", "put-bucket-tagging",
        "put-bucket-policy", "put-object"}
    # AND nothing was created
    assert aws(env, "cloudformation", "list-stacks")["StackSummaries"] == []
    assert aws(env, "s3api", "list-buckets").get("Buckets", []) == []


@pytest.mark.moto
def test_include_management_account_is_refused_where_it_cannot_apply(env: dict[str, str]) -> None:
    proc = run("deploy.sh", "--include-management-account", env=env)
    assert proc.returncode == 1 and "applies to a StackSet rollout" in proc.stderr
    proc = run("deploy.sh", "--org-units", "ou-abcd-12345678", "--regions", "us-east-1", "--delegated-admin",
               "--include-management-account", env=env)
    assert proc.returncode == 1 and "run it there, not as a delegated administrator" in proc.stderr
    proc = run("cleanup.sh", "--include-management-account", env=env)
    assert proc.returncode == 1 and "applies with --org-units" in proc.stderr


@pytest.mark.moto
def test_cleanup_removes_the_management_stack_and_names_every_bucket_owner(env: dict[str, str]) -> None:
    # GIVEN what deploy.sh --org-units ... --include-management-account leaves in the management
    # account: the plain stack in one region, and govhook's artifact bucket with a package
    ou = organization(env)
    aws(env, "cloudformation", "create-stack", "--stack-name", "govhook", "--template-body",
        "Resources:\n  P: {Type: AWS::SSM::Parameter, Properties: {Name: /t/p, Type: String, Value: x}}\n")
    bucket = f"govhook-artifacts-{ACCOUNT}-us-east-1"
    aws(env, "s3api", "create-bucket", "--bucket", bucket)
    aws(env, "s3api", "put-bucket-tagging", "--bucket", bucket, "--tagging", "TagSet=[{Key=created-by,Value=govhook}]")
    aws(env, "s3api", "put-object", "--bucket", bucket, "--key", "govhook/abc.zip", "--body", str(ROOT / "template.yml"))
    # WHEN cleanup.sh --dry-run runs with the option
    dry = run("cleanup.sh", "--dry-run", "--org-units", ou, "--regions", "us-east-1", "eu-west-1",
              "--include-management-account", env=env)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    # THEN it would delete the plain stack where it is, and says where it is not
    would = would_run(dry.stdout)
    assert ["aws", "--region", "us-east-1", "cloudformation", "delete-stack", "--stack-name", "govhook"] in would
    assert f"the management account {ACCOUNT}: stack govhook in eu-west-1: not there" in dry.stdout
    assert ["aws", "--region", "us-east-1", "s3api", "delete-objects", "--bucket", bucket, "--expected-bucket-owner", ACCOUNT,
            "--delete", '{"Objects":[{"Key":"govhook/abc.zip"}],"Quiet":true}', "--query", "Errors[].[Key,Code]",
            "--output", "text"] in would
    # WHEN it runs for real
    gone = run("cleanup.sh", "--org-units", ou, "--regions", "us-east-1", "--include-management-account", env=env)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    # THEN the stack and the bucket are gone
    assert [s["StackStatus"] for s in aws(env, "cloudformation", "list-stacks")["StackSummaries"]] == ["DELETE_COMPLETE"]
    assert aws(env, "s3api", "list-buckets").get("Buckets", []) == []
    # AND every S3 call it made named this account as the bucket's owner
    made = s3_calls(calls(env))
    assert {c[c.index("s3api") + 1] for c in made} >= {"get-bucket-tagging", "list-objects-v2", "delete-objects",
                                                      "delete-bucket"}
    for command in made:
        assert "s3" not in command and owner_of(command) == ACCOUNT, command


@pytest.mark.moto
def test_cleanup_empties_a_bucket_of_any_size_in_batches(env: dict[str, str]) -> None:
    # GIVEN govhook's artifact bucket holding 1,005 objects, one with a quote and a backslash in its key
    import boto3

    s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1")
    bucket = f"govhook-artifacts-{ACCOUNT}-us-east-1"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "created-by", "Value": "govhook"}]})
    keys = [f"govhook/{i:04d}.zip" for i in range(1004)] + ['payloads/a "quoted" \\ key.json']
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    # WHEN cleanup.sh runs
    gone = run("cleanup.sh", env=env)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    # THEN the bucket is gone, emptied by two DeleteObjects calls (S3 takes at most 1,000 keys a call)
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    deletes = [c for c in calls(env) if "delete-objects" in c]
    assert len(deletes) == 2
    assert [len(json.loads(c[c.index("--delete") + 1])["Objects"]) for c in deletes] == [1000, 5]
