"""The policy as the engine uses it: immutable, already validated.

``hook.policy`` parses and validates policy files into these objects.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

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


class Mode(StrEnum):
    FAIL = "fail"
    WARN = "warn"


@dataclass(frozen=True)
class ValueRef:
    """A parameter value that lives elsewhere: ``{ssm: NAME, default: VALUE}``.

    ``has_default`` distinguishes "no default" from a default of ``None``.
    """

    ssm: str
    default: Any = None
    has_default: bool = False

    def describe(self) -> str:
        return f"ssm:{self.ssm}"


@dataclass(frozen=True)
class Scope:
    """Which stacks and resources a policy or a rule applies to (glob patterns)."""

    stacks_include: tuple[str, ...] = ()
    stacks_exclude: tuple[str, ...] = ()
    resources_include: tuple[str, ...] = ()
    resources_exclude: tuple[str, ...] = ()

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


@dataclass(frozen=True)
class RuleConfig:
    """One entry under ``rules:``; unset fields fall back to the policy defaults."""

    rule_id: str
    mode: Mode | None = None
    severity: Severity | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    scope: Scope = field(default_factory=Scope)
    existing: Mode | None = None
    on_error: Mode | None = None


@dataclass(frozen=True)
class Exemption:
    id: str
    rules: tuple[str, ...]
    reason: str
    expires: date
    stacks: tuple[str, ...] = ("*",)
    resources: tuple[str, ...] = ()

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


@dataclass(frozen=True)
class Defaults:
    mode: Mode = Mode.FAIL
    on_error: Mode = Mode.FAIL
    existing: Mode = Mode.FAIL


@dataclass(frozen=True)
class Policy:
    version: int
    defaults: Defaults
    scope: Scope
    rules: Mapping[str, RuleConfig]
    exemptions: tuple[Exemption, ...] = ()
    source: str = "<policy>"

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
