"""``govhook results`` reports: text grouped by invocation (most recent first), and JSON."""

from __future__ import annotations

import json

from hook.cli.results import Invocation, Report

_LABEL = {"blocked": "BLOCKED", "warned": "WARNED", "passed": "PASSED", "in-progress": "RUNNING"}
_FIRST_LINE_MAX = 200
_REASON_MAX = 160


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _change_set_name(arn: str) -> str:
    # arn:aws:cloudformation:REGION:ACCOUNT:changeSet/NAME/UUID
    parts = arn.split(":changeSet/", 1)
    return parts[1].split("/", 1)[0] if len(parts) == 2 else arn


def target_label(inv: Invocation) -> str:
    if inv.target_type == "STACK":
        return f"stack {inv.target_id}"
    if inv.target_type == "CHANGE_SET":
        return f"change set {_change_set_name(inv.target_id)}"
    if inv.target_type == "CLOUD_CONTROL":
        return f"Cloud Control request {inv.target_id}"
    extra = ", ".join(x for x in (inv.resource_type, inv.action) if x)
    return f"{inv.target_id} ({extra})" if extra else inv.target_id


def first_line(inv: Invocation) -> str:
    """What failed, in one line: the failed rules, else the first line of the hook's reason."""
    rules = inv.failed_rules
    if rules:
        what = f"{len(rules)} rule{'s' if len(rules) != 1 else ''} failed: {', '.join(rules)}"
    elif inv.reason:
        what = inv.reason.strip().splitlines()[0] if inv.reason.strip() else inv.status
    else:
        what = inv.status
    return _cut(f"{_LABEL.get(inv.outcome, inv.outcome.upper())}  {target_label(inv)}: {what}", _FIRST_LINE_MAX)


def _scope(report: Report) -> str:
    if report.change_set:
        return f"change set {_change_set_name(report.change_set)} of stack {report.stack}"
    return f"stack {report.stack}" + ("" if report.everything else " (latest operation)")


def render_text(report: Report, *, show_passed_rules: bool = False) -> str:
    lines: list[str] = []
    shown = report.shown()
    counts = report.to_json()["counts"]
    if report.change_set_status:
        lines.append(f"change set {_change_set_name(report.change_set or '')}: {report.change_set_status}")
    if not report.invocations and report.validations:
        verdict = "BLOCKED" if report.blocked else "not blocked"
        failed = sum(1 for v in report.validations if v.status == "FAILED")
        lines.append(f"{_scope(report)}: {verdict} by early validation ({failed} failed, no hook invocations)")
    elif not report.invocations:
        hint = "" if report.everything or report.change_set else "; --all searches the whole event history"
        if report.change_set:
            hint = "; STACK and RESOURCE hooks run when the change set is executed: govhook results STACK"
        else:
            hint += "; a hook that ran on a change set is read with --change-set NAME"
        where = f" (change set {_change_set_name(report.change_set)})" if report.change_set else ""
        lines.append(f"no hook results for {report.stack}{where}{hint}")
    elif not shown:
        lines.append(f"no failed or warned hook invocations for {_scope(report)}: "
                     f"{counts['passed']} passed, {counts['in-progress']} running; --all lists them")
    else:
        verdict = "BLOCKED" if report.blocked else "not blocked"
        lines.append(f"{_scope(report)}: {verdict} ({counts['blocked']} blocked, {counts['warned']} warned, "
                     f"{counts['passed']} passed, {counts['in-progress']} running)")
    lines.extend(_operation_lines(report))
    for inv in shown:
        lines.append("")
        lines.append(first_line(inv))
        facts = [f"hook {inv.hook}", inv.status]
        if inv.failure_mode:
            facts.append(f"failure mode {inv.failure_mode}")
        if inv.invocation_point:
            facts.append(inv.invocation_point)
        if inv.invoked_at is not None:
            facts.append(inv.invoked_at.strftime("%Y-%m-%d %H:%M:%S UTC"))
        if not inv.latest:
            facts.append("earlier operation")
        lines.append("  " + "  ".join(facts))
        if inv.reason:
            reason = " ".join(inv.reason.split())
            # The failed rules are listed below in full; the reason then only repeats them.
            lines.append(f"  reason: {_cut(reason, _REASON_MAX) if inv.failed_rules else reason}")
        if inv.detail_error:
            lines.append(f"  details: {inv.detail_error}")
        hidden: dict[str, int] = {}
        for a in inv.annotations:
            if a.status != "FAILED" and not show_passed_rules:
                hidden[a.status.lower()] = hidden.get(a.status.lower(), 0) + 1
                continue
            lines.append(f"  {a.status:<7} {(a.severity or '-').lower():<8} {a.rule_id}")
            if a.message:
                lines.append(f"          {a.message}")
            if a.remediation and a.status == "FAILED":
                lines.append(f"          fix: {a.remediation}")
            if a.link and a.status == "FAILED":
                lines.append(f"          see: {a.link}")
        if hidden:
            summary = ", ".join(f"{n} {k}" for k, n in sorted(hidden.items()))
            lines.append(f"  ({summary} not shown; --all shows them)")
        if inv.hook_result_id:
            lines.append(f"  hook result id {inv.hook_result_id}")
    lines.extend(_planned_lines(report))
    if report.notes:
        lines.append("")
        lines.extend(f"note: {n}" for n in report.notes)
    return "\n".join(lines) + "\n"


def _operation_lines(report: Report) -> list[str]:
    """Early-validation failures (one line each) and provisioning errors, by operation."""
    lines: list[str] = []
    for op in report.operations:
        if not op.validations and not op.provisioning_errors:
            continue
        lines.append("")
        when = f", started {op.started.strftime('%Y-%m-%d %H:%M:%S UTC')}" if op.started else ""
        lines.append(f"operation {op.operation_id} ({op.type or '?'}, {op.status or '?'}{when})")
        lines.extend(f"  {v.line()}" for v in op.validations)
        lines.extend(f"  PROVISIONING FAILED  {e}" for e in op.provisioning_errors)
    return lines


def _planned_lines(report: Report) -> list[str]:
    """DescribeChangeSetHooks: what will run when the change set is executed."""
    if not report.planned_hooks:
        return []
    executed = report.change_set_execution not in (None, "AVAILABLE", "UNAVAILABLE")
    when = "were invoked when it was executed" if executed else "run when it is executed"
    name = _change_set_name(report.change_set or "")
    lines = ["", f"hooks that {when} (DescribeChangeSetHooks, {report.planned_status or '?'}): "
                 f"{len(report.planned_hooks)} for change set {name}"]
    for h in report.planned_hooks:
        target = h.logical_id or "?"
        extra = ", ".join(x for x in (h.resource_type, h.resource_action) if x)
        lines.append(f"  {h.hook}  failure mode {h.failure_mode or '?'}  {target}" + (f" ({extra})" if extra else ""))
    return lines


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, sort_keys=False) + "\n"
