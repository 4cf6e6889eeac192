"""Targets in, findings out: the verdict model every door (hook, CLI reports) renders."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from hook.core._record import Frozen
from hook.sdk import Action, ServerlessService, Severity

__all__ = [
    "Disposition",
    "Exempted",
    "Finding",
    "Location",
    "NotEvaluated",
    "Outcome",
    "ResourceTarget",
    "StackTarget",
    "Target",
    "Verdict",
]


class Location(Frozen):
    """Where in a source file a finding points (1-based line and column)."""

    _fields = ("file", "line", "column")
    file: str
    line: int | None
    column: int | None

    def __init__(self, file: str, line: int | None = None, column: int | None = None) -> None:
        self.__dict__.update(file=file, line=line, column=column)

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


class ResourceTarget(Frozen):
    """One resource, as a RESOURCE/CLOUD_CONTROL hook invocation carries it.

    ``source_pointer`` is the JSON pointer of the resource's ``Properties`` in the source template
    (CLI only; for a SAM-expanded resource it points at the SAM resource it came from), so a
    property path can be turned into a file line. ``source_type`` is the type as written in the
    source when it differs (``AWS::Serverless::Function`` for the function SAM expands), so reports
    name a resource the way its author wrote it, whichever rule found something; ``source_pointers``
    maps a property path to where its value is written when that is not under the resource (a
    ``Runtime`` that comes from SAM ``Globals``).
    """

    _fields = ("resource_type", "logical_id", "action", "properties", "previous_properties", "stack_name",
               "account_id", "region", "file", "source_pointer", "source_type", "source_pointers",
               "construct_path")
    resource_type: str
    logical_id: str
    action: Action
    properties: Mapping[str, Any]
    previous_properties: Mapping[str, Any] | None
    stack_name: str | None
    account_id: str | None
    region: str | None
    file: str | None
    source_pointer: str | None
    source_type: str | None
    source_pointers: Mapping[str, str] | None
    #: The CDK construct path (``Metadata["aws:cdk:path"]``, e.g. ``Orders/Api/Handler/Resource``),
    #: when the resource came from a CDK app; policy scopes and overrides match it by glob.
    construct_path: str | None

    level = "resource"

    def __init__(
        self,
        resource_type: str,
        logical_id: str,
        action: Action,
        properties: Mapping[str, Any],
        previous_properties: Mapping[str, Any] | None = None,
        stack_name: str | None = None,
        account_id: str | None = None,
        region: str | None = None,
        file: str | None = None,
        source_pointer: str | None = None,
        source_type: str | None = None,
        source_pointers: Mapping[str, str] | None = None,
        construct_path: str | None = None,
    ) -> None:
        self.__dict__.update(
            resource_type=resource_type, logical_id=logical_id, action=action, properties=properties,
            previous_properties=previous_properties, stack_name=stack_name, account_id=account_id,
            region=region, file=file, source_pointer=source_pointer, source_type=source_type,
            source_pointers=source_pointers, construct_path=construct_path,
        )


class StackTarget(Frozen):
    """One whole raw template (plus the previous one on UPDATE), as the STACK hook carries it.

    ``framework`` is the Serverless Framework's view when the template was built from
    ``serverless.yml`` (the CLI's serverless adapter); rules read it as ``ctx.framework``.
    """

    _fields = ("template", "previous_template", "stack_name", "account_id", "region", "file", "framework")
    template: Mapping[str, Any]
    previous_template: Mapping[str, Any] | None
    stack_name: str | None
    account_id: str | None
    region: str | None
    file: str | None
    framework: ServerlessService | None

    level = "stack"

    def __init__(
        self,
        template: Mapping[str, Any],
        previous_template: Mapping[str, Any] | None = None,
        stack_name: str | None = None,
        account_id: str | None = None,
        region: str | None = None,
        file: str | None = None,
        framework: ServerlessService | None = None,
    ) -> None:
        self.__dict__.update(
            template=template, previous_template=previous_template, stack_name=stack_name,
            account_id=account_id, region=region, file=file, framework=framework,
        )


Target = ResourceTarget | StackTarget


class Outcome(StrEnum):
    """What the rule said, before policy."""

    PASS = "PASS"
    FAIL = "FAIL"
    SKIP = "SKIP"
    ERROR = "ERROR"


class Disposition(StrEnum):
    """What the policy made of the outcome."""

    PASSED = "passed"
    BLOCKING = "blocking"
    WARNING = "warning"
    EXEMPTED = "exempted"
    SKIPPED = "skipped"


class Exempted(Frozen):
    """The exemption that covered a finding."""

    _fields = ("id", "reason", "expires")
    id: str
    reason: str
    expires: str

    def __init__(self, id: str, reason: str, expires: str) -> None:
        self.__dict__.update(id=id, reason=reason, expires=expires)


class Finding(Frozen):
    """One rule's outcome on one target, after policy."""

    _fields = ("rule_id", "title", "outcome", "disposition", "severity", "level", "message", "logical_id",
               "resource_type", "path", "remediation", "remediation_url", "stack_name", "location", "exemption",
               "preexisting", "downgraded_by", "gap", "construct_path", "suppressible")
    rule_id: str
    title: str
    outcome: Outcome
    disposition: Disposition
    severity: Severity
    level: str  # "resource" | "stack"
    message: str
    logical_id: str | None
    resource_type: str | None
    path: str
    remediation: str
    remediation_url: str
    stack_name: str | None
    location: Location | None
    exemption: Exempted | None
    preexisting: bool
    #: Why a FAIL became a warning rather than blocking ("mode: warn", "pre-existing", "on_error: warn").
    downgraded_by: str | None
    #: The CDK construct path of the resource (``Metadata["aws:cdk:path"]``), when known.
    construct_path: str | None = None
    #: A FAIL the policy would exempt on a developer's request (the rule has ``requests: allow``
    #: and no request for it was refused). CDK gets the others as ``fatal``: acknowledge cannot hide them.
    suppressible: bool = False
    #: A SKIP that leaves a gap in what was checked (a value not known before deployment, an account
    #: fact that could not be read), rather than a rule that does not apply. (Class default: a
    #: Finding built by ``from_fields`` without it has none.)
    gap: bool = False

    def __init__(
        self,
        rule_id: str,
        title: str,
        outcome: Outcome,
        disposition: Disposition,
        severity: Severity,
        level: str,
        message: str,
        logical_id: str | None = None,
        resource_type: str | None = None,
        path: str = "",
        remediation: str = "",
        remediation_url: str = "",
        stack_name: str | None = None,
        location: Location | None = None,
        exemption: Exempted | None = None,
        preexisting: bool = False,
        downgraded_by: str | None = None,
        construct_path: str | None = None,
        gap: bool = False,
    ) -> None:
        self.__dict__.update(gap=gap)
        self.__dict__.update(
            rule_id=rule_id, title=title, outcome=outcome, disposition=disposition, severity=severity,
            level=level, message=message, logical_id=logical_id, resource_type=resource_type, path=path,
            remediation=remediation, remediation_url=remediation_url, stack_name=stack_name,
            location=location, exemption=exemption, preexisting=preexisting, downgraded_by=downgraded_by,
            construct_path=construct_path,
        )

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Finding:
        """A Finding from a dict holding every field (the engine's hot path).

        Equal to ``Finding(**fields)`` without the keyword-argument binding: a 500-function
        template makes about 10,000 findings.
        """
        finding: Finding = object.__new__(cls)
        finding.__dict__.update(fields)
        return finding

    def replace(self, **changes: Any) -> Finding:
        """A copy with some fields changed (exemption requests, construct paths added after the engine)."""
        return Finding.from_fields({**self.__dict__, **changes})

    @property
    def is_violation(self) -> bool:
        return self.outcome in (Outcome.FAIL, Outcome.ERROR)

    def sort_key(self) -> tuple[str, str, str, str, str]:
        file = self.location.file if self.location else ""
        return (file, self.logical_id or "", self.rule_id, self.path, self.message)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": self.rule_id,
            "title": self.title,
            "outcome": self.outcome.value,
            "disposition": self.disposition.value,
            "severity": self.severity.value,
            "level": self.level,
            "message": self.message,
            "logical_id": self.logical_id,
            "resource_type": self.resource_type,
            "path": self.path,
            "remediation": self.remediation,
            "remediation_url": self.remediation_url,
            "stack_name": self.stack_name,
            "file": self.location.file if self.location else None,
            "line": self.location.line if self.location else None,
            "column": self.location.column if self.location else None,
            "preexisting": self.preexisting,
            "downgraded_by": self.downgraded_by,
            "construct_path": self.construct_path,
            "suppressible": self.suppressible,
            "gap": self.gap,
            "exemption": None,
        }
        if self.exemption:
            out["exemption"] = {
                "id": self.exemption.id,
                "reason": self.exemption.reason,
                "expires": self.exemption.expires,
            }
        return out


class NotEvaluated(Frozen):
    """Why the pipeline evaluated nothing: a resource invocation no enabled rule looks at."""

    _fields = ("kind", "message", "note")
    #: ``not-governed`` (no enabled rule has the resource type) or ``delete`` (none checks DELETE).
    kind: str
    #: The whole answer a person reads (the hook response's message).
    message: str
    #: The same as a note of the verdict.
    note: str

    def __init__(self, kind: str, message: str, note: str) -> None:
        self.__dict__.update(kind=kind, message=message, note=note)


class Verdict(Frozen):
    """The aggregate decision. The hook response and every CLI report render this."""

    _fields = ("findings", "notes", "targets", "rules_run", "not_evaluated")
    findings: tuple[Finding, ...]
    #: Things a person should know that are not findings: expired exemptions ignored,
    #: stale cached values used, targets not governed...
    notes: tuple[str, ...]
    targets: int
    rules_run: tuple[str, ...]
    #: Set when the pipeline decided there was nothing to evaluate (the input passes).
    not_evaluated: NotEvaluated | None

    def __init__(
        self,
        findings: tuple[Finding, ...],
        notes: tuple[str, ...] = (),
        targets: int = 0,
        rules_run: tuple[str, ...] = (),
        not_evaluated: NotEvaluated | None = None,
    ) -> None:
        self.__dict__.update(findings=findings, notes=notes, targets=targets, rules_run=rules_run,
                             not_evaluated=not_evaluated)

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.disposition is Disposition.BLOCKING)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.disposition is Disposition.WARNING)

    @property
    def exempted(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.disposition is Disposition.EXEMPTED)

    @property
    def skipped(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.disposition is Disposition.SKIPPED)

    @property
    def passed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.disposition is Disposition.PASSED)

    @property
    def is_blocking(self) -> bool:
        return any(f.disposition is Disposition.BLOCKING for f in self.findings)

    @property
    def has_errors(self) -> bool:
        """True when a blocking finding comes from an ERROR (the hook answers InternalFailure)."""
        return any(
            f.outcome is Outcome.ERROR and f.disposition is Disposition.BLOCKING for f in self.findings
        )

    def counts(self) -> dict[str, int]:
        c = Counter([f.disposition for f in self.findings])  # members, not .value: no descriptor call each
        return {d.value: c.get(d, 0) for d in Disposition}

    def summary(self) -> str:
        """The first line a person reads: 'BLOCKED: 2 violations, 1 warning, 1 exempted'."""
        c = self.counts()
        parts = [
            _plural(c["blocking"], "violation"),
            _plural(c["warning"], "warning"),
        ]
        if c["exempted"]:
            parts.append(f"{c['exempted']} exempted")
        if c["skipped"]:
            parts.append(f"{c['skipped']} skipped")
        head = "BLOCKED" if self.is_blocking else "PASSED"
        return f"{head}: " + ", ".join(parts)

    def sorted(self) -> Verdict:
        return Verdict(
            findings=tuple(sorted(self.findings, key=Finding.sort_key)),
            notes=self.notes,
            targets=self.targets,
            rules_run=self.rules_run,
            not_evaluated=self.not_evaluated,
        )

    def merge(self, other: Verdict) -> Verdict:
        notes = self.notes + tuple(n for n in other.notes if n not in self.notes)
        rules = self.rules_run + tuple(r for r in other.rules_run if r not in self.rules_run)
        skipped = self.not_evaluated if self.not_evaluated == other.not_evaluated else None
        return Verdict(self.findings + other.findings, notes, self.targets + other.targets, rules, skipped)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
