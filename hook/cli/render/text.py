"""Human report: grouped by file and resource, blocking first, with the fix; colour only on a terminal.

Quiet by default, complete on request: the default report lists blocking and warning findings,
exempted ones, and the skips that leave a gap in what was checked (a value not known before
deployment, an account fact that could not be read) with their reason. ``verbose`` adds every other
skip with its reason, the passed rules and the findings a baseline holds. The JSON report always
has everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from hook.core.errors import InputError
from hook.core.model import Disposition, Finding, Verdict

_COLORS = {"blocking": "\033[31m", "warning": "\033[33m", "exempted": "\033[36m", "bold": "\033[1m", "dim": "\033[2m",
           "skipped": "\033[2m", "passed": "\033[2m", "baselined": "\033[2m"}
_RESET = "\033[0m"
# One width for every label, so severities and rule ids line up in one column.
_LABEL = {Disposition.BLOCKING: "BLOCK ", Disposition.WARNING: "WARN  ", Disposition.EXEMPTED: "EXEMPT",
          Disposition.SKIPPED: "SKIP  ", Disposition.PASSED: "PASS  "}
_BASELINED = "KNOWN "
_INDENT = " " * 11
_ORDER = {Disposition.BLOCKING: 0, Disposition.WARNING: 1, Disposition.EXEMPTED: 2, Disposition.SKIPPED: 3,
          Disposition.PASSED: 4}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render(
    verdict: Verdict,
    *,
    color: bool = False,
    files: list[str] | None = None,
    verbose: bool = False,
    policy: str | None = None,
    input_errors: Sequence[InputError] = (),
    baselined: Callable[[Finding], bool] | None = None,
    baseline_file: str | None = None,
) -> str:
    """``baselined(finding)`` says whether a blocking finding is in the baseline (then it does not
    fail the run; listed with ``verbose``, always counted)."""

    def c(kind: str, text: str) -> str:
        return f"{_COLORS[kind]}{text}{_RESET}" if color else text

    def known(f: Finding) -> bool:
        return baselined is not None and f.disposition is Disposition.BLOCKING and baselined(f)

    def shown(f: Finding) -> bool:
        if f.disposition is Disposition.PASSED:
            return verbose
        if f.disposition is Disposition.SKIPPED:
            return verbose or f.gap
        if known(f):
            return verbose
        return True

    lines: list[str] = []
    if policy:
        lines.append(c("dim", f"policy: {policy}"))
        lines.append("")
    # Grouping first and sorting only what is printed gives the order of sorting every finding
    # (sort_key starts with the file).
    by_file: dict[str, list[Finding]] = {}
    hidden: dict[str, dict[str, int]] = {}
    for f in verdict.findings:
        file_key = f.location.file if f.location else "(no file)"
        group = by_file.get(file_key)
        if group is None:
            group = by_file[file_key] = []
            hidden[file_key] = defaultdict(int)
        if shown(f):
            group.append(f)
        elif f.disposition is Disposition.SKIPPED:
            hidden[file_key]["not applicable"] += 1
        elif f.disposition is Disposition.PASSED:
            hidden[file_key]["passed"] += 1
        else:
            hidden[file_key]["baselined"] += 1
    for file in files or []:
        by_file.setdefault(file, [])
        hidden.setdefault(file, defaultdict(int))
    all_blocking: dict[str, tuple[bool, int]] = defaultdict(lambda: (False, 0))
    for f in verdict.findings:
        if f.disposition is Disposition.BLOCKING:
            key = f.location.file if f.location else "(no file)"
            new, old = all_blocking[key]
            all_blocking[key] = (new or not known(f), old + (1 if known(f) else 0))
    for file in sorted(by_file):
        findings = by_file[file]
        blocked, old = all_blocking[file]
        status = c("blocking", "BLOCKED") if blocked else "passed"
        if old:
            status += f" ({old} baselined)"
        lines.append(c("bold", f"{file}") + f"  {status}")
        by_res: dict[str, list[Finding]] = defaultdict(list)
        for f in findings:
            by_res[f.logical_id or "(stack)"].append(f)
        for res in sorted(by_res):
            items = sorted(by_res[res], key=lambda f: (_ORDER[f.disposition], f.rule_id, f.path, f.message))
            rtype = next((f.resource_type for f in items if f.resource_type), "")
            cpath = next((f.construct_path for f in items if f.construct_path), "")
            lines.append(f"  {res}" + (f" ({rtype})" if rtype else "") + (f"  construct {cpath}" if cpath else ""))
            for f in items:
                lines.extend(_finding_lines(f, c, known(f)))
        counts = hidden[file]
        if counts:
            parts = [f"{counts[k]} {k}" for k in ("baselined", "not applicable", "passed") if counts.get(k)]
            lines.append(c("dim", f"  ({', '.join(parts)}: -v shows them)"))
        lines.append("")
    for note in verdict.notes:
        lines.append(f"note: {note}")
    if verdict.notes:
        lines.append("")
    lines.append(_summary(verdict, c, known, input_errors, baseline_file))
    return "\n".join(lines) + "\n"


def _finding_lines(f: Finding, c: Callable[[str, str], str], is_known: bool) -> list[str]:
    kind = "baselined" if is_known else f.disposition.value
    label = _BASELINED if is_known else _LABEL[f.disposition]
    where = f" line {f.location.line}" if f.location and f.location.line and f.is_violation else ""
    path = f" {f.path}" if f.path else ""
    if f.disposition is Disposition.PASSED:
        return [f"    {c(kind, label)} {f.severity.value:<8} {f.rule_id}"]
    if f.disposition is Disposition.SKIPPED:  # no severity: nothing failed
        return [f"    {c(kind, label)} {'':<8} {f.rule_id}{path}", f"{_INDENT}{f.message}"]
    out = [f"    {c(kind, label)} {f.severity.value:<8} {f.rule_id}{where}{path}", f"{_INDENT}{f.message}"]
    if is_known:
        out.append(f"{_INDENT}in the baseline: not failing this run")
    elif f.disposition is Disposition.EXEMPTED and f.exemption:
        until = f" until {f.exemption.expires}" if f.exemption.expires else ""
        out.append(f"{_INDENT}exempted by {f.exemption.id}{until}: {f.exemption.reason}")
    elif f.downgraded_by:
        out.append(f"{_INDENT}not blocking: {f.downgraded_by}")
    if f.remediation and f.disposition is not Disposition.EXEMPTED:
        out.append(f"{_INDENT}fix: {f.remediation}")
    if f.remediation_url and f.disposition is Disposition.BLOCKING and not is_known:
        out.append(c("dim", f"{_INDENT}see: {f.remediation_url}"))
    return out


def _summary(verdict: Verdict, c: Callable[[str, str], str], known: Callable[[Finding], bool],
             input_errors: Sequence[InputError], baseline_file: str | None) -> str:
    counts = verdict.counts()
    old = sum(1 for f in verdict.findings if f.disposition is Disposition.BLOCKING and known(f))
    gaps = sum(1 for f in verdict.findings if f.disposition is Disposition.SKIPPED and f.gap)
    skipped = f"{counts['skipped']} skipped" + (f" ({gaps} not known offline or before deployment)" if gaps else "")
    blocking = f"{counts['blocking'] - old} blocking"
    if baseline_file is not None:
        blocking += f" ({old} more in the baseline {baseline_file})"
    summary = (f"{blocking}, {_plural(counts['warning'], 'warning')}, {counts['exempted']} exempted, "
               f"{skipped}, {counts['passed']} passed")
    if input_errors:
        summary += f"; {_plural(len(input_errors), 'input')} not checked (errors on stderr)"
    if counts["blocking"] - old > 0:
        head = c("blocking", "BLOCKED")
    elif input_errors:
        head = c("blocking", "INCOMPLETE")
    else:
        head = c("bold", "PASSED")
    return f"{head}: {summary}"
