"""The rule SDK's readers accept what CloudFormation sends: numbers and booleans as strings."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hook.sdk import (
    Action,
    InvalidValue,
    NotApplicable,
    ResourceContext,
    StackContext,
    Unresolved,
    as_bool,
    as_int,
    as_list,
    as_str,
    is_unresolved,
    json_pointer,
    pointer_get,
    pointer_tokens,
    tags_of,
)


@pytest.mark.parametrize(("raw", "expected"), [(128, 128), ("128", 128), (" 30 ", 30), ("+5", 5), (3.0, 3), ("10.0", 10), (None, None)])
def test_as_int_accepts_stringified_integers(raw: Any, expected: int | None) -> None:
    assert as_int(raw) == expected


@pytest.mark.parametrize("raw", ["12x", "", True, 1.5, [1], {"a": 1, "b": 2}])
def test_as_int_rejects_what_is_not_an_integer(raw: Any) -> None:
    with pytest.raises(InvalidValue, match="must be an integer"):
        as_int(raw, "/MemorySize")


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_as_int_round_trips_any_stringified_integer(n: int) -> None:
    assert as_int(str(n)) == n == as_int(n)


@pytest.mark.parametrize(("raw", "expected"), [(True, True), ("true", True), ("TRUE", True), ("false", False), (" False ", False), (None, None)])
def test_as_bool_accepts_stringified_booleans(raw: Any, expected: bool | None) -> None:
    assert as_bool(raw) is expected


def test_as_bool_rejects_numbers() -> None:
    with pytest.raises(InvalidValue, match="must be a boolean"):
        as_bool(1)


def test_unresolved_values_raise_not_applicable_naming_the_path() -> None:
    for reader in (as_int, as_bool, as_str, as_list):
        with pytest.raises(NotApplicable, match=r"/Timeout is not known before deployment: !Ref TimeoutParam"):
            reader({"Ref": "TimeoutParam"}, "/Timeout")
    with pytest.raises(NotApplicable, match="not known before deployment"):
        as_int(Unresolved({"Fn::GetAtt": ["Q", "Arn"]}, "known after deployment"), "/X")


def test_is_unresolved_knows_intrinsics_and_markers() -> None:
    assert is_unresolved({"Fn::Sub": "x"}) and is_unresolved({"Ref": "P"}) and is_unresolved(Unresolved("x"))
    assert not is_unresolved({"Key": "v"}) and not is_unresolved("{{resolve:ssm:/a}}") and not is_unresolved(None)


def test_as_list_splits_string_lists() -> None:
    assert as_list("python3.13, nodejs22.x ,") == ["python3.13", "nodejs22.x"]
    assert as_list(["a"]) == ["a"] and as_list(None) == []


def test_json_pointers_escape_and_read() -> None:
    doc = {"Environment": {"Variables": {"A/B": "1", "C~D": "2"}}, "L": [{"x": 1}]}
    assert json_pointer("Environment", "Variables", "A/B") == "/Environment/Variables/A~1B"
    assert pointer_get(doc, json_pointer("Environment", "Variables", "A/B")) == "1"
    assert pointer_get(doc, json_pointer("Environment", "Variables", "C~D")) == "2"
    assert pointer_get(doc, "/L/0/x") == 1
    assert pointer_get(doc, "/L/5/x", "d") == "d" and pointer_get(doc, "/Nope") is None


def test_tags_of_reads_both_shapes() -> None:
    assert tags_of([{"Key": "team", "Value": "a"}, {"Key": {"Ref": "K"}, "Value": "x"}]) == {"team": "a"}
    assert tags_of({"team": "a"}) == {"team": "a"}
    assert tags_of({"Ref": "Tags"}) == {}


def test_resource_context_readers() -> None:
    ctx = ResourceContext("AWS::Lambda::Function", "Fn", Action.UPDATE, {"MemorySize": "256", "TracingConfig": {"Mode": "Active"}},
                          previous_properties={"MemorySize": 128})
    assert ctx.get_int("/MemorySize") == 256 and ctx.get_int("/Timeout", 3) == 3
    assert ctx.get_str("/TracingConfig/Mode") == "Active" and ctx.has("/TracingConfig") and not ctx.has("/Nope")
    assert ctx.previous("/MemorySize") == 128


def test_stack_context_sam_globals_and_references() -> None:
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Globals": {"Function": {"Timeout": 20}},
        "Resources": {
            "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": "python3.13"}},
            "Q": {"Type": "AWS::SQS::Queue"},
        },
    }
    ctx = StackContext(template)
    assert ctx.is_sam and ctx.function_property("Fn", "Timeout") == 20
    assert ctx.function_property("Fn", "Runtime") == "python3.13"
    assert ctx.referenced_id({"Fn::GetAtt": ["Q", "Arn"]}) == "Q"
    assert ctx.referenced_id({"Fn::GetAtt": "Q.Arn"}) == "Q"
    assert ctx.referenced_id({"Ref": "Fn"}) == "Fn"
    assert ctx.referenced_id({"Fn::Sub": "${Q.Arn}"}) == "Q"
    assert ctx.referenced_id({"Ref": "NotHere"}) is None
    assert [i for i, _ in ctx.resources_of_type("AWS::SQS::Queue")] == ["Q"]


@pytest.mark.parametrize(
    "parent",
    [
        {"Fn::If": ["IsProd", {"Mode": "Active"}, {"Ref": "AWS::NoValue"}]},
        Unresolved({"Fn::If": ["IsProd", {"Mode": "Active"}, {"Ref": "AWS::NoValue"}]}, "condition unknown"),
    ],
)
def test_a_value_under_an_unresolved_parent_is_not_the_default(parent: Any) -> None:
    # GIVEN TracingConfig chosen by a condition nobody knows before deployment
    ctx = ResourceContext("AWS::Lambda::Function", "Fn", Action.CREATE, {"TracingConfig": parent})
    # WHEN a rule reads TracingConfig/Mode with a default
    # THEN it SKIPs naming the unresolved value instead of reading the default
    with pytest.raises(NotApplicable, match="not known before deployment"):
        ctx.get_str("/TracingConfig/Mode", "PassThrough")
    assert is_unresolved(ctx.get("/TracingConfig/Mode"))
    # and a truly absent value still gives the default
    assert ctx.get_str("/Missing/Mode", "PassThrough") == "PassThrough"


def test_unresolved_parameters_are_additive_and_do_not_change_equality() -> None:
    # GIVEN a marker made by a caller that does not know the field, and one that names its parameter
    plain = Unresolved({"Ref": "DbPassword"}, "no default")
    named = Unresolved({"Ref": "DbPassword"}, "no default", parameters=("DbPassword",))
    # THEN the field defaults to none, and a marker is still its expression (equal, same hash)
    assert plain.parameters == () and named.parameters == ("DbPassword",)
    assert plain == named and hash(plain) == hash(named)
    # AND the marker still has no instance dictionary (__slots__)
    assert not hasattr(named, "__dict__")


_POINTER_TEXT = st.lists(st.sampled_from(["a", "B", "~", "/", "0", "1", "~0", "~1", " ", "é"]), max_size=6).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_POINTER_TEXT, st.integers(min_value=0, max_value=20)), max_size=5))
def test_pointers_are_built_and_read_as_the_escaping_of_every_part(parts: list[str | int]) -> None:
    # the plain definitions the fast paths stand in for (RFC 6901 escaping of each part)
    built = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    assert json_pointer(*parts) == built
    unescaped = tuple(t.replace("~1", "/").replace("~0", "~") for t in built[1:].split("/")) if built else ()
    assert pointer_tokens(built) == unescaped
    assert pointer_tokens(built) == tuple(str(p) for p in parts)
    doc: dict[str, Any] = {}
    node = doc
    for part in parts[:-1]:
        node = node.setdefault(str(part), {})
    if parts and "" not in parts:  # (empty leading parts: pointer_get strips leading "/", as it did)
        node[str(parts[-1])] = "here"
        assert pointer_get(doc, built) == "here"
