"""``govhook results`` with DescribeEvents and DescribeChangeSetHooks.

botocore's Stubber on a real CloudFormation client: every request and response is checked against
the installed botocore model (moto implements neither API), and a call nobody queued fails.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from hook.cli import main
from hook.cli import results as results_mod
from hook.cli.render.results import render_text
from hook.cli.results import fetch
from tests import results_fixtures as fx

OP_NEW = "8c4f6a0e-1d2b-4c3d-9e8f-0a1b2c3d4e5f"
OP_OLD = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
FAILED = {"Filters": {"FailedEvents": True}}


def cfn() -> tuple[Any, Stubber]:
    client = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, client: Any, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(results_mod, "make_client", lambda region=None, profile=None: client)
    code = main(["results", *args])
    out, err = capsys.readouterr()
    return code, out, err


def op_event(n: int, kind: str, *, op: str = OP_NEW, op_type: str = "CREATE_STACK", op_status: str = "FAILED",
             minute: int = 2, **fields: Any) -> dict[str, Any]:
    """One OperationEvent, with the model's member names."""
    return {"EventId": f"ev-{op[:4]}-{n}", "StackId": fx.STACK_ID, "OperationId": op, "OperationType": op_type,
            "OperationStatus": op_status, "EventType": kind, "Timestamp": fx.at(minute, n), **fields}


def memory_validation(n: int = 1, **over: Any) -> dict[str, Any]:
    return op_event(n, "VALIDATION_ERROR", LogicalResourceId="HelloFunction", ResourceType="AWS::Lambda::Function",
                    ValidationName="AWS::EarlyValidation::PropertyValidation", ValidationStatus="FAILED",
                    ValidationFailureMode="FAIL", ValidationPath="/Resources/HelloFunction/Properties/MemorySize",
                    ValidationStatusReason="#/MemorySize: 20480 is greater than the maximum of 10240", **over)


def stack_start(minute: int = 1) -> dict[str, Any]:
    return fx.stack_event("CREATE_IN_PROGRESS", minute, reason="User Initiated")


def test_an_early_validation_failure_is_one_line_and_blocks(capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a create stopped by CloudFormation's early validation before any resource (or hook) ran,
    # and a name conflict that only warned; DescribeEvents answers in two pages
    client, stub = cfn()
    conflict = op_event(2, "VALIDATION_ERROR", LogicalResourceId="Logs", ResourceType="AWS::Logs::LogGroup",
                        ValidationName="AWS::EarlyValidation::ResourceExistenceCheck", ValidationStatus="FAILED",
                        ValidationFailureMode="WARN", ValidationPath="/Resources/Logs",
                        ValidationStatusReason="Resource of type 'AWS::Logs::LogGroup' with identifier "
                                               "'/aws/lambda/hello' already exists.")
    stub.add_response("describe_events", {"OperationEvents": [memory_validation()], "NextToken": "p2"},
                      {"StackName": fx.STACK, **FAILED})
    stub.add_response("describe_events", {"OperationEvents": [conflict]},
                      {"StackName": fx.STACK, **FAILED, "NextToken": "p2"})
    stub.add_response("describe_stack_events", {"StackEvents": [fx.stack_event("ROLLBACK_COMPLETE", 3), stack_start()]},
                      {"StackName": fx.STACK})
    # WHEN
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK)
    stub.assert_no_pending_responses()
    # THEN the operation is named once and each validation is one line: what, where, why
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (f"stack {fx.STACK} (latest operation): BLOCKED by early validation "
                        "(2 failed, no hook invocations)")
    assert lines[2] == f"operation {OP_NEW} (CREATE_STACK, FAILED, started 2026-11-20 14:02:01 UTC)"
    assert lines[3] == ("  BLOCKED  early validation property validation (AWS::EarlyValidation::PropertyValidation): "
                        "HelloFunction (AWS::Lambda::Function) at /Resources/HelloFunction/Properties/MemorySize: "
                        "#/MemorySize: 20480 is greater than the maximum of 10240")
    assert lines[4] == ("  WARNED  early validation resource existence check (AWS::EarlyValidation::ResourceExistenceCheck): "
                        "Logs (AWS::Logs::LogGroup) at /Resources/Logs: Resource of type 'AWS::Logs::LogGroup' with "
                        "identifier '/aws/lambda/hello' already exists.")
    assert len(lines) == 5


def test_json_groups_validations_by_operation_and_all_reads_older_ones(capsys: pytest.CaptureFixture[str],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN two failed operations: the older one failed a hook on change-set creation (no stack event has it)
    client, stub = cfn()
    hook_error = op_event(1, "HOOK_INVOCATION_ERROR", op=OP_OLD, op_type="CREATE_CHANGESET", minute=0,
                          LogicalResourceId=fx.STACK, ResourceType="AWS::CloudFormation::Stack", HookType=fx.HOOK,
                          HookStatus="HOOK_COMPLETE_FAILED", HookFailureMode="FAIL", HookInvocationPoint="PRE_PROVISION",
                          HookStatusReason="1 violation: [lambda.runtime-allowed] HelloFunction: runtime 'nodejs18.x' is "
                                           "not allowed")
    stub.add_response("describe_events", {"OperationEvents": [memory_validation(), hook_error]},
                      {"StackName": fx.STACK, **FAILED})
    stub.add_response("describe_stack_events", {"StackEvents": [stack_start()]}, {"StackName": fx.STACK})
    # WHEN --all --format json
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK, "--all", "--format", "json")
    doc = json.loads(out)
    # THEN both operations are listed, newest first, each with what failed in it
    assert code == 1 and doc["events_source"] == "DescribeEvents+DescribeStackEvents"
    assert [(o["operation_id"], o["type"], o["status"]) for o in doc["operations"]] == [
        (OP_NEW, "CREATE_STACK", "FAILED"), (OP_OLD, "CREATE_CHANGESET", "FAILED")]
    (validation,) = doc["operations"][0]["validations"]
    assert validation == {"name": "AWS::EarlyValidation::PropertyValidation", "status": "FAILED", "failure_mode": "FAIL",
                          "blocked": True, "reason": "#/MemorySize: 20480 is greater than the maximum of 10240",
                          "path": "/Resources/HelloFunction/Properties/MemorySize", "logical_id": "HelloFunction",
                          "resource_type": "AWS::Lambda::Function", "operation_id": OP_NEW,
                          "at": "2026-11-20T14:02:01Z"}
    assert doc["validations"] == [validation]
    # AND the change-set hook failure is an invocation of the older operation, saying why it has no annotations
    (inv,) = doc["invocations"]
    assert (inv["outcome"], inv["target"]["type"], inv["latest_operation"]) == ("blocked", "STACK", False)
    assert inv["detail_error"].startswith(f"reported by DescribeEvents (CREATE_CHANGESET {OP_OLD})")


def test_describe_events_denied_falls_back_to_stack_events_and_says_what_to_grant(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a role without cloudformation:DescribeEvents, and the README's blocked create in the stack events
    client, stub = cfn()
    stub.add_client_error("describe_events", service_error_code="AccessDenied", http_status_code=403,
                          service_message="User: arn:aws:sts::123456789012:assumed-role/dev/x is not authorized to "
                                          "perform: cloudformation:DescribeEvents")
    stub.add_response("describe_stack_events", {"StackEvents": fx.blocked_resource_events()}, {"StackName": fx.STACK})
    stub.add_response("get_hook_result", fx.hook_result(fx.FUNCTION_INVOCATION, "HOOK_COMPLETE_FAILED", fx.REASON,
                                                        [fx.RUNTIME_ALLOWED_FAILED], target=fx.function_target()),
                      {"HookResultId": fx.FUNCTION_INVOCATION})
    stub.add_response("get_hook_result", fx.hook_result(fx.QUEUE_FN_INVOCATION, "HOOK_COMPLETE_SUCCEEDED", "ok", []),
                      {"HookResultId": fx.QUEUE_FN_INVOCATION})
    # WHEN
    with stub:
        code, out, err = run(capsys, monkeypatch, client, fx.STACK)
    # THEN the hook's block is still reported, and the note names the permission to grant
    assert code == 1 and err == ""
    assert "BLOCKED  HelloFunction (AWS::Lambda::Function, CREATE): 1 rule failed: lambda.runtime-allowed" in out
    assert out.rstrip().endswith("note: cloudformation:DescribeEvents denied (AccessDenied): early-validation failures "
                                 "and failed change-set operations are not shown; grant cloudformation:DescribeEvents "
                                 "to see them")


def test_an_endpoint_without_describe_events_falls_back() -> None:
    # GIVEN an endpoint (a partition or a local emulator) that does not know the action
    client, stub = cfn()
    stub.add_client_error("describe_events", service_error_code="InvalidAction", http_status_code=400,
                          service_message="Could not find operation DescribeEvents")
    stub.add_response("describe_stack_events", {"StackEvents": [stack_start()]}, {"StackName": fx.STACK})
    with stub:
        report = fetch(client, fx.STACK)
    assert report.events_source == "DescribeStackEvents" and not report.blocked
    assert report.notes == ["cloudformation:DescribeEvents is not answered here (InvalidAction: Could not find operation "
                            "DescribeEvents): early-validation failures are not shown"]


def test_an_empty_window_says_so(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a stack whose latest operation has no failed event and no hook event
    client, stub = cfn()
    stub.add_response("describe_events", {"OperationEvents": []}, {"StackName": fx.STACK, **FAILED})
    stub.add_response("describe_stack_events", {"StackEvents": [fx.stack_event("CREATE_COMPLETE", 2), stack_start()]},
                      {"StackName": fx.STACK})
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["operations"] == [] and doc["validations"] == [] and doc["invocations"] == []
    assert doc["notes"] == [] and doc["blocked"] is False


def planned(logical: str, rtype: str, action: str, hook: str = fx.HOOK) -> dict[str, Any]:
    return {"InvocationPoint": "PRE_PROVISION", "FailureMode": "FAIL", "TypeName": hook, "TypeVersionId": "00000001",
            "TargetDetails": {"TargetType": "RESOURCE", "ResourceTargetDetails": {
                "LogicalResourceId": logical, "ResourceType": rtype, "ResourceAction": action}}}


def test_a_change_set_before_execution_shows_the_hooks_it_will_run(capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a change set created (its CHANGE_SET invocation passed) and not executed yet
    client, stub = cfn()
    stub.add_response("describe_change_set",
                      {"ChangeSetName": fx.CHANGE_SET, "ChangeSetId": fx.CHANGE_SET_ARN, "StackId": fx.STACK_ID,
                       "StackName": fx.STACK, "Status": "CREATE_COMPLETE", "ExecutionStatus": "AVAILABLE",
                       "CreationTime": datetime(2026, 11, 20, 14, 0, tzinfo=fx.at(0).tzinfo)},
                      {"ChangeSetName": fx.CHANGE_SET, "StackName": fx.STACK})
    stub.add_response("describe_events", {"OperationEvents": []}, {"ChangeSetName": fx.CHANGE_SET_ARN, **FAILED})
    stub.add_response("list_hook_results", {"TargetType": "CHANGE_SET", "TargetId": fx.CHANGE_SET_ARN, "HookResults": [
        {"HookResultId": fx.CHANGE_SET_INVOCATION, "InvocationPoint": "PRE_PROVISION", "FailureMode": "FAIL",
         "TypeName": "Private::Lambda::GovernanceTemplate", "Status": "HOOK_COMPLETE_SUCCEEDED",
         "HookStatusReason": "compliant", "TargetType": "CHANGE_SET", "TargetId": fx.CHANGE_SET_ARN}]},
        {"TargetType": "CHANGE_SET", "TargetId": fx.CHANGE_SET_ARN})
    stub.add_response("get_hook_result", fx.hook_result(fx.CHANGE_SET_INVOCATION, "HOOK_COMPLETE_SUCCEEDED", "compliant",
                                                        [fx.TIMEOUT_PASSED]), {"HookResultId": fx.CHANGE_SET_INVOCATION})
    # DescribeChangeSetHooks answers in two pages
    stub.add_response("describe_change_set_hooks", {
        "ChangeSetId": fx.CHANGE_SET_ARN, "ChangeSetName": fx.CHANGE_SET, "Status": "PLANNED", "NextToken": "h2",
        "Hooks": [planned("HelloFunction", "AWS::Lambda::Function", "Add")]}, {"ChangeSetName": fx.CHANGE_SET_ARN})
    stub.add_response("describe_change_set_hooks", {
        "ChangeSetId": fx.CHANGE_SET_ARN, "ChangeSetName": fx.CHANGE_SET, "Status": "PLANNED",
        "Hooks": [planned("HelloUrl", "AWS::Lambda::Url", "Modify")]},
        {"ChangeSetName": fx.CHANGE_SET_ARN, "NextToken": "h2"})
    # WHEN
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK, "--change-set", fx.CHANGE_SET)
    stub.assert_no_pending_responses()
    # THEN nothing blocked, and the hooks that will run on execution are listed with their targets
    assert code == 0
    assert out.splitlines()[-3:] == [
        f"hooks that run when it is executed (DescribeChangeSetHooks, PLANNED): 2 for change set {fx.CHANGE_SET}",
        f"  {fx.HOOK}  failure mode FAIL  HelloFunction (AWS::Lambda::Function, Add)",
        f"  {fx.HOOK}  failure mode FAIL  HelloUrl (AWS::Lambda::Url, Modify)"]


def test_describe_change_set_hooks_denied_is_one_line(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    client, stub = cfn()
    stub.add_response("describe_events", {"OperationEvents": []}, {"ChangeSetName": fx.CHANGE_SET_ARN, **FAILED})
    stub.add_response("list_hook_results", {"HookResults": []}, {"TargetType": "CHANGE_SET", "TargetId": fx.CHANGE_SET_ARN})
    stub.add_client_error("describe_change_set_hooks", service_error_code="AccessDenied", http_status_code=403,
                          service_message="not authorized to perform: cloudformation:DescribeChangeSetHooks")
    with stub:
        code, out, err = run(capsys, monkeypatch, client, fx.STACK, "--change-set", fx.CHANGE_SET_ARN)
    assert (code, out) == (2, "")
    assert err == ("govhook: error: cloudformation:DescribeChangeSetHooks denied (AccessDenied): not authorized to "
                   "perform: cloudformation:DescribeChangeSetHooks\n")


def test_render_without_operations_is_unchanged() -> None:
    # The text of a report DescribeEvents added nothing to is what it was before DescribeEvents.
    report = results_mod.Report(stack=fx.STACK)
    assert render_text(report).startswith(f"no hook results for {fx.STACK};")


def test_events_without_an_invocation_id_are_joined_through_list_hook_results(capsys: pytest.CaptureFixture[str],
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a blocked create whose hook event carries no HookInvocationId (an older event)
    client, stub = cfn()
    blocked = fx.event("HelloFunction", "CREATE_IN_PROGRESS", 3, 5,
                       **fx.hook_fields(None, "HOOK_COMPLETE_FAILED", "Hook failed with message: 2 violations"))
    stub.add_response("describe_events", {"OperationEvents": []}, {"StackName": fx.STACK, **FAILED})
    stub.add_response("describe_stack_events", {"StackEvents": [blocked, stack_start(2)]}, {"StackName": fx.STACK})
    # WHEN ListHookResults, filtered by the hook's type ARN and the status, has it among other stacks'
    type_arn = f"arn:aws:cloudformation:us-east-1:{fx.ACCOUNT}:type/hook/Private-Lambda-Governance"
    other_stack = fx.STACK_ID.replace(f"stack/{fx.STACK}/", "stack/other/")

    def result(n: int, stack_arn: str, target: str, minute: int, second: int) -> dict[str, Any]:
        return {"HookResultId": f"0000000{n}-aaaa-4bbb-8ccc-dddddddddddd", "InvocationPoint": "PRE_PROVISION",
                "FailureMode": "FAIL", "TypeName": fx.HOOK, "Status": "HOOK_COMPLETE_FAILED", "HookStatusReason": "r",
                "InvokedAt": fx.at(minute, second), "TargetType": "RESOURCE", "TargetId": target, "TypeArn": type_arn,
                "HookExecutionTarget": stack_arn}

    stub.add_response("list_hook_results", {"HookResults": [result(1, other_stack, "HelloFunction", 3, 5),
                                                            result(2, fx.STACK_ID, "HelloFunction", 1, 0)],
                                            "NextToken": "n2"},
                      {"TypeArn": type_arn, "Status": "HOOK_COMPLETE_FAILED"})
    stub.add_response("list_hook_results", {"HookResults": [result(3, fx.STACK_ID, "HelloFunction", 3, 6),
                                                            result(4, fx.STACK_ID, "OtherFunction", 3, 5)]},
                      {"TypeArn": type_arn, "Status": "HOOK_COMPLETE_FAILED", "NextToken": "n2"})
    found = "00000003-aaaa-4bbb-8ccc-dddddddddddd"
    stub.add_response("get_hook_result", fx.hook_result(found, "HOOK_COMPLETE_FAILED", fx.REASON,
                                                        [fx.RUNTIME_ALLOWED_FAILED], target=fx.function_target()),
                      {"HookResultId": found})
    with stub:
        code, out, _ = run(capsys, monkeypatch, client, fx.STACK)
    stub.assert_no_pending_responses()
    # THEN this stack's result for that resource, closest in time, gives the annotations
    assert code == 1
    assert "BLOCKED  HelloFunction (AWS::Lambda::Function, CREATE): 1 rule failed: lambda.runtime-allowed" in out
    assert f"hook result id {found}" in out and "note:" not in out
