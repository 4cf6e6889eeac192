"""Exemption *requests*: a developer asks, the policy decides.

A request names a rule and a resource and gives a reason (and maybe an expiry). It comes from
the input, never from the policy:

- a resource's ``Metadata`` in the template (plain templates, and CDK apps through
  ``add_metadata``)::

      Metadata:
        govhook:
          exempt:
            - rule: lambda.memory-within-bounds
              reason: the nightly batch needs 4 GB, tracked in PLAT-12
              expires: 2027-03-31

- a CDK acknowledgement, ``Validations.of(scope).acknowledge(Acknowledgment(id="govhook::<rule-id>",
  reason=...))``, which CDK records as construct metadata (``aws:cdk:acknowledged-rules``) on the
  construct path of ``scope``: it covers every resource at or under that path, the closest
  acknowledgement winning (as CDK's own report does). ``expires YYYY-MM-DD`` in its reason is the
  expiry.

The policy says per rule whether requests are accepted (``rules.<id>.requests: allow|deny``; by
default deny for a rule in ``mode: fail``, allow for one in ``mode: warn``) and what an accepted one
must carry (``requests: {require_reason, require_expiry, max_days}``). An accepted request makes the
finding *exempted* (counted, with its reason, as a policy exemption is); a refused one leaves the
finding as it was and says why in its message. Only FAIL findings are requested away: an ERROR (a
rule that could not run) is never.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from hook.core._record import Frozen
from hook.core.model import Disposition, Exempted, Finding, Outcome, StackTarget, Target, Verdict
from hook.core.policy_model import Policy

__all__ = [
    "METADATA_KEY",
    "ExemptionRequest",
    "apply_requests",
    "cdk_rule_id",
    "requests_from_template",
]

#: The resource Metadata key of a request.
METADATA_KEY = "govhook"
#: The namespace of govhook's rules in CDK validation ids (``govhook::lambda.runtime-allowed``):
#: CDK derives it from the plugin's name.
CDK_NAMESPACE = "govhook"
_EXPIRES_IN_TEXT = re.compile(r"\bexpires?\b[:\s]+(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_MIN_REASON = 10


class ExemptionRequest(Frozen):
    """One request: a rule, where (a logical id, or a construct path and everything under it), why."""

    _fields = ("rule", "reason", "expires", "source", "stack_name", "logical_id", "construct_path")
    rule: str
    reason: str
    #: ``YYYY-MM-DD`` as written (checked when decided), or None.
    expires: str | None
    #: Where the request was made, for people: ``Metadata govhook.exempt of Fn``, ``CDK acknowledge at Orders/Api``.
    source: str
    stack_name: str | None
    logical_id: str | None
    construct_path: str | None

    def __init__(self, rule: str, reason: str, expires: str | None, source: str, stack_name: str | None = None,
                 logical_id: str | None = None, construct_path: str | None = None) -> None:
        self.__dict__.update(rule=rule, reason=reason, expires=expires, source=source, stack_name=stack_name,
                             logical_id=logical_id, construct_path=construct_path)

    @property
    def kind(self) -> str:
        return "acknowledge" if self.construct_path is not None and self.logical_id is None else "metadata"

    def depth(self, finding: Finding) -> int | None:
        """How closely this request covers the finding (higher is closer), or None when it does not."""
        if self.stack_name is not None and finding.stack_name is not None and self.stack_name != finding.stack_name:
            return None
        if self.logical_id is not None:
            return 10_000 if finding.logical_id == self.logical_id else None
        if self.construct_path is None:
            return 0  # the template's own Metadata: the whole stack
        if not finding.construct_path:
            return None
        prefix = self.construct_path.strip("/")
        path = finding.construct_path.strip("/")
        if prefix == "" or path == prefix or path.startswith(prefix + "/"):
            return prefix.count("/") + (1 if prefix else 0)
        return None


def cdk_rule_id(validation_id: str) -> str | None:
    """``lambda.runtime-allowed`` from ``govhook::lambda.runtime-allowed``; None for another plugin's id."""
    namespace, sep, rule = validation_id.partition("::")
    if not sep or namespace.replace(" ", "-") != CDK_NAMESPACE or not rule:
        return None
    return rule


def requests_from_template(template: Mapping[str, Any], stack_name: str | None) -> list[ExemptionRequest]:
    """The ``Metadata.govhook.exempt`` requests of every resource in a template. Entries that are
    not of the documented shape are requests without a reason (refused, saying so), never ignored."""
    out: list[ExemptionRequest] = []
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return out
    top = template.get("Metadata")
    items: list[tuple[str | None, Any]] = [(None, {"Metadata": top})] if isinstance(top, Mapping) else []
    items.extend((str(k), v) for k, v in resources.items())
    for logical_id, resource in items:
        meta = resource.get("Metadata") if isinstance(resource, Mapping) else None
        block = meta.get(METADATA_KEY) if isinstance(meta, Mapping) else None
        if not isinstance(block, Mapping):
            continue
        entries = block.get("exempt")
        for entry in entries if isinstance(entries, list) else [entries] if entries is not None else []:
            if not isinstance(entry, Mapping):
                continue
            rules = entry.get("rule", entry.get("rules"))
            for rule in rules if isinstance(rules, list) else [rules]:
                if not isinstance(rule, str) or not rule:
                    continue
                reason = entry.get("reason")
                expires = entry.get("expires")
                out.append(ExemptionRequest(
                    rule, reason if isinstance(reason, str) else "",
                    expires.isoformat() if isinstance(expires, date) else (str(expires) if expires is not None else None),
                    f"Metadata {METADATA_KEY}.exempt of {logical_id or 'the template'}", stack_name, logical_id,
                    _cdk_path(resource) if logical_id else None,
                ))
    return out


def _cdk_path(resource: Mapping[str, Any]) -> str | None:
    meta = resource.get("Metadata")
    path = meta.get("aws:cdk:path") if isinstance(meta, Mapping) else None
    return path if isinstance(path, str) else None


def requests_from_targets(targets: Iterable[Target]) -> list[ExemptionRequest]:
    """The Metadata requests of every stack target's template (what the STACK payload carries)."""
    out: list[ExemptionRequest] = []
    for target in targets:
        if isinstance(target, StackTarget):
            out.extend(requests_from_template(target.template, target.stack_name))
    return out


def decide(policy: Policy, rule_id: str, request: ExemptionRequest, today: date) -> str | None:
    """None when the policy accepts the request; else why it refuses it."""
    if not policy.accepts_requests(rule_id):
        cfg = policy.rules.get(rule_id)
        setting = (cfg.requests if cfg else None) or policy.defaults.requests
        why = "requests: deny" if setting == "deny" else "a blocking rule accepts requests only with requests: allow"
        return f"the policy does not accept exemption requests for {rule_id} ({why})"
    settings = policy.requests
    if settings.require_reason and len(request.reason.strip()) < _MIN_REASON:
        return f"the policy requires a reason of at least {_MIN_REASON} characters"
    expires = request.expires
    if expires is None:
        found = _EXPIRES_IN_TEXT.search(request.reason)
        expires = found.group(1) if found else None
    if expires is None:
        return "the policy requires an expiry date" if settings.require_expiry else None
    try:
        until = date.fromisoformat(expires)
    except ValueError:
        return f"expires '{expires}' is not a date (YYYY-MM-DD)"
    if until < today:
        return f"it expired on {until.isoformat()}"
    if settings.max_days is not None and (until - today).days > settings.max_days:
        return f"it expires {until.isoformat()}, more than the policy's {settings.max_days} days ahead"
    return None


def _expiry(request: ExemptionRequest) -> str:
    if request.expires:
        return request.expires
    found = _EXPIRES_IN_TEXT.search(request.reason)
    return found.group(1) if found else ""


def apply_requests(
    verdict: Verdict,
    requests: Sequence[ExemptionRequest],
    policy: Policy,
    today: date | None = None,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> Verdict:
    """The verdict with each covered FAIL finding exempted (request accepted) or annotated (refused).

    ``aliases``: rule id -> its old names, so a request naming a renamed rule still counts.
    """
    if not any(f.outcome is Outcome.FAIL for f in verdict.findings):
        return verdict
    today = today or date.today()
    findings: list[Finding] = []
    notes: list[str] = list(verdict.notes)
    for finding in verdict.findings:
        if finding.outcome is not Outcome.FAIL:
            findings.append(finding)
            continue
        if policy.accepts_requests(finding.rule_id):
            finding = finding.replace(suppressible=True)
        if finding.disposition not in (Disposition.BLOCKING, Disposition.WARNING):
            findings.append(finding)
            continue
        names = {finding.rule_id, *(aliases or {}).get(finding.rule_id, ())}
        best: ExemptionRequest | None = None
        best_depth = -1
        for request in requests:
            if request.rule not in names:
                continue
            depth = request.depth(finding)
            if depth is not None and depth > best_depth:
                best, best_depth = request, depth
        if best is None:
            findings.append(finding)
            continue
        refusal = decide(policy, finding.rule_id, best, today)
        where = finding.logical_id or "the stack"
        if refusal is None:
            findings.append(finding.replace(
                disposition=Disposition.EXEMPTED, downgraded_by=None,
                exemption=Exempted(f"request ({best.source})", best.reason.strip(), _expiry(best)),
            ))
        else:
            findings.append(finding.replace(
                message=f"{finding.message} (exemption request refused: {refusal})", suppressible=False))
            note = f"exemption request for {finding.rule_id} on {where} ({best.source}) refused: {refusal}"
            if note not in notes:
                notes.append(note)
    return Verdict(tuple(findings), tuple(notes), verdict.targets, verdict.rules_run, verdict.not_evaluated)


def needs_stack_template(policy: Policy, verdict: Verdict) -> bool:
    """Whether a RESOURCE invocation's decision could change with the resource's Metadata (which
    CloudFormation does not send): a rule that runs only on some construct paths, or a failed rule
    that a construct-path override or exclusion, or an exemption request, could change."""
    if any(cfg.scope.constructs_include for cfg in policy.rules.values()):
        return True
    for f in verdict.findings:
        if f.outcome is not Outcome.FAIL or f.disposition not in (Disposition.BLOCKING, Disposition.WARNING):
            continue
        cfg = policy.rules.get(f.rule_id)
        if cfg is not None and (cfg.overrides or cfg.scope.constructs_exclude):
            return True
        if policy.accepts_requests(f.rule_id):
            return True
    return False


def resource_metadata(template: Mapping[str, Any], logical_id: str,
                      stack_name: str | None) -> tuple[str | None, list[ExemptionRequest]]:
    """``(construct path, requests)`` of one resource, from its stack's template."""
    resources = template.get("Resources")
    res = resources.get(logical_id) if isinstance(resources, Mapping) else None
    path = _cdk_path(res) if isinstance(res, Mapping) else None
    requests = [r for r in requests_from_template(template, stack_name) if r.logical_id in (None, logical_id)]
    return (path or None), requests
