"""template.yml: cfn-lint clean, governed by govhook's own default policy, least privilege."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from hook.cli import main
from hook.yamlcfn import load_template_text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def template() -> dict[str, Any]:
    return load_template_text((ROOT / "template.yml").read_text(), "template.yml")


def test_cfn_lint_has_no_findings_on_template_yml() -> None:
    proc = subprocess.run([str(BIN / "cfn-lint"), str(ROOT / "template.yml")], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cfn_lint_on_every_sample_template() -> None:
    files = sorted(str(p) for p in (ROOT / "sample" / "templates").glob("*.yaml"))
    proc = subprocess.run([str(BIN / "cfn-lint"), "--format", "parseable", *files], capture_output=True, text=True, check=False)
    problems = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    # The only finding is the one the non-compliant sample exists for: its deprecated runtime.
    assert all("hello-noncompliant.yaml" in ln and ":W2531:" in ln for ln in problems), problems


def test_the_product_governs_itself() -> None:
    code = main(["check", "--policy", str(ROOT / "policies" / "default.policy.yaml"), "--stack-name", "platform-hook",
                 str(ROOT / "template.yml")])
    assert code == 0


def test_hook_resource_is_as_specified() -> None:
    res = template()["Resources"]
    hook = res["GovernanceHook"]["Properties"]
    assert res["GovernanceHook"]["Type"] == "AWS::CloudFormation::LambdaHook"
    assert hook["FailureMode"] == {"Ref": "FailureMode"} and hook["TargetOperations"] == ["RESOURCE", "STACK"]
    assert hook["TargetFilters"]["Actions"] == ["CREATE", "UPDATE"]
    assert hook["TargetFilters"]["InvocationPoints"] == ["PRE_PROVISION"]
    assert "AWS::Lambda::Function" in hook["TargetFilters"]["TargetNames"]
    assert hook["StackFilters"]["StackNames"]["Exclude"] == [{"Ref": "AWS::StackName"}]
    fn = res["HookFunction"]["Properties"]
    assert (fn["Runtime"], fn["Architectures"], fn["Handler"]) == ("python3.13", ["arm64"], "hook.handler.lambda_handler")
    assert fn["Timeout"] < 30


def test_roles_are_least_privilege() -> None:
    res = template()["Resources"]
    invoker = res["HookInvokerRole"]["Properties"]
    trust = invoker["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "hooks.cloudformation.amazonaws.com"}
    assert "aws:SourceAccount" in trust["Condition"]["StringEquals"]
    assert invoker["Policies"][0]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": {"Fn::GetAtt": ["HookFunction", "Arn"]}}
    ]
    for statement in res["HookFunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in a for a in actions), statement
        if statement["Resource"] == "*":
            assert actions == ["lambda:GetAccountSettings"]
