"""``govhook would-block``: what FAIL would have blocked, from ListHookResults and GetHookResult.

botocore's Stubber on a real CloudFormation client: requests and responses are checked against the
installed botocore model (moto has neither API), and a call nobody queued fails the test.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from botocore.stub import Stubber

from hook.cli import main
from hook.cli import results as results_mod
from hook.core.policy import check_policy_text
from hook.core.registry import default_registry
from tests import results_fixtures as fx

ROOT = Path(__file__).resolve().parents[2]
ARN = f"arn:aws:cloudformation:us-east-1:{fx.ACCOUNT}:type/hook/Private-Lambda-Governance"
TEMPLATE_ARN = f"arn:aws:cloudformation:us-east-1:{fx.ACCOUNT}:type/hook/Private-Lambda-GovernanceTemplate"
PAYMENTS = f"arn:aws:cloudformation:us-east-1:{fx.ACCOUNT}:stack/payments/6f1d2a80-c5b1-11f0-9a3e-0a1b2c3d4e5f"
IDS = [f"a1b2c3d4-0000-4000-8000-00000000000{i}" for i in range(10)]


def cfn() -> tuple[Any, Stubber]:
    client = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, client: Any, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(results_mod, "make_client", lambda region=None, profile=None: client)
    code = main(["would-block", "--since", "2026-11-01", "--until", "2026-11-30", *args])
    out, err = capsys.readouterr()
    return code, out, err


def summary(n: int, *, mode: str = "WARN", status: str = "HOOK_COMPLETE_FAILED", stack: str = fx.STACK_ID,
            target: str = "HelloFunction", day: int = 20, reason: str = "1 violation: [lambda.runtime-allowed] ...",
            type_arn: str = ARN) -> dict[str, Any]:
    """One ListHookResults HookResults entry, with the model's member names."""
    return {"HookResultId": IDS[n], "InvocationPoint": "PRE_PROVISION", "FailureMode": mode, "TypeName": fx.HOOK,
            "TypeVersionId": "00000001", "Status": status, "HookStatusReason": reason,
            "InvokedAt": datetime(2026, 11, day, 10, n, tzinfo=UTC), "TargetType": "RESOURCE", "TargetId": target,
            "TypeArn": type_arn, "HookExecutionTarget": stack}


def listing(stub: Stubber, arn: str, status: str, pages: list[list[dict[str, Any]]]) -> None:
    for i, page in enumerate(pages):
        response: dict[str, Any] = {"HookResults": page}
        if i + 1 < len(pages):
            response["NextToken"] = f"{status}-{i + 1}"
        params = {"TypeArn": arn, "Status": status, **({"NextToken": f"{status}-{i}"} if i else {})}
        stub.add_response("list_hook_results", response, params)


def detail(stub: Stubber, n: int, annotations: list[dict[str, str]], target: str = "HelloFunction") -> None:
    stub.add_response("get_hook_result", {**fx.hook_result(IDS[n], "HOOK_COMPLETE_FAILED", "r", annotations, mode="WARN"),
                                          "Target": {"TargetType": "RESOURCE", "TargetTypeName": "AWS::Lambda::Function",
                                                     "TargetId": target, "Action": "CREATE"}},
                      {"HookResultId": IDS[n]})


def stack_outputs(stub: Stubber) -> None:
    stub.add_response("describe_stacks", {"Stacks": [{
        "StackName": "govhook", "StackId": fx.STACK_ID, "CreationTime": datetime(2026, 10, 1, tzinfo=UTC),
        "StackStatus": "UPDATE_COMPLETE", "Outputs": [{"OutputKey": "HookArn", "OutputValue": ARN},
                                                      {"OutputKey": "TemplateHookArn", "OutputValue": TEMPLATE_ARN}]}]},
        {"StackName": "govhook"})


def test_failures_under_warn_are_grouped_by_stack_and_rule_with_the_exemption_that_covers_them(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the hooks named by the governance stack's outputs; the resource hook failed five times
    # under WARN (two pages, two stacks) and once under FAIL; the template hook once under WARN
    client, stub = cfn()
    stack_outputs(stub)
    listing(stub, ARN, "HOOK_COMPLETE_FAILED", [
        [summary(0, day=18), summary(1, day=21, target="OtherFunction"), summary(2, mode="FAIL")],
        [summary(3, day=22, stack=PAYMENTS, target="Refunds"), summary(4, day=2, stack=PAYMENTS), summary(5, day=12)],
    ])
    listing(stub, ARN, "HOOK_FAILED", [[]])
    listing(stub, TEMPLATE_ARN, "HOOK_COMPLETE_FAILED", [[
        {**summary(6, day=19, type_arn=TEMPLATE_ARN, target=fx.STACK), "TargetType": "STACK"}]])
    listing(stub, TEMPLATE_ARN, "HOOK_FAILED", [[]])
    # GetHookResult newest first: the 22nd, 21st, 19th, 18th, 12th, 2nd
    detail(stub, 3, [fx.RUNTIME_ALLOWED_FAILED, fx.TAGS_WARNED], target="Refunds")
    detail(stub, 1, [fx.RUNTIME_ALLOWED_FAILED, fx.RUNTIME_SUPPORTED_FAILED], target="OtherFunction")
    detail(stub, 6, [fx.annotation("lambda.reserved-concurrency-stack-budget", "FAILED", "MEDIUM",
                                   "the stack reserves 300 concurrent executions; budget 200", "Lower it.")],
           target=fx.STACK)
    detail(stub, 0, [fx.RUNTIME_ALLOWED_FAILED])
    detail(stub, 5, [fx.RUNTIME_ALLOWED_FAILED])
    detail(stub, 4, [fx.RUNTIME_ALLOWED_FAILED], target="Refunds")
    # WHEN
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, "--format", "json")
    stub.assert_no_pending_responses()
    doc = json.loads(out)
    # THEN FAIL would have blocked: exit 1, both stacks, grouped by stack and rule, biggest first
    assert code == 1 and doc["would_block"] is True and doc["hook_arns"] == [ARN, TEMPLATE_ARN]
    assert doc["invocations"] == 6 and doc["already_blocked_under_fail"] == 1
    assert doc["stacks"] == [fx.STACK, "payments"]
    assert [(g["stack"], g["rule"], g["count"]) for g in doc["groups"]] == [
        (fx.STACK, "lambda.runtime-allowed", 3),
        ("payments", "lambda.runtime-allowed", 2),
        (fx.STACK, "lambda.reserved-concurrency-stack-budget", 1),
        (fx.STACK, "lambda.runtime-supported", 1)]
    first = doc["groups"][0]
    assert first["targets"] == ["HelloFunction", "OtherFunction"]
    assert first["newest"] == {"invoked_at": "2026-11-21T10:01:00Z", "hook_result_id": IDS[1], "target": "OtherFunction",
                               "message": fx.RUNTIME_ALLOWED_FAILED["StatusMessage"]}
    # AND the warning-only rule (lambda.tags-required) is not counted: FAIL would not block it
    assert all(g["rule"] != "lambda.tags-required" for g in doc["groups"])
    # AND each exemption is exactly that stack and those resources, and the policy accepts it once its
    # reason is written
    assert first["exemption"]["rules"] == ["lambda.runtime-allowed"] and first["exemption"]["stacks"] == [fx.STACK]
    assert first["exemption"]["resources"] == ["HelloFunction", "OtherFunction"]
    stack_rule = doc["groups"][2]["exemption"]
    assert "resources" not in stack_rule  # the stack's own invocation targets the stack, not a resource
    entries = [{**g["exemption"], "reason": "vendor SDK pinned; replacement tracked in PLAT-12"} for g in doc["groups"]]
    policy = (ROOT / "policies" / "default.policy.yaml").read_text() + "\n" + yaml.safe_dump({"exemptions": entries})
    policy = policy.replace("\nexemptions: []\n", "\n", 1)
    report = check_policy_text(policy, "policy.yaml", default_registry())
    assert report.errors == [] and report.policy is not None, report.errors
    assert len(report.policy.exemptions) == 4


def test_text_says_what_fail_would_block_and_prints_a_pasteable_exemption(capsys: pytest.CaptureFixture[str],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = cfn()
    listing(stub, ARN, "HOOK_COMPLETE_FAILED", [[summary(0, stack=PAYMENTS, target="Refunds")]])
    listing(stub, ARN, "HOOK_FAILED", [[summary(1, status="HOOK_FAILED", stack=PAYMENTS, target="Refunds",
                                                reason="govhook could not evaluate: policy ssm:/govhook/policy unreadable")]])
    detail(stub, 1, [], target="Refunds")
    detail(stub, 0, [fx.RUNTIME_ALLOWED_FAILED], target="Refunds")
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, "--hook-arn", ARN)
    assert code == 1
    lines = out.splitlines()
    assert lines[:3] == [f"hooks: {ARN}", "window: 2026-11-01 00:00 to 2026-11-30 00:00 UTC",
                         "FAIL would have blocked 2 invocation(s) in 1 stack(s): payments"]
    block = out.split("payments  lambda.runtime-allowed  x1  (Refunds)\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert block[0] == f"  newest: 2026-11-20 10:00:00 UTC  Refunds  hook result {IDS[0]}"
    entry = yaml.safe_load("\n".join(line[4:] for line in block[3:]))
    assert entry[0]["rules"] == ["lambda.runtime-allowed"] and entry[0]["stacks"] == ["payments"]
    assert entry[0]["resources"] == ["Refunds"] and entry[0]["reason"].startswith("TODO")
    assert "payments  (hook error)  x1  (Refunds)" in out
    assert "no exemption covers a hook error: fix what the reason says" in out


def test_an_empty_window_exits_0(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = cfn()
    listing(stub, ARN, "HOOK_COMPLETE_FAILED", [[summary(0, mode="FAIL")]])
    listing(stub, ARN, "HOOK_FAILED", [[]])
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, "--hook-arn", ARN)
    assert code == 0
    assert out.splitlines()[2] == ("FAIL would have blocked nothing: no invocation failed under WARN in this window "
                                   "(1 failed under FAIL, already blocked)")


def test_list_hook_results_denied_says_what_to_grant(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = cfn()
    stub.add_client_error("list_hook_results", service_error_code="AccessDenied", http_status_code=403,
                          service_message="not authorized to perform: cloudformation:ListHookResults")
    with stub:
        code, out, err = run(capsys, monkeypatch, client, "--hook-arn", ARN)
    assert (code, out) == (2, "")
    assert err == ("govhook: error: cloudformation:ListHookResults denied (AccessDenied): not authorized to perform: "
                   "cloudformation:ListHookResults\n")


def test_get_hook_result_denied_groups_by_the_reason(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = cfn()
    listing(stub, ARN, "HOOK_COMPLETE_FAILED", [[summary(0), summary(1, day=21)]])
    listing(stub, ARN, "HOOK_FAILED", [[]])
    stub.add_client_error("get_hook_result", service_error_code="AccessDenied", http_status_code=403)
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, "--hook-arn", ARN, "--format", "json")
    stub.assert_no_pending_responses()  # after one denial no more GetHookResult calls
    doc = json.loads(out)
    assert code == 1 and [(g["rule"], g["count"]) for g in doc["groups"]] == [("lambda.runtime-allowed", 2)]
    assert doc["notes"] == ["cloudformation:GetHookResult denied: invocations are grouped by the first rule named in "
                            "their status reason, without annotations; grant it for the rules"]


def test_a_stack_without_hook_outputs_and_a_bad_window_are_one_line(capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = cfn()
    stub.add_response("describe_stacks", {"Stacks": [{"StackName": "govhook", "StackId": fx.STACK_ID,
                                                      "CreationTime": datetime(2026, 10, 1, tzinfo=UTC),
                                                      "StackStatus": "CREATE_COMPLETE"}]}, {"StackName": "govhook"})
    with stub:
        code, _, err = run(capsys, monkeypatch, client)
    assert code == 2 and err.startswith("govhook: error: stack govhook has no HookArn/TemplateHookArn outputs")
    code = main(["would-block", "--since", "last tuesday", "--hook-arn", ARN])
    assert code == 2 and "--since 'last tuesday': give a duration" in capsys.readouterr().err
