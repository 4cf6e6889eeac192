"""``govhook results``: the hook's verdict on a deployment, read back from CloudFormation.

Stack events only say "The following hook(s) failed". This module joins what CloudFormation keeps:

- a stack: ``DescribeStackEvents`` (newest first). Events that carry ``HookType`` describe a hook
  invocation (``HookStatus``, ``HookStatusReason``, ``HookFailureMode``, ``HookInvocationPoint``,
  and ``HookInvocationId`` on current API versions). The invocation id is the ``HookResultId`` of
  ``GetHookResult``, which returns the full status reason and the hook's annotations (one per
  rule). ``ListHookResults`` does not filter by stack (its ``TargetType`` filter supports change
  sets and Cloud Control only), so stack events are the join.
- a change set (``--change-set``): ``DescribeChangeSet`` resolves a name to the change set ARN,
  then ``ListHookResults(TargetType=CHANGE_SET, TargetId=ARN)`` (paginated by ``NextToken``) lists
  the invocations and ``GetHookResult`` adds the annotations.

By default only the stack's latest operation is read (events back to the stack's own
``User Initiated`` event, or while ``OperationId`` stays the same) and only invocations that failed
or warned are reported; ``everything=True`` reads the whole event history and keeps passed
invocations too. ``blocked`` is true when an invocation of the latest operation (or of the change
set) failed with failure mode ``FAIL``: that is what stopped the deployment.

boto3 is imported only by :func:`make_client`; every function takes the client as an argument, so
tests pass a botocore ``Stubber``-backed client.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hook.cli.events import (
    EventsUnavailable,
    Operation,
    PlannedHook,
    Validation,
    change_set_hooks,
    operations,
)
from hook.core.errors import GovhookError

__all__ = [
    "Annotation",
    "Invocation",
    "Report",
    "ResultsError",
    "fetch",
    "make_client",
]

FAILED_STATUSES = ("HOOK_COMPLETE_FAILED", "HOOK_FAILED")
_STACK_TYPE = "AWS::CloudFormation::Stack"
_MAX_EVENT_PAGES = 50  # --all: at most this many DescribeStackEvents pages (about 5,000 events)
_MAX_DETAILS = 100  # GetHookResult calls per run
_CHANGE_SET_ARN = re.compile(r"^arn:aws[a-z-]*:cloudformation:[^:]+:\d{12}:changeSet/")
_NEEDED = ("DescribeStackEvents", "GetHookResult", "ListHookResults", "DescribeChangeSet")


class ResultsError(GovhookError):
    """The results could not be read: one line, exit 2."""


@dataclass(frozen=True)
class Annotation:
    """One ``GetHookResult`` annotation: for govhook, one rule."""

    rule_id: str
    status: str  # PASSED | FAILED | SKIPPED
    severity: str | None
    message: str | None
    remediation: str | None
    link: str | None

    def to_json(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "status": self.status, "severity": self.severity,
                "message": self.message, "remediation": self.remediation, "link": self.link}


@dataclass
class Invocation:
    """One hook invocation on one target, with what ``GetHookResult`` added when it could be read."""

    hook: str
    status: str
    target_type: str  # STACK | RESOURCE | CHANGE_SET | CLOUD_CONTROL
    target_id: str
    resource_type: str | None = None
    action: str | None = None
    hook_result_id: str | None = None
    failure_mode: str | None = None
    invocation_point: str | None = None
    invoked_at: datetime | None = None
    reason: str | None = None
    annotations: tuple[Annotation, ...] = ()
    latest: bool = True  # part of the stack's latest operation (always true for a change set)
    detail_error: str | None = None  # why GetHookResult added nothing
    stack_arn: str | None = None  # the event's StackId: with HookType, it names the hook type ARN

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES

    @property
    def outcome(self) -> str:
        """blocked | warned | passed | in-progress.

        A failed invocation blocks unless its failure mode is WARN (FAIL is the default of a hook;
        an unknown mode is treated as FAIL). A successful invocation with FAILED annotations warned
        (govhook's per-rule ``mode: warn``).
        """
        if self.failed:
            return "warned" if self.failure_mode == "WARN" else "blocked"
        if self.status == "HOOK_IN_PROGRESS":
            return "in-progress"
        if any(a.status == "FAILED" for a in self.annotations):
            return "warned"
        return "passed"

    @property
    def failed_rules(self) -> list[str]:
        return [a.rule_id for a in self.annotations if a.status == "FAILED"]

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "hook": self.hook,
            "status": self.status,
            "failure_mode": self.failure_mode,
            "invocation_point": self.invocation_point,
            "hook_result_id": self.hook_result_id,
            "invoked_at": _iso(self.invoked_at),
            "latest_operation": self.latest,
            "target": {"type": self.target_type, "id": self.target_id,
                       "resource_type": self.resource_type, "action": self.action},
            "reason": self.reason,
            "failed_rules": self.failed_rules,
            "annotations": [a.to_json() for a in self.annotations],
            "detail_error": self.detail_error,
        }


@dataclass
class Report:
    stack: str
    change_set: str | None = None  # the change set ARN when --change-set
    change_set_status: str | None = None  # "FAILED: The following hook(s) failed: ..."
    everything: bool = False
    invocations: list[Invocation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # DescribeEvents: the operations (newest first; only the latest unless everything) and what failed
    operations: list[Operation] = field(default_factory=list)
    events_source: str = "DescribeStackEvents"  # or "DescribeEvents+DescribeStackEvents"
    change_set_execution: str | None = None  # DescribeChangeSet ExecutionStatus (AVAILABLE: not executed yet)
    planned_status: str | None = None  # DescribeChangeSetHooks Status
    planned_hooks: list[PlannedHook] = field(default_factory=list)

    @property
    def validations(self) -> list[Validation]:
        return [v for op in self.operations for v in op.validations]

    @property
    def blocked(self) -> bool:
        latest = self.operations[:1]
        return (any(i.latest and i.outcome == "blocked" for i in self.invocations)
                or any(v.blocked for op in latest for v in op.validations))

    def shown(self) -> list[Invocation]:
        if self.everything:
            return list(self.invocations)
        return [i for i in self.invocations if i.outcome in ("blocked", "warned")]

    def to_json(self) -> dict[str, Any]:
        shown = self.shown()
        return {
            "schema_version": 1,
            "stack": self.stack,
            "change_set": self.change_set,
            "change_set_status": self.change_set_status,
            "scope": "all" if self.everything else "latest",
            "blocked": self.blocked,
            "counts": {k: sum(1 for i in self.invocations if i.outcome == k)
                       for k in ("blocked", "warned", "passed", "in-progress")},
            "invocations": [i.to_json() for i in shown],
            "notes": list(self.notes),
            "operations": [op.to_json() for op in self.operations],
            "validations": [v.to_json() for v in self.validations],
            "events_source": self.events_source,
            "change_set_execution": self.change_set_execution,
            "planned_hooks": {"status": self.planned_status, "hooks": [h.to_json() for h in self.planned_hooks]}
            if self.change_set else None,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


# --- AWS plumbing -------------------------------------------------------------------------------

def make_client(region: str | None = None, profile: str | None = None) -> Any:
    """A CloudFormation client for ``region``/``profile`` (``AWS_REGION`` also honoured)."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, NoRegionError

    # botocore reads AWS_DEFAULT_REGION only; many shells and CI systems set AWS_REGION.
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        config = Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 5, "mode": "standard"})
        return session.client("cloudformation", config=config)
    except NoRegionError as exc:
        raise ResultsError("no AWS region: pass --region or set AWS_REGION") from exc
    except BotoCoreError as exc:
        raise ResultsError(_one_line(str(exc))) from exc


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_operations(cfn: Any) -> None:
    names = set(cfn.meta.service_model.operation_names)
    missing = [op for op in _NEEDED if op not in names]
    if missing:
        import botocore

        raise ResultsError(
            f"the installed botocore ({botocore.__version__}) does not know cloudformation:"
            f"{', '.join(missing)}; upgrade boto3 and botocore (pip install -U boto3)"
        )


def _translate(exc: Exception, action: str, *, stack: str, change_set: str | None = None) -> ResultsError:
    """One line that says what failed and what to do."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code") or "Unknown")
        message = _one_line(str(err.get("Message") or ""))
        about_change_set = change_set is not None and "changeset" in message.lower().replace(" ", "")
        if code in ("ChangeSetNotFound", "ChangeSetNotFoundException") or (
                code == "ValidationError" and about_change_set and "does not exist" in message):
            return ResultsError(f"change set {change_set} not found for stack {stack} ({message or code})")
        if code == "ValidationError" and "does not exist" in message:
            return ResultsError(f"stack {stack} not found ({message}); a deleted stack's events are read "
                                "by its stack id (ARN)")
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return ResultsError(f"cloudformation:{action} denied ({code}): {message}".rstrip(": "))
        if code in ("ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
                    "UnrecognizedClientException", "SignatureDoesNotMatch"):
            return ResultsError(f"AWS credentials rejected ({code}): {message}; refresh them or pass --profile")
        return ResultsError(f"cloudformation:{action} failed ({code}): {message}".rstrip(": "))
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return ResultsError("no AWS credentials found: configure them (aws configure, AWS_PROFILE) or pass --profile")
    if isinstance(exc, NoRegionError):
        return ResultsError("no AWS region: pass --region or set AWS_REGION")
    if isinstance(exc, EndpointConnectionError):
        return ResultsError(f"could not reach CloudFormation: {_one_line(str(exc))}")
    if isinstance(exc, BotoCoreError):
        return ResultsError(f"cloudformation:{action} failed: {_cut(_one_line(str(exc)), 300)}")
    return ResultsError(f"cloudformation:{action} failed: {type(exc).__name__}: {_one_line(str(exc))}")


def _call(cfn: Any, method: str, action: str, ctx: dict[str, Any], **params: Any) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        result: dict[str, Any] = getattr(cfn, method)(**params)
        return result
    except (ClientError, BotoCoreError) as exc:
        raise _translate(exc, action, **ctx) from exc


# --- stacks: events, grouped into invocations --------------------------------------------------

def _events(cfn: Any, stack: str, everything: bool, notes: list[str]) -> Iterator[tuple[dict[str, Any], bool]]:
    """Stack events newest first, each with whether it belongs to the latest operation."""
    token: str | None = None
    latest = True
    operation: str | None = None
    for _ in range(_MAX_EVENT_PAGES):
        params: dict[str, Any] = {"StackName": stack}
        if token:
            params["NextToken"] = token
        page = _call(cfn, "describe_stack_events", "DescribeStackEvents", {"stack": stack}, **params)
        for event in page.get("StackEvents", []):
            op = event.get("OperationId")
            if operation is None:
                operation = op
            elif latest and op and operation and op != operation:
                latest = False
            if not latest and not everything:
                return
            yield event, latest
            if (latest and event.get("ResourceType") == _STACK_TYPE
                    and event.get("LogicalResourceId") == event.get("StackName")
                    and event.get("ResourceStatusReason") == "User Initiated"
                    and str(event.get("ResourceStatus", "")).endswith("_IN_PROGRESS")):
                latest = False
                if not everything:
                    return
        token = page.get("NextToken")
        if not token:
            return
    notes.append(f"only the newest {_MAX_EVENT_PAGES} pages of stack events were read")


def _invocations_from_events(cfn: Any, stack: str, everything: bool, notes: list[str]) -> list[Invocation]:
    by_key: dict[tuple[Any, ...], Invocation] = {}
    for event, latest in _events(cfn, stack, everything, notes):
        hook = event.get("HookType")
        if not hook:
            continue
        inv_id = event.get("HookInvocationId")
        logical = str(event.get("LogicalResourceId") or "")
        key: tuple[Any, ...] = ("id", inv_id) if inv_id else ("name", hook, logical, latest)
        if key in by_key:
            continue  # events are newest first: the first one seen is the invocation's final state
        is_stack = event.get("ResourceType") == _STACK_TYPE and logical == event.get("StackName")
        by_key[key] = Invocation(
            hook=str(hook),
            status=str(event.get("HookStatus") or "UNKNOWN"),
            target_type="STACK" if is_stack else "RESOURCE",
            target_id=logical,
            resource_type=None if is_stack else event.get("ResourceType"),
            hook_result_id=inv_id,
            failure_mode=event.get("HookFailureMode"),
            invocation_point=event.get("HookInvocationPoint"),
            invoked_at=event.get("Timestamp"),
            reason=event.get("HookStatusReason"),
            latest=latest,
            stack_arn=event.get("StackId"),
        )
    return list(by_key.values())


_LOOKUP_PAGES = 5
_LOOKUP_WINDOW_S = 600.0


def _find_result_ids(cfn: Any, invocations: list[Invocation], notes: list[str]) -> None:
    """Failed invocations whose events carry no ``HookInvocationId`` (older events, or a botocore that
    drops it): ``ListHookResults(TypeArn=..., Status=...)`` lists that hook type's results with the
    stack ARN (``HookExecutionTarget``) and target; the one closest in time is the invocation."""
    from botocore.exceptions import BotoCoreError, ClientError

    missing = [i for i in invocations if not i.hook_result_id and i.failed and i.stack_arn and i.invoked_at]
    if not missing:
        return
    try:
        members = cfn.meta.service_model.operation_model("ListHookResults").input_shape.members
    except Exception:  # a stand-in client without a model: nothing to look up with
        return
    if "TypeArn" not in members or "Status" not in members:
        return
    cache: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for inv in missing:
        parts = str(inv.stack_arn).split(":")
        if len(parts) < 6:
            continue
        type_arn = f"arn:{parts[1]}:cloudformation:{parts[3]}:{parts[4]}:type/hook/{inv.hook.replace('::', '-')}"
        key = (type_arn, inv.status)
        if key not in cache:
            found: list[dict[str, Any]] = []
            token: str | None = None
            try:
                for _ in range(_LOOKUP_PAGES):
                    params: dict[str, Any] = {"TypeArn": type_arn, "Status": inv.status}
                    if token:
                        params["NextToken"] = token
                    page = cfn.list_hook_results(**params)
                    found.extend(page.get("HookResults", []))
                    token = page.get("NextToken")
                    if not token:
                        break
            except (ClientError, BotoCoreError) as exc:
                code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else type(exc).__name__
                notes.append(f"cloudformation:ListHookResults failed ({code}): the hook result of events without a "
                             "HookInvocationId could not be looked up")
                return
            cache[key] = found
        assert inv.invoked_at is not None
        when = inv.invoked_at.timestamp()
        best: tuple[float, str] | None = None
        for r in cache[key]:
            at = r.get("InvokedAt")
            same_target = (r.get("TargetType") == "STACK") if inv.target_type == "STACK" else (
                r.get("TargetId") == inv.target_id)
            if r.get("HookExecutionTarget") != inv.stack_arn or not same_target or not isinstance(at, datetime):
                continue
            gap = abs(at.timestamp() - when)
            if gap <= _LOOKUP_WINDOW_S and (best is None or gap < best[0]):
                best = (gap, str(r["HookResultId"]))
        if best is not None:
            inv.hook_result_id = best[1]


# --- change sets --------------------------------------------------------------------------------

def _change_set_arn(cfn: Any, stack: str, name: str, report: Report) -> str:
    if _CHANGE_SET_ARN.match(name):
        return name
    desc = _call(cfn, "describe_change_set", "DescribeChangeSet", {"stack": stack, "change_set": name},
                 ChangeSetName=name, StackName=stack)
    report.change_set_execution = desc.get("ExecutionStatus")
    status = desc.get("Status")
    if status:
        reason = desc.get("StatusReason")
        report.change_set_status = f"{status}: {_one_line(reason)}" if reason else str(status)
    return str(desc["ChangeSetId"])


def _invocations_from_change_set(cfn: Any, stack: str, arn: str) -> list[Invocation]:
    out: list[Invocation] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"TargetType": "CHANGE_SET", "TargetId": arn}
        if token:
            params["NextToken"] = token
        page = _call(cfn, "list_hook_results", "ListHookResults", {"stack": stack, "change_set": arn}, **params)
        for s in page.get("HookResults", []):
            out.append(Invocation(
                hook=str(s.get("TypeName") or "?"),
                status=str(s.get("Status") or "UNKNOWN"),
                target_type=str(s.get("TargetType") or "CHANGE_SET"),
                target_id=str(s.get("TargetId") or arn),
                hook_result_id=s.get("HookResultId"),
                failure_mode=s.get("FailureMode"),
                invocation_point=s.get("InvocationPoint"),
                invoked_at=s.get("InvokedAt"),
                reason=s.get("HookStatusReason"),
            ))
        token = page.get("NextToken")
        if not token:
            return out


# --- details ------------------------------------------------------------------------------------

def _add_details(cfn: Any, inv: Invocation) -> None:
    """GetHookResult: the full reason, the target's type and action, and the annotations."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        res = cfn.get_hook_result(HookResultId=inv.hook_result_id)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code") or "Unknown")
        if code in ("HookResultNotFound", "HookResultNotFoundException"):
            inv.detail_error = "GetHookResult: no result kept for this invocation (HookResultNotFound)"
        elif code in ("AccessDenied", "AccessDeniedException"):
            inv.detail_error = f"cloudformation:GetHookResult denied ({code}): annotations not shown"
        else:
            inv.detail_error = f"cloudformation:GetHookResult failed ({code})"
        return
    except BotoCoreError as exc:
        inv.detail_error = f"cloudformation:GetHookResult failed: {_one_line(str(exc))}"
        return
    inv.reason = res.get("HookStatusReason") or inv.reason
    inv.status = res.get("Status") or inv.status
    inv.failure_mode = res.get("FailureMode") or inv.failure_mode
    inv.invocation_point = res.get("InvocationPoint") or inv.invocation_point
    inv.invoked_at = res.get("InvokedAt") or inv.invoked_at
    target = res.get("Target") or {}
    if target:
        inv.resource_type = target.get("TargetTypeName") or inv.resource_type
        inv.action = target.get("Action") or inv.action
    inv.annotations = tuple(
        Annotation(
            rule_id=str(a.get("AnnotationName") or "?"),
            status=str(a.get("Status") or "?"),
            severity=a.get("SeverityLevel"),
            message=a.get("StatusMessage"),
            remediation=a.get("RemediationMessage"),
            link=a.get("RemediationLink"),
        )
        for a in res.get("Annotations", [])
    )


# --- DescribeEvents: operations and early validation --------------------------------------------

def _read_operations(cfn: Any, report: Report, *, change_set: str | None = None) -> None:
    from botocore.exceptions import ClientError

    try:
        ops = operations(cfn, stack=report.stack, change_set=change_set, stack_name=report.stack)
    except EventsUnavailable as exc:
        report.notes.append(str(exc))
        return
    except ClientError as exc:
        raise _translate(exc, "DescribeEvents", stack=report.stack, change_set=change_set) from exc
    report.events_source = "DescribeEvents+DescribeStackEvents"
    report.operations = ops if report.everything or change_set else ops[:1]


def _add_hook_errors(report: Report, invocations: list[Invocation]) -> None:
    """Hook failures DescribeEvents reports that no stack event does (a change set's creation)."""
    seen = {(i.hook, i.target_id) for i in invocations}
    for n, op in enumerate(report.operations):
        for ev in op.hook_errors:
            hook, logical = str(ev.get("HookType") or "?"), str(ev.get("LogicalResourceId") or "")
            if (hook, logical) in seen:
                continue
            seen.add((hook, logical))
            is_stack = ev.get("ResourceType") == _STACK_TYPE
            invocations.append(Invocation(
                hook=hook, status=str(ev.get("HookStatus") or "HOOK_COMPLETE_FAILED"),
                target_type="STACK" if is_stack else "RESOURCE", target_id=logical,
                resource_type=None if is_stack else ev.get("ResourceType"), failure_mode=ev.get("HookFailureMode"),
                invocation_point=ev.get("HookInvocationPoint"), invoked_at=ev.get("Timestamp"),
                reason=ev.get("HookStatusReason"), latest=n == 0,
                detail_error=f"reported by DescribeEvents ({op.type or 'operation'} {op.operation_id}), "
                             "which gives no hook result id: annotations not available"))


# --- entry point --------------------------------------------------------------------------------

def fetch(cfn: Any, stack: str, *, change_set: str | None = None, everything: bool = False) -> Report:
    """The hook results of ``stack`` (its latest operation) or of one of its change sets.

    Raises :class:`ResultsError` (one line) when the stack or change set cannot be read.
    """
    _check_operations(cfn)
    report = Report(stack=stack, everything=everything)
    if change_set:
        arn = _change_set_arn(cfn, stack, change_set, report)
        report.change_set = arn
        _read_operations(cfn, report, change_set=arn)
        invocations = _invocations_from_change_set(cfn, stack, arn)
    else:
        _read_operations(cfn, report)
        invocations = _invocations_from_events(cfn, stack, everything, report.notes)
        _find_result_ids(cfn, invocations, report.notes)
        _add_hook_errors(report, invocations)
    with_ids = [i for i in invocations if i.hook_result_id and i.status != "HOOK_IN_PROGRESS"]
    for inv in with_ids[:_MAX_DETAILS]:
        _add_details(cfn, inv)
    if len(with_ids) > _MAX_DETAILS:
        report.notes.append(f"annotations read for the newest {_MAX_DETAILS} of {len(with_ids)} invocations")
    if report.change_set:
        # Before execution: which hooks will run on which resources (after creation's own results).
        if "DescribeChangeSetHooks" in cfn.meta.service_model.operation_names:
            report.planned_status, report.planned_hooks = change_set_hooks(cfn, report.change_set, stack)
        else:
            report.notes.append("the installed botocore has no cloudformation:DescribeChangeSetHooks: the hooks the "
                                "change set will run are not shown; upgrade boto3 and botocore")
    if any(not i.hook_result_id for i in invocations):
        event_shape = cfn.meta.service_model.shape_for("StackEvent")
        if "HookInvocationId" not in event_shape.members:
            report.notes.append("the installed botocore does not read HookInvocationId from stack events, so "
                                "annotations cannot be fetched; upgrade boto3 and botocore")
        else:
            report.notes.append("some stack events carry no HookInvocationId (older events): their annotations "
                                "cannot be read, only the status reason")
    denied = [i for i in invocations if i.detail_error and "denied" in i.detail_error]
    if denied:
        report.notes.append("cloudformation:GetHookResult was denied: the annotations (rule, fix, link) are "
                            "missing; grant it to see them")
    # Most recent first; a stable sort keeps the events' own order for equal or missing times.
    invocations.sort(key=lambda i: i.invoked_at.timestamp() if i.invoked_at else float("-inf"), reverse=True)
    report.invocations = invocations
    return report
