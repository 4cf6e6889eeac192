"""Rule discovery: deterministic, namespaced, refusing duplicates; rules validated when defined."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from hook.core.registry import Registry, RegistryError
from hook.sdk import Params, ResourceContext, Rule, RuleDefinitionError, Severity, Violation


def make_rule(rule_id: str, aliases: tuple[str, ...] = ()) -> type[Rule]:
    class _R(Rule):
        id = rule_id
        title = "test rule"
        default_severity = Severity.LOW
        resource_types = ("AWS::Lambda::Function",)

        def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
            yield from ()

    _R.aliases = aliases
    return _R


@dataclass
class FakeEntryPoint:
    name: str
    value: str
    obj: Any

    def load(self) -> Any:
        if isinstance(self.obj, Exception):
            raise self.obj
        return self.obj


def discover(*eps: FakeEntryPoint) -> Registry:
    return Registry.discover(entry_points=lambda: list(eps))


def test_builtin_rules_are_discovered_through_the_entry_point() -> None:
    # GIVEN the installed distribution  WHEN discovering  THEN the lambda pack is there
    reg = Registry.discover()
    assert "lambda.runtime-allowed" in reg
    assert reg.pack_of("lambda.runtime-allowed") == "lambda"
    assert reg.ids() == sorted(reg.ids())


def test_discovery_order_is_deterministic() -> None:
    a, b = make_rule("zeta.one"), make_rule("alpha.one")
    reg1 = discover(FakeEntryPoint("zeta", "z:rules", [a]), FakeEntryPoint("alpha", "a:rules", [b]))
    reg2 = discover(FakeEntryPoint("alpha", "a:rules", [b]), FakeEntryPoint("zeta", "z:rules", [a]))
    assert reg1.ids() == reg2.ids() == ["alpha.one", "zeta.one"]


def test_namespace_must_match_the_entry_point_name() -> None:
    rule = make_rule("acme.naming")
    with pytest.raises(RegistryError, match=r"plugin registered as 'other' may only provide 'other\.\*' rules"):
        discover(FakeEntryPoint("other", "pkg:rules", [rule]))


def test_duplicate_ids_are_refused_naming_both_sources() -> None:
    one, two = make_rule("acme.naming"), make_rule("acme.naming")
    with pytest.raises(RegistryError, match=r"duplicate rule id .acme\.naming."):
        discover(FakeEntryPoint("acme", "pkg:rules", [one, two]))


def test_an_alias_may_not_shadow_another_rule() -> None:
    first = make_rule("acme.new-name", aliases=("acme.old-name",))
    second = make_rule("acme.old-name")
    with pytest.raises(RegistryError, match=r"alias of acme\.new-name"):
        discover(FakeEntryPoint("acme", "pkg:rules", [first, second]))


def test_aliases_resolve_to_the_current_id() -> None:
    rule = make_rule("acme.new-name", aliases=("acme.old-name",))
    reg = discover(FakeEntryPoint("acme", "pkg:rules", [rule]))
    assert reg.canonical("acme.old-name") == "acme.new-name"
    assert reg.get("acme.old-name") is rule
    assert "acme.old-name" in reg.all_names()


def test_entry_point_may_be_a_class_a_list_or_a_function() -> None:
    a, b, c, d = make_rule("p.a"), make_rule("q.b"), make_rule("q.c"), make_rule("r.d")
    reg = discover(
        FakeEntryPoint("p", "x:A", a),
        FakeEntryPoint("q", "y:rules", lambda: [b, c]),
        FakeEntryPoint("r", "z:RULES", (d,)),
    )
    assert reg.ids() == ["p.a", "q.b", "q.c", "r.d"]


def test_the_same_namespace_from_two_packages_is_refused() -> None:
    with pytest.raises(RegistryError, match="more than one plugin registers the namespace 'p'"):
        discover(FakeEntryPoint("p", "one:rules", []), FakeEntryPoint("p", "two:rules", []))


def test_a_plugin_that_fails_to_import_is_a_clear_error() -> None:
    with pytest.raises(RegistryError, match=r"plugin 'broken' \(broken:rules\) failed to load: ImportError: no module"):
        discover(FakeEntryPoint("broken", "broken:rules", ImportError("no module")))


def test_a_plugin_providing_a_non_rule_is_refused() -> None:
    with pytest.raises(RegistryError, match="not a Rule or StackRule class"):
        discover(FakeEntryPoint("p", "x:rules", [object]))


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"id": "NoNamespace"}, "must be '<namespace>.<kebab-slug>'"),
        ({"id": "lambda.Bad_Slug"}, "must be '<namespace>.<kebab-slug>'"),
        ({"id": "lambda.ok", "title": ""}, "title is required"),
        ({"id": "lambda.ok", "resource_types": ()}, "resource_types must name at least one type"),
        ({"id": "lambda.ok", "params_schema": {"type": "object", "properties": {"x": {"type": "int"}}}}, "unknown JSON Schema type"),
        ({"id": "lambda.ok", "params_schema": {"type": "array"}}, "must describe an object"),
        ({"id": "lambda.ok", "default_severity": "high"}, "must be a Severity"),
    ],
)
def test_rules_are_validated_when_defined(attrs: dict[str, Any], message: str) -> None:
    body = {"title": "t", "resource_types": ("AWS::Lambda::Function",), **attrs}
    with pytest.raises(RuleDefinitionError, match=message):
        type("Bad", (Rule,), body)
