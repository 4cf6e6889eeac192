"""`govhook check --aws` with --region and --profile, against moto's server (issue 13 item 3).

moto keeps SSM parameters per Region, so a parameter read from the wrong Region is not found and the
policy's default decides: the verdict shows which Region the call went to.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TEMPLATE = (
    "Conditions:\n  InEurope: !Equals [!Ref 'AWS::Region', eu-west-1]\n"
    "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
    "    Properties: {Runtime: nodejs18.x, Handler: a.b, Role: r, Code: {ZipFile: x}}\n"
    "  EuOnly:\n    Type: AWS::Lambda::Function\n    Condition: InEurope\n"
    "    Properties: {Runtime: python3.13, Handler: a.b, Role: r, Code: {ZipFile: x}}\n"
)
POLICY = ("version: 1\nrules:\n  lambda.runtime-allowed:\n"
          "    params: {allowed: {ssm: /team/allowed-runtimes, default: [python3.13]}}\n")


@pytest.fixture()
def project(tmp_path: Path, aws_client: Any) -> Path:
    # GIVEN nodejs18.x allowed by the team's parameter in eu-west-1 only
    import boto3

    ssm = boto3.client("ssm", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="eu-west-1")
    ssm.put_parameter(Name="/team/allowed-runtimes", Type="StringList", Value="python3.13,nodejs18.x")
    (tmp_path / "t.yaml").write_text(TEMPLATE)
    (tmp_path / "p.yaml").write_text(POLICY)
    return tmp_path


def check(cwd: Path, *args: str, env: dict[str, str]) -> tuple[int, dict[str, Any] | None, str]:
    proc = subprocess.run([sys.executable, "-m", "hook.cli", "check", "t.yaml", "--policy", "p.yaml",
                           "--format", "json", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else None, proc.stderr


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE")}
    return {**env, **extra}


def _verdict(doc: dict[str, Any]) -> tuple[set[str], str]:
    functions = {f["logical_id"] for f in doc["findings"] if f["resource_type"] == "AWS::Lambda::Function"}
    allowed = next(f for f in doc["findings"] if f["rule_id"] == "lambda.runtime-allowed" and f["logical_id"] == "Fn")
    return functions, allowed["disposition"]


def test_region_sets_the_region_of_the_aws_calls_and_aws_region(project: Path) -> None:
    # WHEN checked with --aws --region eu-west-1
    code, doc, err = check(project, "--aws", "--region", "eu-west-1", env=_env())
    assert doc is not None, err
    # THEN SSM was read in eu-west-1 (nodejs18.x allowed) and AWS::Region is eu-west-1 (EuOnly exists)
    assert code == 0, err
    assert _verdict(doc) == ({"Fn", "EuOnly"}, "passed")
    # WHEN the Region is us-east-1: the parameter does not exist there, the default blocks
    code, doc, err = check(project, "--aws", "--region", "us-east-1", env=_env())
    assert doc is not None and code == 1, err
    assert _verdict(doc) == ({"Fn"}, "blocking")
    assert any("ssm:/team/allowed-runtimes does not exist" in n for n in doc["notes"])


def test_without_region_the_environment_s_region_is_used_for_both(project: Path) -> None:
    code, doc, err = check(project, "--aws", env=_env(AWS_REGION="eu-west-1"))
    assert doc is not None and code == 0, err
    assert _verdict(doc) == ({"Fn", "EuOnly"}, "passed")


def test_no_region_at_all_is_one_line(project: Path) -> None:
    code, doc, err = check(project, "--aws", env=_env(AWS_CONFIG_FILE=str(project / "none")))
    assert code == 2 and doc is None
    assert err == "govhook: error: --aws needs a Region: pass --region, set AWS_REGION, or give the profile one\n"


def test_profile_selects_credentials_and_region(project: Path) -> None:
    # GIVEN an AWS CLI profile 'dev' in eu-west-1, and no credentials in the environment
    config = project / "config"
    config.write_text("[profile dev]\nregion = eu-west-1\n")
    creds = project / "credentials"
    creds.write_text("[dev]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    env = {k: v for k, v in _env(AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(creds)).items()
           if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
    # WHEN checked with --profile dev
    code, doc, err = check(project, "--aws", "--profile", "dev", env=env)
    # THEN the calls and AWS::Region are the profile's Region
    assert doc is not None and code == 0, err
    assert _verdict(doc) == ({"Fn", "EuOnly"}, "passed")
    # AND --region overrides the profile's Region
    code, doc, err = check(project, "--aws", "--profile", "dev", "--region", "us-east-1", env=env)
    assert doc is not None and code == 1 and _verdict(doc) == ({"Fn"}, "blocking"), err
    # AND an unknown profile, or --profile without --aws, is one line
    code, _, err = check(project, "--aws", "--profile", "nope", env=env)
    assert code == 2 and err == "govhook: error: --profile nope: no such profile in the AWS config files\n"
    code, _, err = check(project, "--profile", "dev", env=env)
    assert code == 2 and "--profile is used only with --aws" in err


def test_runtime_lifecycle_override_from_ssm_then_fallback(aws_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN lifecycle data published in SSM, as a platform team refreshes it without a release
    from hook import sources
    from hook.sources.runtimes import bundled, current

    data = {"runtimes": {"python3.13": {"deprecated": "2029-06-30", "successor": None}}}
    aws_client("ssm").put_parameter(Name="/govhook/runtimes", Type="String", Value=json.dumps(data))
    monkeypatch.setattr(sources, "_CLIENTS", {})
    monkeypatch.setenv("GOVHOOK_RUNTIMES", "ssm:/govhook/runtimes")
    sources.clear_caches()
    # THEN the rules read it
    assert dict(current()) == data["runtimes"]
    # WHEN it is invalid: the bundled data, never a half-read file
    aws_client("ssm").put_parameter(Name="/govhook/runtimes", Type="String", Overwrite=True,
                                    Value=json.dumps({"runtimes": {"x": {"successor": "nope"}}}))
    sources.clear_caches()
    assert current() is bundled()


def test_a_policy_in_ssm_is_read_with_the_profile_and_region_too(project: Path) -> None:
    # GIVEN the team's policy published in SSM in eu-west-1 only (nodejs18.x allowed there), and a
    # profile 'dev' in eu-west-1 with no credentials or Region in the environment
    import boto3

    ssm = boto3.client("ssm", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="eu-west-1")
    ssm.put_parameter(Name="/team/policy", Type="String", Value=(
        "version: 1\nrules:\n  lambda.runtime-allowed:\n    params: {allowed: [python3.13, nodejs18.x]}\n"))
    config = project / "config"
    config.write_text("[profile dev]\nregion = eu-west-1\n")
    creds = project / "credentials"
    creds.write_text("[dev]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    env = {k: v for k, v in _env(AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(creds),
                                 GOVHOOK_POLICY="ssm:/team/policy").items()
           if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}

    def run(*args: str) -> tuple[int, dict[str, Any] | None, str]:
        proc = subprocess.run([sys.executable, "-m", "hook.cli", "check", "t.yaml", "--format", "json", *args],
                              cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False)
        return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else None, proc.stderr

    # WHEN checked with --aws --profile dev (GOVHOOK_POLICY names the policy)
    code, doc, err = run("--aws", "--profile", "dev")
    # THEN the policy came from eu-west-1 through the profile's session and passes nodejs18.x
    assert doc is not None and code == 0, err
    assert _verdict(doc) == ({"Fn", "EuOnly"}, "passed")
    # AND with --region us-east-1 the parameter is not there: one line, exit 2 (never another policy)
    code, doc, err = run("--aws", "--profile", "dev", "--region", "us-east-1")
    assert code == 2 and "ssm:/team/policy" in err, err
