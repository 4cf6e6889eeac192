"""The engine: runs each enabled rule on the targets it declares and applies the policy.

Rule outcomes (PASS, FAIL, SKIP, ERROR) become findings with a disposition (blocking, warning,
exempted, skipped, passed) through the policy's mode, severity, scope, exemptions and
pre-existing-debt setting. The engine never raises for a rule's fault: a rule that raises
becomes an ERROR finding with the rule id.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from hook.core._record import Frozen
from hook.core.errors import GovhookError
from hook.core.model import (
    Disposition,
    Exempted,
    Finding,
    Location,
    Outcome,
    ResourceTarget,
    StackTarget,
    Target,
    Verdict,
)
from hook.core.policy_model import Exemption, Mode, Policy, ValueRef
from hook.core.registry import Registry, RuleClass
from hook.core.values import OfflineValues, ValueSource, ValueSourceError
from hook.sdk import (
    SERVERLESS_SERVICE_TYPE,
    AccountFacts,
    Action,
    FactUnavailable,
    InvalidValue,
    NotApplicable,
    OfflineAccount,
    ResourceContext,
    Rule,
    StackContext,
    StackRule,
    ValueUnknown,
    Violation,
    json_pointer,
    pointer_tokens,
)

__all__ = ["DeadlineExceeded", "Engine", "Locator", "ParamError", "stack_types"]


#: Parameter sets already validated against their rule's schema (warm invocations skip the work).
_VALIDATED: dict[tuple[str, str], dict[str, Any]] = {}


class DeadlineExceeded(GovhookError):
    """The caller's deadline passed before every rule ran."""


class ParamError(GovhookError):
    """A rule's parameters could not be resolved or are invalid."""


class Locator(Protocol):
    def locate(self, file: str, pointer: str) -> Location | None:
        """The line and column of a JSON pointer in a source file (the nearest existing node)."""
        ...


class _Raw:
    """One raw rule outcome on one target, before policy."""

    __slots__ = ("advisory", "gap", "logical_id", "message", "outcome", "path", "remediation")

    def __init__(
        self,
        outcome: Outcome,
        message: str,
        path: str = "",
        remediation: str = "",
        logical_id: str | None = None,
        advisory: bool = False,
        gap: bool = False,
    ) -> None:
        self.gap = gap
        self.outcome = outcome
        self.message = message
        self.path = path
        self.remediation = remediation
        self.logical_id = logical_id
        self.advisory = advisory


#: The outcome of a rule that yielded nothing: shared, never mutated (most outcomes are passes).
_PASSED: tuple[_Raw, ...] = (_Raw(Outcome.PASS, ""),)
_NO_PARAMS: Mapping[str, Any] = {}


class _RuleStatic:
    """What the engine needs per enabled rule, computed once per engine (not per target)."""

    __slots__ = ("fields", "pass_message", "wide_scope")

    def __init__(self, wide_scope: bool, fields: dict[str, Any], pass_message: str) -> None:
        #: The rule's own scope narrows nothing: no per-target glob matching needed.
        self.wide_scope = wide_scope
        #: The Finding fields that depend only on the rule and its policy entry.
        self.fields = fields
        self.pass_message = pass_message


def stack_types(target: StackTarget) -> set[str]:
    """The resource types present in a stack target's template, plus
    :data:`~hook.sdk.SERVERLESS_SERVICE_TYPE` when it was built from ``serverless.yml``: what
    decides whether a stack rule is relevant."""
    resources = target.template.get("Resources")
    types = {r["Type"] for r in resources.values() if isinstance(r, Mapping) and isinstance(r.get("Type"), str)} \
        if isinstance(resources, Mapping) else set()
    if target.framework is not None:
        types.add(SERVERLESS_SERVICE_TYPE)
    return types


def _coerce_param(value: Any, schema: Mapping[str, Any]) -> Any:
    """SSM hands back strings: a StringList for an array parameter, digits for a number."""
    kind = schema.get("type")
    if isinstance(value, str):
        if kind == "array":
            return [part.strip() for part in value.split(",") if part.strip()]
        if kind == "integer" and value.strip().lstrip("+-").isdigit():
            return int(value.strip())
        if kind == "number":
            try:
                return float(value)
            except ValueError:
                return value
        if kind == "boolean" and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
    return value


class Engine(Frozen):
    """Runs the policy's enabled rules on targets and applies the policy: ``evaluate(targets) -> Verdict``.

    Built once per run by :class:`hook.core.pipeline.Pipeline` (which owns the policy's scope,
    "not governed" and DELETE); nothing is assigned after construction.
    """

    _fields = ("registry", "policy", "account", "values", "today", "locator", "deadline")
    registry: Registry
    policy: Policy
    account: AccountFacts
    values: ValueSource
    today: date | None
    locator: Locator | None
    #: ``time.monotonic()`` value after which evaluation stops with DeadlineExceeded.
    deadline: float | None
    _params: dict[str, dict[str, Any] | ParamError]
    _instances: dict[str, Rule | StackRule]
    _notes: list[str]
    _statics: dict[str, _RuleStatic]
    _file_locations: dict[str, Location]
    _split: list[Any]

    def __init__(
        self,
        registry: Registry,
        policy: Policy,
        account: AccountFacts | None = None,
        values: ValueSource | None = None,
        today: date | None = None,
        locator: Locator | None = None,
        deadline: float | None = None,
    ) -> None:
        # Immutable for a run: everything comes in here (the caches below fill as rules run).
        self.__dict__.update(
            registry=registry,
            policy=policy,
            account=OfflineAccount() if account is None else account,
            values=OfflineValues() if values is None else values,
            today=today,
            locator=locator,
            deadline=deadline,
            _params={},
            _instances={},
            _notes=[],
            _statics={},
            _file_locations={},
            _split=[],
        )

    # -- public -------------------------------------------------------------------------------

    def enabled_rules(self) -> list[tuple[str, RuleClass]]:
        out = []
        for rule_id in self.policy.rules:
            rule = self.registry.get(rule_id)
            if rule is not None:
                out.append((rule_id, rule))
        return out

    def evaluate(self, targets: Iterable[Target]) -> Verdict:
        today = self.today or date.today()
        findings: list[Finding] = []
        rules_run: dict[str, None] = {}  # in the order rules first ran
        count = 0
        resource_rules, stack_rules = self._rules_by_kind()
        for target in targets:
            count += 1
            if isinstance(target, ResourceTarget):
                ctx: ResourceContext | None = None
                for cfg_id, rule in resource_rules:
                    if target.resource_type not in rule.resource_types:
                        continue
                    if target.action not in rule.actions:
                        continue
                    if ctx is None:
                        # One context per target, shared by its rules (rules never mutate it).
                        ctx = self._resource_context(target, target.properties, today)
                    findings.extend(self._run_resource(cfg_id, rule, target, ctx, today, rules_run))
            else:
                types = stack_types(target)
                shared: list[StackContext] = []  # one context per target, shared by its rules
                for cfg_id, srule in stack_rules:
                    if not types.intersection(srule.resource_types):
                        continue
                    findings.extend(self._run_stack(cfg_id, srule, target, today, rules_run, shared))
        notes = list(self._notes)
        # Stale SSM values and stale account facts say so (sources without notes() have none).
        for source in (self.values, self.account):
            for note in getattr(source, "notes", lambda: [])():
                if note not in notes:
                    notes.append(note)
        return Verdict(tuple(findings), tuple(notes), count, tuple(rules_run))

    def _rules_by_kind(self) -> tuple[list[tuple[str, type[Rule]]], list[tuple[str, type[StackRule]]]]:
        """The enabled resource rules and stack rules, worked out once per engine (a CLI run calls
        :meth:`evaluate` once per file); again only if the registry grew (it never shrinks)."""
        split = self._split
        if not split or split[0] != len(self.registry):
            enabled = self.enabled_rules()
            split[:] = [len(self.registry), [(cid, r) for cid, r in enabled if issubclass(r, Rule)],
                        [(cid, r) for cid, r in enabled if issubclass(r, StackRule)]]
        return split[1], split[2]

    # -- running rules ------------------------------------------------------------------------

    def _check_deadline(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise DeadlineExceeded("the evaluation ran out of time before every rule ran")

    def _note(self, text: str) -> None:
        if text not in self._notes:
            self._notes.append(text)

    def _instance(self, rule: RuleClass) -> Rule | StackRule:
        inst: Rule | StackRule | None = self._instances.get(rule.id)
        if inst is None:
            inst = rule()
            self._instances[rule.id] = inst
        return inst

    def _static(self, cfg_id: str, rule: RuleClass) -> _RuleStatic:
        static = self._statics.get(cfg_id)
        if static is None or static.fields["rule_id"] != rule.id:
            cfg = self.policy.rules[cfg_id]
            wide = cfg.scope.is_wide
            fields = {
                "rule_id": rule.id,
                "title": rule.title,
                "severity": cfg.severity or rule.default_severity,
                "level": rule.level,
                "remediation_url": rule.remediation_url,
            }
            static = _RuleStatic(wide, fields, _default_message(Outcome.PASS, rule))
            self._statics[cfg_id] = static
        return static

    def _resource_context(self, target: ResourceTarget, props: Mapping[str, Any], today: date) -> ResourceContext:
        return ResourceContext(
            resource_type=target.resource_type,
            logical_id=target.logical_id,
            action=target.action,
            properties=props,
            previous_properties=target.previous_properties,
            stack_name=target.stack_name,
            account_id=target.account_id,
            region=target.region,
            account=self.account,
            today=today,
        )

    def params_for(self, cfg_id: str, rule: RuleClass) -> dict[str, Any]:
        """Schema defaults overlaid with the policy's params, references resolved (cached)."""
        cached = self._params.get(cfg_id)
        if isinstance(cached, ParamError):
            raise cached
        if cached is not None:
            return cached
        try:
            params = self._resolve_params(cfg_id, rule)
            self._borrow(cfg_id, rule, params)
        except ParamError as exc:
            self._params[cfg_id] = exc
            raise
        self._params[cfg_id] = params
        return params

    def _borrow(self, cfg_id: str, rule: RuleClass, params: dict[str, Any]) -> None:
        """Fill ``rule.borrows`` from the other rules' policy entries (their own params, never theirs
        borrowed), when this rule's entry does not set them and the other rule is enabled."""
        for name, other_id in rule.borrows.items():
            other = self.registry.get(other_id)
            if name in self.policy.rules[cfg_id].params or other is None or other.id not in self.policy.rules:
                continue
            try:
                theirs = self._resolve_params(other.id, other)
            except ParamError:
                continue  # that rule reports its own parameter error
            if name in theirs:
                params[name] = theirs[name]

    def _resolve_params(self, cfg_id: str, rule: RuleClass) -> dict[str, Any]:
        from hook.core.schema import validate

        params = rule.param_defaults()
        props = rule.params_schema.get("properties", {})
        resolved_from: dict[str, str] = {}
        for name, value in self.policy.rules[cfg_id].params.items():
            if isinstance(value, ValueRef):
                try:
                    raw = self.values.resolve(value)
                except ValueSourceError as exc:
                    raise ParamError(f"parameter '{name}': {exc}") from exc
                value = _coerce_param(raw, props.get(name, {}))
                resolved_from[name] = value_ref_text(value_ref=self.policy.rules[cfg_id].params[name])
            params[name] = value
        key = (rule.id, repr(params))
        hit = _VALIDATED.get(key)
        if hit is not None:
            return dict(hit)
        errors = validate(params, rule.params_schema)
        if errors:
            first = errors[0]
            where = first.path.lstrip("/").split("/")[0] if first.path else ""
            origin = f" (from {resolved_from[where]})" if where in resolved_from else ""
            raise ParamError(f"parameters are invalid{origin}: {first}")
        if len(_VALIDATED) > 512:
            _VALIDATED.clear()
        _VALIDATED[key] = dict(params)
        return params

    def _run(
        self,
        rule: RuleClass,
        ctx: ResourceContext | StackContext,
        params: Mapping[str, Any],
    ) -> Sequence[_Raw]:
        inst = self._instances.get(rule.id)
        if inst is None:
            inst = self._instance(rule)
        try:
            raw = list(inst.evaluate(ctx, params))  # type: ignore[arg-type]
        except NotApplicable as exc:
            return [_Raw(Outcome.SKIP, exc.reason, gap=_is_gap(exc))]
        except InvalidValue as exc:
            # A stack rule's path is a template pointer (/Resources/<id>/Properties/...): the value
            # belongs to that resource, so resource-scoped exemptions and scopes cover it.
            owner = _logical_id_of(exc.path) if isinstance(ctx, StackContext) else None
            return [_Raw(Outcome.FAIL, str(exc), exc.path, "Give the property a value of the documented type.", owner)]
        except DeadlineExceeded:
            raise
        except Exception as exc:  # a crashing rule is a finding, never a crash
            return [_Raw(Outcome.ERROR, f"rule {rule.id} raised {type(exc).__name__}: {exc}")]
        if not raw:
            return _PASSED
        out = []
        for v in raw:
            if not isinstance(v, Violation):
                return [_Raw(Outcome.ERROR, f"rule {rule.id} yielded {type(v).__name__}, not a Violation")]
            out.append(_Raw(Outcome.FAIL, v.message, v.path, v.remediation, v.logical_id, v.advisory))
        return out

    def _run_resource(
        self,
        cfg_id: str,
        rule: RuleClass,
        target: ResourceTarget,
        ctx: ResourceContext,
        today: date,
        rules_run: dict[str, None],
    ) -> list[Finding]:
        # The per-rule state is looked up inline: this runs once per rule and resource.
        static = self._statics.get(cfg_id)
        if static is None or static.fields["rule_id"] != rule.id:
            static = self._static(cfg_id, rule)
        if not static.wide_scope:
            scope = self.policy.rules[cfg_id].scope
            if (not scope.covers_stack(target.stack_name) or not scope.covers_resource(target.logical_id)
                    or not scope.covers_construct(target.construct_path)):
                return []
        if self.deadline is not None:
            self._check_deadline()
        if rule.id not in rules_run:
            rules_run[rule.id] = None

        raws: Sequence[_Raw]
        params: Mapping[str, Any] = _NO_PARAMS
        cached = self._params.get(cfg_id)
        if isinstance(cached, dict):  # resolved before (a ParamError is cached as itself)
            params = cached
            raws = self._run(rule, ctx, params)
        else:
            try:
                params = self.params_for(cfg_id, rule)
            except ParamError as exc:
                raws = [_Raw(Outcome.ERROR, f"rule {rule.id} could not run: {exc}")]
            else:
                raws = self._run(rule, ctx, params)
        if raws is _PASSED:
            return [self._passed(static, target)]
        previous: set[tuple[str, str]] = set()
        if (
            target.action is Action.UPDATE
            and target.previous_properties is not None
            and any(r.outcome is Outcome.FAIL for r in raws)
        ):
            before = self._run(rule, self._resource_context(target, target.previous_properties, today), params)
            previous = {(r.path, r.message) for r in before if r.outcome is Outcome.FAIL}
        return [
            self._finding(cfg_id, rule, r, target, (r.path, r.message) in previous, today) for r in raws
        ]

    def _run_stack(
        self, cfg_id: str, rule: RuleClass, target: StackTarget, today: date, rules_run: dict[str, None],
        shared: list[StackContext] | None = None,
    ) -> list[Finding]:
        cfg = self.policy.rules[cfg_id]
        if not cfg.scope.covers_stack(target.stack_name):
            return []
        self._check_deadline()
        if rule.id not in rules_run:
            rules_run[rule.id] = None

        def ctx(template: Mapping[str, Any] | None = None) -> StackContext:
            if template is None and shared:
                return shared[0]  # rules never mutate it; what it caches depends only on the target
            made = StackContext(
                template=target.template if template is None else template,
                stack_name=target.stack_name,
                previous_template=target.previous_template,
                account_id=target.account_id,
                region=target.region,
                account=self.account,
                today=today,
                framework=target.framework,
            )
            if template is None and shared is not None:
                shared.append(made)
            return made

        raws: Sequence[_Raw]
        try:
            params = self.params_for(cfg_id, rule)
        except ParamError as exc:
            raws = [_Raw(Outcome.ERROR, f"rule {rule.id} could not run: {exc}")]
        else:
            raws = self._run(rule, ctx(), params)
        raws = [
            r for r in raws
            if cfg.scope.covers_resource(r.logical_id)
            and (r.logical_id is None or cfg.scope.covers_construct(construct_path_of(target.template, r.logical_id)))
        ] or [_Raw(Outcome.PASS, "")]
        previous: set[tuple[str | None, str, str]] = set()
        prev_template = target.previous_template
        if prev_template and any(r.outcome is Outcome.FAIL for r in raws):
            before = self._run(rule, ctx(prev_template), params)
            previous = {(r.logical_id, r.path, r.message) for r in before if r.outcome is Outcome.FAIL}
        return [
            self._finding(cfg_id, rule, r, target, (r.logical_id, r.path, r.message) in previous, today)
            for r in raws
        ]

    # -- policy -------------------------------------------------------------------------------

    def _exemption_for(
        self, rule: RuleClass, cfg_id: str, stack: str | None, logical_id: str | None, today: date
    ) -> Exemption | None:
        names = (rule.id, cfg_id, *rule.aliases)
        for ex in self.policy.exemptions:
            if not ex.covers(names, stack, logical_id):
                continue
            if ex.is_expired(today):
                self._note(
                    f"exemption {ex.id} expired on {ex.expires.isoformat()} and was ignored "
                    f"({rule.id} on {logical_id or stack or 'the stack'})"
                )
                continue
            return ex
        return None

    def _file_location(self, file: str | None) -> Location | None:
        """The file-only location of a finding that needs no line (shared: Location is immutable)."""
        if not file:
            return None
        loc = self._file_locations.get(file)
        if loc is None:
            loc = self._file_locations[file] = Location(file)
        return loc

    def _passed(self, static: _RuleStatic, target: ResourceTarget) -> Finding:
        """The finding of a resource rule that passed: the hot path (most findings are passes)."""
        return Finding.from_fields({
            **static.fields,
            "outcome": Outcome.PASS,
            "disposition": Disposition.PASSED,
            "message": static.pass_message,
            "logical_id": target.logical_id,
            "resource_type": target.source_type or target.resource_type,
            "path": "",
            "remediation": "",
            "stack_name": target.stack_name,
            "location": self._file_location(target.file),
            "exemption": None,
            "preexisting": False,
            "downgraded_by": None,
            "construct_path": target.construct_path,
            "gap": False,
        })

    def _finding(
        self,
        cfg_id: str,
        rule: RuleClass,
        raw: _Raw,
        target: Target,
        preexisting: bool,
        today: date,
    ) -> Finding:
        static = self._static(cfg_id, rule)
        logical_id = raw.logical_id
        resource_type: str | None = None
        construct_path: str | None = None
        if isinstance(target, ResourceTarget):
            logical_id = target.logical_id
            resource_type = target.source_type or target.resource_type
            construct_path = target.construct_path
        elif logical_id is not None:
            res = (target.template.get("Resources") or {}).get(logical_id)
            if isinstance(res, Mapping) and isinstance(res.get("Type"), str):
                resource_type = res["Type"]
            construct_path = construct_path_of(target.template, logical_id)
        cfg = self.policy.rules[cfg_id]
        override = cfg.override_for(construct_path) if cfg.overrides else None
        mode = (override.mode if override and override.mode else None) or self.policy.mode(cfg_id)
        exemption: Exempted | None = None
        downgraded: str | None = None
        if raw.outcome is Outcome.PASS:
            disposition = Disposition.PASSED
        elif raw.outcome is Outcome.SKIP:
            disposition = Disposition.SKIPPED
        else:
            ex = (
                self._exemption_for(rule, cfg_id, target.stack_name, logical_id, today)
                if self.policy.exemptions
                else None
            )
            if ex is not None:
                disposition = Disposition.EXEMPTED
                exemption = Exempted(ex.id, ex.reason, ex.expires.isoformat())
            elif raw.outcome is Outcome.ERROR:
                if self.policy.on_error(cfg_id) is Mode.WARN:
                    disposition, downgraded = Disposition.WARNING, "on_error: warn"
                else:
                    disposition = Disposition.BLOCKING
            elif raw.advisory:
                disposition, downgraded = Disposition.WARNING, "advisory (a heads-up, not a violation yet)"
            elif mode is Mode.WARN:
                disposition, downgraded = Disposition.WARNING, (
                    f"mode: warn for construct {construct_path} ({override.reason})"
                    if override and override.mode is Mode.WARN else "mode: warn")
            elif preexisting and self.policy.existing(cfg_id) is Mode.WARN:
                disposition, downgraded = Disposition.WARNING, "pre-existing (existing: warn)"
            else:
                disposition = Disposition.BLOCKING
        # Lines are looked up only where a person reads them: failures and errors.
        if raw.outcome is Outcome.FAIL or raw.outcome is Outcome.ERROR:
            location = self._locate(target, raw, logical_id)
        else:
            location = self._file_location(target.file)
        if raw.message:
            message = raw.message
        elif raw.outcome is Outcome.PASS:
            message = static.pass_message
        else:
            message = _default_message(raw.outcome, rule)
        fields = static.fields
        if override is not None and override.severity is not None:
            fields = {**fields, "severity": override.severity}
        return Finding.from_fields({
            **fields,
            "outcome": raw.outcome,
            "disposition": disposition,
            "message": message,
            "logical_id": logical_id,
            "resource_type": resource_type,
            "path": raw.path,
            "remediation": raw.remediation,
            "stack_name": target.stack_name,
            "location": location,
            "exemption": exemption,
            "preexisting": preexisting,
            "downgraded_by": downgraded,
            "construct_path": construct_path,
            "gap": raw.gap,
        })

    def _locate(self, target: Target, raw: _Raw, logical_id: str | None) -> Location | None:
        if target.file is None:
            return None
        pointer: str | None
        if isinstance(target, ResourceTarget):
            pointer = (target.source_pointer or "") + raw.path if target.source_pointer else None
            if target.source_pointers and raw.path:  # a value written elsewhere (SAM Globals)
                head = "/" + raw.path.split("/", 2)[1]
                if head in target.source_pointers:
                    pointer = target.source_pointers[head] + raw.path[len(head):]
        elif raw.path.startswith("/"):
            pointer = raw.path
        elif logical_id:
            pointer = json_pointer("Resources", logical_id)
        else:
            pointer = None
        if self.locator is not None and pointer is not None:
            found = self.locator.locate(target.file, pointer)
            if found is not None:
                return found
        return Location(target.file)


def construct_path_of(template: Mapping[str, Any], logical_id: str) -> str | None:
    """``Metadata["aws:cdk:path"]`` of a resource (the CDK construct path), if it has one."""
    resources = template.get("Resources")
    res = resources.get(logical_id) if isinstance(resources, Mapping) else None
    meta = res.get("Metadata") if isinstance(res, Mapping) else None
    path = meta.get("aws:cdk:path") if isinstance(meta, Mapping) else None
    return path if isinstance(path, str) and path else None


def _is_gap(exc: NotApplicable) -> bool:
    """A SKIP that leaves something unchecked (an account fact that could not be read, a value not
    known before deployment), as opposed to a rule that does not apply (no environment, not Java)."""
    return isinstance(exc, FactUnavailable | ValueUnknown) or "not known before deployment" in exc.reason


def _logical_id_of(pointer: str) -> str | None:
    """``Fn`` from ``/Resources/Fn/...``; None for a pointer outside a resource."""
    tokens = pointer_tokens(pointer) if pointer.startswith("/") else ()
    if len(tokens) >= 2 and tokens[0] == "Resources" and tokens[1]:
        return tokens[1]
    return None


def value_ref_text(value_ref: Any) -> str:
    return value_ref.describe() if isinstance(value_ref, ValueRef) else "the policy"


def _default_message(outcome: Outcome, rule: RuleClass) -> str:
    if outcome is Outcome.PASS:
        return f"{rule.title}: passed"
    return f"{rule.title}: {outcome.value.lower()}"
