"""What CloudFormation's newer APIs add to ``govhook results``: operations, early validation, and
the hooks a change set will run.

- ``DescribeEvents`` (StackName or ChangeSetName, ``Filters.FailedEvents``) returns a stack's events
  grouped by ``OperationId`` with ``OperationType``/``OperationStatus``, including what the older
  ``DescribeStackEvents`` lacks: early-validation failures (``EventType`` ``VALIDATION_ERROR``,
  ``ValidationName`` ``AWS::EarlyValidation::*``, ``ValidationStatus``, ``ValidationStatusReason``,
  ``ValidationPath``, ``ValidationFailureMode``) and hook failures of change-set creation
  (``HOOK_INVOCATION_ERROR``). Its events carry no ``HookInvocationId``, so the hook invocations and
  their annotations still come from ``DescribeStackEvents`` and ``GetHookResult``
  (:mod:`hook.cli.results`). Where ``DescribeEvents`` is not in the installed botocore, not
  answered by the endpoint, or not permitted, a note says so and what to grant.
- ``DescribeChangeSetHooks`` lists the hooks a change set will invoke when it is executed (type,
  failure mode, target), before anything runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hook.core.errors import GovhookError

__all__ = ["Operation", "PlannedHook", "Validation", "change_set_hooks", "operations"]

_MAX_PAGES = 20
_DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")
_UNSUPPORTED = ("InvalidAction", "UnknownOperation", "UnknownOperationException", "NotImplemented",
                "UnsupportedOperation", "InvalidRequest")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _words(name: str) -> str:
    """``AWS::EarlyValidation::PropertyValidation`` -> ``property validation``."""
    last = name.rsplit("::", 1)[-1]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", last).lower() or name


@dataclass
class Validation:
    """One early-validation result that did not pass (``FAILED``, or ``SKIPPED``)."""

    name: str  # AWS::EarlyValidation::...
    status: str  # FAILED | SKIPPED
    failure_mode: str | None  # FAIL blocks the operation, WARN lets it go on
    reason: str | None
    path: str | None  # a JSON pointer into the template, e.g. /Resources/Fn/Properties/Runtime
    logical_id: str | None
    resource_type: str | None
    operation_id: str | None
    at: datetime | None

    @property
    def blocked(self) -> bool:
        return self.status == "FAILED" and self.failure_mode != "WARN"

    def line(self) -> str:
        """One line: what failed, where, and why."""
        verdict = "BLOCKED" if self.blocked else ("SKIPPED" if self.status == "SKIPPED" else "WARNED")
        where = self.logical_id or "the template"
        if self.resource_type:
            where += f" ({self.resource_type})"
        if self.path:
            where += f" at {self.path}"
        reason = " ".join((self.reason or self.status).split())
        return f"{verdict}  early validation {_words(self.name)} ({self.name}): {where}: {reason}"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "failure_mode": self.failure_mode,
                "blocked": self.blocked, "reason": self.reason, "path": self.path, "logical_id": self.logical_id,
                "resource_type": self.resource_type, "operation_id": self.operation_id, "at": _iso(self.at)}


@dataclass
class Operation:
    """One stack operation (``OperationId``) and what failed in it."""

    operation_id: str
    type: str | None  # CREATE_STACK | UPDATE_STACK | ... | CREATE_CHANGESET
    status: str | None  # IN_PROGRESS | SUCCEEDED | FAILED
    started: datetime | None = None
    validations: list[Validation] = field(default_factory=list)
    hook_errors: list[dict[str, Any]] = field(default_factory=list)  # HOOK_INVOCATION_ERROR events
    provisioning_errors: list[str] = field(default_factory=list)  # "Logical (Type): reason"

    def to_json(self) -> dict[str, Any]:
        return {"operation_id": self.operation_id, "type": self.type, "status": self.status,
                "started": _iso(self.started), "validations": [v.to_json() for v in self.validations],
                "hook_errors": [{"hook": e.get("HookType"), "logical_id": e.get("LogicalResourceId"),
                                 "resource_type": e.get("ResourceType"), "status": e.get("HookStatus"),
                                 "failure_mode": e.get("HookFailureMode"), "reason": e.get("HookStatusReason"),
                                 "at": _iso(e.get("Timestamp"))} for e in self.hook_errors],
                "provisioning_errors": list(self.provisioning_errors)}


@dataclass(frozen=True)
class PlannedHook:
    """A hook ``DescribeChangeSetHooks`` says will run when the change set is executed."""

    hook: str
    failure_mode: str | None
    invocation_point: str | None
    logical_id: str | None
    resource_type: str | None
    resource_action: str | None  # Add | Modify | Remove | Import | Dynamic | SyncWithActual

    def to_json(self) -> dict[str, Any]:
        return {"hook": self.hook, "failure_mode": self.failure_mode, "invocation_point": self.invocation_point,
                "logical_id": self.logical_id, "resource_type": self.resource_type,
                "resource_action": self.resource_action}


class EventsUnavailable(GovhookError):
    """DescribeEvents cannot be used here; the message is the note for the report (never fatal)."""


def _client_error(exc: Exception) -> tuple[str, str]:
    response = getattr(exc, "response", None) or {}
    err = response.get("Error", {}) if isinstance(response, dict) else {}
    return str(err.get("Code") or "Unknown"), " ".join(str(err.get("Message") or "").split())


def operations(cfn: Any, *, stack: str | None = None, change_set: str | None = None,
               stack_name: str | None = None) -> list[Operation]:
    """The failed events of ``stack`` (or of one change set), grouped by operation, newest first.

    Raises :class:`EventsUnavailable` with a note when DescribeEvents cannot be read, and lets a
    "does not exist" ValidationError through as a ``botocore`` ``ClientError`` for the caller.
    """
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    if "DescribeEvents" not in cfn.meta.service_model.operation_names:
        import botocore

        raise EventsUnavailable(f"the installed botocore ({botocore.__version__}) has no cloudformation:DescribeEvents: "
                                "early-validation failures are not shown; upgrade boto3 and botocore")
    params: dict[str, Any] = {"Filters": {"FailedEvents": True}}
    if change_set:
        params["ChangeSetName"] = change_set
        if stack_name and not change_set.startswith("arn:"):
            params["StackName"] = stack_name
    else:
        params["StackName"] = stack
    events: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(_MAX_PAGES):
        try:
            page = cfn.describe_events(**params, **({"NextToken": token} if token else {}))
        except ClientError as exc:
            code, message = _client_error(exc)
            if code in _DENIED:
                raise EventsUnavailable(f"cloudformation:DescribeEvents denied ({code}): early-validation failures "
                                        "and failed change-set operations are not shown; grant "
                                        "cloudformation:DescribeEvents to see them") from exc
            if code == "ValidationError" and "does not exist" in message:
                raise
            if code in _UNSUPPORTED or code == "ValidationError":
                raise EventsUnavailable(f"cloudformation:DescribeEvents is not answered here ({code}"
                                        f"{': ' + message if message else ''}): early-validation failures are not "
                                        "shown") from exc
            raise EventsUnavailable(f"cloudformation:DescribeEvents failed ({code}): early-validation failures are "
                                    "not shown") from exc
        except (BotoCoreError, ResponseParserError) as exc:
            # ResponseParserError: an endpoint without the action answered something that is not XML.
            raise EventsUnavailable(f"cloudformation:DescribeEvents failed ({type(exc).__name__}): early-validation "
                                    "failures are not shown") from exc
        events.extend(page.get("OperationEvents", []))
        token = page.get("NextToken")
        if not token:
            break
    by_id: dict[str, Operation] = {}
    events.sort(key=lambda e: e["Timestamp"].timestamp() if isinstance(e.get("Timestamp"), datetime) else 0.0,
                reverse=True)
    for ev in events:
        op_id = str(ev.get("OperationId") or "?")
        op = by_id.get(op_id)
        if op is None:
            op = by_id[op_id] = Operation(op_id, ev.get("OperationType"), ev.get("OperationStatus"))
        op.type = op.type or ev.get("OperationType")
        op.status = op.status or ev.get("OperationStatus")
        start = ev.get("StartTime") or ev.get("Timestamp")
        if isinstance(start, datetime) and (op.started is None or start < op.started):
            op.started = start
        kind = ev.get("EventType")
        if kind == "VALIDATION_ERROR" or ev.get("ValidationName"):
            op.validations.append(Validation(
                name=str(ev.get("ValidationName") or "AWS::EarlyValidation::Unknown"),
                status=str(ev.get("ValidationStatus") or "FAILED"),
                failure_mode=ev.get("ValidationFailureMode"),
                reason=ev.get("ValidationStatusReason") or ev.get("ResourceStatusReason"),
                path=ev.get("ValidationPath"),
                logical_id=ev.get("LogicalResourceId"),
                resource_type=ev.get("ResourceType"),
                operation_id=ev.get("OperationId"),
                at=ev.get("Timestamp"),
            ))
        elif kind == "HOOK_INVOCATION_ERROR":
            op.hook_errors.append(ev)
        elif kind == "PROVISIONING_ERROR":
            reason = " ".join(str(ev.get("ResourceStatusReason") or ev.get("ResourceStatus") or "").split())
            op.provisioning_errors.append(f"{ev.get('LogicalResourceId')} ({ev.get('ResourceType')}): {reason}")
    for op in by_id.values():  # operations newest first; what failed in one, in the order it happened
        op.validations.reverse()
        op.hook_errors.reverse()
        op.provisioning_errors.reverse()
    return list(by_id.values())


def change_set_hooks(cfn: Any, change_set: str, stack: str | None) -> tuple[str | None, list[PlannedHook]]:
    """``DescribeChangeSetHooks``, every page: (its Status PLANNING|PLANNED|UNAVAILABLE, the hooks)."""
    from hook.cli.results import _call

    hooks: list[PlannedHook] = []
    status: str | None = None
    token: str | None = None
    for _ in range(_MAX_PAGES):
        params: dict[str, Any] = {"ChangeSetName": change_set}
        if stack and not change_set.startswith("arn:"):
            params["StackName"] = stack
        if token:
            params["NextToken"] = token
        page = _call(cfn, "describe_change_set_hooks", "DescribeChangeSetHooks",
                     {"stack": stack or "?", "change_set": change_set}, **params)
        status = page.get("Status") or status
        for h in page.get("Hooks", []):
            details = (h.get("TargetDetails") or {}).get("ResourceTargetDetails") or {}
            hooks.append(PlannedHook(str(h.get("TypeName") or "?"), h.get("FailureMode"), h.get("InvocationPoint"),
                                     details.get("LogicalResourceId"), details.get("ResourceType"),
                                     details.get("ResourceAction")))
        token = page.get("NextToken")
        if not token:
            break
    return status, hooks
