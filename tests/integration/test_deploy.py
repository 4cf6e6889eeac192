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

from tests.helpers import BIN, ROOT, aws, aws_text, script_env
from tests.helpers import run_script as run

# Every scenario runs deploy.sh/cleanup.sh, dozens of AWS CLI processes each.
pytestmark = pytest.mark.slow


@pytest.fixture()
def env(moto_endpoint: str) -> dict[str, str]:
    return script_env(moto_endpoint)


def as_json(policy: Path) -> str:
    """What deploy.sh publishes for a policy file: the validated policy as compact JSON."""
    from hook.core.policy import policy_json

    return policy_json(str(policy))


def big_policy(tmp_path: Path) -> Path:
    """The default policy with enough exemptions to pass SSM's 4 KB Standard tier as JSON."""
    text = (ROOT / "policies" / "default.policy.yaml").read_text().split("\nexemptions: []", 1)[0]
    text += "\nexemptions:\n" + "".join(
        f"  - {{id: EX-{i:04d}, rules: [lambda.runtime-allowed], stacks: [legacy-{i}-*], expires: 2099-01-01,\n"
        f"     reason: 'vendor SDK pinned to an old runtime; replacement tracked in PLAT-{i}, reviewed monthly by the platform team'}}\n"
        for i in range(15))
    path = tmp_path / "big.policy.yaml"
    path.write_text(text)
    assert 4096 < len(as_json(path).encode()) <= 8192
    return path


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
def test_deploy_then_redeploy_then_cleanup(env: dict[str, str], tmp_path: Path) -> None:
    env = {**env, "XDG_CACHE_HOME": str(tmp_path / "cache")}  # no dependencies cached yet
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
    # AND the validated policy is published to SSM as compact JSON, the same data as the file, and
    # at half the bytes it fits the Standard tier
    published = aws(env, "ssm", "get-parameter", "--name", "/govhook/policy")["Parameter"]
    assert published["Value"] == as_json(ROOT / "policies" / "default.policy.yaml")
    assert json.loads(published["Value"])["rules"]["lambda.runtime-allowed"]["params"]["allowed"]["ssm"] == "/govhook/allowed-runtimes"
    assert len(published["Value"].encode()) <= 4096 < len((ROOT / "policies" / "default.policy.yaml").read_bytes())
    tiers = {p["Name"]: p["Tier"] for p in aws(env, "ssm", "describe-parameters")["Parameters"]}
    assert tiers["/govhook/policy"] == "Standard"
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
    # AND the uploaded package, run as Lambda runs it with the function's environment, reads the
    # published policy and the allowed runtimes from SSM and answers the hook's verdict
    run_uploaded_package(env, bucket, keys[0], fn["Environment"]["Variables"], tmp_path)
    # AND a second deploy with nothing changed succeeds
    second = run("deploy.sh", "--stack-name", "govhook-test", "--failure-mode", "WARN", "--allowed-runtimes", "python3.13,nodejs22.x", env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    # AND it built the same package (pinned dependencies, copied from the cache this time, not pip's)
    assert "dependencies: from " in second.stdout and "dependencies: from " not in first.stdout
    # AND cfn-lint passed this template.yml the first time: the second run does not lint it again
    assert "not linted again" in second.stdout and "not linted again" not in first.stdout
    lint_markers = list((Path(env["XDG_CACHE_HOME"]) / "govhook" / "cfn-lint").iterdir())
    assert len(lint_markers) == 1 and lint_markers[0].name.startswith("1.")
    again = [o["Key"] for o in aws(env, "s3api", "list-objects-v2", "--bucket", bucket)["Contents"]
             if not o["Key"].startswith("payloads/")]
    assert again == keys, (again, keys)
    # WHEN cleanup.sh runs, twice
    for _ in range(2):
        gone = run("cleanup.sh", "--stack-name", "govhook-test", env=env)
        assert gone.returncode == 0, gone.stdout + gone.stderr
    # THEN nothing govhook created remains
    assert bucket not in [b["Name"] for b in aws(env, "s3api", "list-buckets").get("Buckets", [])]
    stacks = aws(env, "cloudformation", "list-stacks")["StackSummaries"]
    assert all(s["StackStatus"] == "DELETE_COMPLETE" for s in stacks if s["StackName"] == "govhook-test")
    assert parameter_names(env) == set()
    assert not Path(env["GOVHOOK_BUILD_DIR"]).exists()


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
    assert aws(env, "ssm", "get-parameter", "--name", "govhook-flat-policy")["Parameter"]["Value"] == as_json(small)
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
def test_bundled_policy_publishes_nothing_and_needs_no_ssm_grant(moto_endpoint: str) -> None:
    # (the one test of deploy.sh's default build directory, build/ in the checkout)
    env = script_env(moto_endpoint, GOVHOOK_BUILD_DIR="")
    proc = run("deploy.sh", "--stack-name", "govhook-bundled", "--bundled-policy", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (ROOT / "build" / "govhook.zip").is_file()
    assert parameter_names(env) == {"/govhook/allowed-runtimes"}
    fn = aws(env, "lambda", "get-function-configuration", "--function-name", "govhook-bundled-hook")
    assert fn["Environment"]["Variables"]["GOVHOOK_POLICY"] == "policies/active.policy.json"
    reads = [s["Resource"] for s in role_policy(env, "HookFunctionRole")["Statement"] if s["Action"] == "ssm:GetParameter"]
    assert reads == ["arn:aws:ssm:us-east-1:123456789012:parameter/govhook/allowed-runtimes"]
    assert run("cleanup.sh", "--stack-name", "govhook-bundled", env=env).returncode == 0
    assert not (ROOT / "build").exists()


@pytest.mark.moto
def test_a_central_policy_object_in_s3(env: dict[str, str]) -> None:
    # GIVEN no policy bucket yet: deploy.sh stops before changing anything
    missing = run("deploy.sh", "--stack-name", "govhook-s3", "--policy-s3", "s3://org-policies/govhook/policy.yaml", env=env)
    assert missing.returncode == 1 and "bucket org-policies is not there" in missing.stderr
    assert aws(env, "s3api", "list-buckets").get("Buckets", []) == []
    # GIVEN the organization's policy bucket (not govhook's)
    aws(env, "s3api", "create-bucket", "--bucket", "org-policies")
    # WHEN deploy.sh uploads the policy there
    proc = run("deploy.sh", "--stack-name", "govhook-s3", "--policy-s3", "s3://org-policies/govhook/policy.yaml", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # THEN the object is the policy, no SSM policy is published, and the function reads that object only
    body = aws_text(env, "s3", "cp", "s3://org-policies/govhook/policy.yaml", "-")
    assert body == as_json(ROOT / "policies" / "default.policy.yaml")
    assert parameter_names(env) == {"/govhook/allowed-runtimes"}
    fn = aws(env, "lambda", "get-function-configuration", "--function-name", "govhook-s3-hook")
    assert fn["Environment"]["Variables"]["GOVHOOK_POLICY"] == "s3://org-policies/govhook/policy.yaml"
    gets = [s["Resource"] for s in role_policy(env, "HookFunctionRole")["Statement"] if s["Action"] == "s3:GetObject"]
    assert gets == ["arn:aws:s3:::org-policies/govhook/policy.yaml"]
    # WHEN cleanup.sh runs THEN the stack goes and the bucket it did not create stays, with the object
    gone = run("cleanup.sh", "--stack-name", "govhook-s3", env=env)
    assert gone.returncode == 0 and "s3://org-policies/govhook/policy.yaml is in your bucket: left alone" in gone.stdout
    assert [b["Name"] for b in aws(env, "s3api", "list-buckets")["Buckets"]] == ["org-policies"]


def test_policy_s3_must_name_an_object() -> None:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    proc = run("deploy.sh", "--policy-s3", "org-policies", env=env)
    assert proc.returncode == 1 and "--policy-s3 must be s3://bucket/key" in proc.stderr


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
def test_dry_run_prints_the_plan_and_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    # WHEN deploy.sh --dry-run runs against an empty account, with a policy over SSM's 4 KB Standard tier
    proc = run("deploy.sh", "--dry-run", "--stack-name", "govhook-dry", "--failure-mode", "WARN",
               "--allowed-runtimes", "python3.13,nodejs22.x", "--policy", str(big_policy(tmp_path)), env=env)
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
    # (the build directory the test names; build/ of the checkout is another test's, which may be
    # running beside this one)
    assert not Path(env["GOVHOOK_BUILD_DIR"]).exists()


def test_bad_arguments_fail_fast(tmp_path: Path) -> None:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    proc = run("deploy.sh", "--failure-mode", "SOMETIMES", env=env)
    assert proc.returncode == 1 and "--failure-mode must be FAIL or WARN" in proc.stderr
    proc = run("deploy.sh", "--nope", env=env)
    assert proc.returncode == 1 and "unknown argument: --nope" in proc.stderr
    assert run("cleanup.sh", "--help", env=env).returncode == 0
    helped = run("deploy.sh", "--help", env=env)
    assert helped.returncode == 0 and "--org-units OU..." in helped.stdout and "--dry-run" in helped.stdout


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
    # The scripts we ship: tracked by git (not what a test installed under .pytest_cache or node_modules)
    listed = subprocess.run(["git", "ls-files", "*.sh"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    scripts = [str(ROOT / name) for name in listed.split()] + [str(ROOT / ".ci" / "run")]
    assert any(s.endswith("deploy.sh") for s in scripts) and any(s.endswith("cleanup.sh") for s in scripts)
    proc = subprocess.run([shellcheck, *scripts], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout


def organization(env: dict[str, str]) -> tuple[str, str]:
    """An organization in moto with one OU holding one member account: (ou id, account id)."""
    aws(env, "organizations", "create-organization", "--feature-set", "ALL")
    root = aws(env, "organizations", "list-roots")["Roots"][0]["Id"]
    ou = aws(env, "organizations", "create-organizational-unit", "--parent-id", root, "--name", "workloads")["OrganizationalUnit"]["Id"]
    account = aws(env, "organizations", "create-account", "--email", "member@example.com", "--account-name", "member")[
        "CreateAccountStatus"]["AccountId"]
    aws(env, "organizations", "move-account", "--account-id", account, "--source-parent-id", root, "--destination-parent-id", ou)
    return ou, account


def as_member(env: dict[str, str], account: str) -> dict[str, str]:
    creds = aws(env, "sts", "assume-role", "--role-arn", f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                "--role-session-name", "govhook-test")["Credentials"]
    return env | {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                  "AWS_SESSION_TOKEN": creds["SessionToken"]}


@pytest.mark.moto
def test_stackset_rollout_to_org_units_then_cleanup(env: dict[str, str]) -> None:
    # GIVEN an organization with an OU holding a member account
    env = env | {"GOVHOOK_POLL_SECONDS": "1"}
    ou, member = organization(env)
    org_id = aws(env, "organizations", "describe-organization")["Organization"]["Id"]
    regions = ["us-east-1", "eu-west-1"]
    # WHEN deploy.sh rolls govhook out to that OU in two regions
    proc = run("deploy.sh", "--org-units", ou, "--regions", *regions, "--failure-mode", "WARN", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "govhook is rolled out: StackSet govhook" in proc.stdout and "SUCCEEDED" in proc.stdout
    # THEN a service-managed StackSet exists with the template and the per-region bucket parameters
    stack_set = aws(env, "cloudformation", "describe-stack-set", "--stack-set-name", "govhook")["StackSet"]
    assert stack_set["PermissionModel"] == "SERVICE_MANAGED"
    assert "AWS::CloudFormation::LambdaHook" in stack_set["TemplateBody"]
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack_set["Parameters"]}
    assert params["CodeBucket"] == "govhook-artifacts-123456789012" and params["CodeBucketRegionSuffix"] == "true"
    assert params["FailureMode"] == "WARN" and params["PolicyParameterName"] == ""
    # AND one instance per region in the member account
    instances = aws(env, "cloudformation", "list-stack-instances", "--stack-set-name", "govhook")["Summaries"]
    assert sorted((i["Account"], i["Region"]) for i in instances) == sorted((member, r) for r in regions)
    # AND one bucket per region holds the package, readable by the organization only
    for region in regions:
        bucket = f"govhook-artifacts-123456789012-{region}"
        keys = [o["Key"] for o in aws(env, "s3api", "list-objects-v2", "--bucket", bucket)["Contents"]]
        assert keys == [params["CodeKey"]]
        (statement,) = json.loads(aws(env, "s3api", "get-bucket-policy", "--bucket", bucket)["Policy"])["Statement"]
        assert statement["Action"] == "s3:GetObject" and statement["Resource"] == f"arn:aws:s3:::{bucket}/govhook/*"
        assert statement["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": org_id}}
        assert aws(env, "s3api", "get-public-access-block", "--bucket", bucket)["PublicAccessBlockConfiguration"]["BlockPublicPolicy"]
    # AND the member account has the function, reading the bundled policy, in each region
    member_env = as_member(env, member)
    for region in regions:
        fns = aws(member_env, "lambda", "list-functions", "--region", region)["Functions"]
        (fn,) = [f for f in fns if f["FunctionName"].endswith("-hook")]
        assert fn["Runtime"] == "python3.13"
        assert fn["Environment"]["Variables"]["GOVHOOK_POLICY"] == "policies/active.policy.json"
    # AND a second run (the update path) succeeds
    again = run("deploy.sh", "--org-units", ou, "--regions", *regions, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert aws(env, "cloudformation", "describe-stack-set", "--stack-set-name", "govhook")["StackSet"]["Parameters"]

    # WHEN cleanup.sh runs with the same OUs and regions
    gone = run("cleanup.sh", "--org-units", ou, "--regions", *regions, env=env)
    # THEN it asked CloudFormation to delete the OU's instances in those regions and waited for it
    ops = aws(env, "cloudformation", "list-stack-set-operations", "--stack-set-name", "govhook")["Summaries"]
    assert [o["Status"] for o in ops if o["Action"] == "DELETE"] == ["SUCCEEDED"]
    # moto ignores DeploymentTargets in DeleteStackInstances (the instances stay), so the StackSet
    # cannot be deleted yet: cleanup.sh says which instances remain instead of half-failing silently
    assert gone.returncode == 1 and "still has stack instances" in gone.stderr and member in gone.stderr
    # WHEN the instances are gone (here deleted by account, what moto can do) and cleanup.sh runs again
    aws(env, "cloudformation", "delete-stack-instances", "--stack-set-name", "govhook", "--accounts", member,
        "--regions", *regions, "--no-retain-stacks")
    for _ in range(2):
        gone = run("cleanup.sh", "--org-units", ou, "--regions", *regions, env=env)
        assert gone.returncode == 0, gone.stdout + gone.stderr
    # THEN the StackSet and both buckets are gone
    assert [s["Status"] for s in aws(env, "cloudformation", "list-stack-sets")["Summaries"]] == ["DELETED"]
    assert aws(env, "s3api", "list-buckets").get("Buckets", []) == []


@pytest.mark.moto
def test_stackset_dry_runs_print_the_exact_calls_and_change_nothing(env: dict[str, str]) -> None:
    # GIVEN an organization
    ou, _ = organization(env)
    # WHEN deploy.sh --dry-run plans a rollout
    proc = run("deploy.sh", "--dry-run", "--org-units", ou, "--regions", "us-east-1,eu-west-1", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    would = [ln.strip().removeprefix("would run: ") for ln in proc.stdout.splitlines() if ln.strip().startswith("would run:")]
    # THEN the calls moto cannot check (AutoDeployment and capabilities are not kept) are exactly these
    create = [w for w in would if " create-stack-set " in w]
    assert len(create) == 1
    for part in ("aws --region us-east-1 cloudformation create-stack-set --stack-set-name govhook --template-body file://template.yml",
                 "--capabilities CAPABILITY_NAMED_IAM --permission-model SERVICE_MANAGED",
                 "--auto-deployment Enabled=true\\,RetainStacksOnAccountRemoval=false"):
        assert part in create[0], create[0]
    assert any(w.startswith("aws --region us-east-1 cloudformation create-stack-instances --stack-set-name govhook "
                            f"--deployment-targets OrganizationalUnitIds={ou} --regions us-east-1 eu-west-1") for w in would), would
    assert any("--region eu-west-1 s3api create-bucket --bucket govhook-artifacts-123456789012-eu-west-1 "
               "--create-bucket-configuration LocationConstraint=eu-west-1" in w for w in would)
    assert any("--region eu-west-1 s3api put-bucket-policy --bucket govhook-artifacts-123456789012-eu-west-1" in w
               and "aws:PrincipalOrgID" in w for w in would)
    assert "stack set:        govhook (created; SERVICE_MANAGED" in proc.stdout
    assert not any(" ssm " in w for w in would)  # member accounts read the bundled policy
    params = json.loads(proc.stdout.split("stackset-parameters.json: ", 1)[1].splitlines()[0])
    assert {p["ParameterKey"]: p["ParameterValue"] for p in params} == {
        "CodeBucket": "govhook-artifacts-123456789012", "CodeBucketRegionSuffix": "true", "CodeKey": params[2]["ParameterValue"],
        "FailureMode": "FAIL", "PolicyLocation": "policies/active.policy.json", "PolicyParameterName": "", "PolicyS3Object": ""}
    # WHEN the rollout reads one central policy object instead
    aws(env, "s3api", "create-bucket", "--bucket", "org-policies")
    central = run("deploy.sh", "--dry-run", "--org-units", ou, "--regions", "us-east-1", "--policy-s3", "s3://org-policies/p.yaml", env=env)
    assert central.returncode == 0, central.stdout + central.stderr
    # THEN the policy is uploaded there and every member stack is told to read it
    assert any(ln.startswith("would run: aws --region us-east-1 s3api put-object --bucket org-policies --key p.yaml --body ")
               and ln.endswith("/policy.json --content-type application/json --expected-bucket-owner 123456789012")
               for ln in map(str.strip, central.stdout.splitlines()))
    assert '{"ParameterKey": "PolicyS3Object", "ParameterValue": "org-policies/p.yaml"}' in central.stdout
    # WHEN the caller is a StackSets delegated administrator THEN every StackSet call says so
    delegated = run("deploy.sh", "--dry-run", "--org-units", ou, "--regions", "us-east-1", "--delegated-admin", env=env)
    assert delegated.returncode == 0, delegated.stdout + delegated.stderr
    calls = [ln for ln in delegated.stdout.splitlines() if "stack-set" in ln or "stack-instances" in ln]
    assert len(calls) == 2 and all("--stack-set-name govhook --call-as DELEGATED_ADMIN" in c for c in calls), calls
    # AND nothing was created but the test's own policy bucket
    assert aws(env, "cloudformation", "list-stack-sets")["Summaries"] == []
    assert [b["Name"] for b in aws(env, "s3api", "list-buckets").get("Buckets", [])] == ["org-policies"]
    assert aws(env, "s3api", "list-objects-v2", "--bucket", "org-policies").get("Contents", []) == []


@pytest.mark.moto
def test_stackset_cleanup_dry_run_prints_the_exact_calls(env: dict[str, str]) -> None:
    # GIVEN a StackSet with instances in an OU
    ou, _ = organization(env)
    aws(env, "cloudformation", "create-stack-set", "--stack-set-name", "govhook", "--template-body",
        "Resources:\n  P: {Type: AWS::SSM::Parameter, Properties: {Name: /t/p, Type: String, Value: x}}\n", "--permission-model", "SERVICE_MANAGED")
    aws(env, "cloudformation", "create-stack-instances", "--stack-set-name", "govhook", "--deployment-targets",
        f"OrganizationalUnitIds={ou}", "--regions", "us-east-1")
    # WHEN cleanup.sh --dry-run runs
    proc = run("cleanup.sh", "--dry-run", "--org-units", ou, "--regions", "us-east-1", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    would = [ln.strip().removeprefix("would run: ") for ln in proc.stdout.splitlines() if ln.strip().startswith("would run:")]
    # THEN it would delete the OU's instances (deployment targets, not accounts: SERVICE_MANAGED), then the set
    assert would[0].startswith("aws --region us-east-1 cloudformation delete-stack-instances --stack-set-name govhook "
                               f"--deployment-targets OrganizationalUnitIds={ou} --regions us-east-1 --no-retain-stacks"), would
    assert would[1] == "aws --region us-east-1 cloudformation delete-stack-set --stack-set-name govhook"
    # AND nothing changed
    assert len(aws(env, "cloudformation", "list-stack-instances", "--stack-set-name", "govhook")["Summaries"]) == 1
    # WHEN the OUs are not given, cleanup.sh cannot guess them from moto's instances and says so
    proc = run("cleanup.sh", "--regions", "us-east-1", env=env)
    assert proc.returncode == 1 and "their OUs are unknown: pass --org-units" in proc.stderr


def test_stackset_arguments_are_checked_before_anything_runs() -> None:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}", AWS_ENDPOINT_URL="http://127.0.0.1:9")
    cases = {
        ("--org-units", "ou-abcd-12345678"): "--org-units needs --regions",
        ("--regions", "us-east-1"): "--regions needs --org-units",
        ("--org-units", "sales", "--regions", "us-east-1"): "'sales' is not an OU id",
        ("--org-units", "ou-abcd-12345678", "--regions", "Europe"): "'Europe' is not a region name",
        ("--org-units", "ou-abcd-12345678", "--regions", "us-east-1", "--stack-name", "governance-hook"): "too long for a StackSet",
        ("--org-units", "--regions", "us-east-1"): "--org-units needs at least one value",
        ("--policy-parameter", "govhook/policy"): "is not a valid SSM parameter name",
        ("--policy-parameter", "/aws/govhook"): "is not a valid SSM parameter name",
        ("--delegated-admin",): "--delegated-admin applies to a StackSet rollout",
    }
    for args, message in cases.items():
        proc = run("deploy.sh", *args, env=env)
        assert proc.returncode == 1 and message in proc.stderr, (args, proc.stderr)
        assert "checking credentials" not in proc.stdout


_LAMBDA_DRIVER = """
import json, sys
import hook, aws_lambda_powertools
assert hook.__file__.startswith(sys.argv[1]), hook.__file__  # the package's code, not this checkout's
from hook.handler import lambda_handler
class Context:
    def get_remaining_time_in_millis(self):
        return 25000
for path in sys.argv[2:]:
    with open(path) as fh:
        print("RESPONSE " + json.dumps(lambda_handler(json.load(fh), Context())))
"""


def _invoke(code_dir: Path, run_env: dict[str, str], events: list[Path]) -> tuple[list[dict[str, Any]], list[str]]:
    proc = subprocess.run([sys.executable, "-c", _LAMBDA_DRIVER, str(code_dir), *map(str, events)],
                          cwd=code_dir, env={**run_env, "PYTHONPATH": str(code_dir)}, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    return [json.loads(x[len("RESPONSE "):]) for x in lines if x.startswith("RESPONSE ")], lines


def run_uploaded_package(env: dict[str, str], bucket: str, key: str, fn_env: dict[str, str], tmp_path: Path) -> None:
    """Unzip the artifact deploy.sh uploaded and invoke its handler on every kind of event."""
    import zipfile

    zipped = tmp_path / "package.zip"
    aws(env, "s3api", "get-object", "--bucket", bucket, "--key", key, str(zipped))
    unzipped = tmp_path / "package"
    with zipfile.ZipFile(zipped) as zf:
        names = zf.namelist()
        zf.extractall(unzipped)
    # Powertools is trimmed to what the handler uses; boto3 comes from the runtime; the CLI stays home
    assert not any(n.startswith(("aws_lambda_powertools/event_handler/", "aws_lambda_powertools/utilities/parser/",
                                 "boto3/", "botocore/", "hook/cli/", "hook/integrations/", "hook/testing.py"))
                   for n in names)
    assert "hook/handler/__init__.py" in names and "aws_lambda_powertools/logging/logger.py" in names
    assert "hook/sdk/__init__.py" in names and "hook/sdk/context.py" in names  # the rule SDK is a package
    # bytecode from the runtime's Python ships with it (Lambda cannot write it at a cold start)
    compiled = {"hook/handler/__pycache__/__init__.cpython-313.pyc", "yaml/__pycache__/__init__.cpython-313.pyc"}
    if sys.version_info[:2] == (3, 13):
        assert compiled <= set(names)
    else:
        assert not any(n.endswith(".pyc") for n in names)
    run_env = {**env, **{k: str(v) for k, v in fn_env.items()}, "GOVHOOK_ALLOW_LOOPBACK_PAYLOAD": "1"}
    events = [ROOT / "sample" / "events" / "resource-create-noncompliant.json",
              ROOT / "sample" / "events" / "resource-create-compliant.json"]
    # STACK and CHANGE_SET events whose payloads are S3 presigned URLs (served by moto)
    for name in ("stack", "change-set"):
        aws(env, "s3api", "put-object", "--bucket", bucket, "--key", f"payloads/{name}.json",
            "--body", str(ROOT / "sample" / "events" / f"{name}.payload.json"))
        url = aws_text(env, "s3", "presign", f"s3://{bucket}/payloads/{name}.json").strip()
        event = json.loads((ROOT / "sample" / "events" / f"{name}.json").read_text())
        event["requestData"]["payload"] = url
        (tmp_path / f"{name}.json").write_text(json.dumps(event))
        events.append(tmp_path / f"{name}.json")
    responses, lines = _invoke(unzipped, run_env, events)
    blocked, allowed, stack, change_set = responses
    assert blocked["hookStatus"] == "FAILED" and blocked["errorCode"] == "NonCompliant", blocked["message"]
    # the allowed runtimes came from the SSM parameter deploy.sh set, not from the policy's default
    assert "allowed runtimes: python3.13, nodejs22.x" in blocked["message"]
    assert allowed["hookStatus"] == "SUCCESS", allowed["message"]
    assert all(r.get("errorCode") != "InternalFailure" and r["annotations"] for r in (stack, change_set)), (stack, change_set)
    # AND Powertools wrote one decision record per invocation and EMF metrics
    records = [json.loads(x) for x in lines if x.startswith("{")]
    assert [r["decision"]["outcome"] for r in records if r.get("message") == "govhook decision"][:2] == ["blocked", "allowed"]
    assert sum(1 for r in records if "_aws" in r) == 4
    # AND the package answers exactly what this checkout's handler answers
    checkout = _invoke(ROOT, run_env, events)[0]
    assert len(checkout) == len(responses)
    for i, (ours, theirs) in enumerate(zip(checkout, responses, strict=True)):
        assert ours == theirs, (i, json.dumps(ours, indent=1)[:4000], json.dumps(theirs, indent=1)[:4000])
