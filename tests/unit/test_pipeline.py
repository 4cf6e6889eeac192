"""The one pipeline: invocation levels, "not governed", DELETE, the policy's scope, notes; the rule
that nothing in ``hook/`` but the pipeline builds an ``Engine``; and the one error base."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hook.core._record import FrozenInstanceError
from hook.core.engine import Engine
from hook.core.errors import GovhookError, PolicyError
from hook.core.model import Disposition, Outcome, ResourceTarget, StackTarget
from hook.core.pipeline import Invocation, Level, Options, Pipeline, local_pipeline
from hook.core.policy_model import Defaults, Exemption, Policy, RuleConfig, Scope
from hook.core.registry import Registry
from hook.handler.response import response
from hook.sdk import Action, Params, ResourceContext, Rule, Severity, StackContext, StackRule, Violation

TODAY = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[2]


class MemoryMax(Rule):
    id = "test.memory-max"
    title = "Memory at most 1024"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::Function",)

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        memory = ctx.get_int("/MemorySize", 128) or 128
        if memory > 1024:
            yield Violation(f"MemorySize is {memory}; max 1024", "/MemorySize", "Lower it.")


class NoDeleteOfAliases(Rule):
    id = "test.alias-kept"
    title = "Aliases are not deleted"
    resource_types = ("AWS::Lambda::Alias",)
    actions = frozenset({Action.DELETE})

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        yield Violation(f"alias {ctx.logical_id} is deleted", "", "Keep it.")


class FewQueues(StackRule):
    id = "test.few-queues"
    title = "At most one queue"
    resource_types = ("AWS::SQS::Queue",)

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        ids = [rid for rid, _ in ctx.resources_of_type("AWS::SQS::Queue")]
        if len(ids) > 1:
            yield Violation(f"{len(ids)} queues; max 1", "/Resources")


REGISTRY = Registry.from_rules([MemoryMax, NoDeleteOfAliases, FewQueues])


def make(*rule_ids: str, notes: tuple[str, ...] = (), **kw: Any) -> Pipeline:
    policy = Policy(version=1, defaults=Defaults(), scope=kw.pop("scope", Scope()),
                    rules={r: RuleConfig(r) for r in rule_ids}, exemptions=tuple(kw.pop("exemptions", ())))
    return Pipeline(REGISTRY, policy, options=Options(today=TODAY), notes=notes)


def resource(rtype: str = "AWS::Lambda::Function", props: dict[str, Any] | None = None, *, logical_id: str = "Fn",
             action: Action = Action.CREATE, stack: str = "app") -> ResourceTarget:
    return ResourceTarget(rtype, logical_id, action, props or {}, None, stack)


def stack(resources: dict[str, Any], name: str = "app") -> StackTarget:
    return StackTarget(template={"Resources": resources}, stack_name=name)


# -- not governed -------------------------------------------------------------------------------


def test_a_resource_invocation_no_enabled_rule_governs_is_not_evaluated() -> None:
    # GIVEN a policy whose only resource rule is about Lambda functions (and a stack rule on queues)
    pipeline = make("test.memory-max", "test.few-queues")
    # WHEN CloudFormation asks about one queue
    verdict = pipeline.evaluate([resource("AWS::SQS::Queue", logical_id="Q")], Invocation(Level.RESOURCE))
    # THEN nothing runs, and the verdict says why (a stack rule does not govern a resource invocation)
    assert verdict.not_evaluated is not None
    assert verdict.not_evaluated.kind == "not-governed"
    assert verdict.findings == () and verdict.rules_run == ()
    assert "AWS::SQS::Queue is not governed by this policy" in verdict.notes
    out = response(verdict, "tok")
    assert out == {"hookStatus": "SUCCESS", "message": "AWS::SQS::Queue Q: not governed by any enabled rule",
                   "clientRequestToken": "tok"}


def test_cloud_control_is_a_resource_invocation_too() -> None:
    verdict = make("test.memory-max").evaluate([resource("AWS::SQS::Queue")], Invocation(Level.CLOUD_CONTROL))
    assert verdict.not_evaluated is not None and verdict.not_evaluated.kind == "not-governed"


def test_templates_are_evaluated_even_when_nothing_governs_them() -> None:
    # GIVEN the same queue, read from a template file
    verdict = make("test.memory-max").evaluate([resource("AWS::SQS::Queue")], Invocation(Level.TEMPLATE))
    # THEN it is an ordinary (empty) evaluation that counts the target
    assert verdict.not_evaluated is None
    assert verdict.targets == 1 and verdict.findings == ()


def test_a_governed_resource_is_evaluated() -> None:
    verdict = make("test.memory-max").evaluate([resource(props={"MemorySize": 4096})], Invocation(Level.RESOURCE))
    assert verdict.not_evaluated is None
    assert [(f.rule_id, f.disposition) for f in verdict.findings] == [("test.memory-max", Disposition.BLOCKING)]
    assert response(verdict, "tok")["errorCode"] == "NonCompliant"


# -- DELETE -------------------------------------------------------------------------------------


def test_delete_is_not_evaluated_when_no_rule_of_the_type_checks_delete() -> None:
    verdict = make("test.memory-max").evaluate([resource(action=Action.DELETE)], Invocation(Level.RESOURCE))
    assert verdict.not_evaluated is not None
    assert verdict.not_evaluated.kind == "delete"
    assert response(verdict, None) == {"hookStatus": "SUCCESS", "message": "Fn: DELETE is not governed",
                                       "clientRequestToken": None}


def test_delete_is_evaluated_by_a_rule_that_checks_delete() -> None:
    target = resource("AWS::Lambda::Alias", logical_id="Live", action=Action.DELETE)
    verdict = make("test.alias-kept").evaluate([target], Invocation(Level.RESOURCE))
    assert verdict.not_evaluated is None
    assert [f.message for f in verdict.blocking] == ["alias Live is deleted"]


# -- levels -------------------------------------------------------------------------------------


def test_stack_level_runs_stack_rules_only() -> None:
    # GIVEN a stack event's targets: the template and (for the record) one of its resources
    queues = {"A": {"Type": "AWS::SQS::Queue"}, "B": {"Type": "AWS::SQS::Queue"},
              "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 4096}}}
    targets = [stack(queues), resource(props={"MemorySize": 4096})]
    pipeline = make("test.memory-max", "test.few-queues")
    # WHEN evaluated at STACK level, THEN resource rules do not run again (they ran per resource)
    verdict = pipeline.evaluate(targets, Invocation(Level.STACK))
    assert verdict.rules_run == ("test.few-queues",)
    assert verdict.targets == 1
    # AND at TEMPLATE level both run
    assert set(make("test.memory-max", "test.few-queues").evaluate(targets).rules_run) == {
        "test.memory-max", "test.few-queues"}


# -- scope --------------------------------------------------------------------------------------


def test_stacks_outside_the_policy_scope_are_counted_and_noted_not_evaluated() -> None:
    # GIVEN a policy that excludes the govhook stacks, and targets of two stacks
    pipeline = make("test.memory-max", scope=Scope(stacks_exclude=("govhook*",)))
    targets = [resource(props={"MemorySize": 9999}, stack="govhook"),
               resource(props={"MemorySize": 9999}, logical_id="Other", stack="govhook"),
               resource(props={"MemorySize": 9999}, logical_id="App", stack="app")]
    # WHEN evaluated
    verdict = pipeline.evaluate(targets)
    # THEN only the app stack's resource has a finding; all three are counted; one note
    assert [f.logical_id for f in verdict.findings] == ["App"]
    assert verdict.targets == 3
    assert verdict.notes == ("stack govhook is outside the policy's scope: not evaluated",)


def test_a_resource_invocation_outside_the_scope_is_noted() -> None:
    pipeline = make("test.memory-max", scope=Scope(stacks_include=("prod-*",)))
    verdict = pipeline.evaluate([resource(props={"MemorySize": 9999}, stack="dev")], Invocation(Level.RESOURCE))
    assert verdict.findings == () and not verdict.is_blocking
    assert verdict.notes == ("stack dev is outside the policy's scope: not evaluated",)


# -- notes --------------------------------------------------------------------------------------


def test_notes_come_setup_first_then_input_then_evaluation_each_once() -> None:
    # GIVEN a stale-policy note from setup, adapter notes from the input, and an expired exemption
    expired = Exemption("EX-1", ("test.memory-max",), "old", date(2026, 1, 1), ("app",))
    pipeline = make("test.memory-max", exemptions=[expired], notes=("policy served stale",))
    # WHEN evaluated
    verdict = pipeline.evaluate([resource(props={"MemorySize": 9999})],
                                Invocation(notes=("t.yaml: Fn::ForEach unrolled", "policy served stale")))
    # THEN the notes are in that order, without repeats, and the expired exemption did not apply
    assert verdict.notes == (
        "policy served stale",
        "t.yaml: Fn::ForEach unrolled",
        "exemption EX-1 expired on 2026-01-01 and was ignored (test.memory-max on Fn)",
    )
    assert verdict.findings[0].outcome is Outcome.FAIL and verdict.is_blocking


# -- the engine is built once, here, and never changed --------------------------------------------


def test_the_engine_is_immutable() -> None:
    engine = Engine(REGISTRY, make().policy)
    with pytest.raises(FrozenInstanceError):
        engine.values = None  # type: ignore[misc]


def test_only_the_pipeline_builds_an_engine() -> None:
    # GIVEN every module of the package, WHEN scanned for calls of Engine(...)
    builders = []
    for path in sorted((ROOT / "hook").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                if name == "Engine":
                    builders.append(path.relative_to(ROOT).as_posix())
    # THEN the one place is the pipeline
    assert builders == ["hook/core/pipeline.py"]


def test_local_pipeline_refuses_an_offline_reference_without_default(tmp_path: Path) -> None:
    # GIVEN a policy whose parameter lives only in SSM
    path = tmp_path / "p.policy.yaml"
    path.write_text("version: 1\nrules:\n  lambda.runtime-allowed:\n    params:\n"
                    "      allowed: {ssm: /govhook/allowed}\n", encoding="utf-8")
    # WHEN a local check builds its pipeline offline, THEN it names the rule, the parameter and the fix
    with pytest.raises(PolicyError) as err:
        local_pipeline(str(path), require_defaults=True)
    assert str(err.value) == (f"{path}: rule lambda.runtime-allowed parameter 'allowed' comes from "
                              "ssm:/govhook/allowed with no default; add a default or run with --aws")
    # AND without the requirement (cfn-lint) it builds, and the rule reports the missing value as an ERROR
    pipeline = local_pipeline(str(path))
    verdict = pipeline.evaluate([ResourceTarget("AWS::Lambda::Function", "Fn", Action.CREATE,
                                                {"Runtime": "python3.13"}, None, "app")])
    assert [f.outcome for f in verdict.findings] == [Outcome.ERROR]


# -- one error base ------------------------------------------------------------------------------

#: Exceptions that are not errors a person is told about: a rule's SKIP and bad property value
#: (the engine makes findings of them), an internal frozen-field guard, a YAML loader detail.
_SIGNALS = {"NotApplicable", "FactUnavailable", "ValueUnknown", "InvalidValue", "FrozenInstanceError", "_Generic", "GovhookError"}


def test_every_error_class_in_the_package_derives_from_govhook_error() -> None:
    # GIVEN every exception class defined in hook/
    import importlib

    found: dict[str, type] = {}
    for path in sorted((ROOT / "hook").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        if module.startswith("hook.integrations"):
            continue  # needs cfn-lint; it defines no exception
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name not in _SIGNALS:
                cls = getattr(importlib.import_module(module), node.name, None)
                if isinstance(cls, type) and issubclass(cls, BaseException):
                    found[f"{module}.{node.name}"] = cls
    # THEN each one is a GovhookError (there are a dozen; the scan found them)
    assert len(found) >= 12, found
    assert [name for name, cls in found.items() if not issubclass(cls, GovhookError)] == []


def test_the_hook_answers_a_govhook_error_with_its_message_and_a_bug_with_its_class() -> None:
    from hook.handler import _reason

    class PluginBroke(GovhookError):
        pass

    assert _reason(PluginBroke("rule pack acme failed to load", "acme.yaml", 3)) == \
        "acme.yaml:3: rule pack acme failed to load"
    assert _reason(KeyError("Runtime")) == "KeyError: 'Runtime'"
