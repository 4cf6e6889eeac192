"""``govhook results``: the hook's verdict read back from CloudFormation.

botocore's Stubber on a real CloudFormation client: every request and response is validated against
the installed botocore model, and a call the test did not queue fails the test. moto's server has
no ListHookResults/GetHookResult; it answers DescribeStackEvents, so the "stack exists, no hook
results" and "stack not found" paths also run against it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import botocore
import pytest
from botocore.stub import Stubber

from hook.cli import main
from hook.cli import results as results_mod
from hook.cli.results import ResultsError, fetch
from tests import results_fixtures as fx

ROOT = Path(__file__).resolve().parents[2]


def cfn() -> tuple[Any, Stubber]:
    client = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
    return client, Stubber(client)


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, client: Any,
        *args: str) -> tuple[int, str, str]:
    seen: dict[str, Any] = {}

    def fake_make_client(region: str | None = None, profile: str | None = None) -> Any:
        seen.update(region=region, profile=profile)
        return client

    monkeypatch.setattr(results_mod, "make_client", fake_make_client)
    code = main(["results", *args])
    out, err = capsys.readouterr()
    return code, out, err


def events_page(events: list[dict[str, Any]], next_token: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {"StackEvents": events}
    if next_token:
        page["NextToken"] = next_token
    return page


def test_blocked_stack_invocation_shows_the_failed_rule_and_its_fix(capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the hook's STACK invocation failed a create (failure mode FAIL) with one failed annotation
    client, stub = cfn()
    fx.no_failed_operation_events(stub)  # DescribeEvents is read first
    stub.add_response("describe_stack_events", events_page(fx.blocked_stack_events()), {"StackName": fx.STACK})
    stub.add_response("get_hook_result",
                      fx.hook_result(fx.STACK_INVOCATION, "HOOK_COMPLETE_FAILED",
                                     "1 violation: [lambda.reserved-concurrency-stack-budget] stack: reserved "
                                     "concurrency 900 exceeds the stack budget of 200",
                                     [fx.BUDGET_FAILED, fx.TIMEOUT_PASSED]),
                      {"HookResultId": fx.STACK_INVOCATION})
    # WHEN
    with stub:
        code, out, err = run(capsys, monkeypatch, client, fx.STACK)
    stub.assert_no_pending_responses()
    # THEN exit 1, and the invocation's first line says the stack was blocked by which rule
    lines = out.splitlines()
    assert code == 1 and err == ""
    assert lines[0] == "stack orders-api (latest operation): BLOCKED (1 blocked, 0 warned, 0 passed, 0 running)"
    assert lines[2] == "BLOCKED  stack orders-api: 1 rule failed: lambda.reserved-concurrency-stack-budget"
    assert "  hook Private::Lambda::Governance  HOOK_COMPLETE_FAILED  failure mode FAIL  PRE_PROVISION" in out
    assert "  FAILED  medium   lambda.reserved-concurrency-stack-budget" in out
    assert "          fix: Lower ReservedConcurrentExecutions, or raise the budget in the policy." in out
    assert "          see: https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html" in out
    # the passed rule is counted, not listed
    assert "lambda.timeout-within-bounds" not in out and "(1 passed not shown; --all shows them)" in out


def test_resource_invocation_is_joined_from_stack_events_to_get_hook_result(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the latest create: HelloFunction blocked, QueueFunction passed; an older operation failed too
    # the join: each event's HookInvocationId is the HookResultId, newest invocation first;
    # nothing is queued for the older operation's invocation, so reading it would fail the test
    client, stub = cfn()
    fx.queue_blocked_resource(stub)
    # WHEN
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK, "--format", "json")
    stub.assert_no_pending_responses()
    doc = json.loads(out)
    # THEN only the blocked invocation is listed, with its target, full reason and every annotation
    assert code == 1 and doc["blocked"] is True and doc["scope"] == "latest"
    assert doc["counts"] == {"blocked": 1, "warned": 0, "passed": 1, "in-progress": 0}
    [inv] = doc["invocations"]
    assert inv["outcome"] == "blocked" and inv["status"] == "HOOK_COMPLETE_FAILED" and inv["failure_mode"] == "FAIL"
    assert inv["target"] == {"type": "RESOURCE", "id": "HelloFunction", "resource_type": "AWS::Lambda::Function",
                             "action": "CREATE"}
    assert inv["hook_result_id"] == fx.FUNCTION_INVOCATION and inv["hook"] == fx.HOOK
    assert inv["reason"] == fx.REASON  # GetHookResult's reason replaces the event's "Hook failed with message: ..."
    assert inv["failed_rules"] == ["lambda.runtime-allowed", "lambda.runtime-supported"]
    assert [a["status"] for a in inv["annotations"]] == ["FAILED", "FAILED", "PASSED", "SKIPPED"]
    assert inv["annotations"][0] == {
        "rule_id": "lambda.runtime-allowed", "status": "FAILED", "severity": "HIGH",
        "message": fx.RUNTIME_ALLOWED_FAILED["StatusMessage"], "remediation": fx.RUNTIME_ALLOWED_FAILED["RemediationMessage"],
        "link": fx.RUNTIME_LINK}
    assert inv["invoked_at"] == "2026-11-20T14:03:00Z" and inv["latest_operation"] is True
    assert inv["detail_error"] is None and doc["notes"] == []
    # the documented JSON shape (README), key for key
    assert list(doc) == ["schema_version", "stack", "change_set", "change_set_status", "scope", "blocked", "counts",
                         "invocations", "notes", "operations", "validations", "events_source",
                         "change_set_execution", "planned_hooks"]
    assert list(inv) == ["outcome", "hook", "status", "failure_mode", "invocation_point", "hook_result_id",
                         "invoked_at", "latest_operation", "target", "reason", "failed_rules", "annotations",
                         "detail_error"]


def test_text_lists_invocations_most_recent_first_with_all(capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the same history, read whole with --all
    client, stub = cfn()
    fx.no_failed_operation_events(stub)  # DescribeEvents is read first
    stub.add_response("describe_stack_events", events_page(fx.blocked_resource_events()), {"StackName": fx.STACK})
    stub.add_response("get_hook_result", fx.hook_result(fx.FUNCTION_INVOCATION, "HOOK_COMPLETE_FAILED", fx.REASON,
                                                        [fx.RUNTIME_ALLOWED_FAILED, fx.SNAPSTART_SKIPPED], minute=3,
                                                        target=fx.function_target()),
                      {"HookResultId": fx.FUNCTION_INVOCATION})
    stub.add_response("get_hook_result", fx.hook_result(fx.QUEUE_FN_INVOCATION, "HOOK_COMPLETE_SUCCEEDED", "ok",
                                                        [fx.TIMEOUT_PASSED], minute=2,
                                                        target=fx.function_target("QueueFunction")),
                      {"HookResultId": fx.QUEUE_FN_INVOCATION})
    stub.add_response("get_hook_result", fx.hook_result(fx.OLD_INVOCATION, "HOOK_COMPLETE_FAILED", "old failure", [],
                                                        minute=1, target=fx.function_target("OldFunction", "UPDATE")),
                      {"HookResultId": fx.OLD_INVOCATION})
    # WHEN
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK, "--all")
    # THEN every invocation, newest first; the older operation is marked and does not set the exit code
    firsts = [ln for ln in out.splitlines() if ln.split("  ")[0] in ("BLOCKED", "WARNED", "PASSED", "RUNNING")]
    assert firsts == [
        "BLOCKED  HelloFunction (AWS::Lambda::Function, CREATE): 1 rule failed: lambda.runtime-allowed",
        "PASSED  QueueFunction (AWS::Lambda::Function, CREATE): ok",
        "BLOCKED  OldFunction (AWS::Lambda::Function, UPDATE): old failure",
    ]
    assert "earlier operation" in out.split("OldFunction")[1]
    assert "  SKIPPED informational lambda.snapstart-for-java" in out  # --all shows passed/skipped rules
    assert code == 1  # HelloFunction, in the latest operation
    assert "details:" not in out  # every GetHookResult answered


def test_change_set_name_is_resolved_to_its_arn(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a change set whose creation a CHANGE_SET hook failed
    client, stub = cfn()
    stub.add_response("describe_change_set",
                      {"ChangeSetName": fx.CHANGE_SET, "ChangeSetId": fx.CHANGE_SET_ARN, "StackId": fx.STACK_ID,
                       "StackName": fx.STACK, "Status": "FAILED", "ExecutionStatus": "UNAVAILABLE",
                       "StatusReason": f"The following hook(s) failed: [{fx.HOOK}]"},
                      {"ChangeSetName": fx.CHANGE_SET, "StackName": fx.STACK})
    fx.no_failed_operation_events(stub, change_set=fx.CHANGE_SET_ARN)
    stub.add_response("list_hook_results",
                      {"TargetType": "CHANGE_SET", "TargetId": fx.CHANGE_SET_ARN, "HookResults": [
                          {"HookResultId": fx.CHANGE_SET_INVOCATION, "InvocationPoint": "PRE_PROVISION",
                           "FailureMode": "FAIL", "TypeName": fx.HOOK, "TypeVersionId": "00000001",
                           "Status": "HOOK_COMPLETE_FAILED", "HookStatusReason": fx.REASON,
                           "TargetType": "CHANGE_SET", "TargetId": fx.CHANGE_SET_ARN}]},
                      {"TargetType": "CHANGE_SET", "TargetId": fx.CHANGE_SET_ARN})
    stub.add_response("get_hook_result", fx.hook_result(fx.CHANGE_SET_INVOCATION, "HOOK_COMPLETE_FAILED", fx.REASON,
                                                        [fx.RUNTIME_ALLOWED_FAILED]),
                      {"HookResultId": fx.CHANGE_SET_INVOCATION})
    fx.no_planned_hooks(stub)
    # WHEN
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK, "--change-set", fx.CHANGE_SET)
    stub.assert_no_pending_responses()
    # THEN
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == f"change set {fx.CHANGE_SET}: FAILED: The following hook(s) failed: [{fx.HOOK}]"
    assert lines[1].startswith(f"change set {fx.CHANGE_SET} of stack {fx.STACK}: BLOCKED")
    assert f"BLOCKED  change set {fx.CHANGE_SET}: 1 rule failed: lambda.runtime-allowed" in lines


def test_change_set_arn_is_used_as_is_and_results_are_paginated(capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN ListHookResults answers in two pages (no DescribeChangeSet is queued: an ARN needs none)
    client, stub = cfn()

    def summary(inv: str, status: str, mode: str) -> dict[str, Any]:
        return {"HookResultId": inv, "InvocationPoint": "PRE_PROVISION", "FailureMode": mode, "TypeName": fx.HOOK,
                "Status": status, "HookStatusReason": "r", "TargetType": "CHANGE_SET", "TargetId": fx.CHANGE_SET_ARN}

    base = {"TargetType": "CHANGE_SET", "TargetId": fx.CHANGE_SET_ARN}
    fx.no_failed_operation_events(stub, change_set=fx.CHANGE_SET_ARN)
    stub.add_response("list_hook_results", {**base, "NextToken": "page-2",
                                            "HookResults": [summary(fx.CHANGE_SET_INVOCATION, "HOOK_COMPLETE_FAILED",
                                                                    "WARN")]}, base)
    stub.add_response("list_hook_results", {**base, "HookResults": [summary(fx.STACK_INVOCATION, "HOOK_FAILED",
                                                                            "FAIL")]},
                      {**base, "NextToken": "page-2"})
    stub.add_response("get_hook_result", fx.hook_result(fx.CHANGE_SET_INVOCATION, "HOOK_COMPLETE_FAILED", "r",
                                                        [fx.TAGS_WARNED], mode="WARN"),
                      {"HookResultId": fx.CHANGE_SET_INVOCATION})
    stub.add_response("get_hook_result", fx.hook_result(fx.STACK_INVOCATION, "HOOK_FAILED",
                                                        "govhook could not evaluate: policy s3://b/p.yaml unreadable", []),
                      {"HookResultId": fx.STACK_INVOCATION})
    fx.no_planned_hooks(stub)
    # WHEN
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK, "--change-set", fx.CHANGE_SET_ARN, "--format", "json")
    stub.assert_no_pending_responses()
    doc = json.loads(out)
    # THEN both pages are read; the hook's own error (HOOK_FAILED, FAIL) blocks, the WARN one warns
    assert code == 1 and doc["change_set"] == fx.CHANGE_SET_ARN and doc["change_set_status"] is None
    assert [(i["hook_result_id"], i["outcome"]) for i in doc["invocations"]] == [
        (fx.CHANGE_SET_INVOCATION, "warned"), (fx.STACK_INVOCATION, "blocked")]


def test_warnings_only_exit_0(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN one invocation failed under failure mode WARN, and one succeeded with a warn-mode rule failing
    client, stub = cfn()
    events = [
        fx.stack_event("CREATE_COMPLETE", 6),
        fx.event("HelloFunction", "CREATE_IN_PROGRESS", 3, 5,
                 **fx.hook_fields(fx.FUNCTION_INVOCATION, "HOOK_COMPLETE_FAILED", "Hook failed", mode="WARN")),
        fx.event("QueueFunction", "CREATE_IN_PROGRESS", 3, 0,
                 **fx.hook_fields(fx.QUEUE_FN_INVOCATION, "HOOK_COMPLETE_SUCCEEDED", "Hook succeeded")),
        fx.stack_event("CREATE_IN_PROGRESS", 2, reason="User Initiated"),
    ]
    fx.no_failed_operation_events(stub)  # DescribeEvents is read first
    stub.add_response("describe_stack_events", events_page(events), {"StackName": fx.STACK})
    stub.add_response("get_hook_result", fx.hook_result(fx.FUNCTION_INVOCATION, "HOOK_COMPLETE_FAILED", fx.REASON,
                                                        [fx.RUNTIME_ALLOWED_FAILED], mode="WARN",
                                                        target=fx.function_target()),
                      {"HookResultId": fx.FUNCTION_INVOCATION})
    stub.add_response("get_hook_result", fx.hook_result(fx.QUEUE_FN_INVOCATION, "HOOK_COMPLETE_SUCCEEDED",
                                                        "1 warning: [lambda.tags-required] ...",
                                                        [fx.TAGS_WARNED, fx.TIMEOUT_PASSED], mode="FAIL", minute=2,
                                                        target=fx.function_target("QueueFunction")),
                      {"HookResultId": fx.QUEUE_FN_INVOCATION})
    # WHEN
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK)
    # THEN both are reported as warnings and the exit code is 0
    assert code == 0
    assert out.splitlines()[0] == ("stack orders-api (latest operation): not blocked "
                                   "(0 blocked, 2 warned, 0 passed, 0 running)")
    assert "WARNED  HelloFunction (AWS::Lambda::Function, CREATE): 1 rule failed: lambda.runtime-allowed" in out
    assert "WARNED  QueueFunction (AWS::Lambda::Function, CREATE): 1 rule failed: lambda.tags-required" in out


def test_no_hook_results_is_exit_0(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = cfn()
    fx.no_failed_operation_events(stub)  # DescribeEvents is read first
    stub.add_response("describe_stack_events", events_page([
        fx.stack_event("CREATE_COMPLETE", 4), fx.event("HelloFunction", "CREATE_COMPLETE", 3),
        fx.event("HelloFunction", "CREATE_IN_PROGRESS", 2), fx.stack_event("CREATE_IN_PROGRESS", 1, reason="User Initiated"),
    ]), {"StackName": fx.STACK})
    with stub:
        code, out, err = run(capsys, monkeypatch, client, fx.STACK)
    assert code == 0 and err == ""
    assert out.startswith(f"no hook results for {fx.STACK}; --all searches the whole event history")


def test_change_set_without_hook_results_is_exit_0(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = cfn()
    fx.no_failed_operation_events(stub, change_set=fx.CHANGE_SET_ARN)
    stub.add_response("list_hook_results", {"HookResults": []},
                      {"TargetType": "CHANGE_SET", "TargetId": fx.CHANGE_SET_ARN})
    fx.no_planned_hooks(stub)
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK, "--change-set", fx.CHANGE_SET_ARN)
    assert (code, out) == (0, f"no hook results for {fx.STACK} (change set {fx.CHANGE_SET}); STACK and RESOURCE "
                              "hooks run when the change set is executed: govhook results STACK\n")


def test_all_passed_says_so_and_exit_0(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = cfn()
    fx.no_failed_operation_events(stub)  # DescribeEvents is read first
    stub.add_response("describe_stack_events", events_page([
        fx.event("HelloFunction", "CREATE_IN_PROGRESS", 3,
                 **fx.hook_fields(fx.FUNCTION_INVOCATION, "HOOK_COMPLETE_SUCCEEDED", "Hook succeeded")),
        fx.stack_event("CREATE_IN_PROGRESS", 1, reason="User Initiated")]), {"StackName": fx.STACK})
    stub.add_response("get_hook_result", fx.hook_result(fx.FUNCTION_INVOCATION, "HOOK_COMPLETE_SUCCEEDED", "ok",
                                                        [fx.TIMEOUT_PASSED]), {"HookResultId": fx.FUNCTION_INVOCATION})
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK)
    assert code == 0
    assert out == (f"no failed or warned hook invocations for stack {fx.STACK} (latest operation): "
                   "1 passed, 0 running; --all lists them\n")


def test_stack_events_are_paginated(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the latest operation spans two DescribeStackEvents pages, the hook event on the second
    client, stub = cfn()
    events = fx.blocked_resource_events()
    fx.no_failed_operation_events(stub)  # DescribeEvents is read first
    stub.add_response("describe_stack_events", events_page(events[:3], "t2"), {"StackName": fx.STACK})
    stub.add_response("describe_stack_events", events_page(events[3:], "t3"), {"StackName": fx.STACK, "NextToken": "t2"})
    stub.add_response("get_hook_result", fx.hook_result(fx.FUNCTION_INVOCATION, "HOOK_COMPLETE_FAILED", fx.REASON,
                                                        [fx.RUNTIME_ALLOWED_FAILED]),
                      {"HookResultId": fx.FUNCTION_INVOCATION})
    stub.add_response("get_hook_result", fx.hook_result(fx.QUEUE_FN_INVOCATION, "HOOK_COMPLETE_SUCCEEDED", "ok", []),
                      {"HookResultId": fx.QUEUE_FN_INVOCATION})
    # WHEN
    with stub:
        report = fetch(client, fx.STACK)
    # THEN page 2 was read, and reading stopped at the operation's start (no third page requested)
    stub.assert_no_pending_responses()
    assert report.blocked and [i.target_id for i in report.shown()] == ["HelloFunction"]


def test_operation_id_bounds_the_latest_operation() -> None:
    # GIVEN events that carry OperationId and no "User Initiated" stack event between two operations
    client, stub = cfn()
    new = fx.event("HelloFunction", "CREATE_IN_PROGRESS", 3,
                   **fx.hook_fields(None, "HOOK_COMPLETE_SUCCEEDED", "Hook succeeded"))
    old = fx.event("HelloFunction", "UPDATE_IN_PROGRESS", 1,
                   **fx.hook_fields(None, "HOOK_COMPLETE_FAILED", "Hook failed with message: old"))
    new["OperationId"], old["OperationId"] = "op-2", "op-1"
    fx.no_failed_operation_events(stub)  # DescribeEvents is read first
    stub.add_response("describe_stack_events", events_page([new, old]), {"StackName": fx.STACK})
    # WHEN
    with stub:
        report = fetch(client, fx.STACK)
    # THEN the older operation's failure is not read; events without an invocation id get no GetHookResult
    assert [i.status for i in report.invocations] == ["HOOK_COMPLETE_SUCCEEDED"]
    assert not report.blocked
    assert any("no HookInvocationId" in n for n in report.notes)


def test_stack_not_found_is_exit_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = cfn()
    # DescribeEvents, read first, answers as DescribeStackEvents would for a stack that does not exist
    stub.add_client_error("describe_events", service_error_code="ValidationError",
                          service_message="Stack [nope] does not exist", http_status_code=400)
    with stub:
        code, out, err = run(capsys, monkeypatch, client, "nope")
    assert code == 2 and out == ""
    assert err == ("govhook: error: stack nope not found (Stack [nope] does not exist); a deleted stack's events "
                   "are read by its stack id (ARN)\n")


def test_change_set_not_found_is_exit_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = cfn()
    stub.add_client_error("describe_change_set", service_error_code="ChangeSetNotFound",
                          service_message="ChangeSet [x] does not exist", http_status_code=404)
    with stub:
        code, _, err = run(capsys, monkeypatch, client, fx.STACK, "--change-set", "x")
    assert code == 2 and err == f"govhook: error: change set x not found for stack {fx.STACK} (ChangeSet [x] does not exist)\n"


def test_access_denied_is_exit_2_naming_the_action(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = cfn()
    fx.no_failed_operation_events(stub)  # DescribeEvents is read first
    stub.add_client_error("describe_stack_events", service_error_code="AccessDenied", http_status_code=403,
                          service_message="User: arn:aws:sts::123456789012:assumed-role/dev/me is not authorized to "
                                          "perform: cloudformation:DescribeStackEvents\non resource: x")
    with stub:
        code, _, err = run(capsys, monkeypatch, client, fx.STACK)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("govhook: error: cloudformation:DescribeStackEvents denied (AccessDenied): User: arn:aws:sts")


def test_get_hook_result_denied_still_reports_the_block(capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN events can be read but GetHookResult is denied (a least-privilege deploy role)
    client, stub = cfn()
    fx.no_failed_operation_events(stub)  # DescribeEvents is read first
    stub.add_response("describe_stack_events", events_page(fx.blocked_stack_events()), {"StackName": fx.STACK})
    stub.add_client_error("get_hook_result", service_error_code="AccessDenied", http_status_code=403,
                          service_message="not authorized")
    # WHEN
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK)
    # THEN the block is reported from the event's reason, and the user is told what is missing and why
    assert code == 1
    assert ("BLOCKED  stack orders-api: Hook failed with message: 1 violation: "
            "[lambda.reserved-concurrency-stack-budget]") in out
    assert "  details: cloudformation:GetHookResult denied (AccessDenied): annotations not shown" in out
    assert "note: cloudformation:GetHookResult was denied" in out


def test_hook_result_not_found_keeps_the_event_reason() -> None:
    client, stub = cfn()
    fx.no_failed_operation_events(stub)  # DescribeEvents is read first
    stub.add_response("describe_stack_events", events_page(fx.blocked_stack_events()), {"StackName": fx.STACK})
    stub.add_client_error("get_hook_result", service_error_code="HookResultNotFound", http_status_code=404)
    with stub:
        report = fetch(client, fx.STACK)
    [inv] = report.invocations
    assert inv.outcome == "blocked" and inv.annotations == ()
    assert inv.reason is not None and inv.reason.startswith("Hook failed with message: 1 violation")
    assert inv.detail_error == "GetHookResult: no result kept for this invocation (HookResultNotFound)"


def test_a_botocore_without_the_hook_apis_is_a_clear_error() -> None:
    old = SimpleNamespace(meta=SimpleNamespace(service_model=SimpleNamespace(
        operation_names=["DescribeStackEvents", "DescribeChangeSet"])))
    with pytest.raises(ResultsError, match=r"does not know cloudformation:GetHookResult, ListHookResults; upgrade boto3"):
        fetch(old, fx.STACK)


def test_no_credentials_is_exit_2(tmp_path: Path) -> None:
    # GIVEN no credentials anywhere (and no instance metadata to fall back on)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_REGION": "us-east-1"}
    # WHEN
    proc = subprocess.run([sys.executable, "-m", "hook.cli", "results", fx.STACK], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    # THEN
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == ("govhook: error: no AWS credentials found: configure them (aws configure, AWS_PROFILE) "
                           "or pass --profile\n")


def test_no_region_is_exit_2(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true"}
    proc = subprocess.run([sys.executable, "-m", "hook.cli", "results", fx.STACK], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stderr) == (2, "govhook: error: no AWS region: pass --region or set AWS_REGION\n")


def test_change_set_of_a_missing_stack_names_the_stack(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = cfn()
    stub.add_client_error("describe_change_set", service_error_code="ValidationError",
                          service_message="Stack [nope] does not exist", http_status_code=400)
    with stub:
        code, _, err = run(capsys, monkeypatch, client, "nope", "--change-set", "cs1")
    assert code == 2 and err.startswith("govhook: error: stack nope not found (Stack [nope] does not exist)")


def test_unknown_profile_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    code = main(["results", fx.STACK, "--profile", "no-such-profile"])
    _, err = capsys.readouterr()
    assert code == 2 and err == "govhook: error: The config profile (no-such-profile) could not be found\n"


def test_other_commands_do_not_import_boto3() -> None:
    code = ("import sys; from hook.cli import main; main(['rules']); "
            "print(sorted(m for m in ('boto3', 'botocore', 'hook.cli.results') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip().splitlines()[-1] == "[]"


# --- moto's server: DescribeStackEvents is real there, the hook APIs are not ----------------------

HELLO = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}


def test_moto_stack_without_hook_results(aws_client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a stack created in moto's server (no hook ran: moto has no hooks)
    aws_client("cloudformation").create_stack(StackName="plain", TemplateBody=json.dumps(HELLO))
    # WHEN govhook results reads it through the real client factory (AWS_ENDPOINT_URL is moto)
    code = main(["results", "plain", "--region", "us-east-1"])
    out, err = capsys.readouterr()
    # THEN
    assert (code, err) == (0, "")
    assert out.startswith("no hook results for plain;")


def test_moto_stack_not_found(aws_client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    aws_client("cloudformation")  # the server is up and empty
    code = main(["results", "missing", "--region", "us-east-1"])
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith("govhook: error: stack missing not found (") and err.count("\n") == 1


def test_readme_shows_this_fixture_output(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the README's example run
    client, stub = cfn()
    fx.queue_blocked_resource(stub)
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK)
    # THEN the README shows exactly this output (indented as a code block), and says what the exit code was
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = "\n".join(("    " + ln) if ln else "" for ln in out.rstrip("\n").splitlines())
    assert code == 1
    assert block in readme


class FakeCfn:
    """A stand-in for a client built from an older botocore model, or one that cannot connect."""

    def __init__(self, events: list[dict[str, Any]] | None = None, error: Exception | None = None,
                 event_members: tuple[str, ...] = ("HookType", "HookStatus")) -> None:
        self._events = events or []
        self._error = error
        shape = SimpleNamespace(members=dict.fromkeys(event_members))
        self.meta = SimpleNamespace(service_model=SimpleNamespace(
            operation_names=["DescribeStackEvents", "GetHookResult", "ListHookResults", "DescribeChangeSet"],
            shape_for=lambda name: shape))

    def describe_stack_events(self, **params: Any) -> dict[str, Any]:
        if self._error is not None:
            raise self._error
        return {"StackEvents": self._events}


def test_a_botocore_that_drops_hook_invocation_id_says_so() -> None:
    # GIVEN events parsed by a botocore whose StackEvent shape has no HookInvocationId
    events = [fx.event("HelloFunction", "CREATE_IN_PROGRESS", 3,
                       **fx.hook_fields(None, "HOOK_COMPLETE_FAILED", "Hook failed with message: 1 violation")),
              fx.stack_event("CREATE_IN_PROGRESS", 1, reason="User Initiated")]
    # WHEN
    report = fetch(FakeCfn(events), fx.STACK)
    # THEN the block is still reported from the event, and the note says how to get the annotations
    assert report.blocked and report.invocations[0].reason == "Hook failed with message: 1 violation"
    assert report.notes == [f"the installed botocore ({botocore.__version__}) has no cloudformation:DescribeEvents: early-validation "
                            "failures are not shown; upgrade boto3 and botocore",
                            "the installed botocore does not read HookInvocationId from stack events, so "
                            "annotations cannot be fetched; upgrade boto3 and botocore"]


def test_unreachable_endpoint_is_one_line() -> None:
    from botocore.exceptions import EndpointConnectionError

    err = EndpointConnectionError(endpoint_url="https://cloudformation.us-east-1.amazonaws.com/")
    with pytest.raises(ResultsError) as info:
        fetch(FakeCfn(error=err), fx.STACK)
    assert str(info.value) == ('could not reach CloudFormation: Could not connect to the endpoint URL: '
                               '"https://cloudformation.us-east-1.amazonaws.com/"')
