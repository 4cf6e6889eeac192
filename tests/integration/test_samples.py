"""sample/: the hello-world templates and deploy_sample.sh / cleanup_sample.sh through the real AWS CLI against moto."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import BIN, ROOT, aws, run_script, script_env

SAMPLES = sorted((ROOT / "sample").glob("lambda_template*.yml"))


def run(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_script(script, *args, env=env, timeout=300)


@pytest.fixture()
def env(moto_endpoint: str) -> dict[str, str]:
    return script_env(moto_endpoint)


def live_stacks(env: dict[str, str]) -> set[str]:
    return {s["StackName"] for s in aws(env, "cloudformation", "list-stacks")["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"}


def blocking_rules(path: Path) -> set[str]:
    proc = subprocess.run([str(BIN / "govhook"), "check", "--format", "json", "--policy", str(ROOT / "policies" / "default.policy.yaml"),
                           str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return {f["rule_id"] for f in json.loads(proc.stdout)["findings"] if f["disposition"] == "blocking"}


def test_there_is_a_compliant_sample_and_noncompliant_variants() -> None:
    assert [p.name for p in SAMPLES] == ["lambda_template.yml", "lambda_template_memory.yml", "lambda_template_noncompliant.yml"]


def test_the_default_policy_passes_the_hello_world_and_blocks_each_variant_for_its_reason() -> None:
    assert blocking_rules(ROOT / "sample" / "lambda_template.yml") == set()
    assert blocking_rules(ROOT / "sample" / "lambda_template_noncompliant.yml") == {"lambda.runtime-allowed", "lambda.runtime-supported"}
    assert blocking_rules(ROOT / "sample" / "lambda_template_memory.yml") == {"lambda.memory-within-bounds"}


def test_the_hello_world_is_nodejs22_128mb_inline() -> None:
    from hook.inputs.yamlcfn import load_template_text

    fn = load_template_text((ROOT / "sample" / "lambda_template.yml").read_text(), "t")["Resources"]["HelloFunction"]["Properties"]
    assert (fn["Runtime"], fn["MemorySize"]) == ("nodejs22.x", 128) and "ZipFile" in fn["Code"]


@pytest.mark.moto
@pytest.mark.slow
def test_deploy_sample_then_cleanup_sample(env: dict[str, str]) -> None:
    # WHEN the compliant sample is deployed
    ok = run("sample/deploy_sample.sh", env=env)
    # THEN the script expected it to pass, and it did
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("expected: CREATE_COMPLETE")
    assert "result: CREATE_COMPLETE" in ok.stdout
    (fn,) = aws(env, "lambda", "list-functions")["Functions"]
    assert (fn["Runtime"], fn["MemorySize"]) == ("nodejs22.x", 128) and fn["FunctionName"].startswith("sample-hello-")
    # WHEN the non-compliant variant is deployed (moto runs no hooks, so it is created)
    bad = run("sample/deploy_sample.sh", "--template", "sample/lambda_template_noncompliant.yml", "--region", "us-east-1", env=env)
    # THEN the script said the hook would block it, and notes that it did not here
    assert bad.returncode == 0, bad.stdout + bad.stderr
    assert bad.stdout.startswith("expected: blocked by the hook, see `govhook results sample-hello-noncompliant`")
    assert "the hook did not block it" in bad.stdout
    assert live_stacks(env) == {"sample-hello", "sample-hello-noncompliant"}
    # WHEN both are cleaned up, twice
    for _ in range(2):
        assert run("sample/cleanup_sample.sh", env=env).returncode == 0
        assert run("sample/cleanup_sample.sh", "--stack-name", "sample-hello-noncompliant", env=env).returncode == 0
    # THEN nothing of them remains
    assert live_stacks(env) == set()
    assert aws(env, "lambda", "list-functions")["Functions"] == []


def test_a_failed_deploy_exits_1_and_points_at_govhook_results(tmp_path: Path) -> None:
    # GIVEN an endpoint that refuses connections (the deploy cannot go through)
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}", AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_MAX_ATTEMPTS="1")
    # WHEN the non-compliant sample is deployed
    proc = run("sample/deploy_sample.sh", "--template", "sample/lambda_template_noncompliant.yml", env=env)
    # THEN exit 1, the expected outcome, and where to look
    assert proc.returncode == 1
    assert "As expected, the deployment did not go through. Why: govhook results sample-hello-noncompliant" in proc.stdout


def test_sample_scripts_have_help_and_reject_bad_arguments() -> None:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    for script in ("sample/deploy_sample.sh", "sample/cleanup_sample.sh"):
        helped = run(script, "--help", env=env)
        assert helped.returncode == 0 and "--template" in helped.stdout and "--profile" in helped.stdout
        bad = run(script, "--nope", env=env)
        assert bad.returncode == 1 and "unknown argument: --nope" in bad.stderr
    missing = run("sample/deploy_sample.sh", "--template", "sample/nope.yml", env=env)
    assert missing.returncode == 1 and "template sample/nope.yml not found" in missing.stderr


def test_make_demo_walks_sample_and_reports_blocked_not_bad_input() -> None:
    proc = subprocess.run([str(BIN / "govhook"), "check", "sample/", "--policy", "policies/default.policy.yaml"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "sample/lambda_template.yml  passed" in proc.stdout
    assert "sample/lambda_template_noncompliant.yml  BLOCKED" in proc.stdout
