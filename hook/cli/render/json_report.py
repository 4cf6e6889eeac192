"""Stable JSON report (schema_version 1, documented in README's CLI section).

Everything is in it, whatever the text report's verbosity: every finding (passes and skips with
their reason, ``gap`` for a skip that leaves something unchecked), each failing finding's
``fingerprint`` (the SARIF one, which baselines use) and ``baselined``, the policy used, and the
inputs that could not be checked (``input_errors``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hook.cli.baseline import fingerprints
from hook.core.errors import InputError
from hook.core.model import Disposition, Finding, Verdict


def input_error_dict(err: InputError) -> dict[str, Any]:
    return {"file": err.file, "line": err.line, "column": err.column, "message": err.message}


def render(verdict: Verdict, *, files: list[str] | None = None, policy: Mapping[str, str] | None = None,
           input_errors: Sequence[InputError] = (), baselined: Callable[[Finding], bool] | None = None,
           baseline_file: str | None = None) -> str:
    v = verdict.sorted()
    fps = fingerprints(v.findings)
    findings = []
    known = 0
    for f in v.findings:
        item = f.to_dict()
        item["fingerprint"] = fps.get(id(f))
        is_known = baselined is not None and f.disposition is Disposition.BLOCKING and baselined(f)
        known += is_known
        item["baselined"] = is_known
        findings.append(item)
    summary = v.counts()
    doc: dict[str, Any] = {
        "schema_version": 1,
        "tool": "govhook",
        "blocking": summary["blocking"] - known > 0,
        "summary": {**summary, "baselined": known},
        "policy": dict(policy) if policy else None,
        "baseline": baseline_file,
        "files": sorted(files or []),
        "input_errors": [input_error_dict(e) for e in input_errors],
        "notes": list(v.notes),
        "findings": findings,
    }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"
