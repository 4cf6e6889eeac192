"""The policy as the engine uses it: immutable, already validated.

``hook.core.policy`` parses and validates policy files into these objects.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from hook.core._record import Frozen
from hook.sdk import Severity

__all__ = [
    "Defaults",
    "Exemption",
    "Mode",
    "Policy",
    "RuleConfig",
    "Scope",
    "ValueRef",
]


#: "Not given": a fresh default per instance, as a dataclass ``default_factory``.
_NEW: Any = object()


class Mode(StrEnum):
    FAIL = "fail"
    WARN = "warn"


class ValueRef(Frozen):
    """A parameter value that lives elsewhere: ``{ssm: NAME, default: VALUE}``.

    ``has_default`` distinguishes "no default" from a default of ``None``.
    """

    _fields = ("ssm", "default", "has_default")
    ssm: str
    default: Any
    has_default: bool

    def __init__(self, ssm: str, default: Any = None, has_default: bool = False) -> None:
        self.__dict__.update(ssm=ssm, default=default, has_default=has_default)

    def describe(self) -> str:
        return f"ssm:{self.ssm}"


class Scope(Frozen):
    """Which stacks and resources a policy or a rule applies to (glob patterns)."""

    _fields = ("stacks_include", "stacks_exclude", "resources_include", "resources_exclude")
    stacks_include: tuple[str, ...]
    stacks_exclude: tuple[str, ...]
    resources_include: tuple[str, ...]
    resources_exclude: tuple[str, ...]

    def __init__(
        self,
        stacks_include: tuple[str, ...] = (),
        stacks_exclude: tuple[str, ...] = (),
        resources_include: tuple[str, ...] = (),
        resources_exclude: tuple[str, ...] = (),
    ) -> None:
        self.__dict__.update(
            stacks_include=stacks_include, stacks_exclude=stacks_exclude,
            resources_include=resources_include, resources_exclude=resources_exclude,
        )

    def covers_stack(self, stack_name: str | None) -> bool:
        # No stack (Cloud Control) is covered by every scope: a scope narrows stacks only.
        if stack_name is None:
            return True
        if self.stacks_include and not _any_match(stack_name, self.stacks_include):
            return False
        return not _any_match(stack_name, self.stacks_exclude)

    def covers_resource(self, logical_id: str | None) -> bool:
        if logical_id is None:
            return True
        if self.resources_include and not _any_match(logical_id, self.resources_include):
            return False
        return not _any_match(logical_id, self.resources_exclude)


def _any_match(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


class RuleConfig(Frozen):
    """One entry under ``rules:``; unset fields fall back to the policy defaults."""

    _fields = ("rule_id", "mode", "severity", "params", "scope", "existing", "on_error")
    rule_id: str
    mode: Mode | None
    severity: Severity | None
    params: Mapping[str, Any]
    scope: Scope
    existing: Mode | None
    on_error: Mode | None

    def __init__(
        self,
        rule_id: str,
        mode: Mode | None = None,
        severity: Severity | None = None,
        params: Mapping[str, Any] = _NEW,
        scope: Scope = _NEW,
        existing: Mode | None = None,
        on_error: Mode | None = None,
    ) -> None:
        self.__dict__.update(
            rule_id=rule_id, mode=mode, severity=severity, params={} if params is _NEW else params,
            scope=Scope() if scope is _NEW else scope, existing=existing, on_error=on_error,
        )


class Exemption(Frozen):
    _fields = ("id", "rules", "reason", "expires", "stacks", "resources")
    id: str
    rules: tuple[str, ...]
    reason: str
    expires: date
    stacks: tuple[str, ...]
    resources: tuple[str, ...]

    def __init__(
        self,
        id: str,
        rules: tuple[str, ...],
        reason: str,
        expires: date,
        stacks: tuple[str, ...] = ("*",),
        resources: tuple[str, ...] = (),
    ) -> None:
        self.__dict__.update(id=id, rules=rules, reason=reason, expires=expires, stacks=stacks, resources=resources)

    def is_expired(self, today: date) -> bool:
        return today > self.expires

    def covers(self, rule_ids: tuple[str, ...], stack_name: str | None, logical_id: str | None) -> bool:
        if not any(r in self.rules for r in rule_ids):
            return False
        if self.stacks != ("*",) and (stack_name is None or not _any_match(stack_name, self.stacks)):
            return False
        return not (
            self.resources and (logical_id is None or not _any_match(logical_id, self.resources))
        )


class Defaults(Frozen):
    _fields = ("mode", "on_error", "existing")
    mode: Mode
    on_error: Mode
    existing: Mode

    def __init__(self, mode: Mode = Mode.FAIL, on_error: Mode = Mode.FAIL, existing: Mode = Mode.FAIL) -> None:
        self.__dict__.update(mode=mode, on_error=on_error, existing=existing)


class Policy(Frozen):
    _fields = ("version", "defaults", "scope", "rules", "exemptions", "source")
    version: int
    defaults: Defaults
    scope: Scope
    rules: Mapping[str, RuleConfig]
    exemptions: tuple[Exemption, ...]
    source: str

    def __init__(
        self,
        version: int,
        defaults: Defaults,
        scope: Scope,
        rules: Mapping[str, RuleConfig],
        exemptions: tuple[Exemption, ...] = (),
        source: str = "<policy>",
    ) -> None:
        self.__dict__.update(
            version=version, defaults=defaults, scope=scope, rules=rules, exemptions=exemptions, source=source
        )

    def mode(self, rule_id: str) -> Mode:
        cfg = self.rules[rule_id]
        return cfg.mode or self.defaults.mode

    def on_error(self, rule_id: str) -> Mode:
        cfg = self.rules.get(rule_id)
        return (cfg.on_error if cfg else None) or self.defaults.on_error

    def existing(self, rule_id: str) -> Mode:
        cfg = self.rules[rule_id]
        return cfg.existing or self.defaults.existing

    def value_refs(self) -> list[tuple[str, str, ValueRef]]:
        """Every ``(rule_id, param, ValueRef)`` the policy holds."""
        out: list[tuple[str, str, ValueRef]] = []
        for rule_id, cfg in self.rules.items():
            for name, value in cfg.params.items():
                if isinstance(value, ValueRef):
                    out.append((rule_id, name, value))
        return out
