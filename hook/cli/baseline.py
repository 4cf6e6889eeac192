"""A baseline for CI adoption: fail only on findings that are not already known.

``govhook check --write-baseline FILE`` writes the fingerprints of today's failing findings;
``govhook check --baseline FILE`` then fails only on blocking findings whose fingerprint is not in
it. Baselined findings are counted and reported (JSON ``baselined: true``, SARIF
``baselineState: unchanged``), never dropped.

The fingerprint is the one the SARIF report already gives GitHub (``partialFingerprints``,
``govhook/v1``): rule id, logical id, property path and file, with no line number, so moving lines
or editing other resources keeps a finding baselined, while a new resource, a new rule or a
violation at another property is new.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from hook.core.errors import InputError
from hook.core.model import Finding, Outcome, Verdict

__all__ = ["Baseline", "fingerprints", "write_baseline"]

SCHEMA_VERSION = 1


def artifact_path(path: str) -> str:
    """A file as reports name it: relative to the working directory, '/' separators."""
    rel = os.path.relpath(path) if os.path.isabs(path) else path
    return rel.replace(os.sep, "/")


def fingerprints(findings: Iterable[Finding]) -> dict[int, str]:
    """``id(finding) -> fingerprint`` for each FAIL or ERROR finding, in report order (sorted).

    Two findings at one place (two missing tags, both at /Tags) get distinct fingerprints: the
    n-th repeat of a key gets its own suffix (GitHub merges results whose fingerprints are equal).
    """
    out: dict[int, str] = {}
    seen: dict[str, int] = {}
    for f in findings:
        if f.outcome not in (Outcome.FAIL, Outcome.ERROR):
            continue
        loc = f.location
        key = f"{f.rule_id}|{f.logical_id}|{f.path}|{artifact_path(loc.file) if loc else ''}"
        repeat = seen.get(key, 0)
        seen[key] = repeat + 1
        out[id(f)] = hashlib.sha256((key + (f"|{repeat}" if repeat else "")).encode()).hexdigest()[:32]
    return out


class Baseline:
    """The fingerprints of a baseline file."""

    def __init__(self, path: str, entries: Mapping[str, Mapping[str, Any]]) -> None:
        self.path = path
        self.entries = dict(entries)

    def __contains__(self, fingerprint: object) -> bool:
        return fingerprint in self.entries

    def holds(self, verdict: Verdict) -> Callable[[Finding], bool]:
        """``known(finding)``: whether the baseline holds that finding of ``verdict``."""
        fps = fingerprints(sorted(verdict.findings, key=Finding.sort_key))
        held = {key for key, fp in fps.items() if fp in self.entries}
        return lambda f: id(f) in held

    @classmethod
    def load(cls, path: str) -> Baseline:
        from hook.inputs.files import read_text_file

        text = read_text_file(path, "baseline")
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise InputError(f"not a govhook baseline (not JSON: {exc})", path) from exc
        if not isinstance(doc, dict) or doc.get("tool") != "govhook" or not isinstance(doc.get("findings"), list):
            raise InputError("not a govhook baseline (write one with govhook check --write-baseline FILE)", path)
        if doc.get("schema_version") != SCHEMA_VERSION:
            raise InputError(f"baseline schema_version {doc.get('schema_version')!r} is not {SCHEMA_VERSION}", path)
        entries: dict[str, Mapping[str, Any]] = {}
        for i, item in enumerate(doc["findings"]):
            fp = item.get("fingerprint") if isinstance(item, dict) else None
            if not isinstance(fp, str) or not fp:
                raise InputError(f"findings[{i}] has no fingerprint", path)
            entries[fp] = item
        return cls(path, entries)


def write_baseline(path: str, findings: Iterable[Finding]) -> int:
    """Write every failing finding (blocking, warning, exempted) to ``path``; the count written.

    Warnings and exemptions are included, so that a rule switched from ``warn`` to ``fail`` later,
    or an exemption that expires, does not turn known debt into new failures."""
    ordered = sorted(findings, key=Finding.sort_key)
    fps = fingerprints(ordered)
    items = []
    for f in ordered:
        fp = fps.get(id(f))
        if fp is None:
            continue
        items.append({
            "fingerprint": fp,
            "rule_id": f.rule_id,
            "file": artifact_path(f.location.file) if f.location else None,
            "logical_id": f.logical_id,
            "path": f.path,
            "message": f.message,
        })
    doc = {"schema_version": SCHEMA_VERSION, "tool": "govhook",
           "note": "govhook check --baseline THIS_FILE fails only on findings not listed here",
           "findings": items}
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, indent=2) + "\n")
    return len(items)
