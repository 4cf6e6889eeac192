"""Human report: grouped by file and resource, blocking first, with the fix; colour only on a terminal."""

from __future__ import annotations

from collections import defaultdict

from hook.core.model import Disposition, Finding, Verdict

_COLORS = {"blocking": "\033[31m", "warning": "\033[33m", "exempted": "\033[36m", "bold": "\033[1m", "dim": "\033[2m"}
_RESET = "\033[0m"
_LABEL = {Disposition.BLOCKING: "BLOCK", Disposition.WARNING: "WARN ", Disposition.EXEMPTED: "EXEMPT"}


def render(verdict: Verdict, *, color: bool = False, files: list[str] | None = None) -> str:
    def c(kind: str, text: str) -> str:
        return f"{_COLORS[kind]}{text}{_RESET}" if color else text

    lines: list[str] = []
    # Passes are not printed: they only make their file appear. Grouping first and sorting only
    # what is printed gives the order of sorting every finding (sort_key starts with the file).
    by_file: dict[str, list[Finding]] = {}
    for f in verdict.findings:
        file_key = f.location.file if f.location else "(no file)"
        group = by_file.get(file_key)
        if group is None:
            group = by_file[file_key] = []
        if f.disposition is not Disposition.PASSED:
            group.append(f)
    for group in by_file.values():
        group.sort(key=Finding.sort_key)
    for file in files or []:
        by_file.setdefault(file, [])
    for file in sorted(by_file):
        findings = by_file[file]
        shown = [f for f in findings if f.disposition in _LABEL]
        blocked = any(f.disposition is Disposition.BLOCKING for f in findings)
        status = c("blocking", "BLOCKED") if blocked else "passed"
        lines.append(c("bold", f"{file}") + f"  {status}")
        by_res: dict[str, list[Finding]] = defaultdict(list)
        for f in shown:
            by_res[f.logical_id or "(stack)"].append(f)
        order = {Disposition.BLOCKING: 0, Disposition.WARNING: 1, Disposition.EXEMPTED: 2}
        for res in sorted(by_res):
            items = sorted(by_res[res], key=lambda f: (order[f.disposition], f.rule_id, f.path))
            rtype = next((f.resource_type for f in items if f.resource_type), "")
            cpath = next((f.construct_path for f in items if f.construct_path), "")
            lines.append(f"  {res}" + (f" ({rtype})" if rtype else "") + (f"  construct {cpath}" if cpath else ""))
            for f in items:
                kind = f.disposition.value
                where = ""
                if f.location and f.location.line:
                    where = f" line {f.location.line}"
                label = _LABEL[f.disposition]
                lines.append(f"    {c(kind, label)} {f.severity.value:<8} {f.rule_id}{where}{' ' + f.path if f.path else ''}")
                lines.append(f"           {f.message}")
                if f.disposition is Disposition.EXEMPTED and f.exemption:
                    until = f" until {f.exemption.expires}" if f.exemption.expires else ""
                    lines.append(f"           exempted by {f.exemption.id}{until}: {f.exemption.reason}")
                elif f.downgraded_by:
                    lines.append(f"           not blocking: {f.downgraded_by}")
                if f.remediation and f.disposition is not Disposition.EXEMPTED:
                    lines.append(f"           fix: {f.remediation}")
                if f.remediation_url and f.disposition is Disposition.BLOCKING:
                    lines.append(c("dim", f"           see: {f.remediation_url}"))
        skipped = [f for f in findings if f.disposition is Disposition.SKIPPED]
        if skipped:
            counts: dict[str, int] = defaultdict(int)
            for f in skipped:
                counts[f.rule_id] += 1
            lines.append(c("dim", "  skipped: " + ", ".join(f"{r} x{n}" if n > 1 else r for r, n in sorted(counts.items()))))
        lines.append("")
    for note in verdict.notes:
        lines.append(f"note: {note}")
    if verdict.notes:
        lines.append("")
    counts_ = verdict.counts()
    summary = (
        f"{counts_['blocking']} blocking, {counts_['warning']} warning{'' if counts_['warning'] == 1 else 's'}, "
        f"{counts_['exempted']} exempted, "
        f"{counts_['skipped']} skipped, {counts_['passed']} passed"
    )
    head = c("blocking", "BLOCKED") if verdict.is_blocking else c("bold", "PASSED")
    lines.append(f"{head}: {summary}")
    return "\n".join(lines) + "\n"
