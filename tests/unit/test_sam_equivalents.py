"""hook.cli.adapters.sam_equivalents: each stand-in gives what the samtranslator helper it replaces gives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hook.cli.adapters import sam_equivalents
from hook.cli.adapters.sam import expand
from hook.cli.adapters.sam_fast import sam_api
from hook.inputs.yamlcfn import load_template_nodes

ROOT = Path(__file__).resolve().parents[2]

API = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Globals": {"Function": {"Runtime": "python3.13", "Timeout": 10}},
    "Parameters": {"Stage": {"Type": "String", "Default": "prod"}},
    "Resources": {
        "Fn": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Handler": "a.h", "CodeUri": ".", "AutoPublishAlias": "live",
                "Events": {
                    "Get": {"Type": "Api", "Properties": {"Path": "/items", "Method": "get"}},
                    "Http": {"Type": "HttpApi", "Properties": {"Path": "/h", "Method": "post"}},
                    "Queue": {"Type": "SQS", "Properties": {"Queue": {"Fn::GetAtt": ["Q", "Arn"]}}},
                },
                "Policies": [{"SQSPollerPolicy": {"QueueName": "q"}}],
            },
        },
        "Q": {"Type": "AWS::SQS::Queue"},
        "Table": {"Type": "AWS::Serverless::SimpleTable"},
    },
}


@pytest.fixture()
def originals() -> Iterator[None]:
    """samtranslator's own helpers for the test, the stand-ins again after it."""
    sam_api()
    sam_equivalents.uninstall()
    try:
        yield
    finally:
        sam_equivalents.install()


def _expanded(template: dict[str, Any]) -> str:
    out, origin = expand(template, {}, region="us-east-1", account_id="123456789012")
    return json.dumps([out, origin], sort_keys=True, default=repr)


def _sam_templates() -> list[dict[str, Any]]:
    files = sorted((ROOT / "sample" / "templates").glob("sam-*.yaml"))
    return [API] + [load_template_nodes(f.read_text(), str(f))[0] for f in files]


@pytest.mark.usefixtures("originals")
def test_expansions_are_the_same_with_the_stand_ins_and_without() -> None:
    # GIVEN SAM templates with Globals, implicit REST and HTTP APIs, events, aliases, policy templates
    templates = _sam_templates()
    # WHEN each is expanded with samtranslator's own helpers, then with the stand-ins
    before = [_expanded(t) for t in templates]
    sam_equivalents.install()
    after = [_expanded(t) for t in templates]
    # THEN the expansions and origins are identical, and the stand-ins are really the ones in place
    assert after == before
    from samtranslator.translator import translator

    assert translator.ResourceTypeResolver.__module__ == sam_equivalents.__name__


@pytest.mark.usefixtures("originals")
def test_each_resolver_has_the_table_samtranslator_builds_and_its_own_copy() -> None:
    # GIVEN samtranslator's resolver of the SAM resource module
    from samtranslator.model import ResourceTypeResolver, sam_resources
    from samtranslator.model.eventsources import pull, push

    own = ResourceTypeResolver(sam_resources).resource_types
    events = ResourceTypeResolver(push, pull).resource_types
    # WHEN the stand-in builds resolvers of the same modules
    sam_equivalents.install()
    from samtranslator.translator import translator

    first = translator.ResourceTypeResolver(sam_resources)
    second = translator.ResourceTypeResolver(sam_resources)
    first.resource_types["AWS::Serverless::Function"] = None  # a caller changing its own table
    # THEN each is a ResourceTypeResolver with samtranslator's table, not shared with the next one
    assert type(second) is ResourceTypeResolver
    assert second.resource_types == own and "AWS::Serverless::Function" in own
    assert translator.ResourceTypeResolver(sam_resources).resource_types == own
    assert translator.ResourceTypeResolver(push, pull).resource_types == events
    assert second.can_resolve({"Type": "AWS::Serverless::Api"}) and not second.can_resolve({"Type": "AWS::S3::Bucket"})


@pytest.mark.usefixtures("originals")
def test_has_value_answers_as_the_enum_scan() -> None:
    # GIVEN the enum's own answers for its values, near misses and other kinds of value
    from samtranslator.sdk.resource import SamResourceType
    from samtranslator.utils.py27hash_fix import Py27UniStr

    class Loose(str):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = str.__hash__

    values = [m.value for m in SamResourceType]
    probes: list[Any] = [*values, *(v.lower() for v in values), *(v + " " for v in values), "", "AWS::S3::Bucket",
                         *(Py27UniStr(v) for v in values), Py27UniStr("AWS::SQS::Queue"), Loose("x"), 1, None]
    own = [SamResourceType.has_value(p) for p in probes]
    # WHEN the stand-in answers
    sam_equivalents.install()
    ours = [SamResourceType.has_value(p) for p in probes]
    # THEN every answer is the same (a str subclass that compares differently included)
    assert ours == own
    assert own.count(True) == 2 * len(values) + 1


@pytest.mark.usefixtures("originals")
def test_timed_methods_still_run_and_return_without_recording_metrics() -> None:
    # GIVEN a method timed by samtranslator's cw_timer, and a metrics object it records into
    from samtranslator.metrics.method_decorator import MetricsMethodWrapperSingleton, cw_timer
    from samtranslator.metrics.metrics import Metrics

    calls: list[int] = []

    @cw_timer(prefix="Test")
    def timed(x: int) -> int:
        calls.append(x)
        if x < 0:
            raise ValueError("negative")
        return x * 2

    metrics = Metrics()
    previous = MetricsMethodWrapperSingleton.get_instance()
    MetricsMethodWrapperSingleton.set_instance(metrics)
    try:
        assert timed(2) == 4
        recorded = sum(len(v) for v in metrics.metrics_cache.values())
        # WHEN the stand-ins are installed
        sam_equivalents.install()
        # THEN the method runs, returns and raises as before, and nothing more is recorded
        assert timed(3) == 6
        with pytest.raises(ValueError, match="negative"):
            timed(-1)
        assert calls == [2, 3, -1]
        assert recorded == 1 and sum(len(v) for v in metrics.metrics_cache.values()) == recorded
    finally:
        MetricsMethodWrapperSingleton.set_instance(previous)
        metrics.publish()  # to samtranslator's no-op publisher (unpublished metrics warn at exit)


def test_install_is_idempotent_and_uninstall_restores_samtranslators_own() -> None:
    # GIVEN samtranslator loaded (the stand-ins installed)
    sam_api()
    from samtranslator.metrics import method_decorator
    from samtranslator.sdk.resource import SamResourceType
    from samtranslator.translator import translator

    assert sam_equivalents.installed()
    try:
        # WHEN they are removed, then installed twice
        sam_equivalents.uninstall()
        own = (translator.ResourceTypeResolver, SamResourceType.__dict__["has_value"], method_decorator._send_cw_metric)
        sam_equivalents.install()
        replaced = (translator.ResourceTypeResolver, SamResourceType.__dict__["has_value"],
                    method_decorator._send_cw_metric)
        sam_equivalents.install()
        # THEN a second install changes nothing, and uninstall puts back the very same objects
        assert (translator.ResourceTypeResolver, SamResourceType.__dict__["has_value"],
                method_decorator._send_cw_metric) == replaced
        assert all(a is not b for a, b in zip(own, replaced, strict=True))
        sam_equivalents.uninstall()
        assert (translator.ResourceTypeResolver, SamResourceType.__dict__["has_value"],
                method_decorator._send_cw_metric) == own
        assert own[0].__module__ == "samtranslator.model"
    finally:
        sam_equivalents.install()


def _shape(value: Any, seen: dict[int, int] | None = None) -> Any:
    """The value with its types and its sharing made visible (a container met again: its index)."""
    seen = {} if seen is None else seen
    if isinstance(value, dict | list | tuple):
        if id(value) in seen:
            return ("shared", seen[id(value)])
        seen[id(value)] = len(seen)
        if isinstance(value, dict):
            items = [(_shape(k, seen), _shape(v, seen)) for k, v in value.items()]
        else:
            items = [_shape(v, seen) for v in value]
        extra = sorted((k, _shape(v, seen)) for k, v in vars(value).items()) if hasattr(value, "__dict__") else []
        return (type(value).__name__, items, extra)
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return (type(value).__name__, sorted((k, _shape(v, seen)) for k, v in vars(value).items()))
    return (type(value).__name__, value)


def _values() -> list[Any]:
    """Parsed templates, their samtranslator py27 form, and values with shared parts."""
    from samtranslator.utils.py27hash_fix import Py27LongInt, Py27UniStr, to_py27_compatible_template

    shared = {"k": [1, 2.5, None, True, "s", Py27UniStr("u"), Py27LongInt(2**70)]}
    out: list[Any] = [
        {"a": shared, "b": shared, "c": [shared, (shared, 1)], 1: b"x", (1, 2): frozenset({3})},
        [[], {}, (), "", 0, -1, 10**30, complex(1, 2), range(3), type, len],
    ]
    for template in _sam_templates():
        doc = json.loads(json.dumps(template))
        out.append(json.loads(json.dumps(template)))
        to_py27_compatible_template(doc, {"Stage": "prod"})
        out.append(doc)
    return out


@pytest.mark.usefixtures("originals")
def test_deepcopy_in_samtranslator_copies_as_copy_deepcopy_copies() -> None:
    # GIVEN values as samtranslator copies them: templates, their Py27Dict form, shared parts
    import copy

    from samtranslator.utils import py27hash_fix

    values = _values()

    def names(value: Any) -> dict[int, str]:
        """Each object reachable from the value -> its place (ids of temporaries are not comparable)."""
        out: dict[int, str] = {}
        stack = [(value, "")]
        while stack:
            node, where = stack.pop()
            if id(node) in out:
                continue
            out[id(node)] = where or "/"
            if isinstance(node, dict):
                stack.extend((v, f"{where}/{k}") for k, v in node.items())
                stack.extend((k, f"{where}/key:{k}") for k in node)
            elif isinstance(node, list | tuple):
                stack.extend((v, f"{where}/{i}") for i, v in enumerate(node))
            if hasattr(node, "__dict__") and not isinstance(node, type):
                stack.extend((v, f"{where}/.{k}") for k, v in vars(node).items())
        return out

    def run(deepcopy: Any) -> list[Any]:
        shapes = []
        for value in values:
            place = names(value)
            memo: dict[int, Any] = {}
            copied = deepcopy(value, memo)
            alive = [place.get(id(o), f"temporary {type(o).__name__}") for o in memo.pop(id(memo), [])]
            keys = sorted(place.get(k, "temporary") for k in memo)
            shapes.append((_shape(copied), keys, alive, copied is value))
        return shapes

    expected = run(copy.deepcopy)
    # WHEN samtranslator's modules get the stand-in (Py27Dict.__deepcopy__ calls it too)
    sam_equivalents.install()
    # THEN each copy has the same types, values and sharing, and the memo the same entries and
    # the same originals kept alive, in the same order
    assert py27hash_fix.copy.deepcopy is not copy.deepcopy
    assert run(py27hash_fix.copy.deepcopy) == expected
    assert py27hash_fix.copy.copy is copy.copy


@pytest.mark.usefixtures("originals")
def test_a_template_nested_too_deeply_fails_alike_with_the_stand_ins() -> None:
    # GIVEN SAM templates whose function properties nest deeper and deeper
    def nested(depth: int) -> dict[str, Any]:
        value: Any = "leaf"
        for _ in range(depth):
            value = {"k": [value]} if depth % 2 else {"k": value}
        template = json.loads(json.dumps(API))
        template["Resources"]["Fn"]["Properties"]["Environment"] = {"Variables": {"X": "1"}}
        template["Resources"]["Fn"]["Metadata"] = {"Deep": value}
        return template

    def outcome(template: dict[str, Any]) -> str:
        from hook.core.errors import TemplateError

        try:
            return _expanded(template)
        except TemplateError as exc:
            return str(exc)

    depths = [100, 240, 250, 330, 333, 490, 500, 510]
    before = [outcome(nested(d)) for d in depths]
    # WHEN they are expanded with the stand-ins
    sam_equivalents.install()
    after = [outcome(nested(d)) for d in depths]
    # THEN each expands, or fails, as with samtranslator's own helpers
    assert after == before
    assert any("RecursionError" in b for b in before) and not before[0].startswith("SAM")


def test_only_a_deepcopy_that_returns_the_value_itself_counts_as_one() -> None:
    # GIVEN samtranslator's immutable py27 types, and classes whose __deepcopy__ does something else
    from samtranslator.utils.py27hash_fix import Py27Dict, Py27LongInt, Py27UniStr

    from hook.cli.adapters.sam_equivalents import _copies_to_itself

    class Copies(str):
        def __deepcopy__(self, memo: Any) -> Any:
            return Copies(self)

    class Other(str):
        def __deepcopy__(self, memo: Any) -> Any:
            return memo

    # THEN only the ones written as `return self` are returned as they are
    assert _copies_to_itself(Py27UniStr) and _copies_to_itself(Py27LongInt)
    assert not any(_copies_to_itself(c) for c in (Py27Dict, Copies, Other, str, dict))


def _py27_state(value: Any) -> Any:
    """Everything of a Py27Dict that a copy carries: its items (key types included), its key
    list's slots in their order, size, fill, mask and flags, nested the same way."""
    from samtranslator.utils.py27hash_fix import Py27Dict, Py27Keys

    if isinstance(value, Py27Dict):
        keys = value.keylist
        assert type(keys) is Py27Keys
        return ("Py27Dict", sorted(vars(value)), [(type(k).__name__, k, _py27_state(v)) for k, v in dict.items(value)],
                [(slot, type(k).__name__, k) for slot, k in keys.keyorder.items()], keys.size, keys.fill,
                keys.mask, keys.debug, list(value.keys()))
    if isinstance(value, dict):
        return ("dict", [(type(k).__name__, k, _py27_state(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_py27_state(v) for v in value])
    return (type(value).__name__, value)


@pytest.mark.usefixtures("originals")
def test_py27_dicts_copy_as_their_own_deepcopy_copies_them() -> None:
    # GIVEN Py27Dicts with the histories that shape Python 2.7's key order: inserts past each
    # resize, deletes (dummy slots), pops, keys re-added, colliding keys, plain-str and Py27UniStr
    # keys, nested and shared values, the same key sequences twice (a remembered layout)
    import copy

    from samtranslator.utils import py27hash_fix
    from samtranslator.utils.py27hash_fix import Py27Dict, Py27UniStr

    def history(n: int, unistr: bool) -> Any:
        d = Py27Dict()
        for i in range(n):
            d[Py27UniStr(f"k{i}") if unistr else f"k{i}"] = i
        for i in range(0, n, 3):
            del d[Py27UniStr(f"k{i}") if unistr else f"k{i}"]
        for i in range(0, n, 6):
            d[f"k{i}"] = {"again": i}
        if n > 2:
            d.pop("k1")
        return d

    shared = Py27Dict({"s": [1, 2]})
    nested = Py27Dict()
    nested["paths"] = Py27Dict({"/a": Py27Dict({"get": shared}), "/b": Py27Dict({"post": shared})})
    nested[Py27UniStr("x")] = [shared, Py27Dict(), "text", 1.5, None]
    values = [history(n, u) for n in (0, 1, 5, 6, 17, 40, 100) for u in (False, True)] + [nested] * 2
    values.append({"plain": nested, "list": [nested, history(9, True)]})

    def run(deepcopy: Any) -> list[Any]:
        out = []
        for value in values:
            memo: dict[int, Any] = {}
            copied = deepcopy(value, memo)
            alive = [type(o).__name__ for o in memo.pop(id(memo), [])]
            shared_ok = isinstance(copied, Py27Dict) and "paths" in copied and \
                copied["paths"]["/a"]["get"] is copied["paths"]["/b"]["post"] is copied["x"][0]
            out.append((_py27_state(copied), copied is value, len(memo), alive, shared_ok))
        return out

    expected = run(copy.deepcopy)
    again = run(copy.deepcopy)
    # WHEN samtranslator's modules copy them with the stand-in, twice (layouts remembered)
    sam_equivalents.install()
    fast = py27hash_fix.copy.deepcopy
    assert fast is not copy.deepcopy
    # THEN every copy has the same items, key types, slots, size, fill and mask, the same sharing,
    # the same memo size and originals kept alive, and iterates in the same order
    assert run(fast) == expected == again
    assert run(fast) == expected
    # AND a copy of a copy keeps working as a Py27Dict (adds, deletes, order)
    copied = fast(values[9], {})
    reference = copy.deepcopy(values[9], {})
    for d in (copied, reference):
        d["new"] = 1
        del d["k2"]
    assert _py27_state(copied) == _py27_state(reference)


def test_py27_copies_are_used_only_while_their_deepcopy_is_samtranslators() -> None:
    # GIVEN samtranslator's py27 module, and one whose Py27Dict copies differently
    from samtranslator.utils import py27hash_fix

    from hook.cli.adapters.sam_equivalents import _py27_classes

    class Other(dict):  # type: ignore[type-arg]
        def __deepcopy__(self, memo: Any) -> Any:
            return Other()

    fake = type("M", (), {"Py27Dict": Other, "Py27Keys": py27hash_fix.Py27Keys})
    # THEN only samtranslator's own pair is copied by the stand-in
    assert _py27_classes(py27hash_fix) == (py27hash_fix.Py27Dict, py27hash_fix.Py27Keys)
    assert _py27_classes(fake) is None


@pytest.mark.usefixtures("originals")
def test_the_editors_timed_deepcopy_gets_the_stand_in_and_back() -> None:
    # GIVEN the Swagger and OpenAPI editors' deepcopy, wrapped by samtranslator's cw_timer
    import copy

    from samtranslator.open_api import open_api
    from samtranslator.swagger import swagger
    from samtranslator.utils import py27hash_fix

    wrapped = swagger._deepcopy, open_api._deepcopy
    assert all(getattr(w, "__wrapped__", None) is copy.deepcopy for w in wrapped)
    # WHEN the stand-ins are installed THEN both are the plain-data deepcopy (the one the
    # deepcopy tests above compare with copy.deepcopy); uninstalled, the wrappers again
    sam_equivalents.install()
    assert swagger._deepcopy is open_api._deepcopy is py27hash_fix.copy.deepcopy
    sam_equivalents.uninstall()
    assert (swagger._deepcopy, open_api._deepcopy) == wrapped


def _strict(value: Any) -> Any:
    """A value with its types and its dicts' key order spelled out."""
    if isinstance(value, dict):
        return (type(value).__name__, [(type(k).__name__, k, _strict(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_strict(v) for v in value])
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, repr(value) if isinstance(value, float) else value)


def _containers(value: Any, seen: list[int]) -> list[int]:
    if isinstance(value, dict | list):
        seen.append(id(value))
        for v in value.values() if isinstance(value, dict) else value:
            _containers(v, seen)
    return seen


def test_the_json_round_trip_gives_what_json_gives() -> None:
    # GIVEN what samtranslator's translate returns (Py27Dict in Python 2.7 order, Py27UniStr,
    # Py27LongInt, shared parts) and values json turns around or rejects
    from samtranslator.utils.py27hash_fix import (
        Py27Dict,
        Py27LongInt,
        Py27UniStr,
        undo_mark_unicode_str_in_template,
    )

    from hook.cli.adapters.sam_equivalents import json_round_trip

    class Text(str):
        def __str__(self) -> str:
            return "other"

    class Tuple(tuple):  # type: ignore[type-arg]
        def __iter__(self) -> Iterator[Any]:
            return iter(())

    shared = {"a": [1, 2.5, -0.0, 10**30]}
    py27 = Py27Dict()
    for k in ("zeta", "alpha", "mid", "b", "a1"):
        py27[Py27UniStr(k)] = [Py27UniStr(k.upper()), Py27LongInt(2**70), shared]
    del py27["mid"]
    cycle: list[Any] = []
    cycle.append(cycle)
    values: list[Any] = [
        {"Resources": py27, "Shared": [shared, shared], "T": (1, "x"), "N": None, "B": [True, False]},
        {Text("k"): Text("v"), "t": Tuple((1, 2)), "big": Py27LongInt(2**64)},
        {"dup": 1, Py27UniStr("dup"): 2},
        {1: "int key"}, {None: 1}, {2.5: "float key"}, {"nan": float("nan")}, {"inf": float("-inf")},
        {"set": {1}}, {"bytes": b"x"}, cycle, [[[[[]]]]], "top", 3, 1.5,
    ]
    for template in _sam_templates():
        values.append(expand(template, {}, region="us-east-1", account_id="123456789012")[0])

    def outcome(fn: Any, value: Any) -> Any:
        try:
            got = fn(value)
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
        ids = _containers(got, [])
        return _strict(got), len(ids) == len(set(ids))

    # WHEN they go through json and through the stand-in THEN the same values (types, key order,
    # nothing shared) or the same error
    for value in values:
        assert outcome(json_round_trip, value) == outcome(undo_mark_unicode_str_in_template, value)
    assert outcome(json_round_trip, values[0])[1] is True
    assert outcome(json_round_trip, cycle) == "ValueError: Circular reference detected"
