"""``govhook would-block``: what switching the hooks from WARN to FAIL would have blocked.

AWS's advice (and ours) is to roll a hook out with ``FailureMode: WARN`` first. Under WARN a failed
invocation lets the deployment go on; under FAIL the same invocation stops it. So the evidence for
the switch is every invocation that *failed under WARN* in a window:

1. ``ListHookResults(TypeArn=..., Status=HOOK_COMPLETE_FAILED | HOOK_FAILED)`` for each of govhook's
   hook types (read from the governance stack's ``HookArn``/``TemplateHookArn`` outputs, or given),
   every page, kept when ``FailureMode`` is ``WARN`` and ``InvokedAt`` is in the window.
   ``HookExecutionTarget`` is the stack's ARN (or a Cloud Control request token).
2. ``GetHookResult`` for each kept invocation (newest first, bounded): the annotations name the
   rules that failed (govhook writes one per rule; ``warning:`` and ``exempted`` ones would not
   block under FAIL either).
3. Grouped by stack and rule: how many invocations, the newest example, and a ready-to-paste
   policy ``exemptions:`` entry that would let exactly that stack's resources through.

A failed invocation without annotations (the hook could not evaluate: ``HOOK_FAILED``, or
``InternalFailure``) is grouped under ``(hook error)``: FAIL would block it too, and no exemption
covers it; its reason says what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hook.cli.results import ResultsError, _call, _one_line

__all__ = ["Group", "WouldBlock", "hook_arns", "parse_since", "would_block"]

_STATUSES = ("HOOK_COMPLETE_FAILED", "HOOK_FAILED")
_MAX_PAGES = 100  # per hook type and status
_MAX_DETAILS = 300  # GetHookResult calls per run
_HOOK_ERROR = "(hook error)"
_STACK_ARN = re.compile(r"^arn:aws[a-z-]*:cloudformation:[^:]+:\d{12}:stack/([^/]+)/")


def parse_since(text: str, now: datetime) -> datetime:
    """``14d``, ``36h``, ``90m`` or an ISO date/time (UTC when no zone is given)."""
    m = re.fullmatch(r"(\d+)([dhm])", text.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return now - {"d": timedelta(days=n), "h": timedelta(hours=n), "m": timedelta(minutes=n)}[unit]
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ResultsError(f"--since {text!r}: give a duration (14d, 36h, 90m) or an ISO date (2026-11-01)") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass
class Example:
    invoked_at: datetime | None
    hook_result_id: str | None
    target: str  # logical id, the stack, or the change set
    message: str


@dataclass
class Group:
    stack: str
    rule: str
    count: int = 0
    targets: set[str] = field(default_factory=set)
    newest: Example | None = None

    def add(self, example: Example) -> None:
        self.count += 1
        self.targets.add(example.target)
        if self.newest is None or (example.invoked_at or datetime.min.replace(tzinfo=UTC)) > (
                self.newest.invoked_at or datetime.min.replace(tzinfo=UTC)):
            self.newest = example

    def exemption(self, n: int, expires: date) -> dict[str, Any] | None:
        """The policy ``exemptions:`` entry that covers exactly this group (none for a hook error)."""
        if self.rule == _HOOK_ERROR:
            return None
        entry: dict[str, Any] = {"id": f"EX-ROLLOUT-{n:03d}", "rules": [self.rule]}
        if self.stack != "(Cloud Control)":
            entry["stacks"] = [self.stack]
        resources = sorted(t for t in self.targets if t and t != self.stack and not t.startswith("arn:"))
        if resources:
            entry["resources"] = resources
        entry["reason"] = "TODO: why this is accepted until it is fixed, and where the fix is tracked"
        entry["expires"] = expires.isoformat()
        return entry

    def to_json(self, n: int, expires: date) -> dict[str, Any]:
        ex = self.newest
        return {"stack": self.stack, "rule": self.rule, "count": self.count, "targets": sorted(self.targets),
                "newest": None if ex is None else {
                    "invoked_at": ex.invoked_at.isoformat().replace("+00:00", "Z") if ex.invoked_at else None,
                    "hook_result_id": ex.hook_result_id, "target": ex.target, "message": ex.message},
                "exemption": self.exemption(n, expires)}


@dataclass
class WouldBlock:
    hook_arns: list[str]
    since: datetime
    until: datetime
    invocations: int = 0  # failed under WARN in the window
    skipped_fail_mode: int = 0  # failed under FAIL: already blocked, not evidence for the switch
    groups: list[Group] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    expires: date = field(default_factory=lambda: datetime.now(UTC).date() + timedelta(days=90))

    def sorted_groups(self) -> list[Group]:
        return sorted(self.groups, key=lambda g: (-g.count, g.stack, g.rule))

    def to_json(self) -> dict[str, Any]:
        groups = self.sorted_groups()
        return {"schema_version": 1, "hook_arns": self.hook_arns,
                "window": {"since": self.since.isoformat().replace("+00:00", "Z"),
                           "until": self.until.isoformat().replace("+00:00", "Z")},
                "would_block": bool(groups), "invocations": self.invocations,
                "already_blocked_under_fail": self.skipped_fail_mode,
                "stacks": sorted({g.stack for g in groups}),
                "groups": [g.to_json(n, self.expires) for n, g in enumerate(groups, 1)],
                "notes": list(self.notes)}


def hook_arns(cfn: Any, stack: str) -> list[str]:
    """The governance stack's ``HookArn`` and ``TemplateHookArn`` outputs."""
    desc = _call(cfn, "describe_stacks", "DescribeStacks", {"stack": stack}, StackName=stack)
    outputs = {o.get("OutputKey"): o.get("OutputValue") for s in desc.get("Stacks", [])[:1] for o in s.get("Outputs", [])}
    arns = [str(outputs[k]) for k in ("HookArn", "TemplateHookArn") if outputs.get(k)]
    if not arns:
        raise ResultsError(f"stack {stack} has no HookArn/TemplateHookArn outputs: is it govhook's stack? "
                           "Pass --hook-arn ARN (aws cloudformation list-types --type HOOK --visibility PRIVATE)")
    return arns


def _stack_of(summary: dict[str, Any]) -> str:
    target = str(summary.get("HookExecutionTarget") or "")
    m = _STACK_ARN.match(target)
    if m:
        return m.group(1)
    if summary.get("TargetType") == "CLOUD_CONTROL" or (target and not target.startswith("arn:")):
        return "(Cloud Control)"
    m = _STACK_ARN.match(str(summary.get("TargetId") or ""))
    return m.group(1) if m else "(unknown stack)"


def _list(cfn: Any, arn: str, status: str, notes: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(_MAX_PAGES):
        params: dict[str, Any] = {"TypeArn": arn, "Status": status}
        if token:
            params["NextToken"] = token
        page = _call(cfn, "list_hook_results", "ListHookResults", {"stack": arn}, **params)
        out.extend(page.get("HookResults", []))
        token = page.get("NextToken")
        if not token:
            return out
    notes.append(f"{arn} {status}: only the first {_MAX_PAGES} pages of ListHookResults were read")
    return out


def _blocking_rules(res: dict[str, Any]) -> list[tuple[str, str]]:
    """(rule, message) of the annotations that would block under FAIL."""
    out = []
    for a in res.get("Annotations", []):
        message = str(a.get("StatusMessage") or "")
        if a.get("Status") == "FAILED" and not message.lower().startswith(("warning", "exempted")):
            out.append((str(a.get("AnnotationName") or "?"), message))
    return out


def would_block(cfn: Any, arns: list[str], since: datetime, until: datetime) -> WouldBlock:
    """Every invocation of ``arns`` that failed under WARN in [since, until], grouped by stack and rule."""
    from botocore.exceptions import BotoCoreError, ClientError

    members = cfn.meta.service_model.operation_model("ListHookResults").input_shape.members
    if "TypeArn" not in members or "Status" not in members:
        import botocore

        raise ResultsError(f"the installed botocore ({botocore.__version__}) cannot filter ListHookResults by type ARN "
                           "and status; upgrade boto3 and botocore (pip install -U 'boto3>=1.41')")
    report = WouldBlock(hook_arns=list(arns), since=since, until=until)
    kept: list[dict[str, Any]] = []
    for arn in arns:
        for status in _STATUSES:
            for s in _list(cfn, arn, status, report.notes):
                at = s.get("InvokedAt")
                if isinstance(at, datetime) and not since <= at <= until:
                    continue
                if s.get("FailureMode") != "WARN":
                    report.skipped_fail_mode += 1
                    continue
                kept.append(s)
    kept.sort(key=lambda s: s["InvokedAt"].timestamp() if isinstance(s.get("InvokedAt"), datetime) else 0.0,
              reverse=True)
    report.invocations = len(kept)
    groups: dict[tuple[str, str], Group] = {}
    denied = False
    for n, s in enumerate(kept):
        stack = _stack_of(s)
        target = str(s.get("TargetId") or "")
        reason = _one_line(str(s.get("HookStatusReason") or s.get("Status") or ""))
        rules: list[tuple[str, str]] = []
        if n < _MAX_DETAILS and s.get("HookResultId") and not denied:
            try:
                res = cfn.get_hook_result(HookResultId=s["HookResultId"])
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code") or "Unknown")
                if code in ("AccessDenied", "AccessDeniedException"):
                    denied = True
                    report.notes.append("cloudformation:GetHookResult denied: invocations are grouped by the first rule "
                                        "named in their status reason, without annotations; grant it for the rules")
                res = {}
            except BotoCoreError:
                res = {}
            rules = _blocking_rules(res)
            target = str((res.get("Target") or {}).get("TargetId") or target)
        if not rules:
            m = re.search(r"\[([a-z0-9-]+\.[a-z0-9.-]+)\]", reason)
            rules = [(m.group(1), reason)] if m and s.get("Status") == "HOOK_COMPLETE_FAILED" else [(_HOOK_ERROR, reason)]
        for rule, message in rules:
            g = groups.setdefault((stack, rule), Group(stack, rule))
            g.add(Example(s.get("InvokedAt"), s.get("HookResultId"), target, _one_line(message)))
    if len(kept) > _MAX_DETAILS:
        report.notes.append(f"annotations read for the newest {_MAX_DETAILS} of {len(kept)} invocations")
    report.groups = list(groups.values())
    return report


def render_text(report: WouldBlock) -> str:
    when = f"{report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC"
    groups = report.sorted_groups()
    stacks = sorted({g.stack for g in groups})
    lines = [f"hooks: {', '.join(report.hook_arns)}", f"window: {when}"]
    if not groups:
        lines.append(f"FAIL would have blocked nothing: no invocation failed under WARN in this window "
                     f"({report.skipped_fail_mode} failed under FAIL, already blocked)")
    else:
        lines.append(f"FAIL would have blocked {report.invocations} invocation(s) in {len(stacks)} stack(s): "
                     f"{', '.join(stacks)}")
    for n, g in enumerate(groups, 1):
        ex = g.newest
        lines.append("")
        lines.append(f"{g.stack}  {g.rule}  x{g.count}  ({', '.join(sorted(g.targets)) or '-'})")
        if ex is not None:
            at = f"{ex.invoked_at:%Y-%m-%d %H:%M:%S} UTC" if ex.invoked_at else "?"
            lines.append(f"  newest: {at}  {ex.target}  hook result {ex.hook_result_id or '-'}")
            lines.append(f"  {ex.message}")
        entry = g.exemption(n, report.expires)
        if entry is None:
            lines.append("  no exemption covers a hook error: fix what the reason says")
        else:
            lines.append("  exemption (paste under exemptions: in the policy, with a real reason):")
            lines.append(f"    - id: {entry['id']}")
            lines.append(f"      rules: [{', '.join(entry['rules'])}]")
            if "stacks" in entry:
                lines.append(f"      stacks: [{', '.join(entry['stacks'])}]")
            if "resources" in entry:
                lines.append(f"      resources: [{', '.join(entry['resources'])}]")
            lines.append(f"      reason: '{entry['reason']}'")
            lines.append(f"      expires: {entry['expires']}")
    if report.notes:
        lines.append("")
        lines.extend(f"note: {n}" for n in report.notes)
    return "\n".join(lines) + "\n"
