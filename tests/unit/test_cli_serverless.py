"""govhook check serverless.yml: exit codes, lines in serverless.yml, stages, directory walks, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hook.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample" / "serverless" / "serverless.yml"
DEFAULT = str(ROOT / "policies" / "default.policy.yaml")
STRICT = str(ROOT / "policies" / "strict.policy.yaml")
TODAY = "2026-11-23"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def check_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(capsys, "check", "--format", "json", "--today", TODAY, *args)
    return code, json.loads(out)


def line_of(path: Path, needle: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if needle in ln)


def test_sample_service_is_blocked_at_the_serverless_yml_line_of_the_old_runtime(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the sample service, whose legacyReport function runs nodejs18.x
    # WHEN it is checked with the default policy
    code, doc = check_json(capsys, "--policy", DEFAULT, str(SAMPLE))
    # THEN the deploy would be blocked, and the finding names serverless.yml and the runtime's line
    assert code == 1 and doc["files"] == [str(SAMPLE)]
    runtime = [f for f in doc["findings"] if f["rule_id"] == "lambda.runtime-allowed" and f["outcome"] == "FAIL"]
    assert len(runtime) == 1
    assert runtime[0]["logical_id"] == "LegacyReportLambdaFunction" and runtime[0]["path"] == "/Runtime"
    assert runtime[0]["file"] == str(SAMPLE) and runtime[0]["line"] == line_of(SAMPLE, "runtime: nodejs18.x")
    assert runtime[0]["stack_name"] == "orders-dev"
    # AND the provider's runtime passes for the other functions
    passed = {f["logical_id"] for f in doc["findings"] if f["rule_id"] == "lambda.runtime-allowed" and f["outcome"] == "PASS"}
    assert passed == {"CreateDashorderLambdaFunction", "ProcessUnderscoreorderLambdaFunction"}
    # AND versioning left at the Framework's default is reported at provider (a warning in the default policy)
    versioning = [f for f in doc["findings"] if f["rule_id"] == "lambda.version-functions-disabled"]
    assert [(f["disposition"], f["path"], f["line"]) for f in versioning] == [
        ("warning", "/provider", line_of(SAMPLE, "provider:"))]


def test_stage_flag_changes_the_verdict(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # GIVEN a compliant service that keeps versions only in prod
    path = tmp_path / "serverless.yml"
    path.write_text("""service: billing
provider:
  name: aws
  runtime: python3.13
  stage: ${opt:stage, 'dev'}
  versionFunctions: ${self:custom.versioning.${sls:stage}, true}
custom:
  versioning:
    dev: false
functions:
  invoice:
    handler: app.invoice
""")
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nrules:\n  lambda.version-functions-disabled: {params: {retain_allowed_stages: [prod]}}\n"
                      "  lambda.runtime-allowed: {params: {allowed: [python3.13]}}\n")
    # WHEN checked for dev (the default), prod and staging
    dev_code, dev = check_json(capsys, "--policy", str(policy), str(path))
    prod_code, prod = check_json(capsys, "--policy", str(policy), "--stage", "prod", str(path))
    stg_code, stg = check_json(capsys, "--policy", str(policy), "--param", "stage=staging", str(path))
    # THEN dev passes (versioning off), prod passes (allowed), staging fails at versionFunctions
    assert (dev_code, prod_code, stg_code) == (0, 0, 1)
    fail = [f for f in stg["findings"] if f["outcome"] == "FAIL"]
    assert [(f["rule_id"], f["path"], f["line"]) for f in fail] == [
        ("lambda.version-functions-disabled", "/provider/versionFunctions", line_of(path, "versionFunctions"))]
    assert "for stage 'staging'" in fail[0]["message"] and fail[0]["stack_name"] == "billing-staging"
    assert {f["stack_name"] for f in prod["findings"]} == {"billing-prod"}
    assert all(f["outcome"] == "PASS" for f in dev["findings"])


def test_versions_the_framework_retains_are_governed_by_the_same_stack_rule(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the sample deployed to prod (versioning allowed there by version-functions-disabled)
    code, doc = check_json(capsys, "--policy", DEFAULT, "--stage", "prod", str(SAMPLE))
    retained = [f for f in doc["findings"] if f["rule_id"] == "lambda.versions-not-retained" and f["outcome"] == "FAIL"]
    # THEN lambda.versions-not-retained sees the Framework's Retain versions, as the hook will at deploy time
    assert {f["logical_id"] for f in retained} == {
        "CreateDashorderLambdaVersion", "ProcessUnderscoreorderLambdaVersion", "LegacyReportLambdaVersion"}
    assert {(f["stack_name"], f["disposition"]) for f in retained} == {("orders-prod", "warning")} and code == 1
    # AND strict allows *-prod stacks to retain them: the stack name is the Framework's <service>-<stage>
    _, strict = check_json(capsys, "--policy", STRICT, "--stage", "prod", str(SAMPLE))
    assert {f["outcome"] for f in strict["findings"] if f["rule_id"] == "lambda.versions-not-retained"} == {"PASS"}
    assert not [f for f in doc["findings"] if f["rule_id"] == "lambda.version-functions-disabled" and f["outcome"] != "PASS"]


def test_directory_walk_finds_serverless_yml_and_skips_generated_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # GIVEN a service directory with the Framework's .serverless/ output and a non-template yaml
    svc = tmp_path / "svc"
    (svc / ".serverless").mkdir(parents=True)
    (svc / "serverless.yaml").write_text("service: s\nprovider: {name: aws, runtime: python3.13}\nfunctions: {a: {handler: a.b}}\n")
    (svc / ".serverless" / "cloudformation-template-update-stack.json").write_text('{"Resources": {"X": {"Type": "AWS::S3::Bucket"}}}')
    (svc / "config.yml").write_text("key: value\n")
    # WHEN the directory is checked
    code, doc = check_json(capsys, "--policy", DEFAULT, str(tmp_path))
    # THEN only serverless.yaml is checked
    assert doc["files"] == [str(svc / "serverless.yaml")] and code in (0, 1)


def test_the_sample_directory_includes_the_serverless_service(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = check_json(capsys, "--policy", DEFAULT, str(ROOT / "sample"))
    assert str(ROOT / "sample" / "serverless" / "serverless.yml") in doc["files"]
    assert not [f for f in doc["files"] if "/events/" in f or "/plugin/" in f]
    assert code == 1


def test_broken_serverless_yml_exits_2_with_file_line_and_one_line_reason(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "serverless.yml"
    path.write_text("service: s\nprovider:\n  name: aws\nfunctions:\n  a:\n    runtime: python3.13\n")
    code, out, err = run(capsys, "check", "--policy", DEFAULT, str(path))
    assert code == 2 and out == ""
    assert err == f"govhook: error: {path}:5:3: function a has neither handler nor image\n"
    path.write_text("service: s\nprovider: {name: aws\n")
    code, _, err = run(capsys, "check", "--policy", DEFAULT, str(path))
    assert code == 2 and err.startswith(f"govhook: error: {path}:3:") and "not valid YAML" in err and err.count("\n") == 1
