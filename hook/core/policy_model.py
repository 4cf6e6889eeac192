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
    "ConstructOverride",
    "Defaults",
    "Exemption",
    "Mode",
    "Policy",
    "RequestSettings",
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
    """Which stacks, resources and CDK constructs a policy or a rule applies to (glob patterns)."""

    _fields = ("stacks_include", "stacks_exclude", "resources_include", "resources_exclude",
               "constructs_include", "constructs_exclude")
    stacks_include: tuple[str, ...]
    stacks_exclude: tuple[str, ...]
    resources_include: tuple[str, ...]
    resources_exclude: tuple[str, ...]
    constructs_include: tuple[str, ...]
    constructs_exclude: tuple[str, ...]

    def __init__(
        self,
        stacks_include: tuple[str, ...] = (),
        stacks_exclude: tuple[str, ...] = (),
        resources_include: tuple[str, ...] = (),
        resources_exclude: tuple[str, ...] = (),
        constructs_include: tuple[str, ...] = (),
        constructs_exclude: tuple[str, ...] = (),
    ) -> None:
        self.__dict__.update(
            stacks_include=stacks_include, stacks_exclude=stacks_exclude,
            resources_include=resources_include, resources_exclude=resources_exclude,
            constructs_include=constructs_include, constructs_exclude=constructs_exclude,
        )

    @property
    def is_wide(self) -> bool:
        """Narrows nothing: no per-target glob matching needed."""
        return not (self.stacks_include or self.stacks_exclude or self.resources_include
                    or self.resources_exclude or self.constructs_include or self.constructs_exclude)

    def covers_construct(self, construct_path: str | None) -> bool:
        """A resource with no construct path (not from a CDK app) is outside an ``include`` list
        and inside every ``exclude`` list's complement."""
        if not (self.constructs_include or self.constructs_exclude):
            return True
        path = construct_path or ""
        if self.constructs_include and not (path and _any_match(path, self.constructs_include)):
            return False
        return not (path and _any_match(path, self.constructs_exclude))

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


class ConstructOverride(Frozen):
    """``rules.<id>.overrides[]``: a different mode or severity for resources whose CDK construct
    path matches (a framework function whose runtime the developer cannot choose, say)."""

    _fields = ("constructs", "mode", "severity", "reason")
    constructs: tuple[str, ...]
    mode: Mode | None
    severity: Severity | None
    reason: str

    def __init__(self, constructs: tuple[str, ...], mode: Mode | None = None, severity: Severity | None = None,
                 reason: str = "") -> None:
        self.__dict__.update(constructs=constructs, mode=mode, severity=severity, reason=reason)

    def matches(self, construct_path: str | None) -> bool:
        return bool(construct_path) and _any_match(construct_path or "", self.constructs)


class RequestSettings(Frozen):
    """``requests:`` (top level): what an exemption request made from the developer's side
    (CDK ``acknowledge``, a resource's ``Metadata.govhook.exempt``) must carry to be accepted."""

    _fields = ("require_reason", "require_expiry", "max_days")
    require_reason: bool
    require_expiry: bool
    max_days: int | None

    def __init__(self, require_reason: bool = True, require_expiry: bool = False, max_days: int | None = None) -> None:
        self.__dict__.update(require_reason=require_reason, require_expiry=require_expiry, max_days=max_days)


class RuleConfig(Frozen):
    """One entry under ``rules:``; unset fields fall back to the policy defaults."""

    _fields = ("rule_id", "mode", "severity", "params", "scope", "existing", "on_error", "overrides", "requests")
    rule_id: str
    mode: Mode | None
    severity: Severity | None
    params: Mapping[str, Any]
    scope: Scope
    existing: Mode | None
    on_error: Mode | None
    overrides: tuple[ConstructOverride, ...]
    #: ``allow`` or ``deny`` exemption requests for this rule; None: the default (deny for a rule
    #: in ``mode: fail``, allow for one in ``mode: warn``).
    requests: str | None

    def __init__(
        self,
        rule_id: str,
        mode: Mode | None = None,
        severity: Severity | None = None,
        params: Mapping[str, Any] = _NEW,
        scope: Scope = _NEW,
        existing: Mode | None = None,
        on_error: Mode | None = None,
        overrides: tuple[ConstructOverride, ...] = (),
        requests: str | None = None,
    ) -> None:
        self.__dict__.update(
            rule_id=rule_id, mode=mode, severity=severity, params={} if params is _NEW else params,
            scope=Scope() if scope is _NEW else scope, existing=existing, on_error=on_error,
            overrides=overrides, requests=requests,
        )

    def override_for(self, construct_path: str | None) -> ConstructOverride | None:
        if not construct_path:
            return None
        for override in self.overrides:
            if override.matches(construct_path):
                return override
        return None


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
    _fields = ("mode", "on_error", "existing", "requests")
    mode: Mode
    on_error: Mode
    existing: Mode
    #: ``allow``/``deny`` for every rule that does not say; None: by mode (deny for fail rules).
    requests: str | None

    def __init__(self, mode: Mode = Mode.FAIL, on_error: Mode = Mode.FAIL, existing: Mode = Mode.FAIL,
                 requests: str | None = None) -> None:
        self.__dict__.update(mode=mode, on_error=on_error, existing=existing, requests=requests)


class Policy(Frozen):
    _fields = ("version", "defaults", "scope", "rules", "exemptions", "source", "requests")
    version: int
    defaults: Defaults
    scope: Scope
    rules: Mapping[str, RuleConfig]
    exemptions: tuple[Exemption, ...]
    source: str
    requests: RequestSettings

    def __init__(
        self,
        version: int,
        defaults: Defaults,
        scope: Scope,
        rules: Mapping[str, RuleConfig],
        exemptions: tuple[Exemption, ...] = (),
        source: str = "<policy>",
        requests: RequestSettings = _NEW,
    ) -> None:
        self.__dict__.update(
            version=version, defaults=defaults, scope=scope, rules=rules, exemptions=exemptions, source=source,
            requests=RequestSettings() if requests is _NEW else requests,
        )

    def accepts_requests(self, rule_id: str) -> bool:
        """Whether an exemption request for this rule can be accepted (``requests: allow``).
        The default: deny for a rule in ``mode: fail`` (it blocks: a platform team decides), allow
        for one in ``mode: warn``."""
        cfg = self.rules.get(rule_id)
        setting = (cfg.requests if cfg else None) or self.defaults.requests
        if setting is not None:
            return setting == "allow"
        return cfg is not None and self.mode(rule_id) is Mode.WARN

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
