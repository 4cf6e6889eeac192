"""The engine applies the policy to rule outcomes: modes, severity, rule scope, exemptions, debt, errors.

The policy's own scope, "not governed" and DELETE belong to the pipeline (test_pipeline.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from hook.core.engine import DeadlineExceeded, Engine
from hook.core.model import Disposition, Outcome, ResourceTarget, StackTarget, Verdict
from hook.core.policy_model import Defaults, Exemption, Mode, Policy, RuleConfig, Scope, ValueRef
from hook.core.registry import Registry
from hook.sdk import (
    SERVERLESS_SERVICE_TYPE,
    Action,
    NotApplicable,
    Params,
    ResourceContext,
    Rule,
    ServerlessService,
    Severity,
    StackContext,
    StackRule,
    Violation,
    as_int,
)

TODAY = date(2026, 11, 23)


class MemoryMax(Rule):
    """FAIL when MemorySize is above max."""

    id = "test.memory-max"
    title = "Memory at most max"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::Function",)
    params_schema = {"type": "object", "properties": {"max": {"type": "integer", "default": 1024}}}

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        memory = ctx.get_int("/MemorySize", 128) or 128
        if memory > params["max"]:
            yield Violation(f"MemorySize is {memory}; max {params['max']}", "/MemorySize", "Lower it.")


class Allowed(Rule):
    id = "test.runtime-listed"
    title = "Runtime listed"
    resource_types = ("AWS::Lambda::Function",)
    params_schema = {
        "type": "object",
        "properties": {"allowed": {"type": "array", "items": {"type": "string"}}},
        "required": ["allowed"],
    }

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        runtime = ctx.get_str("/Runtime")
        if runtime is None:
            raise NotApplicable("no runtime")
        if runtime not in params["allowed"]:
            yield Violation(f"runtime {runtime} not in {params['allowed']}", "/Runtime")


class Crashes(Rule):
    id = "test.crashes"
    title = "Crashes"
    resource_types = ("AWS::Lambda::Function",)

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        raise KeyError("boom")


class YieldsJunk(Rule):
    id = "test.junk"
    title = "Yields junk"
    resource_types = ("AWS::Lambda::Function",)

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        yield "not a violation"  # type: ignore[misc]


class CountFunctions(StackRule):
    id = "test.few-functions"
    title = "Few functions"
    resource_types = ("AWS::Lambda::Function",)
    params_schema = {"type": "object", "properties": {"max": {"type": "integer", "default": 1}}}

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        ids = [fid for fid, _ in ctx.resources_of_type("AWS::Lambda::Function")]
        for fid in ids[params["max"] :]:
            yield Violation(f"{len(ids)} functions; max {params['max']}", f"/Resources/{fid}", logical_id=fid)


class ServiceSetting(StackRule):
    id = "test.service-setting"
    title = "A Serverless Framework setting"
    resource_types = (SERVERLESS_SERVICE_TYPE,)

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        yield Violation("versionFunctions is on", "/provider/versionFunctions")


class TotalTimeout(StackRule):
    id = "test.total-timeout"
    title = "Timeouts add up"
    resource_types = ("AWS::Lambda::Function",)

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        total = 0
        for fid, _ in ctx.resources_of_type("AWS::Lambda::Function"):
            total += as_int(ctx.properties_of(fid).get("Timeout", 3), f"/Resources/{fid}/Properties/Timeout") or 0
        if total > 60:
            yield Violation(f"timeouts add up to {total} s", "/Resources")


REGISTRY = Registry.from_rules([MemoryMax, Allowed, Crashes, YieldsJunk, CountFunctions, ServiceSetting, TotalTimeout])


def policy(rules: dict[str, RuleConfig], **kw: Any) -> Policy:
    return Policy(
        version=1,
        defaults=kw.pop("defaults", Defaults()),
        scope=kw.pop("scope", Scope()),
        rules=rules,
        exemptions=tuple(kw.pop("exemptions", ())),
    )


def fn(props: dict[str, Any], *, logical_id: str = "Fn", stack: str = "app", action: Action = Action.CREATE,
       previous: dict[str, Any] | None = None) -> ResourceTarget:
    return ResourceTarget("AWS::Lambda::Function", logical_id, action, props, previous, stack)


def run(pol: Policy, *targets: Any, **kw: Any) -> Verdict:
    return Engine(REGISTRY, pol, today=TODAY, **kw).evaluate(targets)


def test_fail_mode_blocks_and_warn_mode_reports() -> None:
    # GIVEN the same violation under fail and under warn
    big = fn({"MemorySize": "4096"})
    blocking = run(policy({"test.memory-max": RuleConfig("test.memory-max")}), big)
    warning = run(policy({"test.memory-max": RuleConfig("test.memory-max", mode=Mode.WARN)}), big)
    # THEN fail blocks, warn does not, and both say why
    assert [f.disposition for f in blocking.findings] == [Disposition.BLOCKING]
    assert blocking.is_blocking and blocking.summary() == "BLOCKED: 1 violation, 0 warnings"
    assert [f.disposition for f in warning.findings] == [Disposition.WARNING]
    assert warning.findings[0].downgraded_by == "mode: warn"
    assert not warning.is_blocking and warning.summary() == "PASSED: 0 violations, 1 warning"


def test_unlisted_rules_do_not_run() -> None:
    verdict = run(policy({}), fn({"MemorySize": 99999}))
    assert verdict.findings == () and verdict.rules_run == ()


def test_severity_override_and_default() -> None:
    cfg = {"test.memory-max": RuleConfig("test.memory-max", severity=Severity.CRITICAL)}
    assert run(policy(cfg), fn({"MemorySize": 4096})).findings[0].severity is Severity.CRITICAL
    cfg = {"test.memory-max": RuleConfig("test.memory-max")}
    assert run(policy(cfg), fn({"MemorySize": 4096})).findings[0].severity is Severity.MEDIUM


def test_pass_and_skip_are_findings_too() -> None:
    cfg = {"test.memory-max": RuleConfig("test.memory-max"), "test.runtime-listed": RuleConfig(
        "test.runtime-listed", params={"allowed": ["python3.13"]})}
    verdict = run(policy(cfg), fn({"MemorySize": 128}))
    outcomes = {f.rule_id: (f.outcome, f.disposition, f.message) for f in verdict.findings}
    assert outcomes["test.memory-max"][:2] == (Outcome.PASS, Disposition.PASSED)
    assert outcomes["test.runtime-listed"] == (Outcome.SKIP, Disposition.SKIPPED, "no runtime")


def test_exemption_reports_and_counts_never_hides() -> None:
    ex = Exemption("EX-1", ("test.memory-max",), "vendor needs 4 GB, PLAT-12", date(2027, 1, 1), ("legacy-*",))
    pol = policy({"test.memory-max": RuleConfig("test.memory-max")}, exemptions=[ex])
    verdict = run(pol, fn({"MemorySize": 4096}, stack="legacy-billing"), fn({"MemorySize": 4096}, stack="app"))
    by_stack = {f.stack_name: f for f in verdict.findings}
    assert by_stack["legacy-billing"].disposition is Disposition.EXEMPTED
    assert by_stack["legacy-billing"].exemption is not None
    assert by_stack["legacy-billing"].exemption.id == "EX-1"
    assert by_stack["app"].disposition is Disposition.BLOCKING
    assert verdict.counts()["exempted"] == 1


def test_exemption_scoped_to_logical_ids() -> None:
    ex = Exemption("EX-2", ("test.memory-max",), "batch job needs it", date(2027, 1, 1), ("*",), ("Batch*",))
    pol = policy({"test.memory-max": RuleConfig("test.memory-max")}, exemptions=[ex])
    verdict = run(pol, fn({"MemorySize": 4096}, logical_id="BatchJob"), fn({"MemorySize": 4096}, logical_id="Api"))
    got = {f.logical_id: f.disposition for f in verdict.findings}
    assert got == {"BatchJob": Disposition.EXEMPTED, "Api": Disposition.BLOCKING}


def test_expired_exemption_is_ignored_and_reported() -> None:
    ex = Exemption("EX-3", ("test.memory-max",), "temporary", date(2026, 11, 1))
    pol = policy({"test.memory-max": RuleConfig("test.memory-max")}, exemptions=[ex])
    verdict = run(pol, fn({"MemorySize": 4096}))
    assert verdict.findings[0].disposition is Disposition.BLOCKING
    assert any("EX-3 expired on 2026-11-01 and was ignored" in n for n in verdict.notes)


def test_exemption_expiring_today_still_applies() -> None:
    ex = Exemption("EX-4", ("test.memory-max",), "until today", TODAY)
    pol = policy({"test.memory-max": RuleConfig("test.memory-max")}, exemptions=[ex])
    assert run(pol, fn({"MemorySize": 4096})).findings[0].disposition is Disposition.EXEMPTED


def test_preexisting_debt_warns_only_with_existing_warn() -> None:
    kept = fn({"MemorySize": 4096, "Timeout": 9}, action=Action.UPDATE, previous={"MemorySize": 4096})
    introduced = fn({"MemorySize": 4096}, action=Action.UPDATE, previous={"MemorySize": 512})
    warn = policy({"test.memory-max": RuleConfig("test.memory-max")}, defaults=Defaults(existing=Mode.WARN))
    fail = policy({"test.memory-max": RuleConfig("test.memory-max")}, defaults=Defaults(existing=Mode.FAIL))
    v_warn = run(warn, kept, introduced)
    assert [(f.preexisting, f.disposition) for f in v_warn.findings] == [
        (True, Disposition.WARNING),
        (False, Disposition.BLOCKING),
    ]
    assert v_warn.findings[0].downgraded_by == "pre-existing (existing: warn)"
    v_fail = run(fail, kept)
    assert [(f.preexisting, f.disposition) for f in v_fail.findings] == [(True, Disposition.BLOCKING)]


def test_a_crashing_rule_is_an_error_finding_not_a_crash() -> None:
    pol = policy({"test.crashes": RuleConfig("test.crashes"), "test.memory-max": RuleConfig("test.memory-max")})
    verdict = run(pol, fn({"MemorySize": 128}))
    crash = next(f for f in verdict.findings if f.rule_id == "test.crashes")
    assert crash.outcome is Outcome.ERROR and crash.disposition is Disposition.BLOCKING
    assert crash.message == "rule test.crashes raised KeyError: 'boom'"
    assert verdict.has_errors
    # the other rule still ran
    assert any(f.rule_id == "test.memory-max" and f.outcome is Outcome.PASS for f in verdict.findings)


def test_on_error_warn_lets_errors_through_visibly() -> None:
    pol = policy({"test.crashes": RuleConfig("test.crashes", on_error=Mode.WARN)})
    f = run(pol, fn({})).findings[0]
    assert (f.outcome, f.disposition, f.downgraded_by) == (Outcome.ERROR, Disposition.WARNING, "on_error: warn")


def test_a_rule_yielding_junk_is_an_error() -> None:
    f = run(policy({"test.junk": RuleConfig("test.junk")}), fn({})).findings[0]
    assert f.outcome is Outcome.ERROR and "yielded str, not a Violation" in f.message


def test_garbage_property_values_fail_at_their_path() -> None:
    f = run(policy({"test.memory-max": RuleConfig("test.memory-max")}), fn({"MemorySize": "lots"})).findings[0]
    assert (f.outcome, f.path) == (Outcome.FAIL, "/MemorySize")
    assert "must be an integer, got 'lots'" in f.message


def test_ssm_string_list_is_coerced_to_a_list() -> None:
    ref = ValueRef("/govhook/allowed", "python3.13, nodejs22.x", True)
    pol = policy({"test.runtime-listed": RuleConfig("test.runtime-listed", params={"allowed": ref})})
    verdict = run(pol, fn({"Runtime": "nodejs22.x"}), fn({"Runtime": "python3.1"}, logical_id="Old"))
    assert [(f.logical_id, f.outcome) for f in verdict.findings] == [("Fn", Outcome.PASS), ("Old", Outcome.FAIL)]


def test_reference_without_default_offline_is_an_error_naming_it() -> None:
    ref = ValueRef("/govhook/allowed")
    pol = policy({"test.runtime-listed": RuleConfig("test.runtime-listed", params={"allowed": ref})})
    f = run(pol, fn({"Runtime": "python3.13"})).findings[0]
    assert f.outcome is Outcome.ERROR
    assert "ssm:/govhook/allowed has no default" in f.message


def test_rule_scope_excludes_resources() -> None:
    cfg = RuleConfig("test.memory-max", scope=Scope(resources_exclude=("Batch*",)))
    verdict = run(policy({"test.memory-max": cfg}), fn({"MemorySize": 9999}, logical_id="BatchJob"))
    assert verdict.findings == ()


def test_delete_is_not_evaluated_by_default() -> None:
    verdict = run(policy({"test.memory-max": RuleConfig("test.memory-max")}), fn({}, action=Action.DELETE))
    assert verdict.findings == ()


def test_stack_rules_run_on_stack_targets_only() -> None:
    template = {"Resources": {"A": {"Type": "AWS::Lambda::Function"}, "B": {"Type": "AWS::Lambda::Function"}}}
    pol = policy({"test.few-functions": RuleConfig("test.few-functions"), "test.memory-max": RuleConfig("test.memory-max")})
    verdict = run(pol, StackTarget(template, stack_name="app"))
    assert [(f.rule_id, f.logical_id, f.resource_type, f.outcome) for f in verdict.findings] == [
        ("test.few-functions", "B", "AWS::Lambda::Function", Outcome.FAIL)
    ]


def test_invalid_value_from_a_stack_rule_belongs_to_the_resource_in_its_path() -> None:
    # GIVEN a stack whose Slow function has a garbage Timeout, and an exemption for Slow only
    template = {"Resources": {"Ok": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 10}},
                              "Slow": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": "lots"}}}}
    ex = Exemption("EX-9", ("test.total-timeout",), "being rewritten, PLAT-9", date(2027, 1, 1), ("*",), ("Slow",))
    pol = policy({"test.total-timeout": RuleConfig("test.total-timeout")}, exemptions=[ex])
    # WHEN the stack rule raises InvalidValue at /Resources/Slow/Properties/Timeout
    verdict = run(pol, StackTarget(template, stack_name="app"))
    # THEN the finding names Slow (not the stack), so the resource-scoped exemption covers it
    [f] = verdict.findings
    assert (f.outcome, f.logical_id, f.resource_type, f.path) == (
        Outcome.FAIL, "Slow", "AWS::Lambda::Function", "/Resources/Slow/Properties/Timeout")
    assert f.disposition is Disposition.EXEMPTED
    assert "must be an integer, got 'lots'" in f.message


def test_invalid_value_from_a_stack_rule_outside_resources_stays_on_the_stack() -> None:
    class BadSetting(StackRule):
        id = "test.bad-setting"
        title = "A setting outside Resources"
        resource_types = ("AWS::Lambda::Function",)

        def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
            as_int(ctx.template.get("Metadata"), "/Metadata")
            return iter(())

    template = {"Metadata": "x", "Resources": {"Fn": {"Type": "AWS::Lambda::Function"}}}
    verdict = Engine(Registry.from_rules([BadSetting]), policy({"test.bad-setting": RuleConfig("test.bad-setting")}),
                     today=TODAY).evaluate([StackTarget(template, stack_name="app")])
    [f] = verdict.findings
    assert (f.outcome, f.logical_id, f.path) == (Outcome.FAIL, None, "/Metadata")


def test_stack_rule_not_evaluated_without_its_resource_types() -> None:
    pol = policy({"test.few-functions": RuleConfig("test.few-functions")})
    verdict = run(pol, StackTarget({"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}))
    assert verdict.findings == ()


def test_a_serverless_service_rule_runs_only_on_templates_from_serverless_yml() -> None:
    # GIVEN a rule about the Framework's own settings, and two templates with the same function
    pol = policy({"test.service-setting": RuleConfig("test.service-setting")})
    resources = {"FnLambdaFunction": {"Type": "AWS::Lambda::Function"}}
    plain = StackTarget({"Resources": resources})
    from_serverless = StackTarget({"Resources": resources}, framework=ServerlessService("s", "dev", "us-east-1", {}))
    # WHEN both are evaluated
    # THEN a plain CloudFormation template (what the hook sees) gets no finding at all, not even a SKIP
    assert run(pol, plain).findings == () and run(pol, plain).rules_run == ()
    # AND the synthesized one is evaluated
    assert [f.outcome for f in run(pol, from_serverless).findings] == [Outcome.FAIL]


def test_deadline_stops_evaluation() -> None:
    pol = policy({"test.memory-max": RuleConfig("test.memory-max")})
    with pytest.raises(DeadlineExceeded):
        run(pol, fn({}), deadline=time.monotonic() - 1)


def test_template_metadata_cannot_pose_as_a_serverless_service() -> None:
    # GIVEN a CloudFormation template (what the hook receives) whose Metadata copies the old back channel
    pol = policy({"test.service-setting": RuleConfig("test.service-setting")})
    spoof = StackTarget({"Resources": {"FnLambdaFunction": {"Type": "AWS::Lambda::Function"}},
                         "Metadata": {"govhook:serverless": {"stage": "dev", "config": {}}}})
    # WHEN it is evaluated
    verdict = run(pol, spoof)
    # THEN only the stack target's framework field makes a Serverless service: the rule does not run
    assert verdict.findings == () and verdict.rules_run == ()


def test_one_engine_evaluates_file_after_file_with_the_rules_its_registry_has_then() -> None:
    # GIVEN one engine (a CLI run evaluates every file with it) whose registry gains a rule later
    registry = Registry.from_rules([MemoryMax])
    pol = policy({"test.memory-max": RuleConfig("test.memory-max"), "test.crashes": RuleConfig("test.crashes")})
    engine = Engine(registry, pol, today=TODAY)
    big = fn({"MemorySize": "4096", "Runtime": "nodejs18.x"})
    # WHEN it evaluates twice, then again after the registry grew
    first, again = engine.evaluate([big]), engine.evaluate([big])
    registry.add(Crashes)
    grown = engine.evaluate([big])
    # THEN the repeated evaluation is the same, and the added rule runs in the third (in rule order)
    assert first == again and first.rules_run == again.rules_run == ("test.memory-max",)
    assert grown.rules_run == ("test.memory-max", "test.crashes")


def test_the_stack_rules_of_one_target_share_its_context_and_the_previous_template_gets_its_own() -> None:
    # GIVEN two stack rules that record the context they are given, on two stack targets
    seen: list[tuple[str, StackContext]] = []

    class SeesA(StackRule):
        id = "test.sees-a"
        title = "Sees A"
        resource_types = ("AWS::Lambda::Function",)

        def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
            seen.append((self.id, ctx))
            yield Violation("always", "/Resources/Fn", logical_id="Fn")

    class SeesB(SeesA):
        id = "test.sees-b"
        title = "Sees B"

    template = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {}}}}
    previous = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 1}}}}
    pol = policy({"test.sees-a": RuleConfig("test.sees-a"), "test.sees-b": RuleConfig("test.sees-b")})
    engine = Engine(Registry.from_rules([SeesA, SeesB]), pol, today=TODAY)
    # WHEN both targets are evaluated (the second with a previous template: each rule runs twice)
    engine.evaluate([StackTarget(template, stack_name="one"), StackTarget(template, stack_name="two",
                                                                          previous_template=previous)])
    # THEN each target's rules got one context, its own; the previous template's runs each got theirs
    one = [c for _, c in seen[:2]]
    assert one[0] is one[1] and one[0].stack_name == "one"
    two = [c for _, c in seen[2:]]
    assert len(two) == 4 and two[0].stack_name == "two" and two[0] is not one[0]
    current = [c for c in two if c.template is template]
    assert len(current) == 2 and current[0] is current[1]
    assert all(c.template is previous for c in two if c not in current)
    assert len({id(c) for c in two if c.template is previous}) == 2
