"""SARIF 2.1.0 for GitHub code scanning: rule metadata, levels, physical locations, suppressions."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence

from hook import __version__
from hook.cli.baseline import fingerprints
from hook.core.errors import InputError
from hook.core.model import Disposition, Finding, Outcome, Verdict
from hook.core.registry import Registry

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "informational": "1.0"}
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "informational": "note"}


def _uri(path: str) -> str:
    """A relative URI reference: '/' separators, spaces and the like percent-encoded (a SARIF uri is
    a URI, not a path: GitHub does not place 'my templates/a b.yaml' unencoded)."""
    from urllib.parse import quote

    rel = os.path.relpath(path) if os.path.isabs(path) else path
    return quote(rel.replace(os.sep, "/"), safe="/")


def render(verdict: Verdict, registry: Registry, *, input_errors: Sequence[InputError] = (),
           baselined: Callable[[Finding], bool] | None = None, policy: Mapping[str, str] | None = None) -> str:
    """``input_errors`` become ``toolExecutionNotifications`` of the run's invocation (the run is then
    not successful); with a baseline (``baselined``), each result has a ``baselineState``."""
    v = verdict.sorted()
    results_findings = [f for f in v.findings if f.outcome in (Outcome.FAIL, Outcome.ERROR)]
    rule_ids = sorted({f.rule_id for f in results_findings} | set(v.rules_run))
    rules = []
    for rid in rule_ids:
        cls = registry.get(rid)
        sev = cls.default_severity.value if cls else "medium"
        desc = cls.description() if cls else rid
        rules.append(
            {
                "id": rid,
                "name": "".join(p.capitalize() for p in rid.replace(".", "-").split("-")),
                "shortDescription": {"text": cls.title if cls else rid},
                "fullDescription": {"text": desc or rid},
                "helpUri": (cls.remediation_url if cls and cls.remediation_url else "https://github.com/govhook/govhook/blob/main/docs/rules.md"),
                "help": {"text": desc or rid},
                "defaultConfiguration": {"level": _LEVEL[sev]},
                "properties": {"tags": ["govhook", "lambda", "cloudformation"], "security-severity": SECURITY_SEVERITY[sev]},
            }
        )
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    fps = fingerprints(results_findings)
    for f in results_findings:
        level = "error" if f.disposition is Disposition.BLOCKING else "warning" if f.disposition is Disposition.WARNING else "note"
        loc = f.location
        region = {"startLine": loc.line if loc and loc.line else 1}
        if loc and loc.column:
            region["startColumn"] = loc.column
        fingerprint = fps[id(f)]
        result: dict[str, object] = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": level,
            "message": {"text": f"{f.logical_id or 'stack'}: {f.message}" + (f"{'' if f.message.rstrip().endswith(('.', '!', '?')) else '.'} Fix: {f.remediation}" if f.remediation else "")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(loc.file) if loc else "template.yaml"},
                        "region": region,
                    },
                    "logicalLocations": [
                        {"name": f.logical_id or "stack", "kind": "resource",
                         **({"fullyQualifiedName": f.construct_path} if f.construct_path else {})}
                    ],
                }
            ],
            "partialFingerprints": {"govhook/v1": fingerprint},
            "properties": {"disposition": f.disposition.value, "severity": f.severity.value, "path": f.path,
                           **({"constructPath": f.construct_path} if f.construct_path else {})},
        }
        if baselined is not None:
            result["baselineState"] = "unchanged" if baselined(f) else "new"
        if f.disposition is Disposition.EXEMPTED and f.exemption:
            result["suppressions"] = [
                {"kind": "external", "justification": f"{f.exemption.id}: {f.exemption.reason}"
                 + (f" (until {f.exemption.expires})" if f.exemption.expires else "")}
            ]
        results.append(result)
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "govhook",
                        "informationUri": "https://github.com/govhook/govhook",
                        "semanticVersion": __version__,
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "invocations": [_invocation(input_errors, policy)],
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def _invocation(input_errors: Sequence[InputError], policy: Mapping[str, str] | None) -> dict[str, object]:
    """The run's invocation: successful unless an input could not be checked; each such input is a
    ``toolExecutionNotification`` at its file and line."""
    notes = []
    for err in input_errors:
        note: dict[str, object] = {"level": "error", "message": {"text": err.message},
                                   "descriptor": {"id": "govhook/input-error"}}
        if err.file:
            region = {"startLine": err.line or 1}
            if err.column:
                region["startColumn"] = err.column
            note["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": _uri(err.file)}, "region": region}}]
        notes.append(note)
    inv: dict[str, object] = {"executionSuccessful": not input_errors, "toolExecutionNotifications": notes}
    if policy:
        inv["properties"] = {"policy": dict(policy)}
    return inv
