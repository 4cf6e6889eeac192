"""The one pipeline every door calls: targets in, one ``Verdict`` out.

A *door* (the Lambda handler, ``govhook check``, ``govhook test``, ``govhook replay``, the cfn-lint
integration, a CDK validation plugin) only parses its input into targets, calls
:meth:`Pipeline.evaluate`, and renders the verdict. Everything that decides an outcome lives here
or below: which targets the invocation level runs rules on, the policy's scope, "not governed"
(a resource hook invocation no enabled rule looks at), DELETE, and the notes a person should read
(setup notes such as a stale cached policy, input notes from the adapters, then the engine's)::

    pipeline = Pipeline(registry, policy, values, account, Options(today=..., locator=...))
    verdict = pipeline.evaluate(targets, Invocation(Level.TEMPLATE, notes=adapter_notes))

:func:`hook_pipeline` and :func:`local_pipeline` build the registry, the policy and the value
sources the way the deployed hook and the local tools do. The pipeline builds the one ``Engine`` of
a run, with everything it needs at construction; nothing changes it afterwards.

A new kind of input that changes decisions (exemption requests made by developers, which the
policy accepts or refuses) is a field of :class:`Invocation` handled here: doors pass what their
input carries and stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from enum import Enum
from typing import Any

from hook.core._record import Frozen
from hook.core.engine import Engine, Locator
from hook.core.model import NotEvaluated, ResourceTarget, StackTarget, Target, Verdict
from hook.core.policy_model import Policy
from hook.core.registry import Registry
from hook.core.requests import (
    ExemptionRequest,
    apply_requests,
    needs_stack_template,
    requests_from_targets,
    resource_metadata,
)
from hook.core.values import ValueSource
from hook.sdk import AccountFacts, Action, Rule

__all__ = ["Invocation", "Level", "Options", "Pipeline", "combine", "hook_pipeline", "local_pipeline"]


class Level(Enum):
    """Where the targets come from: what the invocation level runs (architecture: "Levels")."""

    #: One resource hook invocation: the resource rules for its type.
    RESOURCE = "RESOURCE"
    #: The same through Cloud Control.
    CLOUD_CONTROL = "CLOUD_CONTROL"
    #: A stack hook invocation: stack rules only (resource rules ran per resource).
    STACK = "STACK"
    #: A change set: resource rules on the changed resources, and stack rules.
    CHANGE_SET = "CHANGE_SET"
    #: Template files, a cloud assembly, a rule case: resource rules on each resource and stack rules.
    TEMPLATE = "TEMPLATE"


class Invocation(Frozen):
    """What a door knows about one evaluation besides its targets."""

    _fields = ("level", "notes", "requests", "stack_template")
    level: Level
    #: What reading the input noticed (adapter notes); reported before the engine's notes.
    notes: tuple[str, ...]
    #: Exemption requests the input carries besides its templates' Metadata (which the pipeline
    #: reads itself): CDK acknowledgements read from a cloud assembly.
    requests: tuple[ExemptionRequest, ...]
    #: For a RESOURCE invocation, which carries no Metadata: reads the stack's template, called
    #: only when the resource's construct path or requests could change the decision.
    stack_template: Callable[[], Mapping[str, Any]] | None

    def __init__(self, level: Level = Level.TEMPLATE, notes: Sequence[str] = (),
                 requests: Sequence[ExemptionRequest] = (),
                 stack_template: Callable[[], Mapping[str, Any]] | None = None) -> None:
        self.__dict__.update(level=level, notes=tuple(notes), requests=tuple(requests), stack_template=stack_template)


class Options(Frozen):
    """How a run evaluates: the date exemptions expire against, the line locator, a deadline."""

    _fields = ("today", "locator", "deadline")
    today: date | None
    locator: Locator | None
    #: ``time.monotonic()`` value after which evaluation stops with ``DeadlineExceeded``.
    deadline: float | None

    def __init__(self, today: date | None = None, locator: Locator | None = None,
                 deadline: float | None = None) -> None:
        self.__dict__.update(today=today, locator=locator, deadline=deadline)


class Pipeline:
    """Registry, policy, value sources and account facts, set up once for a run."""

    __slots__ = ("_alias_memo", "_engine", "notes", "options", "policy", "registry")

    def __init__(
        self,
        registry: Registry,
        policy: Policy,
        values: ValueSource | None = None,
        account: AccountFacts | None = None,
        options: Options | None = None,
        notes: Sequence[str] = (),
    ) -> None:
        self.registry = registry
        self.policy = policy
        self.options = options or Options()
        #: What setting up noticed (a policy served stale from the cache); first in every verdict.
        self.notes = tuple(notes)
        o = self.options
        self._engine = Engine(registry, policy, account=account, values=values, today=o.today,
                              locator=o.locator, deadline=o.deadline)
        self._alias_memo: tuple[int, dict[str, tuple[str, ...]]] | None = None

    def evaluate(self, targets: Iterable[Target], context: Invocation | None = None) -> Verdict:
        context = context or Invocation()
        todo = targets_all = list(targets)
        if context.level is Level.STACK:
            todo = [t for t in todo if isinstance(t, StackTarget)]
        elif context.level in (Level.RESOURCE, Level.CLOUD_CONTROL):
            skipped = self._not_evaluated(todo)
            if skipped is not None:
                return Verdict((), self.notes + context.notes + (skipped.note,), not_evaluated=skipped)
        covered, outside, scope_notes = self._scope(todo)
        verdict = self._engine.evaluate(covered)
        # Exemption requests: the templates' Metadata (a STACK or CHANGE_SET payload, template files)
        # and what the door passes (CDK acknowledgements); the policy accepts or refuses each.
        requests = [*context.requests, *requests_from_targets(targets_all)]
        if (context.level is Level.RESOURCE and context.stack_template is not None and len(covered) == 1
                and needs_stack_template(self.policy, verdict)):
            verdict, found = self._with_template_metadata(covered[0], verdict, context.stack_template)
            requests.extend(found)
        verdict = apply_requests(verdict, requests, self.policy, self.options.today, self._aliases())
        notes = _unique(self.notes + context.notes + scope_notes + verdict.notes)
        return Verdict(verdict.findings, notes, verdict.targets + outside, verdict.rules_run)

    def _aliases(self) -> dict[str, tuple[str, ...]]:
        # Once per pipeline (a CLI run evaluates every file with one), again if the registry grew.
        memo = self._alias_memo
        if memo is None or memo[0] != len(self.registry):
            memo = self._alias_memo = (len(self.registry), {
                rid: tuple(getattr(self.registry.get(rid), "aliases", ())) for rid in self.policy.rules})
        return memo[1]

    def _with_template_metadata(self, target: Target, verdict: Verdict,
                                read: Callable[[], Mapping[str, Any]]) -> tuple[Verdict, list[ExemptionRequest]]:
        """A RESOURCE invocation re-decided with what its stack's template says of the resource:
        the construct path (``aws:cdk:path``) and ``govhook.exempt`` requests. CloudFormation sends
        no Metadata with a resource; a template that cannot be read leaves the decision, noted."""
        if not isinstance(target, ResourceTarget):
            return verdict, []
        try:
            template = read()
        except Exception as exc:  # a source's failure is a note, never the hook's crash
            note = (f"{exc}: the resource's Metadata (construct path, exemption requests) could not be read; "
                    "decided without it")
            return Verdict(verdict.findings, (*verdict.notes, note), verdict.targets, verdict.rules_run), []
        path, found = resource_metadata(template, target.logical_id, target.stack_name)
        if path and path != target.construct_path:
            target = ResourceTarget(target.resource_type, target.logical_id, target.action, target.properties,
                                    target.previous_properties, target.stack_name, target.account_id,
                                    target.region, target.file, target.source_pointer, construct_path=path)
            verdict = self._engine.evaluate([target])
        return verdict, found

    def _not_evaluated(self, targets: Sequence[Target]) -> NotEvaluated | None:
        """A resource invocation no enabled rule looks at: its type, or its DELETE."""
        resources = [t for t in targets if isinstance(t, ResourceTarget)]
        if len(resources) != 1 or len(targets) != 1:
            return None
        target = resources[0]
        rules = [r for _, r in self._engine.enabled_rules() if target.resource_type in r.resource_types]
        if not any(issubclass(r, Rule) for r in rules):
            rtype, lid = _shown(target.resource_type), _shown(target.logical_id)
            return NotEvaluated("not-governed", f"{rtype} {lid}: not governed by any enabled rule",
                                f"{rtype} is not governed by this policy")
        if target.action is Action.DELETE and not any(target.action in r.actions for r in rules):
            lid = _shown(target.logical_id)
            return NotEvaluated("delete", f"{lid}: DELETE is not governed", f"{lid}: DELETE is not governed")
        return None

    def _scope(self, targets: list[Target]) -> tuple[list[Target], int, tuple[str, ...]]:
        """The targets of stacks the policy covers; the others are counted and noted, not evaluated."""
        scope = self.policy.scope
        covered: list[Target] = []
        notes: list[str] = []
        outside = 0
        seen: dict[str | None, bool] = {}
        for target in targets:
            name = target.stack_name
            ok = seen.get(name)
            if ok is None:
                ok = seen[name] = scope.covers_stack(name)
            if ok:
                covered.append(target)
                continue
            outside += 1
            note = f"stack {name} is outside the policy's scope: not evaluated"
            if note not in notes:
                notes.append(note)
        return covered, outside, tuple(notes)


def _shown(name: str, limit: int = 200) -> str:
    """An identifier from the input, short enough that what follows it stays in the first part of
    a message (a hostile event can send a 10,000-character type name)."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _unique(notes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(notes))


def hook_pipeline(policy_location: str, *, values: ValueSource | None = None,
                  account: AccountFacts | None = None, deadline: float | None = None) -> Pipeline:
    """The deployed hook's pipeline: the installed rules, the policy at a file path, ``ssm:/name``
    or ``s3://bucket/key`` (cached with a TTL; a stale copy says so in a note), SSM values and
    boto3 account facts unless given."""
    from hook.core.registry import default_registry
    from hook.sources import AwsAccount, SSMValues, get_policy

    registry = default_registry()
    policy, notes = get_policy(policy_location, registry)
    return Pipeline(registry, policy, SSMValues() if values is None else values,
                    AwsAccount() if account is None else account, Options(deadline=deadline), notes)


def local_pipeline(policy_path: str, *, registry: Registry | None = None, today: date | None = None,
                   locator: Locator | None = None, aws: bool = False,
                   require_defaults: bool = False) -> Pipeline:
    """A local run's pipeline (``govhook check``, cfn-lint, CDK): the policy file; SSM values and
    account facts from AWS with ``aws``, else offline (references use their defaults, account facts
    are unknown). ``require_defaults`` refuses offline a reference that has no default, naming it."""
    from hook.core.errors import PolicyError
    from hook.core.policy import load_policy

    if registry is None:
        from hook.core.registry import default_registry

        registry = default_registry()
    policy = load_policy(policy_path, registry, today=today)
    values: ValueSource | None = None
    account: AccountFacts | None = None
    if aws:
        from hook.sources import AwsAccount, SSMValues

        values, account = SSMValues(), AwsAccount()
    elif require_defaults:
        for rule_id, name, ref in policy.value_refs():
            if not ref.has_default:
                raise PolicyError(f"rule {rule_id} parameter '{name}' comes from ssm:{ref.ssm} with no default; "
                                  "add a default or run with --aws", policy.source)
    return Pipeline(registry, policy, values, account, Options(today=today, locator=locator))


def combine(verdicts: Sequence[Verdict], notes: Sequence[str] = ()) -> Verdict:
    """The verdicts of the parts of one input, evaluated apart (files checked in parallel or read
    from the result cache), as the one verdict of the whole: ``notes`` (what reading the whole input
    noticed) first, findings in the parts' order, each note once where it first appears, targets
    summed, rules in the order they first ran."""
    if len(verdicts) == 1 and not notes:
        return verdicts[0]
    findings = tuple(f for v in verdicts for f in v.findings)
    all_notes = _unique(tuple(notes) + tuple(n for v in verdicts for n in v.notes))
    rules = _unique(tuple(r for v in verdicts for r in v.rules_run))
    return Verdict(findings, all_notes, sum(v.targets for v in verdicts), rules)
