"""govhook's verdict inside cfn-lint: ``cfn-lint --append-rules hook.integrations.cfnlint``.

Each govhook finding on the linted template becomes a cfn-lint match at the line of the property
it is about: blocking findings as ``E9100``, warnings as ``W9100`` (exempted and skipped findings
are not reported; ``govhook check`` shows them). The policy comes from ``GOVHOOK_POLICY`` (a
file), else ``policies/default.policy.yaml`` in the working directory. Parameters are not
overridden, and no AWS call is made: references to SSM use their defaults.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from hook.core.model import Disposition, Finding

_CACHE: dict[tuple[str, float, str], list[Finding]] = {}


def _policy_path() -> str:
    """``GOVHOOK_POLICY``, else ``policies/default.policy.yaml`` here, else the packaged default
    (so the integration works outside a checkout too)."""
    local = os.path.join("policies", "default.policy.yaml")
    if os.environ.get("GOVHOOK_POLICY"):
        return os.environ["GOVHOOK_POLICY"]
    if os.path.isfile(local):
        return local
    from hook.cli.discovery import packaged_default_path

    return packaged_default_path()


def findings_for(filename: str) -> list[Finding]:
    """govhook's findings for one template file (cached per file version and policy)."""
    policy_path = _policy_path()
    key = (os.path.abspath(filename), os.path.getmtime(filename), policy_path)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    from hook.cli.adapters.template import load_targets
    from hook.core.pipeline import Invocation, local_pipeline
    from hook.inputs.locations import Locator

    locator = Locator()
    pipeline = local_pipeline(policy_path, locator=locator)
    result = load_targets(filename, locator=locator)
    verdict = pipeline.evaluate(result.targets, Invocation(notes=result.notes))
    found = [f for f in verdict.findings if f.disposition in (Disposition.BLOCKING, Disposition.WARNING)]
    _CACHE[key] = found
    return found


def _to_match(finding: Finding) -> RuleMatch:
    path: list[str | int] = ["Resources", finding.logical_id] if finding.logical_id else ["Resources"]
    message = f"[{finding.rule_id}] {finding.logical_id or 'stack'}: {finding.message}"
    if finding.remediation:
        message += f"{'' if finding.message.rstrip().endswith(('.', '!', '?')) else '.'} Fix: {finding.remediation}"
    match = RuleMatch(path, message)
    loc = finding.location
    if loc is not None and loc.line is not None:
        col = (loc.column or 1) - 1
        match.location = (loc.line - 1, col, loc.line - 1, col)
    return match


class _GovhookRule(CloudFormationLintRule):  # type: ignore[misc]
    disposition = Disposition.BLOCKING
    source_url = "https://github.com/govhook/govhook/blob/main/docs/rules.md"
    tags: ClassVar[list[str]] = ["govhook", "lambda", "governance"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        filename = getattr(cfn, "filename", None)
        if not filename or not os.path.isfile(filename):
            return []
        try:
            found = findings_for(filename)
        except Exception as exc:  # a policy or template error is one clear match, not a crash
            return [RuleMatch([], f"govhook could not evaluate this template: {exc}")]
        return [_to_match(f) for f in found if f.disposition is self.disposition]


class GovhookBlocking(_GovhookRule):
    """A govhook policy violation that would block the deployment."""

    id = "E9100"
    shortdesc = "govhook: blocking policy violation"
    description = "The govhook Lambda Hook would block this deployment (a rule in fail mode)."
    disposition = Disposition.BLOCKING


class GovhookWarning(_GovhookRule):
    """A govhook policy finding reported as a warning (mode: warn, or pre-existing debt)."""

    id = "W9100"
    shortdesc = "govhook: policy warning"
    description = "The govhook Lambda Hook reports this as a warning; the deployment goes on."
    disposition = Disposition.WARNING
