"""The hook response: SUCCESS | FAILED, errorCode, echoed token, message, annotations."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hook.core.model import Disposition, Finding, Outcome, Verdict

MAX_MESSAGE = 4096
MAX_MESSAGE_CLOUD_CONTROL = 1024
MAX_ANNOTATIONS = 50
MAX_TEXT = 16384


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


#: One finding's line in ``message``: long values are cut so that the next findings still show.
MAX_LINE = 1000


def _line(f: Finding) -> str:
    return _cut(f"[{f.rule_id}] {f.logical_id or 'stack'}: {f.message}", MAX_LINE)


def message(verdict: Verdict) -> str:
    """What blocked first, then warnings, exemptions, notes; or why nothing was evaluated."""
    if verdict.not_evaluated is not None:
        return verdict.not_evaluated.message
    counts = verdict.counts()
    blocking = sorted(verdict.blocking, key=Finding.sort_key)
    warnings = sorted(verdict.warnings, key=Finding.sort_key)
    head = [_plural(counts["blocking"], "violation")] if counts["blocking"] else []
    if counts["warning"]:
        head.append(_plural(counts["warning"], "warning"))
    if counts["exempted"]:
        head.append(f"{counts['exempted']} exempted")
    parts = [_line(f) for f in blocking]
    if warnings:
        parts += ["warning " + _line(f) for f in warnings]
    parts += [f"exempted ({f.exemption.id if f.exemption else '?'}) {_line(f)}" for f in verdict.exempted]
    parts += [f"note: {n}" for n in verdict.notes]
    if not head:
        text = f"compliant: {_plural(len(verdict.rules_run), 'rule')} passed"
        if counts["skipped"]:
            text += f", {counts['skipped']} skipped"
        return "; ".join([text, *parts])
    return ", ".join(head) + ": " + "; ".join(parts)


def build_annotations(verdict: Verdict) -> list[dict[str, Any]]:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in verdict.findings:
        by_rule[f.rule_id].append(f)
    out: list[dict[str, Any]] = []
    rank = {Disposition.BLOCKING: 0, Disposition.WARNING: 1, Disposition.EXEMPTED: 2,
            Disposition.SKIPPED: 4, Disposition.PASSED: 3}
    for rule_id in sorted(by_rule, key=lambda r: (min(rank[f.disposition] for f in by_rule[r]), r)):
        items = by_rule[rule_id]
        failed = [f for f in items if f.outcome in (Outcome.FAIL, Outcome.ERROR)]
        if failed:
            status = "FAILED"
            parts = []
            for f in failed:
                tag = {Disposition.WARNING: "warning: ", Disposition.EXEMPTED: "exempted: "}.get(f.disposition, "")
                parts.append(f"{tag}{f.logical_id or 'stack'}: {f.message}")
            status_message = "; ".join(parts)
            remediation = "; ".join(sorted({f.remediation for f in failed if f.remediation})) or "See the rule documentation."
        elif all(f.outcome is Outcome.SKIP for f in items):
            status = "SKIPPED"
            status_message = "; ".join(sorted({f.message for f in items}))
            remediation = "Nothing to do."
        else:
            status = "PASSED"
            status_message = f"{items[0].title}: passed"
            remediation = "Nothing to do."
        ann: dict[str, Any] = {
            "annotationName": rule_id[:1024],
            "status": status,
            "statusMessage": _cut(status_message, MAX_TEXT) or status,
            "remediationMessage": _cut(remediation, MAX_TEXT),
            "severityLevel": items[0].severity.annotation,
        }
        if items[0].remediation_url:
            ann["remediationLink"] = items[0].remediation_url[:5120]
        out.append(ann)
        if len(out) >= MAX_ANNOTATIONS:
            break
    return out


def response(verdict: Verdict, token: str | None, token_key: str = "clientRequestToken", *,
             cloud_control: bool = False) -> dict[str, Any]:
    limit = MAX_MESSAGE_CLOUD_CONTROL if cloud_control else MAX_MESSAGE
    out: dict[str, Any] = {
        "hookStatus": "FAILED" if verdict.is_blocking else "SUCCESS",
        "message": _cut(message(verdict), limit),
        token_key: token,
    }
    if verdict.is_blocking:
        out["errorCode"] = "InternalFailure" if verdict.has_errors else "NonCompliant"
    anns = build_annotations(verdict)
    if anns:
        out["annotations"] = anns
    return out


def failure(reason: str, token: str | None, token_key: str = "clientRequestToken", *,
            cloud_control: bool = False) -> dict[str, Any]:
    limit = MAX_MESSAGE_CLOUD_CONTROL if cloud_control else MAX_MESSAGE
    return {
        "hookStatus": "FAILED",
        "errorCode": "InternalFailure",
        "message": _cut(f"govhook could not evaluate: {reason}", limit),
        token_key: token,
    }
