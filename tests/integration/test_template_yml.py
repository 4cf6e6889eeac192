"""template.yml: cfn-lint clean, governed by govhook's own default policy, least privilege."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from hook.cli import main
from hook.inputs.yamlcfn import load_template_text

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def template() -> dict[str, Any]:
    return load_template_text((ROOT / "template.yml").read_text(), "template.yml")


def test_cfn_lint_has_no_findings_on_template_yml() -> None:
    proc = subprocess.run([str(BIN / "cfn-lint"), str(ROOT / "template.yml")], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cfn_lint_on_every_sample_template() -> None:
    files = sorted(str(p) for p in (ROOT / "sample" / "templates").glob("*.yaml"))
    files += sorted(str(p) for p in (ROOT / "sample").glob("*.yml"))
    assert any(f.endswith("sample/lambda_template.yml") for f in files)
    proc = subprocess.run([str(BIN / "cfn-lint"), "--format", "parseable", *files], capture_output=True, text=True, check=False)
    problems = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    # The only findings are the ones the nodejs18.x samples exist for: their deprecated runtime.
    assert all(("hello-noncompliant.yaml" in ln or "lambda_template_noncompliant.yml" in ln) and ":W2531:" in ln
               for ln in problems), problems
    assert len(problems) == 2, problems


def test_the_product_governs_itself() -> None:
    code = main(["check", "--policy", str(ROOT / "policies" / "default.policy.yaml"), "--stack-name", "platform-hook",
                 str(ROOT / "template.yml")])
    assert code == 0


def test_hook_resource_is_as_specified() -> None:
    res = template()["Resources"]
    hook = res["GovernanceHook"]["Properties"]
    assert res["GovernanceHook"]["Type"] == "AWS::CloudFormation::LambdaHook"
    assert hook["FailureMode"] == {"Ref": "FailureMode"} and hook["TargetOperations"] == ["RESOURCE", "CLOUD_CONTROL"]
    assert res["GovernanceTemplateHook"]["Properties"]["TargetOperations"] == ["STACK", "CHANGE_SET"]
    assert hook["TargetFilters"]["Actions"] == ["CREATE", "UPDATE"]
    assert hook["TargetFilters"]["InvocationPoints"] == ["PRE_PROVISION"]
    assert "AWS::Lambda::Function" in hook["TargetFilters"]["TargetNames"]
    assert hook["StackFilters"]["StackNames"]["Exclude"] == [{"Ref": "AWS::StackName"}]
    fn = res["HookFunction"]["Properties"]
    assert (fn["Runtime"], fn["Architectures"], fn["Handler"]) == ("python3.13", ["arm64"], "hook.handler.lambda_handler")
    assert fn["Timeout"] < 30


def function_role_statements(res: dict[str, Any]) -> list[dict[str, Any]]:
    """The function role's statements, a conditional statement (Fn::If) counted by its true branch."""
    out = []
    for statement in res["HookFunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]:
        if "Fn::If" in statement:
            _, statement, otherwise = statement["Fn::If"]
            assert otherwise == {"Ref": "AWS::NoValue"}
        out.append(statement)
    return out


def test_roles_are_least_privilege() -> None:
    res = template()["Resources"]
    invoker = res["HookInvokerRole"]["Properties"]
    trust = invoker["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "hooks.cloudformation.amazonaws.com"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"]
    assert invoker["Policies"][0]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": {"Fn::GetAtt": ["HookFunction", "Arn"]}}
    ]
    for statement in function_role_statements(res):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in a for a in actions), statement
        if statement["Resource"] == "*":  # only actions that take no resource ARN
            assert actions in (["lambda:GetAccountSettings"], ["xray:PutTraceSegments", "xray:PutTelemetryRecords"])


def test_active_tracing_comes_with_its_xray_grant() -> None:
    # GIVEN the function traces actively: Lambda refuses to create it unless its role may write traces
    res = template()["Resources"]
    assert res["HookFunction"]["Properties"]["TracingConfig"] == {"Mode": "Active"}
    # THEN the role grants both X-Ray write actions
    granted = {a for s in function_role_statements(res)
               for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert {"xray:PutTraceSegments", "xray:PutTelemetryRecords"} <= granted


def test_the_policy_parameter_is_read_by_exact_arn_with_or_without_a_leading_slash() -> None:
    # GIVEN the template
    doc = template()
    res, cond = doc["Resources"], doc["Conditions"]
    # THEN the function reads ssm:<name> when a name is given, the bundled policy otherwise
    env = res["HookFunction"]["Properties"]["Environment"]["Variables"]
    assert env["GOVHOOK_POLICY"] == {"Fn::If": ["PolicyFromSsm", {"Fn::Sub": "ssm:${PolicyParameterName}"}, {
        "Fn::If": ["PolicyFromS3", {"Fn::Sub": "s3://${PolicyS3Object}"}, {"Ref": "PolicyLocation"}]}]}
    assert cond["PolicyFromSsm"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "PolicyParameterName"}, ""]}]}
    # AND the grant is one ARN, with the slash added only when the name has none
    (grant,) = [s for s in function_role_statements(res) if s.get("Sid") == "ReadPolicyDocument"]
    assert grant["Action"] == "ssm:GetParameter"
    flag, with_slash, without_slash = grant["Resource"]["Fn::If"]
    assert flag == "PolicyNameHasLeadingSlash"
    assert with_slash["Fn::Sub"].endswith(":parameter${PolicyParameterName}")
    assert without_slash["Fn::Sub"].endswith(":parameter/${PolicyParameterName}")
    assert cond["PolicyNameHasLeadingSlash"] == {
        "Fn::Equals": [{"Fn::Select": [0, {"Fn::Split": ["/", {"Ref": "PolicyParameterName"}]}]}, ""]}
    # AND the name's pattern accepts both forms and the empty default, and rejects a stray slash
    pattern = re.compile(doc["Parameters"]["PolicyParameterName"]["AllowedPattern"])
    assert doc["Parameters"]["PolicyParameterName"]["Default"] == ""
    for ok in ("", "/govhook/policy", "govhook-policy"):
        assert pattern.fullmatch(ok), ok
    for bad in ("/govhook//policy", "govhook policy", "/"):
        assert not pattern.fullmatch(bad), bad
    assert doc["Outputs"]["PolicyParameterName"]["Condition"] == "PolicyFromSsm"


def test_stack_sets_read_the_package_from_a_bucket_in_their_own_region() -> None:
    code = template()["Resources"]["HookFunction"]["Properties"]["Code"]
    assert code["S3Bucket"] == {"Fn::If": ["CodeBucketPerRegion", {"Fn::Sub": "${CodeBucket}-${AWS::Region}"}, {"Ref": "CodeBucket"}]}


def test_a_central_policy_object_is_read_with_s3_get_object_on_that_object_only() -> None:
    doc = template()
    (grant,) = [s for s in function_role_statements(doc["Resources"]) if s.get("Sid") == "ReadPolicyObject"]
    assert grant["Action"] == "s3:GetObject"
    assert grant["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::${PolicyS3Object}"}
    # SSM wins when both are given; empty means not used
    assert doc["Conditions"]["PolicyFromS3"] == {"Fn::And": [{"Fn::Not": [{"Condition": "PolicyFromSsm"}]},
                                                             {"Fn::Not": [{"Fn::Equals": [{"Ref": "PolicyS3Object"}, ""]}]}]}
    pattern = re.compile(doc["Parameters"]["PolicyS3Object"]["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch("org-policies/govhook/policy.yaml")
    assert not pattern.fullmatch("s3://org-policies/govhook/policy.yaml") and not pattern.fullmatch("org-policies")
