"""SARIF 2.1.0 for GitHub code scanning: rule metadata, levels, physical locations, suppressions."""

from __future__ import annotations

import hashlib
import json
import os

from hook import __version__
from hook.core.model import Disposition, Outcome, Verdict
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


def render(verdict: Verdict, registry: Registry) -> str:
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
    seen: dict[str, int] = {}
    for f in results_findings:
        level = "error" if f.disposition is Disposition.BLOCKING else "warning" if f.disposition is Disposition.WARNING else "note"
        loc = f.location
        region = {"startLine": loc.line if loc and loc.line else 1}
        if loc and loc.column:
            region["startColumn"] = loc.column
        key = f"{f.rule_id}|{f.logical_id}|{f.path}|{loc.file if loc else ''}"
        # Two findings at one place (two missing tags, both at /Tags) must stay two alerts: GitHub
        # merges results whose fingerprints are equal. The n-th repeat gets its own suffix.
        repeat = seen.get(key, 0)
        seen[key] = repeat + 1
        fingerprint = hashlib.sha256((key + (f"|{repeat}" if repeat else "")).encode()).hexdigest()[:32]
        result: dict[str, object] = {
            "ruleId": f.rule_id,
            "ruleIndex": index[f.rule_id],
            "level": level,
            "message": {"text": f"{f.logical_id or 'stack'}: {f.message}" + (f" Fix: {f.remediation}" if f.remediation else "")},
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
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2) + "\n"
