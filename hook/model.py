"""Targets in, findings out: the verdict model every door (hook, CLI reports) renders."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hook.sdk import Action, Severity

__all__ = [
    "Disposition",
    "Exempted",
    "Finding",
    "Location",
    "Outcome",
    "ResourceTarget",
    "StackTarget",
    "Target",
    "Verdict",
]


@dataclass(frozen=True)
class Location:
    """Where in a source file a finding points (1-based line and column)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class ResourceTarget:
    """One resource, as a RESOURCE/CLOUD_CONTROL hook invocation carries it.

    ``source_pointer`` is the JSON pointer of the resource's ``Properties`` in the source template
    (CLI only; for a SAM-expanded resource it points at the SAM resource it came from), so a
    property path can be turned into a file line.
    """

    resource_type: str
    logical_id: str
    action: Action
    properties: Mapping[str, Any]
    previous_properties: Mapping[str, Any] | None = None
    stack_name: str | None = None
    account_id: str | None = None
    region: str | None = None
    file: str | None = None
    source_pointer: str | None = None

    level = "resource"


@dataclass(frozen=True)
class StackTarget:
    """One whole raw template (plus the previous one on UPDATE), as the STACK hook carries it."""

    template: Mapping[str, Any]
    previous_template: Mapping[str, Any] | None = None
    stack_name: str | None = None
    account_id: str | None = None
    region: str | None = None
    file: str | None = None

    level = "stack"


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


@dataclass(frozen=True)
class Exempted:
    """The exemption that covered a finding."""

    id: str
    reason: str
    expires: str


@dataclass(frozen=True)
class Finding:
    rule_id: str
    title: str
    outcome: Outcome
    disposition: Disposition
    severity: Severity
    level: str  # "resource" | "stack"
    message: str
    logical_id: str | None = None
    resource_type: str | None = None
    path: str = ""
    remediation: str = ""
    remediation_url: str = ""
    stack_name: str | None = None
    location: Location | None = None
    exemption: Exempted | None = None
    preexisting: bool = False
    #: Why a FAIL became a warning rather than blocking ("mode: warn", "pre-existing", "on_error: warn").
    downgraded_by: str | None = None

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Finding:
        """A Finding from a dict holding every field (the engine's hot path).

        Equal to ``Finding(**fields)``, without the frozen dataclass ``__init__`` (one
        ``object.__setattr__`` per field): a 500-function template makes about 10,000 findings.
        """
        finding: Finding = object.__new__(cls)
        finding.__dict__.update(fields)
        return finding

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
            "exemption": None,
        }
        if self.exemption:
            out["exemption"] = {
                "id": self.exemption.id,
                "reason": self.exemption.reason,
                "expires": self.exemption.expires,
            }
        return out


@dataclass(frozen=True)
class Verdict:
    """The aggregate decision. The hook response and every CLI report render this."""

    findings: tuple[Finding, ...]
    #: Things a person should know that are not findings: expired exemptions ignored,
    #: stale cached values used, targets not governed...
    notes: tuple[str, ...] = ()
    targets: int = 0
    rules_run: tuple[str, ...] = field(default=())

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
        c = Counter(f.disposition.value for f in self.findings)
        return {d.value: c.get(d.value, 0) for d in Disposition}

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
        )

    def merge(self, other: Verdict) -> Verdict:
        notes = self.notes + tuple(n for n in other.notes if n not in self.notes)
        rules = self.rules_run + tuple(r for r in other.rules_run if r not in self.rules_run)
        return Verdict(self.findings + other.findings, notes, self.targets + other.targets, rules)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
