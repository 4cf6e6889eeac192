"""The value classes behave as the dataclasses they replaced: equality, hash, repr, immutability."""

from __future__ import annotations

import dataclasses

import pytest

from hook.core._record import FrozenInstanceError
from hook.core.model import Disposition, Finding, Location, Outcome, Verdict
from hook.core.policy_model import RuleConfig, Scope
from hook.sdk import Severity


@dataclasses.dataclass(frozen=True)
class _Location:
    file: str
    line: int | None = None
    column: int | None = None


def test_equality_hash_and_repr_match_a_frozen_dataclass() -> None:
    # GIVEN a Location and the dataclass it used to be
    a, b, c = Location("t.yaml", 3, 5), Location("t.yaml", 3, 5), Location("t.yaml", 4)
    d = _Location("t.yaml", 3, 5)
    # THEN equality, hashing and repr follow the fields, as the dataclass's do
    assert a == b and a != c and hash(a) == hash(b) and len({a, b, c}) == 2
    assert repr(a) == repr(d).replace("_Location", "Location")
    assert a != d  # another class is never equal, as with dataclasses
    assert (a == 1) is False


def test_frozen_values_refuse_assignment() -> None:
    # GIVEN immutable values
    loc = Location("t.yaml", 1)
    # WHEN a field is assigned or deleted THEN it fails like a frozen dataclass (an AttributeError)
    with pytest.raises(FrozenInstanceError):
        loc.line = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del loc.file  # type: ignore[misc]
    assert loc.line == 1


def test_defaults_are_fresh_per_instance() -> None:
    # GIVEN two rule configs built without params or scope
    a, b = RuleConfig("x.y"), RuleConfig("x.y")
    # THEN each has its own empty params and a default scope, and they are equal
    assert a.params == {} and a.params is not b.params and a.scope == Scope() and a == b


def test_a_finding_from_fields_equals_the_constructed_one() -> None:
    # GIVEN every field of a finding
    fields = dict(rule_id="a.b", title="T", outcome=Outcome.FAIL, disposition=Disposition.BLOCKING,
                  severity=Severity.HIGH, level="resource", message="m", logical_id="Fn", resource_type="X",
                  path="/P", remediation="r", remediation_url="u", stack_name="s", location=Location("f", 1, 2),
                  exemption=None, preexisting=True, downgraded_by=None)
    # THEN the engine's fast path builds the same value as the constructor
    fast, slow = Finding.from_fields(dict(fields)), Finding(**fields)  # type: ignore[arg-type]
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert Verdict((fast,)) == Verdict((slow,), (), 0, ())


def test_sdk_values_keep_their_dataclass_behaviour() -> None:
    from datetime import date

    from hook.sdk import Action, OfflineAccount, ResourceContext, StackContext, Violation

    # GIVEN violations and contexts built as rules and tests build them
    v = Violation("too big", "/MemorySize", "Lower it.")
    assert v == Violation("too big", path="/MemorySize", remediation="Lower it.") and hash(v) == hash(
        Violation("too big", "/MemorySize", "Lower it.")
    )
    assert repr(v) == "Violation(message='too big', path='/MemorySize', remediation='Lower it.', logical_id=None, advisory=False)"
    ctx = ResourceContext("AWS::Lambda::Function", "Fn", Action.CREATE, {"Runtime": "x"})
    # THEN defaults are fresh per instance, fields are read-only, cached properties still work
    assert isinstance(ctx.account, OfflineAccount) and ctx.today == date.today()
    with pytest.raises(AttributeError):
        ctx.logical_id = "Other"  # type: ignore[misc]
    stack = StackContext({"Resources": {"A": {"Type": "T"}}})
    assert stack.resources == {"A": {"Type": "T"}} and stack.resources is stack.resources
    assert stack == StackContext({"Resources": {"A": {"Type": "T"}}}, account=stack.account)
