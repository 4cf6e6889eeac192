"""The one schema module's walker and the checks built on it: keywords it implements, rule
``params_schema`` definitions, and the keys a path allows (for "did you mean")."""

from __future__ import annotations

from typing import Any

import pytest

from hook.core.policy import policy_schema
from hook.core.registry import default_registry
from hook.core.schema import check_supported, definition_problems, keys_at, walk
from hook.sdk import Rule, RuleDefinitionError

NESTED: dict[str, Any] = {
    "type": "object",
    "properties": {
        "limits": {"type": "object", "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}},
                   "additionalProperties": False},
        "names": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "choice": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/pair"}]},
    },
    "$defs": {"pair": {"type": "object", "properties": {"a": {}, "b": {}}}},
}


def test_walk_visits_every_nested_schema_once_with_its_location() -> None:
    locations = [loc for loc, _ in walk(NESTED)]
    assert locations[0] == ()
    assert ("properties", "limits", "properties", "max") in locations
    assert ("properties", "names", "items") in locations
    assert ("properties", "choice", "anyOf", 1) in locations
    assert ("$defs", "pair", "properties", "b") in locations
    assert len(locations) == len(set(locations)) == 12


def test_check_supported_names_the_keyword_and_where_it_is() -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer", "multipleOf": 2}},
              "anyOf": [{"dependentRequired": {}}]}
    assert check_supported(schema) == ["#/properties/n: unsupported keyword 'multipleOf'",
                                       "#/anyOf/0: unsupported keyword 'dependentRequired'"]
    assert check_supported(NESTED) == []
    assert check_supported(policy_schema()) == []


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ([], "R: params_schema must be a JSON Schema object"),
        ({"type": "object", "properties": {"x": {"type": "int"}}}, "R.x: unknown JSON Schema type 'int'"),
        ({"type": "object", "properties": ["x"]}, "R: 'properties' must be an object"),
        ({"type": "object", "properties": {"xs": {"type": "array", "items": {"type": ["string", "text"]}}}},
         "R.xs.items: unknown JSON Schema type 'text'"),
        ({"type": "object", "properties": {"x": {"oneOf": [{"type": "string"}, 3]}}},
         "R.x.oneOf[1]: params_schema must be a JSON Schema object"),
        ({"type": "object", "properties": {"n": {"type": "integer", "multipleOf": 5}}},
         "R.n: unsupported JSON Schema keyword 'multipleOf' (govhook's validator does not implement it)"),
    ],
)
def test_definition_problems_say_what_and_where(schema: Any, problem: str) -> None:
    assert definition_problems(schema, "R") == [problem]


def test_a_rule_whose_schema_would_silently_mean_less_is_refused_when_defined() -> None:
    # GIVEN a params_schema with a keyword govhook's validator does not implement
    body = {"id": "acme.even-memory", "title": "t", "resource_types": ("AWS::Lambda::Function",),
            "params_schema": {"type": "object", "properties": {"step": {"type": "integer", "multipleOf": 64}}}}
    # WHEN the rule class is defined, THEN it is refused, naming the keyword and the property
    with pytest.raises(RuleDefinitionError, match=r"params_schema\.step: unsupported JSON Schema keyword 'multipleOf'"):
        type("EvenMemory", (Rule,), body)


def test_every_installed_rule_schema_is_a_clean_definition() -> None:
    registry = default_registry()
    for rule_id in registry.all_names():
        rule = registry.get(rule_id)
        assert rule is not None
        assert definition_problems(rule.params_schema, rule_id) == []


def test_keys_at_follows_properties_refs_additional_properties_and_items() -> None:
    schema = policy_schema()
    assert "rules" in keys_at(schema, ())
    assert {"mode", "params", "scope"} <= set(keys_at(schema, ("rules", "lambda.any-rule")))
    assert {"id", "rules", "reason", "expires"} <= set(keys_at(schema, ("exemptions", 0)))
    assert keys_at(NESTED, ("limits",)) == ["min", "max"]
    assert keys_at(NESTED, ("nowhere", "deeper")) == []
