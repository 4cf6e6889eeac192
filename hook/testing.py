"""Run YAML rule test cases (public: plugin authors test their rules the same way).

A case file holds cases for one rule, each run through the real engine with a policy that
enables only that rule::

    rule: lambda.memory-within-bounds
    params: {min: 128, max: 3008}          # for every case (optional)
    cases:
      - name: no properties uses the default memory      # start with the empty input
        properties: {}
        expect: PASS
      - name: stringified scalar above the maximum
        properties: {MemorySize: "4096"}
        expect: FAIL
        violations:                        # optional, precise: every violation listed
          - path: /MemorySize
            message_contains: "4096"
      - name: intrinsic is not guessed
        properties: {MemorySize: {Ref: Memory}}
        expect: SKIP
      - name: UPDATE keeping the value is pre-existing debt
        action: UPDATE
        previous: {MemorySize: 4096}
        properties: {MemorySize: 4096}
        expect: FAIL
        preexisting: true

Keys of a case: ``name``, ``expect`` (PASS, FAIL, SKIP or ERROR: the rule's outcome before
policy; NONE: the rule is not evaluated at all, as for a stack rule on a template with none of its
``resource_types``), and for a resource rule ``properties``, ``previous``, ``action`` (CREATE), ``type``
(the rule's first resource type), ``logical_id``; for a stack rule ``template`` and
``previous_template``, and ``serverless`` (``{service, stage, region, config}``: the Serverless
Framework's view that ``govhook check serverless.yml`` gives the stack, read as ``ctx.framework``;
absent for a plain template). Both take ``params`` (merged over the file's), ``stack_name``,
``today`` (YYYY-MM-DD), ``account`` (``{settings: {...}, versions: {fn: [...]},
concurrency: {fn: 10}}``; absent means offline: account facts unknown), ``violations``
(each with ``path``, ``logical_id``, ``message_contains``, ``message``, and ``message_excludes``: a
text neither the message nor the fix may contain, such as the secret a rule must never print) and
``preexisting``.
``skip_reason_contains`` checks a SKIP's reason.
"""

from __future__ import annotations

import glob as _glob
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hook.core.errors import InputError
from hook.core.model import Finding, Outcome, ResourceTarget, StackTarget
from hook.core.pipeline import Options, Pipeline
from hook.core.policy_model import Defaults, Mode, Policy, RuleConfig, Scope, ValueRef
from hook.core.registry import Registry, default_registry
from hook.sdk import AccountSettings, Action, FactUnavailable, ServerlessService, StackRule

__all__ = ["CaseError", "CaseResult", "FakeAccount", "load_cases", "run_case", "run_case_file", "run_paths"]


class CaseError(InputError):
    """A case file is malformed."""


class FakeAccount:
    """Account facts from a dict, for tests: what a case's ``account:`` key describes."""

    def __init__(
        self,
        settings: Mapping[str, int] | None = None,
        versions: Mapping[str, Sequence[str]] | None = None,
        concurrency: Mapping[str, int | None] | None = None,
    ) -> None:
        self._settings = dict(settings) if settings is not None else None
        self._versions = {k: [str(v) for v in vs] for k, vs in (versions or {}).items()}
        self._concurrency = dict(concurrency or {})
        self.calls: list[tuple[str, str]] = []

    def account_settings(self) -> AccountSettings:
        self.calls.append(("account_settings", ""))
        if self._settings is None:
            raise FactUnavailable("account settings are not known in this test")
        s = self._settings
        return AccountSettings(
            total_code_size_limit=int(s.get("total_code_size_limit", 80_530_636_800)),
            code_size_unzipped_limit=int(s.get("code_size_unzipped_limit", 262_144_000)),
            code_size_zipped_limit=int(s.get("code_size_zipped_limit", 52_428_800)),
            concurrent_executions_limit=int(s.get("concurrent_executions_limit", 1000)),
            unreserved_concurrent_executions=int(s.get("unreserved_concurrent_executions", 1000)),
            total_code_size_usage=int(s.get("total_code_size_usage", 0)),
            function_count=int(s.get("function_count", 0)),
        )

    def function_versions(self, function_name: str) -> list[str]:
        self.calls.append(("function_versions", function_name))
        return list(self._versions.get(function_name, []))

    def function_concurrency(self, function_name: str) -> int | None:
        self.calls.append(("function_concurrency", function_name))
        return self._concurrency.get(function_name)


@dataclass
class CaseResult:
    file: str
    rule_id: str
    name: str
    expected: str
    actual: str
    problems: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _read_yaml(path: str) -> Any:
    from hook.core.yaml_import import yaml

    with open(path, encoding="utf-8") as fh:
        try:
            return yaml.load(fh, Loader=_case_loader())
        except yaml.YAMLError as exc:
            raise CaseError(f"{path}: not valid YAML: {exc}") from exc


def _case_loader() -> Any:
    """A YAML loader that also reads CloudFormation short-form tags (``!Ref X``) in cases."""
    try:
        from hook.inputs.yamlcfn import CfnLoader
    except ImportError:  # pragma: no cover - the template adapter is part of the package
        from hook.core.yaml_import import yaml

        return yaml.SafeLoader
    return CfnLoader


def load_cases(path: str) -> dict[str, Any]:
    data = _read_yaml(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("rule"), str):
        raise CaseError(f"{path}: a case file is a mapping with 'rule: <rule id>' and 'cases: [...]'")
    cases = data.get("cases")
    if not isinstance(cases, list) or not cases:
        raise CaseError(f"{path}: 'cases' must be a non-empty list")
    for i, case in enumerate(cases):
        if not isinstance(case, Mapping) or "name" not in case or "expect" not in case:
            raise CaseError(f"{path}: case {i + 1} needs 'name' and 'expect'")
        if str(case["expect"]).upper() not in ("PASS", "FAIL", "SKIP", "ERROR", "NONE"):
            raise CaseError(f"{path}: case {case['name']!r}: expect must be PASS, FAIL, SKIP, ERROR or NONE")
        for key in ("properties", "previous", "template", "previous_template", "params", "serverless"):
            if case.get(key) is not None and not isinstance(case[key], Mapping):
                raise CaseError(f"{path}: case {case['name']!r}: {key} must be a mapping")
        wanted = case.get("violations")
        if wanted is not None and not (isinstance(wanted, list) and all(isinstance(w, Mapping) for w in wanted)):
            raise CaseError(f"{path}: case {case['name']!r}: violations must be a list of mappings "
                            "(path, message, message_contains, message_excludes, logical_id)")
    return dict(data)


def _framework(spec: Mapping[str, Any] | None) -> ServerlessService | None:
    """A case's ``serverless:`` key as the stack's Serverless Framework view."""
    if spec is None:
        return None
    config = spec.get("config")
    return ServerlessService(spec.get("service", (config or {}).get("service")), spec.get("stage"),
                             spec.get("region"), config if isinstance(config, Mapping) else {})


def _outcome(findings: list[Finding]) -> str:
    outcomes = {f.outcome for f in findings}
    for o in (Outcome.ERROR, Outcome.FAIL, Outcome.SKIP, Outcome.PASS):
        if o in outcomes:
            return str(o.value)
    return "NONE"


def run_case(
    rule_id: str,
    case: Mapping[str, Any],
    file_params: Mapping[str, Any] | None = None,
    registry: Registry | None = None,
    file: str = "<case>",
) -> CaseResult:
    registry = registry or default_registry()
    rule = registry.get(rule_id)
    name = str(case.get("name"))
    expected = str(case["expect"]).upper()
    if rule is None:
        return CaseResult(file, rule_id, name, expected, "NONE", [f"rule {rule_id} is not installed"])
    params = {
        k: _value(v) for k, v in {**(file_params or {}), **(case.get("params") or {})}.items()
    }
    policy = Policy(
        version=1,
        defaults=Defaults(mode=Mode.FAIL, on_error=Mode.FAIL, existing=Mode.FAIL),
        scope=Scope(),
        rules={rule.id: RuleConfig(rule.id, params=params)},
    )
    today = case.get("today")
    if isinstance(today, str):
        today = date.fromisoformat(today)
    account_spec = case.get("account")
    account = (
        FakeAccount(
            settings=account_spec.get("settings"),
            versions=account_spec.get("versions"),
            concurrency=account_spec.get("concurrency"),
        )
        if isinstance(account_spec, Mapping)
        else None
    )
    pipeline = Pipeline(registry, policy, account=account, options=Options(today=today or date.today()))
    stack_name = case.get("stack_name", "test-stack")
    target: ResourceTarget | StackTarget
    if issubclass(rule, StackRule):
        target = StackTarget(
            template=case.get("template") or {},
            previous_template=case.get("previous_template"),
            stack_name=stack_name,
            framework=_framework(case.get("serverless")),
        )
    else:
        target = ResourceTarget(
            resource_type=case.get("type", rule.resource_types[0]),
            logical_id=case.get("logical_id", "Function"),
            action=Action(str(case.get("action", "CREATE")).upper()),
            properties=case.get("properties") or {},
            previous_properties=case.get("previous"),
            stack_name=stack_name,
        )
    verdict = pipeline.evaluate([target])
    findings = list(verdict.findings)
    actual = _outcome(findings)
    problems: list[str] = []
    if actual != expected:
        detail = "; ".join(f"{f.outcome.value} {f.path} {f.message}" for f in findings)
        problems.append(f"expected {expected}, got {actual}: {detail}")
    wanted = case.get("violations")
    if wanted is not None:
        fails = [f for f in findings if f.outcome is Outcome.FAIL]
        if len(fails) != len(wanted):
            problems.append(
                f"expected {len(wanted)} violation(s), got {len(fails)}: "
                + "; ".join(f"{f.logical_id}{f.path}: {f.message}" for f in fails)
            )
        for want in wanted:
            if not any(_violation_matches(f, want) for f in fails):
                problems.append(f"no violation matches {dict(want)}")
    if "preexisting" in case:
        flags = {f.preexisting for f in findings if f.outcome is Outcome.FAIL}
        if flags != {bool(case["preexisting"])}:
            problems.append(f"expected preexisting={case['preexisting']}, got {sorted(flags)}")
    if "skip_reason_contains" in case:
        reasons = [f.message for f in findings if f.outcome is Outcome.SKIP]
        if not any(str(case["skip_reason_contains"]) in r for r in reasons):
            problems.append(f"no SKIP reason contains {case['skip_reason_contains']!r}: {reasons}")
    return CaseResult(file, rule.id, name, expected, actual, problems, findings)


def _value(value: Any) -> Any:
    """``{ssm: NAME, default: VALUE}`` in a case is a reference resolved offline to its default."""
    if isinstance(value, Mapping) and "ssm" in value and set(value) <= {"ssm", "default"}:
        return ValueRef(str(value["ssm"]), value.get("default"), "default" in value)
    return value


def _violation_matches(f: Finding, want: Mapping[str, Any]) -> bool:
    if "path" in want and f.path != want["path"]:
        return False
    if "logical_id" in want and f.logical_id != want["logical_id"]:
        return False
    if "message" in want and f.message != want["message"]:
        return False
    if "message_excludes" in want and str(want["message_excludes"]) in f"{f.message}\n{f.remediation}":
        return False
    return not ("message_contains" in want and str(want["message_contains"]) not in f.message)


def run_case_file(path: str, registry: Registry | None = None) -> list[CaseResult]:
    data = load_cases(path)
    return [
        run_case(data["rule"], case, data.get("params"), registry, file=path) for case in data["cases"]
    ]


def find_case_files(paths: Sequence[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            out.extend(sorted(_glob.glob(os.path.join(p, "**", "*.yaml"), recursive=True)))
        else:
            matches = sorted(_glob.glob(p))
            out.extend(matches or [p])
    return out


def run_paths(paths: Sequence[str], registry: Registry | None = None) -> Iterator[CaseResult]:
    for path in find_case_files(paths):
        yield from run_case_file(path, registry)
