"""Kinds of real templates govhook met in public repositories (issue 12), each as a small template
under tests/templates/real/, checked through the real CLI as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hook.cli import main

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "templates" / "real"
POLICY = str(ROOT / "policies" / "default.policy.yaml")


def check(capsys: pytest.CaptureFixture[str], *paths: Path | str, fmt: str = "json") -> tuple[int, Any, str]:
    code = main(["check", "--policy", POLICY, "--format", fmt, *map(str, paths)])
    out = capsys.readouterr()
    report = json.loads(out.out) if fmt == "json" and out.out.strip() else out.out
    return code, report, out.err


@pytest.mark.parametrize(("name", "line", "words"), [
    ("sam-without-transform.yaml", 7, "resource First (and 1 more) is AWS::Serverless::Function without the SAM Transform"),
    ("globals-without-transform.yaml", 2, "Globals without the SAM Transform"),
])
def test_sam_without_transform_is_bad_input_never_a_pass(capsys: pytest.CaptureFixture[str], name: str, line: int,
                                                         words: str) -> None:
    # GIVEN SAM resources or Globals with no Transform line (CloudFormation rejects the template)
    # WHEN govhook checks it
    code, _, err = check(capsys, REAL / name)
    # THEN exit 2, one line naming the file, the line and the fix
    assert code == 2
    assert f"{name}:{line}:" in err and words in err and "Transform: AWS::Serverless-2016-10-31" in err


@pytest.mark.parametrize(("name", "where"), [
    ("duplicate-runtime.yaml", "duplicate-runtime.yaml:8:7: duplicate key 'Runtime' at lines 6 and 8"),
    ("duplicate-type.json", "duplicate-type.json:7: duplicate key 'Type' at lines 4 and 7"),
])
def test_a_duplicate_key_in_a_template_is_bad_input_with_both_lines(capsys: pytest.CaptureFixture[str], name: str,
                                                                    where: str) -> None:
    # GIVEN a template with a key written twice in one mapping (YAML and JSON keep the last silently)
    # WHEN govhook checks it
    code, _, err = check(capsys, REAL / name)
    # THEN exit 2, naming both lines, as CloudFormation rejects it
    assert code == 2 and where in err, err


def test_a_duplicate_key_in_a_policy_names_both_lines(tmp_path: Path) -> None:
    from hook.core.policy import validate_files

    # GIVEN a policy that configures one rule twice
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nrules:\n  lambda.tracing-active: {mode: warn}\n  lambda.tracing-active: {}\n")
    # WHEN it is validated
    from hook.core.registry import default_registry

    [report] = list(validate_files([str(policy)], default_registry()))
    # THEN the error names both lines
    assert any("duplicate key 'lambda.tracing-active' (first at line 3, again at line 4)" in str(e) for e in report.errors)


def test_a_user_resource_named_like_a_sam_function_is_reported_at_its_own_line(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a SAM function MyFunction and a user-written MyFunctionPermission open to everyone
    # WHEN govhook checks the template
    code, report, _ = check(capsys, REAL / "sam-user-permission.yaml")
    # THEN the permission's finding is at the permission's own lines, not the function's
    [finding] = [f for f in report["findings"] if f["rule_id"] == "lambda.permission-not-public" and f["outcome"] == "FAIL"]
    assert code == 1 and finding["logical_id"] == "MyFunctionPermission"
    assert finding["line"] >= 11, finding


def test_a_runtime_from_globals_is_reported_at_the_globals_line_and_siblings_are_headed_alike(
        capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN two SAM functions whose Runtime comes from Globals, one also behind an API (a stack rule)
    path = REAL / "sam-globals-runtime.yaml"
    # WHEN govhook checks the template
    code, report, _ = check(capsys, path)
    # THEN the runtime findings point at the Globals line (6), for both functions
    runtime = [f for f in report["findings"] if f["rule_id"] == "lambda.runtime-supported" and f["outcome"] == "FAIL"]
    assert code == 1 and {f["logical_id"] for f in runtime} == {"Api", "Worker"}
    assert {f["line"] for f in runtime} == {6}
    # AND every finding of either function names the type as written, whichever rule found it
    types = {f["resource_type"] for f in report["findings"] if f["logical_id"] in ("Api", "Worker")}
    assert types == {"AWS::Serverless::Function"}
    # AND the text report heads both the same way
    capsys.readouterr()
    _, text, _ = check(capsys, path, fmt="text")
    assert "  Api (AWS::Serverless::Function)" in text and "  Worker (AWS::Serverless::Function)" in text


def test_cdk_framework_functions_are_recognised_by_construct_id_and_handler() -> None:
    from hook.sdk import cdk_framework_function

    # GIVEN CDK's autoDeleteObjects singleton and an app function that borrows its name
    # THEN only the one with CDK's handler shape is CDK's
    fn = cdk_framework_function("CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F",
                                {"Handler": "__entrypoint__.handler", "Timeout": 900})
    assert fn is not None and "autoDeleteObjects" in fn.what
    assert cdk_framework_function("CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F", {"Handler": "app.main"}) is None
    assert cdk_framework_function("MyProviderframeworkonEvent83C1D0A7", {"Handler": "framework.onEvent"}) is not None


def test_file_variables_are_read_relative_to_the_service(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN functions and the runtime from ${file(...)} next to serverless.yml
    # WHEN govhook checks the service
    code, report, err = check(capsys, REAL / "sls-file" / "serverless.yml")
    # THEN the files' values are checked: nodejs16.x and a 600 s timeout block
    blocking = {(f["logical_id"], f["rule_id"]) for f in report["findings"] if f["disposition"] == "blocking"}
    assert code == 1, err
    assert {("CreateLambdaFunction", "lambda.runtime-supported"), ("CreateLambdaFunction", "lambda.timeout-within-bounds")} <= blocking


@pytest.mark.parametrize(("service", "words"), [
    ("sls-file-missing", "${file(./nowhere.yml)}: cannot read ./nowhere.yml"),
    ("sls-file-escape", "is outside the service directory"),
])
def test_a_file_variable_that_cannot_be_read_is_never_a_plain_pass(capsys: pytest.CaptureFixture[str], service: str,
                                                                   words: str) -> None:
    # GIVEN a ${file(...)} that is missing or outside the service
    # WHEN govhook checks the service
    code, _, err = check(capsys, REAL / service / "serverless.yml")
    # THEN exit 2 with the reason, not PASSED on functions nobody checked
    assert code == 2 and words in err, err


def test_a_framework_variable_under_a_secret_name_is_plaintext_once_packaged(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN GITHUB_TOKEN: ${ssm:githubToken} (inlined by the Framework) and TABLE_NAME from SSM
    # WHEN govhook checks the service
    code, report, _ = check(capsys, REAL / "sls-ssm-secret" / "serverless.yml")
    # THEN the token blocks as the hook would block the packaged template, the table name does not
    [secret] = [f for f in report["findings"] if f["rule_id"] == "lambda.env-no-plaintext-secrets" and f["outcome"] == "FAIL"]
    assert code == 1 and secret["path"] == "/Environment/Variables/GITHUB_TOKEN"
    assert "writes into the template as plaintext" in secret["message"]


def test_a_layer_from_a_parameter_is_skipped_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a layer ARN from a parameter without a default
    # WHEN govhook checks the template
    _, report, _ = check(capsys, REAL / "layer-from-parameter.yaml")
    # THEN layers-allowed says it could not know, instead of passing
    [layers] = [f for f in report["findings"] if f["rule_id"] == "lambda.layers-allowed"]
    assert layers["outcome"] == "SKIP" and "/Layers/0 is not known before deployment" in layers["message"]
