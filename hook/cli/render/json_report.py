"""Stable JSON report (schema_version 1, documented in docs/cli.md)."""

from __future__ import annotations

import json

from hook.core.model import Verdict


def render(verdict: Verdict, *, files: list[str] | None = None) -> str:
    v = verdict.sorted()
    doc = {
        "schema_version": 1,
        "tool": "govhook",
        "blocking": v.is_blocking,
        "summary": v.counts(),
        "files": sorted(files or []),
        "notes": list(v.notes),
        "findings": [f.to_dict() for f in v.findings],
    }
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"
