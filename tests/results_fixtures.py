"""CloudFormation responses for ``govhook results`` tests, shaped as botocore's model requires.

Stubber validates every response against the installed botocore model (member names, enums, the
36-character HookResultId), so these are the shapes a real account answers with. The annotation
texts are what govhook's hook writes for ``sample/templates/hello-noncompliant.yaml``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "orders-api"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/6f1d2a80-c5b1-11f0-9a3e-0a1b2c3d4e5f"
HOOK = "Private::Lambda::Governance"
CHANGE_SET = "deploy-2026-11-20"
CHANGE_SET_ARN = (f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:changeSet/{CHANGE_SET}/"
                  "0b6c2f1e-3d4a-4e5b-8c7d-9e0f1a2b3c4d")

# HookInvocationId / HookResultId: 36 characters, as the model requires.
STACK_INVOCATION = "2a36aa47-2d4c-4ab8-a263-4162b342545c"
FUNCTION_INVOCATION = "7c1e9b52-5f3a-4d2e-9b8c-1a2b3c4d5e6f"
QUEUE_FN_INVOCATION = "9d0e1f2a-3b4c-4d5e-8f9a-0b1c2d3e4f5a"
OLD_INVOCATION = "11111111-2222-4333-8444-555555555555"
CHANGE_SET_INVOCATION = "3dc80239-9056-4dd4-9716-eec4d2477ca4"

RUNTIME_LINK = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
ALLOWED = "python3.13, python3.12, nodejs22.x, nodejs20.x, java21, provided.al2023"
# What the hook's message (GetHookResult HookStatusReason) starts with: what blocked, first.
REASON = (f"2 violations: [lambda.runtime-allowed] HelloFunction: runtime 'nodejs18.x' is not allowed; "
          f"allowed runtimes: {ALLOWED}; [lambda.runtime-supported] HelloFunction: nodejs18.x was deprecated "
          "on 2025-09-01; creates are blocked from 2027-02-01; updates are blocked from 2027-03-03; move to nodejs24.x")


def at(minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, 20, 14, minute, second, tzinfo=UTC)


def event(logical: str, status: str, minute: int, second: int = 0, *, rtype: str = "AWS::Lambda::Function",
          reason: str | None = None, **hook: str) -> dict[str, Any]:
    """One DescribeStackEvents entry; ``hook`` adds HookType, HookStatus, ... (the model's names)."""
    ev: dict[str, Any] = {
        "StackId": STACK_ID,
        "EventId": f"{logical}-{status}-{minute:02d}{second:02d}",
        "StackName": STACK,
        "LogicalResourceId": logical,
        "PhysicalResourceId": STACK_ID if rtype == "AWS::CloudFormation::Stack" else "",
        "ResourceType": rtype,
        "Timestamp": at(minute, second),
        "ResourceStatus": status,
    }
    if reason is not None:
        ev["ResourceStatusReason"] = reason
    ev.update(hook)
    return ev


def stack_event(status: str, minute: int, second: int = 0, reason: str | None = None, **hook: str) -> dict[str, Any]:
    return event(STACK, status, minute, second, rtype="AWS::CloudFormation::Stack", reason=reason, **hook)


def hook_fields(invocation: str | None, status: str, reason: str, mode: str = "FAIL") -> dict[str, str]:
    fields = {"HookType": HOOK, "HookStatus": status, "HookStatusReason": reason,
              "HookInvocationPoint": "PRE_PROVISION", "HookFailureMode": mode}
    if invocation:
        fields["HookInvocationId"] = invocation
    return fields


def annotation(name: str, status: str, severity: str, message: str, remediation: str,
               link: str | None = None) -> dict[str, str]:
    ann = {"AnnotationName": name, "Status": status, "StatusMessage": message,
           "RemediationMessage": remediation, "SeverityLevel": severity}
    if link:
        ann["RemediationLink"] = link
    return ann


RUNTIME_ALLOWED_FAILED = annotation(
    "lambda.runtime-allowed", "FAILED", "HIGH",
    f"HelloFunction: runtime 'nodejs18.x' is not allowed; allowed runtimes: {ALLOWED}",
    f"Set Runtime to one of: {ALLOWED}.", RUNTIME_LINK)
RUNTIME_SUPPORTED_FAILED = annotation(
    "lambda.runtime-supported", "FAILED", "HIGH",
    "HelloFunction: nodejs18.x was deprecated on 2025-09-01; creates are blocked from 2027-02-01; "
    "updates are blocked from 2027-03-03; move to nodejs24.x",
    "Upgrade the runtime to nodejs24.x and test the function.", RUNTIME_LINK)
TAGS_WARNED = annotation(
    "lambda.tags-required", "FAILED", "LOW",
    "warning: HelloFunction: tag 'team' is missing; required tags: team",
    "Add the tags: team.", "https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html")
TIMEOUT_PASSED = annotation("lambda.timeout-within-bounds", "PASSED", "MEDIUM",
                            "Timeout is within bounds: passed", "Nothing to do.")
SNAPSTART_SKIPPED = annotation("lambda.snapstart-for-java", "SKIPPED", "INFORMATIONAL",
                               "not a Java runtime", "Nothing to do.")


def hook_result(invocation: str, status: str, reason: str, annotations: list[dict[str, str]], *,
                mode: str = "FAIL", minute: int = 3, target: dict[str, str] | None = None) -> dict[str, Any]:
    """One GetHookResult response."""
    res: dict[str, Any] = {
        "HookResultId": invocation,
        "InvocationPoint": "PRE_PROVISION",
        "FailureMode": mode,
        "TypeName": HOOK,
        "TypeVersionId": "00000001",
        "TypeArn": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:type/hook/Private-Lambda-Governance",
        "Status": status,
        "HookStatusReason": reason,
        "InvokedAt": at(minute),
        "Annotations": annotations,
    }
    if target:
        res["Target"] = target
    return res


def function_target(logical: str = "HelloFunction", action: str = "CREATE") -> dict[str, str]:
    return {"TargetType": "RESOURCE", "TargetTypeName": "AWS::Lambda::Function", "TargetId": logical,
            "Action": action}


def blocked_resource_events() -> list[dict[str, Any]]:
    """The latest operation: HelloFunction blocked, QueueFunction passed; an older failed run after it."""
    fail_reason = f"Hook failed with message: {REASON}"
    return [
        stack_event("ROLLBACK_COMPLETE", 5),
        event("QueueFunction", "DELETE_COMPLETE", 4, 30),
        stack_event("ROLLBACK_IN_PROGRESS", 4,
                    reason=f"The following resource(s) failed to create: [HelloFunction]. "
                           f"The following hook(s)/validation failed: [{HOOK}]. Rollback requested by user."),
        event("HelloFunction", "CREATE_FAILED", 3, 10, reason=f"The following hook(s)/validation failed: [{HOOK}]"),
        event("HelloFunction", "CREATE_IN_PROGRESS", 3, 5,
              **hook_fields(FUNCTION_INVOCATION, "HOOK_COMPLETE_FAILED", fail_reason)),
        event("QueueFunction", "CREATE_IN_PROGRESS", 3, 0,
              **hook_fields(QUEUE_FN_INVOCATION, "HOOK_COMPLETE_SUCCEEDED",
                            "Hook succeeded with message: compliant: 12 rules passed")),
        event("HelloFunction", "CREATE_IN_PROGRESS", 2, 55, **hook_fields(FUNCTION_INVOCATION, "HOOK_IN_PROGRESS",
                                                                          "Invoking hook")),
        event("QueueFunction", "CREATE_IN_PROGRESS", 2, 54, **hook_fields(QUEUE_FN_INVOCATION, "HOOK_IN_PROGRESS",
                                                                          "Invoking hook")),
        stack_event("CREATE_IN_PROGRESS", 2, 50, reason="User Initiated"),
        # An earlier operation: must not be read by default.
        event("OldFunction", "UPDATE_IN_PROGRESS", 1, 0,
              **hook_fields(OLD_INVOCATION, "HOOK_COMPLETE_FAILED", "Hook failed with message: old failure")),
        stack_event("UPDATE_IN_PROGRESS", 0, 50, reason="User Initiated"),
    ]


def blocked_stack_events() -> list[dict[str, Any]]:
    """A STACK-target invocation (the hook's stack rules) blocked the create."""
    return [
        stack_event("ROLLBACK_COMPLETE", 4),
        stack_event("ROLLBACK_IN_PROGRESS", 3, 20,
                    reason=f"The following hook(s)/validation failed: [{HOOK}]. Rollback requested by user."),
        stack_event("CREATE_IN_PROGRESS", 3, 10,
                    **hook_fields(STACK_INVOCATION, "HOOK_COMPLETE_FAILED",
                                  "Hook failed with message: 1 violation: [lambda.reserved-concurrency-stack-budget] "
                                  "stack: reserved concurrency 900 exceeds the stack budget of 200")),
        stack_event("CREATE_IN_PROGRESS", 3, 2, **hook_fields(STACK_INVOCATION, "HOOK_IN_PROGRESS", "Invoking hook")),
        stack_event("CREATE_IN_PROGRESS", 3, 0, reason="User Initiated"),
    ]


BUDGET_FAILED = annotation(
    "lambda.reserved-concurrency-stack-budget", "FAILED", "MEDIUM",
    "stack: reserved concurrency 900 exceeds the stack budget of 200 (ApiFunction 500, WorkerFunction 400)",
    "Lower ReservedConcurrentExecutions, or raise the budget in the policy.",
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html")


def no_failed_operation_events(stub: Any, *, change_set: str | None = None) -> None:
    """DescribeEvents (read first) finds no failed event: no early-validation failure to report."""
    params: dict[str, Any] = {"Filters": {"FailedEvents": True}}
    params.update({"ChangeSetName": change_set} if change_set else {"StackName": STACK})
    stub.add_response("describe_events", {"OperationEvents": []}, params)


def no_planned_hooks(stub: Any, change_set: str = CHANGE_SET_ARN) -> None:
    """DescribeChangeSetHooks (read last for a change set) lists no hook."""
    stub.add_response("describe_change_set_hooks", {"ChangeSetId": CHANGE_SET_ARN, "ChangeSetName": CHANGE_SET,
                                                    "Hooks": [], "Status": "PLANNED"}, {"ChangeSetName": change_set})


def queue_blocked_resource(stub: Any) -> None:
    """The README's example: HelloFunction blocked on create, QueueFunction passed."""
    no_failed_operation_events(stub)
    stub.add_response("describe_stack_events", {"StackEvents": blocked_resource_events()}, {"StackName": STACK})
    stub.add_response("get_hook_result",
                      hook_result(FUNCTION_INVOCATION, "HOOK_COMPLETE_FAILED", REASON,
                                  [RUNTIME_ALLOWED_FAILED, RUNTIME_SUPPORTED_FAILED, TIMEOUT_PASSED, SNAPSTART_SKIPPED],
                                  target=function_target()),
                      {"HookResultId": FUNCTION_INVOCATION})
    stub.add_response("get_hook_result",
                      hook_result(QUEUE_FN_INVOCATION, "HOOK_COMPLETE_SUCCEEDED", "compliant: 12 rules passed",
                                  [TIMEOUT_PASSED], target=function_target("QueueFunction")),
                      {"HookResultId": QUEUE_FN_INVOCATION})
